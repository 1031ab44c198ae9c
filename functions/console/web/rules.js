// The managers' rules page: every automation rule in order, switched on or off in place, moved
// up or down (two `PUT`s swapping positions), and edited: name and position as fields, triggers,
// conditions and actions as JSON (docs/rules.md has their shape). `PUT /v1/rules/{id}` takes the
// rule as read with the changes; a 422 names the field (`actions[0].department`), and the error
// is shown beside the field it belongs to. Below the editor, a dry run of the rule on a ticket.

import { ApiError, call, get } from './api.js';
import { announce, h, show } from './dom.js';
import { t } from './i18n.js';

const JSON_FIELDS = ['triggers', 'conditions', 'actions'];

/// The rule as `PUT` takes it: the stored rule without what the desk keeps itself.
function draftOf(rule) {
  const { id, created_at, updated_at, ...draft } = rule;
  return draft;
}

async function put(rule, draft) {
  await call('PUT', `/v1/rules/${rule.id}`, { body: draft });
}

/// The form's field an API error belongs to: the first part of its path.
function fieldOf(error) {
  const path = (error.field || '').split(/[.[]/)[0];
  return ['name', 'position', ...JSON_FIELDS].includes(path) ? path : 'name';
}

function editor(main, rule) {
  const draft = draftOf(rule);
  const error = (field) => h('span', { class: 'field-error', id: `rule-error-${field}`, role: 'alert' });
  const form = h('form', { class: 'card', id: 'rule-form', 'aria-labelledby': 'rule-form-title', onsubmit: (e) => { e.preventDefault(); save(); } },
    h('h2', { id: 'rule-form-title' }, t('rule_edit', { name: rule.name })),
    h('label', { class: 'block' }, t('name'), h('input', { name: 'name', value: rule.name, 'aria-describedby': 'rule-error-name' }), error('name')),
    h('label', { class: 'block' }, t('position'), h('input', { name: 'position', type: 'number', value: String(rule.position), 'aria-describedby': 'rule-error-position' }), error('position')),
    JSON_FIELDS.map((field) => h('label', { class: 'block' }, t(field === 'triggers' ? 'triggers' : `rule_${field}`),
      h('textarea', { name: field, rows: 5, class: 'code', spellcheck: 'false', 'aria-describedby': `rule-error-${field}` }, JSON.stringify(rule[field] ?? null, null, 2)),
      error(field))),
    h('div', { class: 'row' },
      h('button', { type: 'submit', class: 'primary', id: 'rule-save' }, t('save')),
      h('button', { type: 'button', onclick: () => renderRules(main) }, t('cancel'))));

  async function save() {
    form.querySelectorAll('.field-error').forEach((x) => { x.textContent = ''; });
    const f = new FormData(form);
    const next = { ...draft, name: f.get('name'), position: Number(f.get('position')) };
    for (const field of JSON_FIELDS) {
      try {
        next[field] = JSON.parse(f.get(field));
      } catch (e) {
        form.querySelector(`#rule-error-${field}`).textContent = t('not_json', { reason: e.message });
        return announce(t('not_json', { reason: field }), 'error');
      }
      if (next[field] === null) delete next[field];
    }
    try {
      await put(rule, next);
      await renderRules(main);
      announce(t('saved'));
    } catch (e) {
      if (e instanceof ApiError) form.querySelector(`#rule-error-${fieldOf(e)}`).textContent = e.field ? `${e.field}: ${e.message}` : e.message;
      announce(e.message, 'error');
    }
  }
  return [form, dryRun(rule)];
}

/// "Try on a ticket": what this rule would do on a ticket for one of its triggers, changing
/// nothing (`POST /v1/rules/dry-run` with `rule`).
function dryRun(rule) {
  const ticket = h('input', { id: 'dry-run-ticket', size: 10, placeholder: 'HD-1042' });
  const event = h('select', { id: 'dry-run-event', 'aria-label': t('triggers') },
    rule.triggers.map((x, i) => h('option', { value: String(i) }, x.on || JSON.stringify(x))));
  const result = h('div', { id: 'dry-run-result', 'aria-live': 'polite' });
  async function run(e) {
    e.preventDefault();
    if (!ticket.value.trim()) return announce(t('merge_target_missing'), 'error');
    try {
      const body = { ticket: ticket.value.trim(), event: rule.triggers[Number(event.value)], rule: rule.id };
      const { body: evaluation } = await call('POST', '/v1/rules/dry-run', { body });
      const outcome = evaluation.outcomes[0];
      const line = (x) => h('li', {}, typeof x === 'string' ? x : JSON.stringify(x));
      show(result, !outcome ? h('p', {}, evaluation.cut || t('dry_run_nothing')) : [
        h('p', {}, h('strong', {}, outcome.fired ? t('dry_run_fired') : t('dry_run_skipped')), outcome.skipped ? ` ${outcome.skipped}` : ''),
        outcome.conditions?.length ? [h('h3', {}, t('rule_conditions')), h('ul', {}, outcome.conditions.map(line))] : null,
        outcome.changes?.length ? [h('h3', {}, t('dry_run_changes')), h('ul', {}, outcome.changes.map(line))] : null,
        outcome.effects?.length ? [h('h3', {}, t('dry_run_effects')), h('ul', {}, outcome.effects.map(line))] : null,
        outcome.problems?.length ? h('ul', { class: 'error' }, outcome.problems.map(line)) : null,
      ]);
    } catch (error) {
      show(result, h('p', { class: 'error' }, error.message));
    }
  }
  return h('form', { class: 'card', id: 'dry-run', 'aria-labelledby': 'dry-run-title', onsubmit: run },
    h('h2', { id: 'dry-run-title' }, t('dry_run')),
    h('div', { class: 'row' },
      h('label', { for: 'dry-run-ticket' }, t('number')), ticket,
      h('label', { for: 'dry-run-event' }, t('triggers')), event,
      h('button', { type: 'submit', id: 'dry-run-go' }, t('dry_run_go'))),
    result);
}

export async function renderRules(main, editing = null) {
  const rules = (await get('/v1/rules')).items.sort((a, b) => a.position - b.position);
  async function change(rule, changes, message) {
    try {
      await put(rule, { ...draftOf(rule), ...changes });
      await renderRules(main);
      announce(message);
    } catch (e) {
      announce(e.message, 'error');
    }
  }
  /// Swaps the positions of the rule at `i` and its neighbour at `i + step`.
  async function move(i, step) {
    const [a, b] = [rules[i], rules[i + step]];
    if (!b) return;
    try {
      const [pa, pb] = [a.position, b.position === a.position ? a.position + step : b.position];
      await put(a, { ...draftOf(a), position: pb });
      await put(b, { ...draftOf(b), position: pa });
      await renderRules(main);
      announce(t('rule_moved', { name: a.name }));
    } catch (e) {
      announce(e.message, 'error');
    }
  }
  const current = rules.find((r) => r.id === editing);
  show(main, h('section', { class: 'list', 'aria-labelledby': 'rules-title' },
    h('h1', { id: 'rules-title' }, t('rules')),
    h('table', { class: 'tickets' },
      h('thead', {}, h('tr', {}, ['position', 'name', 'triggers', 'enabled', 'actions'].map((c) => h('th', { scope: 'col' }, t(c))))),
      h('tbody', {}, rules.map((rule, i) => h('tr', { 'data-rule': rule.name },
        h('td', {}, String(rule.position)),
        h('td', {}, rule.name),
        h('td', {}, rule.triggers.map((x) => x.type || x.on || x.event || JSON.stringify(x)).join(', ')),
        h('td', {}, h('input', {
          type: 'checkbox', checked: rule.enabled, 'aria-label': t('enabled_rule', { name: rule.name }),
          onchange: (e) => change(rule, { enabled: e.target.checked }, e.target.checked ? t('rule_on', { name: rule.name }) : t('rule_off', { name: rule.name })),
        })),
        h('td', {}, h('span', { class: 'row' },
          h('button', { type: 'button', class: 'up', disabled: i === 0, 'aria-label': t('move_up', { name: rule.name }), onclick: () => move(i, -1) }, '↑'),
          h('button', { type: 'button', class: 'down', disabled: i === rules.length - 1, 'aria-label': t('move_down', { name: rule.name }), onclick: () => move(i, 1) }, '↓'),
          h('button', { type: 'button', class: 'edit', onclick: () => renderRules(main, rule.id) }, t('edit')))))))),
    current ? editor(main, current) : null));
  if (current) main.querySelector('#rule-form input[name=name]').focus();
}
