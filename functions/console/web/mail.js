// Customer mail on the ticket page: its sanitised HTML in a sandboxed frame, and files: the
// attachments' downloads and the reply box's uploads.
//
// The frame is `<iframe sandbox srcdoc>` without `allow-scripts` or `allow-same-origin`: no
// script runs in it and it is an opaque origin (no access to the console, its storage or the
// token). Links open in a new tab (`allow-popups`, `<base target=_blank>`). The HTML as the API
// lists it carries inline images as signed links to the mail bucket, and remote images moved
// to `data-remote-src` (openapi.yaml, Message.body_html); the frame's own policy lets images
// load only from the signed links' origins until the agent asks for "Show images", which
// copies the remote addresses back and allows any image.

import { call, get } from './api.js';
import { announce, h } from './dom.js';
import { t } from './i18n.js';

/// The origins of the images the API left loadable (the signed inline links), for the policy.
function signedOrigins(doc) {
  const origins = new Set();
  for (const img of doc.querySelectorAll('img[src]')) {
    try {
      const url = new URL(img.getAttribute('src'));
      if (url.protocol === 'https:' || url.protocol === 'http:') origins.add(url.origin);
    } catch { /* a relative or broken src loads nothing in an opaque frame */ }
  }
  return [...origins];
}

/// The frame's whole document: a policy (no scripts, no fetches, images as allowed), then the mail.
export function frameDocument(html, showRemote) {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  // Belt and braces over the API's sanitiser: nothing that could navigate the frame (a meta
  // refresh), change its base or policy, or embed or submit anything.
  for (const el of doc.querySelectorAll('meta, base, link, script, iframe, frame, object, embed, form')) el.remove();
  const images = showRemote ? '* data:' : ['data:', ...signedOrigins(doc)].join(' ');
  let remote = 0;
  for (const img of doc.querySelectorAll('img[data-remote-src]')) {
    remote += 1;
    if (showRemote) img.setAttribute('src', img.getAttribute('data-remote-src'));
  }
  const policy = `default-src 'none'; img-src ${images}; style-src 'unsafe-inline'; form-action 'none'`;
  const head = `<meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${policy}">` +
    '<meta name="referrer" content="no-referrer"><base target="_blank">' +
    '<style>body{margin:8px;font:15px/1.45 system-ui,sans-serif;color:#1d2330;overflow-wrap:anywhere}img{max-width:100%;height:auto}</style>';
  return { srcdoc: `<!doctype html><html><head>${head}</head><body>${doc.body.innerHTML}</body></html>`, remote };
}

/// A height that shows most short mails whole (the frame's content cannot be measured from
/// outside an opaque origin); longer ones scroll inside the frame.
function frameHeight(m) {
  const lines = (m.body_text || '').split('\n').length + (m.quoted_text ? 2 : 0);
  return Math.max(120, Math.min(560, 40 + lines * 24));
}

export function mailFrame(m) {
  const frame = h('iframe', {
    class: 'mail', sandbox: 'allow-popups allow-popups-to-escape-sandbox', referrerpolicy: 'no-referrer',
    title: t('mail_frame', { from: m.from || '' }), height: frameHeight(m),
  });
  const { srcdoc, remote } = frameDocument(m.body_html, false);
  frame.srcdoc = srcdoc;
  const button = remote ? h('button', {
    type: 'button', class: 'show-images', onclick: () => {
      frame.srcdoc = frameDocument(m.body_html, true).srcdoc;
      button.remove();
    },
  }, t('show_images', { count: remote })) : null;
  return h('div', { class: 'mail-html' }, button ? h('p', { class: 'row muted' }, t('images_blocked'), ' ', button) : null, frame);
}

/// Opens a signed link to the file (read as JSON: a page cannot follow the API's redirect with
/// the token); the bucket sends it as a download under its name.
async function download(ticket, m, index) {
  try {
    const link = await get(`/v1/tickets/${ticket.id}/messages/${m.id}/attachments/${index}/link`);
    window.location.assign(link.url);
  } catch (e) {
    announce(e.message, 'error');
  }
}

export function attachmentList(ticket, m) {
  const files = (m.attachments || []).map((a, i) => [a, i + 1]).filter(([a]) => !(a.inline && a.content_id && m.body_html));
  if (!files.length) return null;
  return h('ul', { class: 'attachments', 'aria-label': t('attachments') }, files.map(([a, index]) => h('li', {},
    a.quarantined
      ? h('span', { class: 'muted' }, `${a.name} (${t('quarantined')})`)
      : h('button', { type: 'button', class: 'link', 'data-attachment': a.name, onclick: () => download(ticket, m, index) },
        a.name), ' ', h('span', { class: 'muted' }, `${Math.ceil(a.size / 1024)} KB`))));
}

/// Uploads the chosen files for a reply (`POST /v1/uploads`, then a `PUT` of the bytes to the
/// signed link, straight to the bucket); the upload ids the reply names.
export async function uploadAll(fileList) {
  const ids = [];
  for (const file of fileList) {
    const { body: upload } = await call('POST', '/v1/uploads', {
      body: { name: file.name, content_type: file.type || 'application/octet-stream', size: file.size },
    });
    const put = await fetch(upload.url, { method: upload.method, headers: upload.headers, body: file });
    if (!put.ok) throw new Error(t('upload_failed', { name: file.name }));
    ids.push(upload.upload_id);
  }
  return ids;
}
