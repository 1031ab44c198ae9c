// The console's start: read the settings, sign in, then route by the URL's fragment:
// #/inbox/<queue>, #/ticket/<number>, #/search/<words>. Keyboard: "/" search, "g" inbox,
// "j"/"k" next/previous ticket, "r" reply, "n" note, "a" assign to me, "e" resolve, "?" help.

import { get, setApiBase } from './api.js';
import { claims, configure, ensureSignedIn, signOut } from './auth.js';
import { h, show } from './dom.js';
import { LANGUAGES, language, setLanguage, t } from './i18n.js';
import { renderInbox, renderSearch } from './inbox.js';
import { renderCanned, renderMetrics, renderSatisfaction } from './manage.js';
import { renderRules } from './rules.js';
import { renderSla } from './sla.js';
import { renderTeam } from './team.js';
import { renderTemplates } from './templates.js';
import { renderTicket } from './ticket.js';

const main = document.getElementById('main');
const top = document.getElementById('top');
// `keys`: each view's keyboard actions (a ticket's "a", "e", …), kept with the view they act on.
const ctx = { filters: { sort: 'urgent', fields: {} }, visible: [], keys: new WeakMap(), stop: null };
/// How many visits began; a visit whose page loads after a newer one began is not shown.
let visits = 0;

async function context() {
  const who = claims();
  ctx.who = who;
  ctx.me = (await get('/v1/agents/me').catch(() => null))?.agent || null;
  ctx.allDepartments = (await get('/v1/departments')).items;
  ctx.departments = who.role === 'agent' ? ctx.allDepartments.filter((d) => who.departments.includes(d.id)) : ctx.allDepartments;
  // Whom tickets can be handed to (id, name, departments), for every role.
  ctx.agents = (await get('/v1/assignees').catch(() => ({ items: [] }))).items;
}

function header() {
  const search = h('input', { type: 'search', id: 'search', name: 'q', placeholder: t('search_placeholder'), 'aria-label': t('search') });
  show(top,
    h('a', { class: 'brand', href: '#/inbox' }, 'Lambdesk'),
    h('form', { role: 'search', onsubmit: (e) => { e.preventDefault(); if (search.value.trim()) location.hash = `#/search/${encodeURIComponent(search.value.trim())}`; } }, search),
    h('label', { class: 'lang' }, h('span', { class: 'sr' }, t('language')),
      h('select', { onchange: (e) => { setLanguage(e.target.value); start(); } },
        LANGUAGES.map(([code, name]) => h('option', { value: code, selected: code === language() }, name)))),
    h('nav', { class: 'pages', 'aria-label': t('pages') },
      h('a', { href: '#/canned', id: 'canned-link' }, t('canned_responses')),
      ctx.who.role !== 'agent' ? [
        h('a', { href: '#/rules', id: 'rules-link' }, t('rules')),
        h('a', { href: '#/metrics', id: 'metrics-link' }, t('metrics')),
        h('a', { href: '#/satisfaction', id: 'satisfaction-link' }, t('satisfaction')),
        h('a', { href: '#/sla', id: 'sla-link' }, t('sla')),
        h('a', { href: '#/team', id: 'team-link' }, t('team')),
      ] : null,
      ctx.who.role === 'admin' ? h('a', { href: '#/templates', id: 'templates-link' }, t('templates')) : null),
    h('span', { class: 'who' }, ctx.me?.name || ctx.who.email, ' · ', t(`role_${ctx.who.role}`)),
    h('button', { type: 'button', id: 'sign-out', onclick: signOut }, t('sign_out')));
}

async function route() {
  if (ctx.stop) ctx.stop();
  ctx.stop = null;
  const visit = ++visits;
  // Each visit draws into its own view, put on screen once loaded and only if no newer visit
  // began meanwhile: a slow page never covers the one the agent moved on to.
  const view = h('div', { class: 'view' });
  const [, page, arg] = location.hash.split('/');
  const value = arg ? decodeURIComponent(arg) : '';
  let stop = null;
  try {
    if (page === 'ticket' && value) await renderTicket(view, ctx, value);
    else if (page === 'search' && value) await renderSearch(view, value);
    else if (page === 'rules') await renderRules(view);
    else if (page === 'canned') await renderCanned(view, ctx);
    else if (page === 'metrics') await renderMetrics(view, ctx);
    else if (page === 'satisfaction') await renderSatisfaction(view);
    else if (page === 'sla') await renderSla(view, ctx);
    else if (page === 'team') await renderTeam(view, ctx);
    else if (page === 'templates') await renderTemplates(view, ctx);
    else stop = await renderInbox(view, ctx, value);
  } catch (e) {
    show(view, h('p', { class: 'error', role: 'alert' }, e.message));
  }
  if (visit !== visits) {
    if (stop) stop();
    return;
  }
  ctx.stop = stop;
  show(main, view);
  main.focus();
}

function move(step) {
  const [, page, arg] = location.hash.split('/');
  if (page !== 'ticket' || !ctx.visible.length) {
    if (ctx.visible.length) location.hash = `#/ticket/${ctx.visible[0]}`;
    return;
  }
  const i = ctx.visible.indexOf(decodeURIComponent(arg));
  const next = ctx.visible[i + step];
  if (next) location.hash = `#/ticket/${next}`;
}

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey || e.target.closest('input, textarea, select')) return;
  const keys = ctx.keys.get(main.firstElementChild) || {};
  const actions = {
    '/': () => document.getElementById('search')?.focus(),
    g: () => { location.hash = '#/inbox'; },
    j: () => move(1),
    k: () => move(-1),
    r: () => keys.reply?.(),
    n: () => keys.note?.(),
    a: () => keys.assign?.(),
    e: () => keys.resolve?.(),
  };
  const action = actions[e.key];
  if (action) {
    e.preventDefault();
    action();
  }
}

async function start() {
  document.documentElement.lang = language();
  if (!(await ensureSignedIn(main))) return;
  await context();
  header();
  await route();
}

const settings = await (await fetch('/console/config.json')).json();
setApiBase(settings.api_base);
ctx.uploads = Boolean(settings.uploads);
configure(settings.sign_in);
window.addEventListener('hashchange', route);
document.addEventListener('keydown', onKey);
start().catch((e) => show(main, h('p', { class: 'error', role: 'alert' }, e.message)));
