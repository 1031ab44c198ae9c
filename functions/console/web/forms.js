// What the editing pages share: a labelled field with its error slot beside it, a form's
// general error slot, and the API's field error shown next to the field its path starts with
// (`targets.high.first_response` beside the high first-response box, `weekly_hours.mon[0]`
// beside Monday's hours); a path no field claims shows in the form's general slot.

import { announce, h } from './dom.js';

let serial = 0;

/// `control` under its `label`, its error slot after it; `key` is the API's field path for it.
export function field(label, control, key, hint) {
  serial += 1;
  const error = `error-${serial}`;
  const hintId = hint ? `hint-${serial}` : null;
  control.id = control.id || `field-${serial}`;
  control.setAttribute('aria-describedby', [hintId, error].filter(Boolean).join(' '));
  return h('div', { class: 'field' },
    h('label', { for: control.id }, label),
    control,
    hint ? h('span', { class: 'muted small', id: hintId }, hint) : null,
    h('span', { class: 'field-error', id: error, 'data-error-for': key }));
}

/// A checkbox with its label after it, and an error slot.
export function checkbox(label, attrs, key) {
  serial += 1;
  const error = `error-${serial}`;
  return h('div', { class: 'field' },
    h('label', {}, h('input', { type: 'checkbox', 'aria-describedby': error, ...attrs }), ' ', label),
    h('span', { class: 'field-error', id: error, 'data-error-for': key }));
}

/// The slot for errors no field claims; put it above the form's buttons.
export function formError() {
  return h('p', { class: 'field-error', 'data-error-for': '', role: 'alert' });
}

export function clearErrors(form) {
  form.querySelectorAll('[data-error-for]').forEach((slot) => { slot.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach((control) => control.removeAttribute('aria-invalid'));
}

/// Where the error for API field `path` goes: the slot whose key is the longest prefix of it.
function slotFor(form, path) {
  const covers = (key) => key && (path === key || path.startsWith(`${key}.`) || path.startsWith(`${key}[`));
  const slots = [...form.querySelectorAll('[data-error-for]')].filter((s) => covers(s.dataset.errorFor));
  slots.sort((a, b) => b.dataset.errorFor.length - a.dataset.errorFor.length);
  return slots[0] || form.querySelector('[data-error-for=""]');
}

/// Shows why a save failed: beside its field (which is marked invalid and focused) and in the
/// status line.
export function showError(form, error, path = error.field || '') {
  clearErrors(form);
  const slot = slotFor(form, path);
  if (slot) {
    slot.textContent = error.message;
    const control = form.querySelector(`[aria-describedby~="${slot.id}"]`);
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      control.focus();
    }
  }
  announce(error.message, 'error');
}

/// A mistake found before anything is sent, shown like the API's.
export class FieldError extends Error {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}
