// The ticket page's custom fields (edited with the properties, saved in the same PATCH) and
// the merge form (`POST /v1/tickets/{id}/merge`).

import { ApiError, call } from './api.js';
import { announce, h } from './dom.js';
import { t } from './i18n.js';

const KEY = /^[a-z][a-z0-9_]{0,39}$/;

/// The inputs for the ticket's custom fields, plus one pair to add a field.
export function customFieldInputs(ticket) {
  const entries = Object.entries(ticket.custom_fields || {}).sort(([a], [b]) => a.localeCompare(b));
  return h('fieldset', { class: 'custom-fields' },
    h('legend', {}, t('custom_fields')),
    entries.map(([key, value]) => h('label', {}, key, h('input', { name: `cf:${key}`, value: String(value) }))),
    h('div', { class: 'row' },
      h('input', { name: 'cf-new-key', size: 12, placeholder: t('field_name'), 'aria-label': t('field_name') }),
      h('input', { name: 'cf-new-value', size: 12, placeholder: t('field_value'), 'aria-label': t('field_value') })),
    h('p', { class: 'muted small' }, t('custom_fields_hint')));
}

/// A value typed as text, in the type the field had (a number stays a number, a yes/no a boolean).
function typed(text, before) {
  if (typeof before === 'number' && text.trim() !== '' && !Number.isNaN(Number(text))) return Number(text);
  if (typeof before === 'boolean' && ['true', 'false'].includes(text.trim())) return text.trim() === 'true';
  return text;
}

/// The `custom_fields` patch the form asks for (null removes a field), or null for none; throws
/// a message for a malformed new field name.
export function customFieldsPatch(form, ticket) {
  const before = ticket.custom_fields || {};
  const patch = {};
  for (const [key, value] of Object.entries(before)) {
    const text = form.get(`cf:${key}`);
    if (text === null) continue;
    if (text.trim() === '') patch[key] = null;
    else if (text !== String(value)) patch[key] = typed(text, value);
  }
  const key = (form.get('cf-new-key') || '').trim();
  const value = form.get('cf-new-value') || '';
  if (key) {
    if (!KEY.test(key)) throw new Error(t('field_name_rule'));
    patch[key] = value;
  }
  return Object.keys(patch).length ? patch : null;
}

/// "Merge into": moves this ticket's conversation into another and closes this one. Two
/// requesters' tickets need the agent's explicit yes, asked when the API says so.
export function mergeForm(ticket, done) {
  const into = h('input', { name: 'into', id: 'merge-into', size: 10, placeholder: 'HD-1042' });
  const confirm = h('label', { hidden: true, class: 'row' },
    h('input', { type: 'checkbox', id: 'merge-different' }), ' ', t('merge_different_requesters'));
  async function merge(e) {
    e.preventDefault();
    const target = into.value.trim();
    if (!target) return announce(t('merge_target_missing'), 'error');
    const different = confirm.querySelector('input').checked;
    try {
      await call('POST', `/v1/tickets/${ticket.id}/merge`, { body: { into: target, ...(different ? { different_requesters: true } : {}) } });
      announce(t('merged', { number: ticket.number, into: target }));
      done(target);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'different_requesters') {
        confirm.hidden = false;
        return announce(t('merge_confirm'), 'error');
      }
      announce(error.message, 'error');
    }
  }
  return h('form', { class: 'merge', 'aria-labelledby': 'merge-title', onsubmit: merge },
    h('h2', { id: 'merge-title' }, t('merge')),
    h('label', { for: 'merge-into' }, t('merge_into')), ' ', into, confirm,
    h('div', { class: 'row' }, h('button', { type: 'submit', id: 'merge' }, t('merge'))));
}
