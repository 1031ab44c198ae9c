// Lambdesk contact widget. Paste on any page of a site the desk allows (ContactFormOrigins):
//   <div id="lambdesk-contact"></div>
//   <script src="https://<api>/contact/widget.js" async></script>
// It draws the desk's contact form (in the reader's language), sends files straight to
// storage through signed upload forms, and posts the message to the desk's API.
(function () {
  'use strict';
  var API = '__LAMBDESK_API__';
  var host = document.getElementById('lambdesk-contact');
  if (!host) {
    host = document.createElement('div');
    host.id = 'lambdesk-contact';
    var me = document.currentScript;
    (me && me.parentNode ? me.parentNode : document.body).insertBefore(host, me ? me.nextSibling : null);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }

  function field(desc, id, label, control, hint) {
    var wrap = el('div', { 'class': 'lambdesk-field' });
    var lab = el('label', { 'for': 'lambdesk-' + id }, label);
    if (hint) lab.appendChild(el('span', { 'class': 'lambdesk-hint' }, ' (' + hint + ')'));
    control.id = 'lambdesk-' + id;
    control.name = id;
    wrap.appendChild(lab);
    wrap.appendChild(control);
    desc.controls[id] = control;
    return wrap;
  }

  function showErrors(desc, form, errors, message) {
    var box = form.querySelector('.lambdesk-errors');
    box.textContent = '';
    Object.keys(desc.controls).forEach(function (id) {
      var c = desc.controls[id];
      c.removeAttribute('aria-invalid');
      c.removeAttribute('aria-describedby');
      var old = document.getElementById('lambdesk-' + id + '-error');
      if (old) old.remove();
    });
    if (!errors.length && !message) { box.hidden = true; return; }
    box.hidden = false;
    if (message) box.appendChild(el('p', {}, message));
    // As on the hosted page: a summary that says what to correct, each item leading to its field.
    var list = el('ul');
    errors.forEach(function (e) {
      var c = desc.controls[e.field];
      if (!c) { list.appendChild(el('li', {}, e.message)); return; }
      var item = el('li');
      var link = el('a', { href: '#lambdesk-' + e.field }, (desc.labels[e.field] || e.field) + ': ' + e.message);
      link.addEventListener('click', function (ev) { ev.preventDefault(); c.focus(); });
      item.appendChild(link);
      list.appendChild(item);
      c.setAttribute('aria-invalid', 'true');
      c.setAttribute('aria-describedby', 'lambdesk-' + e.field + '-error');
      c.parentNode.appendChild(el('p', { 'class': 'lambdesk-field-error', id: 'lambdesk-' + e.field + '-error' }, e.message));
    });
    if (errors.length) {
      var title = el('p');
      title.appendChild(el('strong', {}, desc.labels.errors_title));
      box.appendChild(title);
      box.appendChild(list);
    }
    box.focus();
  }

  // Files already stored, so a corrected form does not send them again.
  var uploaded = typeof WeakMap === 'function' ? new WeakMap() : null;

  function upload(desc, file) {
    if (uploaded && uploaded.has(file)) return Promise.resolve(uploaded.get(file));
    return fetch(desc.uploads_url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: file.name, content_type: file.type || 'application/octet-stream', size: file.size })
    }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw { errors: [{ field: 'attachments', message: body.error.message }] };
        var data = new FormData();
        Object.keys(body.fields).forEach(function (k) { data.append(k, body.fields[k]); });
        data.append('file', file);
        return fetch(body.url, { method: 'POST', body: data }).then(function (s) {
          if (!s.ok) throw { errors: [{ field: 'attachments', message: file.name }] };
          if (uploaded) uploaded.set(file, body.upload_id);
          return body.upload_id;
        });
      });
    });
  }

  function render(desc) {
    var L = desc.labels;
    desc.controls = {};
    var form = el('form', { 'class': 'lambdesk-form', novalidate: '' });
    form.appendChild(el('h2', {}, L.title));
    form.appendChild(el('p', {}, L.intro));
    var errors = el('div', { 'class': 'lambdesk-errors', role: 'alert', tabindex: '-1' });
    errors.hidden = true;
    form.appendChild(errors);
    form.appendChild(field(desc, 'name', L.name, el('input', { type: 'text', autocomplete: 'name', required: '' })));
    form.appendChild(field(desc, 'email', L.email, el('input', { type: 'email', autocomplete: 'email', required: '' })));
    form.appendChild(field(desc, 'phone', L.phone, el('input', { type: 'tel', autocomplete: 'tel' }), L.optional));
    var select = el('select', { required: '' });
    select.appendChild(el('option', { value: '' }, L.choose));
    desc.categories.forEach(function (c) { select.appendChild(el('option', { value: c.id }, c.label)); });
    form.appendChild(field(desc, 'category', L.category, select));
    form.appendChild(field(desc, 'subject', L.subject, el('input', { type: 'text', required: '' })));
    form.appendChild(field(desc, 'message', L.message, el('textarea', { rows: '6', required: '' })));
    form.appendChild(field(desc, 'attachments', L.attachments, el('input', { type: 'file', multiple: '' }), L.optional));
    form.appendChild(el('p', { 'class': 'lambdesk-hint' }, L.attachments_hint));
    var trap = el('input', { type: 'text', name: 'website', tabindex: '-1', autocomplete: 'off', 'aria-hidden': 'true' });
    trap.style.cssText = 'position:absolute;left:-10000px;width:1px;height:1px';
    form.appendChild(trap);
    var captcha = null;
    if (desc.captcha) {
      captcha = el('div', { 'class': desc.captcha['class'], 'data-sitekey': desc.captcha.site_key });
      form.appendChild(captcha);
      var s = el('script', { src: desc.captcha.script, async: '' });
      document.head.appendChild(s);
    }
    var button = el('button', { type: 'submit' }, L.submit);
    form.appendChild(button);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      button.disabled = true;
      var c = desc.controls;
      var files = Array.prototype.slice.call(c.attachments.files || []);
      Promise.all(files.map(function (f) { return upload(desc, f); })).then(function (ids) {
        var body = {
          name: c.name.value, email: c.email.value, phone: c.phone.value, category: c.category.value,
          subject: c.subject.value, message: c.message.value, website: trap.value,
          form_token: desc.form_token, attachments: ids
        };
        if (desc.captcha) {
          var answer = form.querySelector('[name="' + desc.captcha.response_field + '"]');
          body.captcha = answer ? answer.value : '';
        }
        return fetch(desc.submit_url, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body)
        }).then(function (r) {
          return r.json().then(function (reply) {
            if (!r.ok) {
              throw {
                errors: reply.error.fields || [], message: reply.error.fields ? '' : reply.error.message,
                // A refused form (an old or already used token, say) is sent again with a fresh one.
                refresh: r.status === 400 || (reply.error.fields || []).some(function (f) {
                  return f.field === 'form_token';
                })
              };
            }
            host.textContent = '';
            var done = el('div', { 'class': 'lambdesk-confirmation', role: 'status' });
            done.appendChild(el('h2', {}, L.thanks_title));
            var p = el('p', {}, L.thanks_number + ' ');
            p.appendChild(el('strong', { 'class': 'lambdesk-ticket-number' }, reply.ticket_number));
            done.appendChild(p);
            done.appendChild(el('p', {}, reply.message));
            host.appendChild(done);
          });
        });
      }).catch(function (e) {
        button.disabled = false;
        if (e && e.refresh) {
          fetch(API + '/v1/contact/form', { headers: { accept: 'application/json' } })
            .then(function (r) { return r.json(); })
            .then(function (fresh) { desc.form_token = fresh.form_token; })
            .catch(function () {});
        }
        showErrors(desc, form, (e && e.errors) || [], (e && e.message) || (e && e.errors ? '' : L.unavailable));
      });
    });
    host.textContent = '';
    host.appendChild(form);
  }

  fetch(API + '/v1/contact/form', { headers: { accept: 'application/json' } })
    .then(function (r) { return r.json(); })
    .then(render)
    .catch(function () {
      host.textContent = '';
      host.appendChild(el('p', {}, 'The contact form could not load. Please try again later.'));
    });
})();
