// Managers' and admins' pages (and each agent's own canned responses): canned responses made,
// edited and deleted; the metrics dashboard (GET /v1/metrics); satisfaction results
// (GET /v1/satisfaction). SLA policies and calendars are in sla.js, the team in team.js, mail
// templates in templates.js.

import { ApiError, call, get, query } from './api.js';
import { announce, h, select, show, when } from './dom.js';
import { locale, t } from './i18n.js';

const STATUSES = ['', 'open', 'pending', 'on-hold', 'resolved'];

function table(id, columns, rows) {
  return h('table', { class: 'tickets', id },
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c ?? '—'))))));
}

function page(main, titleKey, ...content) {
  show(main, h('section', { class: 'list', 'aria-labelledby': 'page-title' }, h('h1', { id: 'page-title' }, t(titleKey)), ...content));
}

// ---- canned responses -----------------------------------------------------------------------

export async function renderCanned(main, ctx, editing = null) {
  const items = (await get('/v1/canned-responses')).items;
  const manager = ctx.who.role !== 'agent';
  const scopeName = (c) => (c.scope.kind === 'personal' ? t('personal') : ctx.allDepartments.find((d) => d.id === c.scope.department)?.name || c.scope.department);
  const current = items.find((c) => c.id === editing) || null;
  const error = (field) => h('span', { class: 'field-error', id: `error-${field}`, role: 'alert' });
  const form = h('form', { class: 'card', id: 'canned-form', 'aria-labelledby': 'canned-form-title', onsubmit: (e) => { e.preventDefault(); save(); } },
    h('h2', { id: 'canned-form-title' }, current ? t('canned_edit', { title: current.title }) : t('canned_new')),
    h('label', { class: 'block' }, t('title'), h('input', { name: 'title', value: current?.title || '', 'aria-describedby': 'error-title' }), error('title')),
    h('label', { class: 'block' }, t('message'), h('textarea', { name: 'body', rows: 5, 'aria-describedby': 'error-body' }, current?.body || ''), error('body')),
    h('p', { class: 'muted small' }, t('placeholders_hint')),
    h('div', { class: 'row' },
      h('label', {}, t('shared_with'), ' ', select({ name: 'department' },
        [['', t('personal')], ...(manager ? ctx.allDepartments.map((d) => [d.id, d.name]) : [])],
        current?.scope.kind === 'department' ? current.scope.department : '')),
      h('label', {}, t('status_on_send'), ' ', select({ name: 'status' }, STATUSES.map((s) => [s, s ? t(`status_${s}`) : t('keep_status')]), current?.actions?.status || '')),
      h('label', {}, t('tags'), ' ', h('input', { name: 'add_tags', size: 14, value: (current?.actions?.add_tags || []).join(', ') }))),
    h('div', { class: 'row' },
      h('button', { type: 'submit', class: 'primary', id: 'canned-save' }, t('save')),
      current ? h('button', { type: 'button', onclick: () => renderCanned(main, ctx) }, t('cancel')) : null));

  async function save() {
    const f = new FormData(form);
    const tags = f.get('add_tags').split(',').map((x) => x.trim()).filter(Boolean);
    const actions = { ...(f.get('status') ? { status: f.get('status') } : {}), ...(tags.length ? { add_tags: tags } : {}) };
    const draft = { title: f.get('title'), body: f.get('body'), ...(f.get('department') ? { department: f.get('department') } : {}), actions };
    form.querySelectorAll('.field-error').forEach((x) => { x.textContent = ''; });
    try {
      await call(current ? 'PUT' : 'POST', current ? `/v1/canned-responses/${current.id}` : '/v1/canned-responses', { body: draft });
      announce(t('saved'));
      await renderCanned(main, ctx);
    } catch (e) {
      const slot = e instanceof ApiError && e.field && form.querySelector(`#error-${e.field.split('.')[0]}`);
      if (slot) slot.textContent = e.message;
      announce(e.message, 'error');
    }
  }

  async function remove(c) {
    if (!window.confirm(t('canned_delete_confirm', { title: c.title }))) return;
    try {
      await call('DELETE', `/v1/canned-responses/${c.id}`);
      announce(t('deleted'));
      await renderCanned(main, ctx);
    } catch (e) {
      announce(e.message, 'error');
    }
  }

  const mayChange = (c) => c.scope.kind === 'personal' || manager;
  page(main, 'canned_responses',
    items.length ? table('canned-list', [t('title'), t('shared_with'), t('message'), h('span', { class: 'sr' }, t('actions'))], items.map((c) => [
      c.title, scopeName(c), c.body.length > 80 ? `${c.body.slice(0, 80)}…` : c.body,
      mayChange(c) ? h('span', { class: 'row' },
        h('button', { type: 'button', 'data-edit': c.title, onclick: () => renderCanned(main, ctx, c.id) }, t('edit')),
        h('button', { type: 'button', 'data-delete': c.title, onclick: () => remove(c) }, t('delete'))) : null,
    ])) : h('p', { class: 'muted' }, t('none_yet')),
    form);
}

// ---- metrics and satisfaction ---------------------------------------------------------------

const percent = (x) => (x === null || x === undefined ? '—' : `${Math.round(x * 1000) / 10} %`);
const duration = (seconds) => {
  if (seconds === null || seconds === undefined) return '—';
  const m = Math.round(seconds / 60);
  return m < 90 ? `${m} min` : `${Math.round(m / 6) / 10} h`;
};

export async function renderMetrics(main, ctx, groupBy = 'department') {
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const data = await get(`/v1/metrics${query({ group_by: groupBy, tz })}`);
  const choose = select({ id: 'group-by', 'aria-label': t('group_by'), onchange: (e) => renderMetrics(main, ctx, e.target.value) },
    ['all', 'department', 'channel', 'priority', 'agent'].map((g) => [g, t(`group_${g}`)]), groupBy);
  page(main, 'metrics',
    h('p', { class: 'row' }, t('period', { from: data.from, to: data.to }), ' ', h('label', {}, t('group_by'), ' ', choose)),
    table('metrics-table', [t('group'), t('m_created'), t('m_solved'), t('m_backlog'), t('m_replies'), t('m_first_response'), t('m_resolution'), t('m_fcr'), t('m_sla_resolution'), t('m_csat'), t('m_reopen')],
      data.totals.map((r) => [r.group, r.created, r.solved, r.backlog, r.replies, duration(r.first_response_p50_s), duration(r.resolution_p50_s), percent(r.fcr_rate),
        percent(r.sla_resolution_rate), percent(r.csat_rate), percent(r.reopen_rate)])));
}

export async function renderSatisfaction(main) {
  const data = await get('/v1/satisfaction');
  page(main, 'satisfaction',
    h('p', {}, t('satisfaction_summary', { good: data.good, bad: data.bad, score: data.score === null ? '—' : `${data.score} %` })),
    data.ratings.length ? table('ratings', [t('number'), t('rating'), t('comment'), t('when')], data.ratings.map((r) => [
      h('a', { href: `#/ticket/${r.ticket_number}` }, r.ticket_number), t(`rating_${r.rating}`), r.comment || '', when(r.at, locale()),
    ])) : h('p', { class: 'muted' }, t('none_yet')));
}
