// The inbox: queues on the left (with counts), the chosen queue's tickets on the right, refreshed
// every REFRESH_MS while the page is open. Every queue is one list call of the public API.

import { call, get, query } from './api.js';
import { announce, h, show, select, when } from './dom.js';
import { t, locale } from './i18n.js';

const REFRESH_MS = 30_000;
/// A count is exact up to this; beyond it shows as "100+".
const COUNT_LIMIT = 100;
const SORTS = ['urgent', 'sla', 'oldest', 'newest'];
const STATUSES = ['new', 'open', 'pending', 'on-hold', 'resolved', 'closed', 'spam'];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const CHANNELS = ['email', 'form', 'phone', 'api'];

/// The queues this person has: [id, label, list parameters, keep(ticket)].
export function queues(ctx) {
  const list = [];
  if (ctx.me) list.push(['mine', t('queue_mine'), { assignee: ctx.me.id }, (x) => !['resolved', 'closed', 'spam'].includes(x.status)]);
  for (const d of ctx.departments) {
    list.push([`unassigned-${d.id}`, t('queue_unassigned', { department: d.name }), { department: d.id }, (x) => !x.assignee && !['resolved', 'closed', 'spam'].includes(x.status)]);
  }
  for (const d of ctx.departments) list.push([`department-${d.id}`, d.name, { department: d.id }, null]);
  list.push(['pending', t('queue_pending'), { status: 'pending' }, null]);
  list.push(['at-risk', t('queue_at_risk'), { sla: 'warning' }, null]);
  list.push(['breached', t('queue_breached'), { sla: 'breached' }, null]);
  return list;
}

/// The tickets of a queue, with the filters and sort applied (the API refuses `oldest`/`newest`
/// with an SLA filter only when combined with a solved status, so the sort is passed as chosen).
async function load(queue, filters) {
  const [, , params, keep] = queue;
  const sort = params.sla && !['sla', 'urgent'].includes(filters.sort) ? 'sla' : filters.sort;
  const page = await get(`/v1/tickets${query({ ...params, ...filters.fields, sort, limit: COUNT_LIMIT })}`);
  const items = keep ? page.items.filter(keep) : page.items;
  return { items, more: Boolean(page.next_cursor) };
}

function countText(result) {
  return result.more ? `${result.items.length}+` : String(result.items.length);
}

function slaText(ticket) {
  const clocks = (ticket.sla?.clocks || []).filter((c) => !c.met_at);
  if (clocks.some((c) => c.state === 'breached')) return h('span', { class: 'badge breached' }, t('sla_breached'));
  if (clocks.some((c) => c.state === 'warning')) return h('span', { class: 'badge warning' }, t('sla_warning'));
  const due = clocks.map((c) => c.due_at).filter(Boolean).sort()[0];
  return due ? h('span', { class: 'muted' }, t('sla_due', { when: when(due, locale()) })) : null;
}

export async function renderInbox(main, ctx, queueId) {
  const all = queues(ctx);
  const current = all.find((q) => q[0] === queueId) || all[0];
  const filters = ctx.filters;
  const counts = h('ul', { class: 'queues', 'aria-label': t('queues') });
  const body = h('section', { class: 'list', 'aria-labelledby': 'queue-title' });
  const filterBar = h('form', { class: 'filters', onchange: (e) => {
    const f = new FormData(e.currentTarget);
    filters.sort = f.get('sort');
    filters.fields = Object.fromEntries(['status', 'priority', 'channel', 'assignee', 'tag'].map((k) => [k, f.get(k)]).filter(([, v]) => v));
    refresh();
  }, onsubmit: (e) => e.preventDefault() },
    h('label', {}, t('sort'), ' ', select({ name: 'sort' }, SORTS.map((s) => [s, t(`sort_${s}`)]), filters.sort)),
    h('label', {}, t('status'), ' ', select({ name: 'status' }, [['', t('any')], ...STATUSES.map((s) => [s, t(`status_${s}`)])], filters.fields.status || '')),
    h('label', {}, t('priority'), ' ', select({ name: 'priority' }, [['', t('any')], ...PRIORITIES.map((s) => [s, t(`priority_${s}`)])], filters.fields.priority || '')),
    h('label', {}, t('channel'), ' ', select({ name: 'channel' }, [['', t('any')], ...CHANNELS.map((s) => [s, s])], filters.fields.channel || '')),
    h('label', {}, t('assignee'), ' ', select({ name: 'assignee' }, [['', t('any')], ...ctx.agents.map((a) => [a.id, a.name])], filters.fields.assignee || '')),
    h('label', {}, t('tag'), ' ', h('input', { name: 'tag', size: 10, value: filters.fields.tag || '' })));
  const bulkAssignee = select({ id: 'bulk-assignee', 'aria-label': t('assignee') }, ctx.agents.map((a) => [a.id, a.name]), ctx.me?.id || '');
  const bulkStatus = select({ 'aria-label': t('status') }, STATUSES.map((x) => [x, t(`status_${x}`)]), 'open');
  const bulkTag = h('input', { size: 10, 'aria-label': t('tag') });
  const bulk = h('div', { class: 'row bulk', role: 'group', 'aria-label': t('bulk') },
    h('span', { class: 'muted' }, t('bulk')),
    ctx.me ? h('button', { type: 'button', id: 'bulk-assign-me', onclick: () => apply({ assignee: ctx.me.id }) }, t('assign_to_me')) : null,
    ctx.agents.length ? [bulkAssignee, h('button', { type: 'button', id: 'bulk-assign', onclick: () => apply({ assignee: bulkAssignee.value }) }, t('assign'))] : null,
    bulkStatus, h('button', { type: 'button', id: 'bulk-status', onclick: () => apply({ status: bulkStatus.value }) }, t('set_status')),
    bulkTag, h('button', { type: 'button', id: 'bulk-tag', onclick: () => bulkTag.value.trim() && apply({ add_tags: [bulkTag.value.trim()] }) }, t('add_tag')));

  // The ticks live here, not in the table: the list is redrawn every REFRESH_MS, and a redraw
  // must not drop what the agent ticked.
  const ticked = new Set();

  /// Applies `changes` to every ticket ticked, each with the ETag read just before.
  async function apply(changes) {
    const chosen = [...ticked];
    if (!chosen.length) return announce(t('bulk_none'), 'error');
    const failed = [];
    for (const id of chosen) {
      try {
        const { etag } = await call('GET', `/v1/tickets/${id}`);
        await call('PATCH', `/v1/tickets/${id}`, { body: changes, ifMatch: etag });
      } catch (e) {
        failed.push(`${id}: ${e.message}`);
      }
    }
    ticked.clear();
    await refresh();
    announce(failed.length ? failed.join('; ') : t('bulk_done', { count: chosen.length }), failed.length ? 'error' : 'info');
  }

  show(main, h('div', { class: 'inbox' }, h('nav', { 'aria-label': t('queues') }, counts), h('div', {}, filterBar, bulk, body)));

  async function refresh() {
    const results = await Promise.all(all.map((q) => load(q, filters).catch((e) => ({ error: e, items: [], more: false }))));
    show(counts, all.map((q, i) =>
      h('li', {}, h('a', { href: `#/inbox/${q[0]}`, 'aria-current': q === current ? 'page' : null, 'data-queue': q[0] },
        h('span', {}, q[1]), h('span', { class: 'count', 'data-count': q[0] }, countText(results[i]))))));
    const result = results[all.indexOf(current)];
    ctx.visible = result.items.map((x) => x.number);
    const shown = new Set(result.items.map((x) => x.id));
    for (const id of [...ticked]) if (!shown.has(id)) ticked.delete(id);
    show(body,
      h('h1', { id: 'queue-title' }, current[1]),
      result.error ? h('p', { class: 'error' }, result.error.message) : null,
      result.items.length === 0 ? h('p', { class: 'muted' }, t('queue_empty')) :
      h('table', { class: 'tickets' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, h('span', { class: 'sr' }, t('select'))),
          ['number', 'subject', 'status', 'priority', 'department', 'sla', 'updated'].map((c) => h('th', { scope: 'col' }, t(c))))),
        h('tbody', {}, result.items.map((x) => h('tr', { 'data-number': x.number },
          h('td', {}, h('input', {
            type: 'checkbox', 'data-id': x.id, checked: ticked.has(x.id),
            onchange: (e) => (e.target.checked ? ticked.add(x.id) : ticked.delete(x.id)),
            'aria-label': t('select_ticket', { number: x.number }) })),
          h('td', {}, h('a', { href: `#/ticket/${x.number}` }, x.number)),
          h('td', {}, h('a', { href: `#/ticket/${x.number}` }, x.subject)),
          h('td', {}, h('span', { class: `badge status-${x.status}` }, t(`status_${x.status}`))),
          h('td', {}, t(`priority_${x.priority}`)),
          h('td', {}, ctx.allDepartments.find((d) => d.id === x.department)?.name || x.department || '—'),
          h('td', {}, slaText(x)),
          h('td', {}, when(x.updated_at, locale())))))));
  }

  await refresh();
  const timer = setInterval(() => (document.hidden ? null : refresh()), REFRESH_MS);
  return () => clearInterval(timer);
}

export async function renderSearch(main, q) {
  show(main, h('section', { class: 'list' }, h('h1', {}, t('search_results', { q })), h('p', { class: 'muted' }, t('loading'))));
  let items = [];
  let error = null;
  try {
    items = (await get(`/v1/search${query({ q })}`)).items;
  } catch (e) {
    error = e;
  }
  show(main, h('section', { class: 'list', 'aria-labelledby': 'results-title' },
    h('h1', { id: 'results-title' }, t('search_results', { q })),
    error ? h('p', { class: 'error' }, error.message) : null,
    items.length === 0 ? h('p', { class: 'muted' }, t('no_results')) :
    h('ul', { class: 'results' }, items.map((x) => h('li', { 'data-number': x.number },
      h('a', { href: `#/ticket/${x.number}` }, `${x.number} · ${x.subject}`), ' ',
      h('span', { class: `badge status-${x.status}` }, t(`status_${x.status}`)))))));
}
