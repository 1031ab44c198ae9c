// The ticket page: the conversation and the audit trail as one timeline, the reply box (canned
// responses, the status to set on send, internal notes) and the properties, saved with the ETag
// the page read: a 412 means someone else changed the ticket, and the page says what changed.

import { ApiError, call, get, query } from './api.js';
import { announce, beginDraw, h, select, show, when } from './dom.js';
import { locale, t } from './i18n.js';
import { customFieldInputs, customFieldsPatch, mergeForm } from './extras.js';
import { attachmentList, mailFrame, uploadAll } from './mail.js';

const STATUSES = ['new', 'open', 'pending', 'on-hold', 'resolved', 'closed', 'spam'];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const LEVELS = ['L1', 'L2', 'L3'];
/// Fields compared when a save meets a newer version.
const COMPARED = ['subject', 'status', 'priority', 'department', 'assignee', 'support_level', 'tags', 'type', 'cc', 'custom_fields'];

function entry(kind, at, ...content) {
  return { kind, at, node: h('li', { class: `entry ${kind}`, 'data-kind': kind }, ...content) };
}

function messageEntry(ticket, m) {
  const kind = m.visibility === 'internal' ? 'note' : m.author;
  const label = { note: t('internal_note'), customer: t('customer'), agent: t('agent_reply'), system: t('system') }[kind] || kind;
  return entry(kind, m.created_at,
    h('div', { class: 'meta' }, h('strong', {}, label), ' ', m.from || '', ' · ', h('time', { datetime: m.created_at }, when(m.created_at, locale()))),
    m.body_html ? mailFrame(m) : h('div', { class: 'body' }, m.body_text),
    attachmentList(ticket, m));
}

/// Names of the agents the page knows, for audit lines that carry ids.
let agentNames = new Map();

function changeText(c) {
  const v = (x) => (x === null || x === undefined || x === '' ? '—' : Array.isArray(x) ? x.join(', ')
    : typeof x === 'object' ? JSON.stringify(x) : (c.field === 'assignee' && agentNames.get(x)) || String(x));
  return `${c.field}: ${v(c.from)} → ${v(c.to)}`;
}

function auditEntry(e) {
  if (e.type === 'message.added' || e.type === 'note.added' || e.type === 'reply.added') return null;
  return entry('audit', e.at,
    h('div', { class: 'meta' }, h('span', {}, e.type), ' · ', h('time', { datetime: e.at }, when(e.at, locale()))),
    e.changes?.length ? h('div', {}, e.changes.map(changeText).join('; ')) : null);
}

/// The canned responses this agent may use, with placeholders filled for this ticket.
function fill(text, ticket, requester, me) {
  return text
    .replaceAll('{{requester.name}}', requester?.name || requester?.email || '')
    .replaceAll('{{ticket.number}}', ticket.number)
    .replaceAll('{{agent.name}}', me?.name || '');
}

export async function renderTicket(main, ctx, number) {
  const newest = beginDraw(main);
  let { body: ticket, etag } = await call('GET', `/v1/tickets/${number}`);
  const [messages, audit, requester, canned] = await Promise.all([
    get(`/v1/tickets/${number}/messages${query({ limit: 100 })}`),
    get(`/v1/tickets/${number}/audit${query({ limit: 100 })}`),
    get(`/v1/contacts/${ticket.requester}`).catch(() => null),
    get(`/v1/canned-responses${query({ department: ticket.department })}`).catch(() => ({ items: [] })),
  ]);
  const others = await get(`/v1/contacts/${ticket.requester}/tickets${query({ limit: 10 })}`).catch(() => ({ items: [] }));
  // The colleagues of the ticket's department (anyone's for a ticket of none).
  const assignees = ticket.department
    ? (await get(`/v1/assignees${query({ department: ticket.department })}`).catch(() => ({ items: ctx.agents }))).items
    : ctx.agents;
  agentNames = new Map([...ctx.agents, ...assignees].map((a) => [a.id, a.name]));
  const timeline = [...messages.items.map((m) => messageEntry(ticket, m)), ...audit.items.map(auditEntry).filter(Boolean)]
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));

  const conflict = h('div', { class: 'conflict', role: 'alert', hidden: true });
  const agentOptions = [['', t('nobody')], ...assignees.map((a) => [a.id, a.name])];
  if (ticket.assignee && !assignees.some((a) => a.id === ticket.assignee)) agentOptions.push([ticket.assignee, ctx.agents.find((a) => a.id === ticket.assignee)?.name || ticket.assignee]);
  const props = h('form', { class: 'props', 'aria-label': t('properties'), onsubmit: (e) => { e.preventDefault(); save(); } },
    h('label', {}, t('status'), select({ name: 'status' }, STATUSES.map((s) => [s, t(`status_${s}`)]), ticket.status)),
    h('label', {}, t('priority'), select({ name: 'priority' }, PRIORITIES.map((s) => [s, t(`priority_${s}`)]), ticket.priority)),
    h('label', {}, t('department'), select({ name: 'department' }, [['', '—'], ...ctx.allDepartments.map((d) => [d.id, d.name])], ticket.department || '')),
    h('label', {}, t('assignee'), select({ name: 'assignee' }, agentOptions, ticket.assignee || '')),
    h('label', {}, t('support_level'), select({ name: 'support_level' }, LEVELS.map((s) => [s, s]), ticket.support_level)),
    h('label', {}, t('tags'), h('input', { name: 'tags', value: ticket.tags.join(', ') })),
    h('label', {}, t('cc'), h('input', { name: 'cc', value: ticket.cc.join(', ') })),
    customFieldInputs(ticket),
    h('div', { class: 'row' },
      h('button', { type: 'submit', class: 'primary', id: 'save' }, t('save')),
      ctx.me ? h('button', { type: 'button', id: 'assign-me', onclick: () => quick({ assignee: ctx.me.id }) }, t('assign_to_me')) : null,
      h('button', { type: 'button', id: 'resolve', onclick: () => quick({ status: 'resolved' }) }, t('resolve'))),
    conflict);

  /// The fields of the form that differ from the ticket as read.
  function patchFromForm() {
    const f = new FormData(props);
    const patch = {};
    for (const k of ['status', 'priority', 'support_level']) if (f.get(k) !== ticket[k]) patch[k] = f.get(k);
    for (const k of ['department', 'assignee']) if ((f.get(k) || null) !== ticket[k]) patch[k] = f.get(k) || null;
    const list = (text) => text.split(',').map((x) => x.trim()).filter(Boolean);
    const tags = list(f.get('tags'));
    const addTags = tags.filter((x) => !ticket.tags.includes(x));
    const removeTags = ticket.tags.filter((x) => !tags.includes(x));
    if (addTags.length) patch.add_tags = addTags;
    if (removeTags.length) patch.remove_tags = removeTags;
    const cc = list(f.get('cc'));
    const addCc = cc.filter((x) => !ticket.cc.includes(x));
    const removeCc = ticket.cc.filter((x) => !cc.includes(x));
    if (addCc.length) patch.add_cc = addCc;
    if (removeCc.length) patch.remove_cc = removeCc;
    const fields = customFieldsPatch(f, ticket);
    if (fields) patch.custom_fields = fields;
    return patch;
  }

  async function patch(changes) {
    if (Object.keys(changes).length === 0) return announce(t('nothing_changed'));
    try {
      await call('PATCH', `/v1/tickets/${ticket.id}`, { body: changes, ifMatch: etag });
      announce(t('saved'));
      await renderTicket(main, ctx, number);
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) return showConflict();
      announce(e.message, 'error');
    }
  }

  const save = () => {
    try {
      return patch(patchFromForm());
    } catch (e) {
      return announce(e.message, 'error');
    }
  };
  const quick = (changes) => patch(changes);

  async function showConflict() {
    const newer = await get(`/v1/tickets/${ticket.id}`);
    const changed = COMPARED.filter((k) => JSON.stringify(newer[k]) !== JSON.stringify(ticket[k]));
    show(conflict,
      h('p', {}, h('strong', {}, t('conflict'))),
      h('ul', {}, changed.map((k) => h('li', {}, changeText({ field: k, from: ticket[k], to: newer[k] })))),
      h('button', { type: 'button', onclick: () => renderTicket(main, ctx, number) }, t('reload')));
    conflict.hidden = false;
    announce(t('conflict'), 'error');
  }

  // The reply box: one text, sent as a public reply (with the status to set) or as a note.
  const text = h('textarea', { id: 'reply-text', name: 'body', rows: 6, 'aria-label': t('message') });
  const cannedChoice = select({ id: 'canned', 'aria-label': t('canned_responses') },
    [['', t('canned_pick')], ...canned.items.map((c) => [c.id, c.title])], '');
  let cannedActions = null;
  cannedChoice.addEventListener('change', () => {
    const c = canned.items.find((x) => x.id === cannedChoice.value);
    if (!c) return;
    text.value = (text.value ? `${text.value}\n\n` : '') + fill(c.body, ticket, requester, ctx.me);
    cannedActions = c.actions || null;
    if (cannedActions?.status) sendStatus.value = cannedActions.status;
    text.focus();
  });
  const sendStatus = select({ id: 'send-status', 'aria-label': t('status_on_send') },
    [['', t('keep_status')], ...['open', 'pending', 'on-hold', 'resolved'].map((s) => [s, t(`status_${s}`)])], 'pending');
  const files = ctx.uploads ? h('input', { type: 'file', id: 'reply-files', multiple: true }) : null;
  const replyBox = h('form', { class: 'reply', 'aria-label': t('reply'), onsubmit: (e) => { e.preventDefault(); send('reply'); } },
    h('div', { class: 'row' }, cannedChoice),
    text,
    files ? h('div', { class: 'row' }, h('label', { for: 'reply-files' }, t('attach_files')), files) : null,
    h('div', { class: 'row' },
      h('label', {}, t('status_on_send'), ' ', sendStatus),
      h('button', { type: 'submit', class: 'primary', id: 'send-reply' }, t('send_reply')),
      h('button', { type: 'button', id: 'add-note', onclick: () => send('note') }, t('add_note'))));

  async function send(kind) {
    const body = text.value.trim();
    if (!body) return announce(t('message_empty'), 'error');
    try {
      if (kind === 'reply') {
        const attachments = files?.files.length ? await uploadAll(files.files) : [];
        await call('POST', `/v1/tickets/${ticket.id}/replies`, {
          body: { body, ...(sendStatus.value ? { status: sendStatus.value } : {}), ...(attachments.length ? { attachments } : {}) },
        });
      } else {
        await call('POST', `/v1/tickets/${ticket.id}/notes`, { body: { body } });
      }
      if (kind === 'reply' && cannedActions?.add_tags?.length) {
        const fresh = await call('GET', `/v1/tickets/${ticket.id}`);
        await call('PATCH', `/v1/tickets/${ticket.id}`, { body: { add_tags: cannedActions.add_tags }, ifMatch: fresh.etag });
      }
      announce(kind === 'reply' ? t('reply_sent') : t('note_added'));
      await renderTicket(main, ctx, number);
    } catch (e) {
      announce(e.message, 'error');
    }
  }

  if (!newest()) return;
  show(main, h('div', { class: 'ticket' },
    h('section', { class: 'conversation', 'aria-labelledby': 'ticket-title' },
      h('h1', { id: 'ticket-title' }, `${ticket.number} · ${ticket.subject}`),
      h('p', { class: 'muted' }, requester ? `${requester.name || ''} <${requester.email || requester.phone || ''}>` : '',
        ' · ', h('span', { class: `badge status-${ticket.status}`, id: 'ticket-status' }, t(`status_${ticket.status}`))),
      h('ol', { class: 'timeline', 'aria-label': t('timeline') }, timeline.map((x) => x.node)),
      replyBox),
    h('aside', { class: 'side' },
      h('h2', {}, t('properties')), props,
      mergeForm(ticket, (into) => { location.hash = `#/ticket/${encodeURIComponent(into)}`; }),
      h('h2', {}, t('requester_tickets')),
      h('ul', { class: 'results' }, others.items.filter((x) => x.id !== ticket.id).map((x) =>
        h('li', {}, h('a', { href: `#/ticket/${x.number}` }, `${x.number} · ${x.subject}`)))))));
  ctx.keys.set(main, { reply: () => { text.focus(); }, note: () => text.focus(), assign: () => ctx.me && quick({ assignee: ctx.me.id }), resolve: () => quick({ status: 'resolved' }) });
}
