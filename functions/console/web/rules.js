// The managers' rules page: every automation rule in order, each switched on or off in place
// (PUT /v1/rules/{id} with the rule as read and `enabled` changed). Editing a rule's conditions
// and actions is still done through the API (docs/rules.md).

import { call, get } from './api.js';
import { announce, h, show } from './dom.js';
import { t } from './i18n.js';

/// The rule as `PUT` takes it: the stored rule without what the desk keeps itself.
function draftOf(rule) {
  const { id, created_at, updated_at, ...draft } = rule;
  return draft;
}

export async function renderRules(main) {
  const rules = (await get('/v1/rules')).items.sort((a, b) => a.position - b.position);
  async function toggle(rule, enabled) {
    try {
      await call('PUT', `/v1/rules/${rule.id}`, { body: { ...draftOf(rule), enabled } });
      announce(enabled ? t('rule_on', { name: rule.name }) : t('rule_off', { name: rule.name }));
      await renderRules(main);
    } catch (e) {
      announce(e.message, 'error');
    }
  }
  show(main, h('section', { class: 'list', 'aria-labelledby': 'rules-title' },
    h('h1', { id: 'rules-title' }, t('rules')),
    h('table', { class: 'tickets' },
      h('thead', {}, h('tr', {}, ['position', 'name', 'triggers', 'enabled'].map((c) => h('th', { scope: 'col' }, t(c))))),
      h('tbody', {}, rules.map((rule) => h('tr', { 'data-rule': rule.name },
        h('td', {}, String(rule.position)),
        h('td', {}, rule.name),
        h('td', {}, rule.triggers.map((x) => x.type || x.event || JSON.stringify(x)).join(', ')),
        h('td', {}, h('input', {
          type: 'checkbox', checked: rule.enabled, 'aria-label': t('enabled_rule', { name: rule.name }),
          onchange: (e) => toggle(rule, e.target.checked),
        }))))))));
}
