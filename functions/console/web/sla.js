// SLA policies and business calendars (managers and admins): both listed, made, edited and
// deleted through /v1/sla-policies and /v1/calendars. A policy's targets are a grid of minutes
// per priority (empty: not measured), its conditions JSON (rules.md's shape); a calendar's
// hours are typed per day ("09:00-12:00, 13:00-17:00") and its holidays are rows. A calendar
// is saved with If-Match (the version the form was opened at): a stale one is refused (412).

import { call, get } from './api.js';
import { announce, h, select, show } from './dom.js';
import { checkbox, clearErrors, field, formError, FieldError, showError } from './forms.js';
import { t } from './i18n.js';

const PRIORITIES = ['urgent', 'high', 'normal', 'low'];
const TARGETS = ['first_response', 'next_response', 'resolution'];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function table(id, columns, rows) {
  return h('table', { class: 'tickets', id },
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c ?? '—'))))));
}

function targets(policy) {
  return Object.entries(policy.targets || {}).map(([priority, x]) =>
    `${t(`priority_${priority}`)}: ${Object.entries(x).map(([k, v]) => `${t(`sla_${k}`)} ${v} min`).join(', ')}`).join('; ');
}

const hoursText = (spans) => (spans || []).map((s) => `${s.from}-${s.to}`).join(', ');

/// `editing`: `{ kind: 'policy' | 'calendar', id }` (id null for a new one), or null.
export async function renderSla(main, ctx, editing = null) {
  const [policies, calendars] = await Promise.all([get('/v1/sla-policies'), get('/v1/calendars')]);
  const again = (next = null) => renderSla(main, ctx, next);
  const buttons = (kind, item, remove) => h('span', { class: 'row' },
    h('button', { type: 'button', 'data-edit': `${kind}:${item.id}`, 'aria-label': `${t('edit')}: ${item.name}`, onclick: () => again({ kind, id: item.id }) }, t('edit')),
    h('button', { type: 'button', 'data-delete': `${kind}:${item.id}`, 'aria-label': `${t('delete')}: ${item.name}`, onclick: () => remove(item) }, t('delete')));
  const removal = (path) => async (item) => {
    if (!window.confirm(t('delete_confirm', { name: item.name }))) return;
    try {
      await call('DELETE', `${path}/${item.id}`);
      announce(t('deleted'));
      await again();
    } catch (e) {
      announce(e.message, 'error');
    }
  };
  let form = null;
  if (editing?.kind === 'policy') form = policyEditor(policies.items.find((p) => p.id === editing.id) || null, calendars.items, again);
  if (editing?.kind === 'calendar') {
    const current = editing.id ? await call('GET', `/v1/calendars/${editing.id}`) : null;
    form = calendarEditor(current?.body || null, current?.etag || null, again);
  }
  const hours = (c) => DAYS.filter((d) => c.weekly_hours?.[d]?.length).map((d) => `${t(`day_${d}`)} ${hoursText(c.weekly_hours[d])}`).join('; ');
  show(main, h('section', { class: 'list', 'aria-labelledby': 'page-title' },
    h('h1', { id: 'page-title' }, t('sla')),
    h('h2', {}, t('sla_policies')),
    table('sla-policies', [t('position'), t('name'), t('sla_targets'), t('business_time'), t('calendar'), h('span', { class: 'sr' }, t('actions'))], policies.items.map((p) => [
      String(p.position), p.name, targets(p), p.business_time ? t('yes') : t('no'), p.calendar || t('default_calendar'), buttons('policy', p, removal('/v1/sla-policies')),
    ])),
    h('p', {}, h('button', { type: 'button', id: 'policy-new', onclick: () => again({ kind: 'policy', id: null }) }, t('sla_policy_new'))),
    editing?.kind === 'policy' ? form : null,
    h('h2', {}, t('calendars')),
    table('calendars', [t('name'), 'id', t('time_zone'), t('hours'), t('holidays'), h('span', { class: 'sr' }, t('actions'))], calendars.items.map((c) => [
      c.name, c.id, c.time_zone, hours(c), (c.holidays || []).map((x) => `${x.date}${x.name ? ` ${x.name}` : ''}`).join(', '), buttons('calendar', c, removal('/v1/calendars')),
    ])),
    h('p', {}, h('button', { type: 'button', id: 'calendar-new', onclick: () => again({ kind: 'calendar', id: null }) }, t('calendar_new'))),
    editing?.kind === 'calendar' ? form : null));
  if (form) form.querySelector('input, select, textarea')?.focus();
}

function policyEditor(current, calendars, again) {
  const warning = current?.warning || { percent: 80 };
  const grid = h('table', { class: 'grid' },
    h('caption', {}, t('sla_targets_minutes')),
    h('thead', {}, h('tr', {}, h('td', {}), TARGETS.map((k) => h('th', { scope: 'col' }, t(`sla_${k}`))))),
    h('tbody', {}, PRIORITIES.map((p) => h('tr', {},
      h('th', { scope: 'row' }, t(`priority_${p}`)),
      TARGETS.map((k) => {
        const error = `error-targets-${p}-${k}`;
        return h('td', {},
          h('input', {
            type: 'number', min: 1, max: 527040, name: `${p}.${k}`, size: 6, value: current?.targets?.[p]?.[k] ?? '',
            'aria-label': `${t(`priority_${p}`)}: ${t(`sla_${k}`)}`, 'aria-describedby': error,
          }),
          h('span', { class: 'field-error', id: error, 'data-error-for': `targets.${p}.${k}` }));
      })))),
    h('tfoot', {}, h('tr', {}, h('td', { colspan: 4 }, h('span', { class: 'field-error', id: 'error-targets', 'data-error-for': 'targets' })))));
  const form = h('form', {
    class: 'card', novalidate: true, id: 'policy-form', 'aria-labelledby': 'policy-form-title',
    onsubmit: (e) => { e.preventDefault(); save(); },
  },
  h('h2', { id: 'policy-form-title' }, current ? t('sla_policy_edit', { name: current.name }) : t('sla_policy_new')),
  h('div', { class: 'row' },
    field(t('name'), h('input', { name: 'name', value: current?.name || '', required: true }), 'name'),
    field(t('position'), h('input', { name: 'position', type: 'number', min: 0, value: current?.position ?? 100 }), 'position')),
  grid,
  h('div', { class: 'row' },
    field(t('calendar'), select({ name: 'calendar' }, [['', t('default_calendar')], ...calendars.map((c) => [c.id, c.name])], current?.calendar || ''), 'calendar'),
    field(t('warning_at'), select({ name: 'warning_kind' }, [['percent', t('warning_percent')], ['minutes_before', t('warning_minutes')]], 'minutes_before' in warning ? 'minutes_before' : 'percent'), 'warning_kind'),
    field(t('warning_value'), h('input', { name: 'warning_value', type: 'number', min: 1, value: warning.percent ?? warning.minutes_before }), 'warning')),
  checkbox(t('business_time_hint'), { name: 'business_time', checked: current ? current.business_time : true }, 'business_time'),
  checkbox(t('pause_when_waiting'), { name: 'pause_when_waiting', checked: current ? current.pause_when_waiting : true }, 'pause_when_waiting'),
  field(t('sla_conditions'), h('textarea', { name: 'conditions', rows: 3, class: 'code' }, JSON.stringify(current?.conditions || {})), 'conditions'),
  formError(),
  h('div', { class: 'row' },
    h('button', { type: 'submit', class: 'primary', id: 'policy-save' }, t('save')),
    h('button', { type: 'button', onclick: () => again() }, t('cancel'))));

  async function save() {
    const f = new FormData(form);
    clearErrors(form);
    try {
      const draft = {
        name: f.get('name').trim(),
        position: Number(f.get('position')),
        targets: {},
        business_time: f.get('business_time') === 'on',
        pause_when_waiting: f.get('pause_when_waiting') === 'on',
        warning: { [f.get('warning_kind')]: Number(f.get('warning_value')) },
        conditions: parseJson(f.get('conditions'), 'conditions'),
      };
      if (f.get('calendar')) draft.calendar = f.get('calendar');
      for (const p of PRIORITIES) {
        for (const k of TARGETS) {
          const v = f.get(`${p}.${k}`);
          if (v !== '') draft.targets[p] = { ...draft.targets[p], [k]: Number(v) };
        }
      }
      await call(current ? 'PUT' : 'POST', current ? `/v1/sla-policies/${current.id}` : '/v1/sla-policies', { body: draft });
      announce(t('saved'));
      await again();
    } catch (e) {
      showError(form, e);
    }
  }
  return form;
}

function parseJson(text, key) {
  try {
    return JSON.parse(text.trim() || '{}');
  } catch (e) {
    throw new FieldError(key, t('not_json', { reason: e.message }));
  }
}

let rowSerial = 0;

function holidayRow(holiday, index) {
  rowSerial += 1;
  const error = `error-holiday-${rowSerial}`;
  return h('li', { class: 'row holiday' },
    h('input', { type: 'date', name: 'holiday_date', value: holiday.date || '', 'aria-label': t('holiday_date', { n: index + 1 }), 'aria-describedby': error }),
    h('label', {}, h('input', { type: 'checkbox', checked: holiday.yearly }), ' ', t('yearly')),
    h('input', { name: 'holiday_name', value: holiday.name || '', 'aria-label': t('holiday_name', { n: index + 1 }) }),
    h('button', { type: 'button', onclick: (e) => e.target.closest('li').remove() }, t('remove')),
    h('span', { class: 'field-error', id: error, 'data-error-for': `holidays[${index}]` }));
}

function calendarEditor(current, etag, again) {
  const holidays = h('ol', { class: 'holidays' }, (current?.holidays || []).map(holidayRow));
  const form = h('form', {
    class: 'card', novalidate: true, id: 'calendar-form', 'aria-labelledby': 'calendar-form-title',
    onsubmit: (e) => { e.preventDefault(); save(); },
  },
  h('h2', { id: 'calendar-form-title' }, current ? t('calendar_edit', { name: current.name }) : t('calendar_new')),
  h('div', { class: 'row' },
    current ? null : field(t('calendar_id'), h('input', { name: 'id', required: true, maxlength: 40 }), 'id'),
    field(t('name'), h('input', { name: 'name', value: current?.name || '', required: true }), 'name'),
    field(t('time_zone'), h('input', { name: 'time_zone', value: current?.time_zone || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' }), 'time_zone')),
  h('fieldset', {}, h('legend', {}, t('hours')), h('p', { class: 'muted small' }, t('hours_hint')),
    DAYS.map((d) => field(t(`day_${d}`), h('input', { name: `day_${d}`, value: hoursText(current?.weekly_hours?.[d]), placeholder: '09:00-17:00' }), `weekly_hours.${d}`))),
  h('fieldset', {}, h('legend', {}, t('holidays')), holidays,
    h('button', { type: 'button', id: 'holiday-add', onclick: () => { holidays.append(holidayRow({}, holidays.children.length)); holidays.lastChild.querySelector('input').focus(); } }, t('holiday_add'))),
  formError(),
  h('div', { class: 'row' },
    h('button', { type: 'submit', class: 'primary', id: 'calendar-save' }, t('save')),
    h('button', { type: 'button', onclick: () => again() }, t('cancel'))));

  async function save() {
    const f = new FormData(form);
    clearErrors(form);
    try {
      const weekly = {};
      for (const d of DAYS) {
        weekly[d] = f.get(`day_${d}`).split(',').map((x) => x.trim()).filter(Boolean).map((span) => {
          const [from, to, extra] = span.split(/\s*[-–]\s*/);
          if (!from || !to || extra !== undefined) throw new FieldError(`weekly_hours.${d}`, t('bad_hours'));
          return { from, to };
        });
      }
      // Rows may have been removed: the API's `holidays[i]` is the i-th row now.
      const rows = [...holidays.children];
      rows.forEach((li, i) => { li.querySelector('.field-error').dataset.errorFor = `holidays[${i}]`; });
      const days = rows.map((li) => ({
        date: li.querySelector('[name=holiday_date]').value,
        yearly: li.querySelector('[type=checkbox]').checked,
        name: li.querySelector('[name=holiday_name]').value.trim(),
      }));
      const draft = {
        name: f.get('name').trim(),
        time_zone: f.get('time_zone').trim(),
        weekly_hours: weekly,
        holidays: days.map(({ date, yearly, name }) => ({ date, yearly, ...(name ? { name } : {}) })),
      };
      if (current) await call('PUT', `/v1/calendars/${current.id}`, { body: draft, ifMatch: etag });
      else await call('POST', '/v1/calendars', { body: { id: f.get('id').trim(), ...draft } });
      announce(t('saved'));
      await again();
    } catch (e) {
      if (e.status === 412) e.message = t('stale_calendar');
      showError(form, e);
    }
  }
  return form;
}
