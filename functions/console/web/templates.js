// Mail templates (admins): every template in every language, the ones an admin changed
// marked; editing one writes it with PUT /v1/templates/{name}/{language} (the API renders it
// before storing and names `subject` or `text` with the line of a mistake), and a changed
// built-in goes back to the shipped text with DELETE.

import { call, get } from './api.js';
import { announce, h, show, when } from './dom.js';
import { clearErrors, field, formError, showError } from './forms.js';
import { locale, t } from './i18n.js';

/// `editing`: `{ name, language }` of the template whose form is open, or null.
export async function renderTemplates(main, ctx, editing = null) {
  const items = (await get('/v1/templates')).items;
  const again = (next = null) => renderTemplates(main, ctx, next);
  const current = editing && items.find((x) => x.name === editing.name && x.language === editing.language);
  const label = (x) => `${x.name} (${x.language})`;

  async function reset(x) {
    if (!window.confirm(t('template_reset_confirm', { name: label(x) }))) return;
    try {
      await call('DELETE', `/v1/templates/${x.name}/${x.language}`);
      announce(t('template_reset_done'));
      await again();
    } catch (e) {
      announce(e.message, 'error');
    }
  }

  show(main, h('section', { class: 'list', 'aria-labelledby': 'page-title' },
    h('h1', { id: 'page-title' }, t('templates')),
    h('p', { class: 'muted' }, t('templates_hint')),
    current ? editor(current, again) : null,
    h('table', { class: 'tickets', id: 'templates' },
      h('thead', {}, h('tr', {}, [t('name'), t('language'), t('subject'), t('customized'), h('span', { class: 'sr' }, t('actions'))].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, items.map((x) => h('tr', {},
        h('td', {}, x.name), h('td', {}, x.language), h('td', {}, x.subject),
        h('td', {}, x.customized ? `${t('yes')}, ${when(x.updated_at, locale())}` : t('shipped')),
        h('td', {}, h('span', { class: 'row' },
          h('button', { type: 'button', 'data-edit': label(x), 'aria-label': `${t('edit')}: ${label(x)}`, onclick: () => again(x) }, t('edit')),
          x.customized ? h('button', { type: 'button', 'data-reset': label(x), 'aria-label': `${t('template_reset')}: ${label(x)}`, onclick: () => reset(x) }, t('template_reset')) : null))))))));
  main.querySelector('#template-form textarea, #template-form input')?.focus();
}

function editor(current, again) {
  const form = h('form', {
    class: 'card', novalidate: true, id: 'template-form', 'aria-labelledby': 'template-form-title',
    onsubmit: (e) => { e.preventDefault(); save(); },
  },
  h('h2', { id: 'template-form-title' }, t('template_edit', { name: current.name, language: current.language })),
  field(t('subject'), h('input', { name: 'subject', value: current.subject, class: 'wide' }), 'subject'),
  field(t('template_text'), h('textarea', { name: 'text', rows: 14, class: 'code' }, current.text), 'text', t('template_variables')),
  formError(),
  h('div', { class: 'row' },
    h('button', { type: 'submit', class: 'primary', id: 'template-save' }, t('save')),
    h('button', { type: 'button', onclick: () => again() }, t('cancel'))));

  async function save() {
    const f = new FormData(form);
    clearErrors(form);
    try {
      await call('PUT', `/v1/templates/${current.name}/${current.language}`, { body: { subject: f.get('subject'), text: f.get('text') } });
      announce(t('saved'));
      await again();
    } catch (e) {
      showError(form, e);
    }
  }
  return form;
}
