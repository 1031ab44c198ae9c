// The team page: departments (admins add and edit them: name, lead, calendar) and agents
// (admins invite them, which creates their Cognito account and mails the invitation, and
// change their role, departments, seniority and whether they are active). Managers read it.

import { call, get } from './api.js';
import { announce, h, select, show } from './dom.js';
import { checkbox, clearErrors, field, formError, showError } from './forms.js';
import { t } from './i18n.js';

const ROLES = ['agent', 'manager', 'admin'];
const SENIORITIES = ['junior', 'regular', 'senior'];

function table(id, columns, rows) {
  return h('table', { class: 'tickets', id },
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c ?? '—'))))));
}

/// Renders the page; `editing` is `{ kind: 'agent' | 'department', id }` or null.
export async function renderTeam(main, ctx, editing = null) {
  const admin = ctx.who.role === 'admin';
  const [agents, departments, calendars] = await Promise.all([
    get('/v1/agents').then((x) => x.items),
    get('/v1/departments').then((x) => x.items),
    get('/v1/calendars').then((x) => x.items),
  ]);
  ctx.allDepartments = departments;
  const name = (id) => agents.find((a) => a.id === id)?.name || id;
  const again = (next = null) => renderTeam(main, ctx, next);
  const editButton = (kind, item, label) => h('button', {
    type: 'button', 'data-edit': `${kind}:${item.id}`, 'aria-label': `${t('edit')}: ${label}`,
    onclick: () => again({ kind, id: item.id }),
  }, t('edit'));

  const agentForm = admin ? agentEditor(agents.find((a) => editing?.kind === 'agent' && a.id === editing.id) || null, departments, again) : null;
  const departmentForm = admin
    ? departmentEditor(departments.find((d) => editing?.kind === 'department' && d.id === editing.id) || null, agents, calendars, again)
    : null;

  show(main, h('section', { class: 'list', 'aria-labelledby': 'page-title' },
    h('h1', { id: 'page-title' }, t('team')),
    h('h2', {}, t('departments')),
    table('departments', [t('name'), 'id', t('lead'), t('calendar'), admin ? h('span', { class: 'sr' }, t('actions')) : null].filter(Boolean),
      departments.map((d) => [d.name, d.id, d.lead ? name(d.lead) : null, d.calendar_id || t('default_calendar'),
        ...(admin ? [editButton('department', d, d.name)] : [])])),
    departmentForm,
    h('h2', {}, t('agents')),
    table('agents', [t('name'), t('email'), t('role'), t('departments'), t('active'), admin ? h('span', { class: 'sr' }, t('actions')) : null].filter(Boolean),
      agents.map((a) => [a.name, a.email, t(`role_${a.role}`), a.departments.join(', '), a.active ? t('yes') : t('no'),
        ...(admin ? [editButton('agent', a, a.name)] : [])])),
    agentForm));
  const open = main.querySelector('form[data-editing]');
  if (open) open.querySelector('input, select')?.focus();
}

/// The invite form (`current` null) or the edit form of one agent.
function agentEditor(current, departments, again) {
  const departmentBoxes = h('fieldset', { class: 'choices', 'aria-describedby': 'agent-departments-error' },
    h('legend', {}, t('departments')),
    departments.map((d) => h('label', {},
      h('input', { type: 'checkbox', name: 'departments', value: d.id, checked: current?.departments.includes(d.id) }), ' ', d.name)),
    h('span', { class: 'field-error', id: 'agent-departments-error', 'data-error-for': 'departments' }));
  const form = h('form', {
    class: 'card', novalidate: true, id: current ? 'agent-edit' : 'agent-invite', 'aria-labelledby': 'agent-form-title',
    'data-editing': current ? current.id : null,
    onsubmit: (e) => { e.preventDefault(); save(); },
  },
  h('h2', { id: 'agent-form-title' }, current ? t('agent_edit', { name: current.name }) : t('invite_agent')),
  current ? null : h('p', { class: 'muted small' }, t('invite_hint')),
  field(t('email'), h('input', { name: 'email', type: 'email', autocomplete: 'off', value: current?.email || '', required: true }), 'email'),
  field(t('name'), h('input', { name: 'name', value: current?.name || '', required: true }), 'name'),
  h('div', { class: 'row' },
    field(t('role'), select({ name: 'role' }, ROLES.map((r) => [r, t(`role_${r}`)]), current?.role || 'agent'), 'role'),
    field(t('seniority'), select({ name: 'seniority' }, SENIORITIES.map((s) => [s, t(`seniority_${s}`)]), current?.seniority || 'regular'), 'seniority')),
  departmentBoxes,
  current ? checkbox(t('active_hint'), { name: 'active', checked: current.active }, 'active') : null,
  formError(),
  h('div', { class: 'row' },
    h('button', { type: 'submit', class: 'primary', id: 'agent-save' }, current ? t('save') : t('invite')),
    current ? h('button', { type: 'button', onclick: () => again() }, t('cancel')) : null));

  async function save() {
    const f = new FormData(form);
    const body = {
      email: f.get('email').trim(),
      name: f.get('name').trim(),
      role: f.get('role'),
      seniority: f.get('seniority'),
      departments: f.getAll('departments'),
      ...(current ? { active: f.get('active') === 'on' } : {}),
    };
    if (current) {
      for (const key of ['email', 'name', 'role', 'seniority']) if (body[key] === current[key]) delete body[key];
    }
    clearErrors(form);
    try {
      const saved = (await call(current ? 'PATCH' : 'POST', current ? `/v1/agents/${current.id}` : '/v1/agents', { body })).body;
      announce(current ? t('agent_saved', { name: saved.name }) : t('invited', { email: saved.email }));
      await again();
    } catch (e) {
      showError(form, e);
    }
  }
  return form;
}

/// The new-department form (`current` null) or the edit form of one department.
function departmentEditor(current, agents, calendars, again) {
  const form = h('form', {
    class: 'card', novalidate: true, id: current ? 'department-edit' : 'department-new', 'aria-labelledby': 'department-form-title',
    'data-editing': current ? current.id : null,
    onsubmit: (e) => { e.preventDefault(); save(); },
  },
  h('h2', { id: 'department-form-title' }, current ? t('department_edit', { name: current.name }) : t('department_new')),
  current ? null : field(t('department_id'), h('input', { name: 'id', required: true, pattern: '[a-z0-9][a-z0-9-]*', maxlength: 40 }), 'id'),
  field(t('name'), h('input', { name: 'name', value: current?.name || '', required: true }), 'name'),
  h('div', { class: 'row' },
    field(t('lead'), select({ name: 'lead' }, [['', t('no_lead')], ...agents.filter((a) => a.active).map((a) => [a.id, a.name])], current?.lead || ''), 'lead'),
    field(t('calendar'), select({ name: 'calendar_id' }, [['', t('default_calendar')], ...calendars.map((c) => [c.id, c.name])], current?.calendar_id || ''), 'calendar_id')),
  formError(),
  h('div', { class: 'row' },
    h('button', { type: 'submit', class: 'primary', id: 'department-save' }, current ? t('save') : t('create')),
    current ? h('button', { type: 'button', onclick: () => again() }, t('cancel')) : null));

  async function save() {
    const f = new FormData(form);
    clearErrors(form);
    try {
      if (current) {
        const body = { name: f.get('name').trim(), lead: f.get('lead') || null, calendar_id: f.get('calendar_id') || null };
        await call('PATCH', `/v1/departments/${current.id}`, { body });
      } else {
        const body = { id: f.get('id').trim(), name: f.get('name').trim() };
        if (f.get('lead')) body.lead = f.get('lead');
        if (f.get('calendar_id')) body.calendar_id = f.get('calendar_id');
        await call('POST', '/v1/departments', { body });
      }
      announce(t('saved'));
      await again();
    } catch (e) {
      showError(form, e);
    }
  }
  return form;
}
