// The agents' console in a real browser: Debian's Chromium driven by playwright-core, run by
// `tests/tests/console.rs` (through `cargo xtask test`, which sets LAMBDESK_CHROMIUM and
// LAMBDESK_NODE_PATH). Prints one JSON line on success; exits non-zero with the reason.
//
//   node console.mjs work <base_url> <agent_email> <other_agent_email> <other_agent_name> <search_word> <canned_title>
//     -> {"number":"HD-…","conflict":["…"]}
//
// The agent signs in on the dev sign-in page, hands the ticket to the colleague with a bulk
// action, finds the ticket by a word of its subject, replies
// with the canned response, adds a note, assigns it to themselves, and resolves it; a second
// agent, who opened the ticket before that, saves a stale change and gets the conflict message.
// SCREENSHOT_DIR, when set, receives inbox.png and ticket.png.
//
//   node console.mjs rules <base_url> <manager_email> <canned_title>
//     -> {"rule":"<name>","first":"<name>","field_error":"…","dry_run":"It would …"}
//
// A manager switches the first automation rule off on the rules page, moves the second up, saves
// a broken edit and gets the field error beside the actions, tries the rule on a ticket, makes a shared canned response and
// edits it, opens the metrics, satisfaction and team pages, and on the SLA page gives the
// calendar prague-office Saturday hours (a bad time first: its error shows beside Saturday)
// and the policy Standard an urgent first response of 30 minutes.
//
//   node console.mjs admin <base_url> <invite_email> <department_id>
//     -> {"email_error":"…","department":"…","template_error":"…"}
//
// The admin invites an agent on the team page (a bad address first: the error shows beside the
// email field), then edits them (a second department), renames the department, and rewrites
// the English acknowledgement's subject on the templates page (a broken one first: the
// template's error shows beside the subject).
//
//   node console.mjs pkce <base_url> <id_token>
//     -> {"challenge_ok":true,"state_ok":true,"refreshed":1,"signed_in":true,"logout_uri":"…","cleared":true}
//
// The Cognito sign-in path of the real auth.js: the page gets a config.json naming hosted
// sign-in at a stand-in (`<base_url>/_cognito/oauth2/authorize`, `/token`, `/logout`) that this
// script answers in the browser's network layer. The stand-in checks what Cognito checks
// (response_type, client_id, redirect_uri, S256 challenge = SHA-256 of the verifier sent to
// the token endpoint, the state handed back) and answers with <id_token> (a dev token the
// dev host accepts) expiring in 30 s, so the app refreshes it with the refresh token before
// its first API call; then sign-out goes through /logout back to the console.
//
//   node console.mjs mail <base_url> <agent_email> <ticket_number> <other_ticket_number>
//     -> {"sandbox":"…","scripts":0,"remote_before":0,"remote_after":1,"download":"invoice.pdf"}
//
// An agent reads a customer's HTML mail in its sandboxed frame, loads its remote image only by
// asking, downloads its attachment, sets a custom field and merges the ticket into another
// requester's (confirming that the requesters differ).

import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { readFileSync } from 'node:fs';

const TIMEOUT_MS = 30_000;

class Failure extends Error {}
/// The pages open, for a screenshot and their status line when a step fails.
const pages = [];
const fail = (message) => { throw new Failure(message); };

function loadPlaywright() {
  const require = createRequire(import.meta.url);
  const nodePath = process.env.LAMBDESK_NODE_PATH;
  const resolved = nodePath ? require.resolve('playwright-core', { paths: [nodePath] }) : require.resolve('playwright-core');
  return require(resolved);
}

/// axe-core's source, installed next to playwright-core (`cargo xtask test` installs both).
function axeSource() {
  const require = createRequire(import.meta.url);
  const nodePath = process.env.LAMBDESK_NODE_PATH;
  const file = require.resolve('axe-core/axe.min.js', nodePath ? { paths: [nodePath] } : undefined);
  return readFileSync(file, 'utf8');
}

/// Runs axe-core on the page as it is; fails on any serious or critical violation. The source
/// goes in through the driver (the page's policy refuses inline scripts, rightly), and the
/// mail frames are left out: they run no script, so axe cannot enter them.
async function accessible(page, name) {
  await page.evaluate(axeSource());
  const found = await page.evaluate(async () => {
    const result = await window.axe.run(document, { iframes: false, resultTypes: ['violations'] });
    if (result.passes.length === 0) return ['axe-core checked nothing'];
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join(', ')}`);
  });
  if (found.length) fail(`accessibility of the ${name}: ${found.join('; ')}`);
}

async function signIn(browser, baseUrl, email) {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 860 } });
  context.setDefaultTimeout(TIMEOUT_MS);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.errors = errors;
  // The API calls in order, printed when a step fails: a refused save shows which read it
  // was based on.
  page.calls = [];
  page.on('response', (r) => {
    const url = new URL(r.url());
    if (!url.pathname.startsWith('/v1/')) return;
    const ifMatch = r.request().headers()['if-match'];
    page.calls.push(`${r.request().method()} ${url.pathname} ${r.status()}${ifMatch ? ` if-match ${ifMatch}` : ''}${r.headers().etag ? ` etag ${r.headers().etag}` : ''}`);
  });
  pages.push(page);
  await page.goto(`${baseUrl}/console`);
  await page.locator(`button.person[data-email="${email}"]`).click();
  await page.locator('#sign-out').waitFor();
  await page.locator('.queues [data-count]').first().waitFor();
  return page;
}

async function screenshot(page, name) {
  if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: path.join(process.env.SCREENSHOT_DIR, name), fullPage: false });
}

async function ticketLoaded(page) {
  await page.locator('#ticket-title').waitFor();
}

async function work(browser, [baseUrl, agent, other, otherName, word, cannedTitle]) {
  const page = await signIn(browser, baseUrl, agent);
  // The department's queue holds the new ticket, with its count.
  await page.locator('.queues a[data-queue^="department-"]').first().click();
  await page.locator('table.tickets tbody tr').first().waitFor();
  await screenshot(page, 'inbox.png');
  await accessible(page, 'inbox');
  // A bulk action: tag the ticked tickets.
  await page.locator('table.tickets tbody input[type=checkbox]').first().check();
  await page.locator('.bulk input').fill('till');
  await page.locator('#bulk-tag').click();
  await page.locator('#status', { hasText: 'Tickets changed: 1.' }).waitFor();
  // Hand it to the colleague (the picker lists the department's agents to an agent too).
  await page.locator('table.tickets tbody input[type=checkbox]').first().check();
  const colleague = await page.locator('#bulk-assignee option', { hasText: otherName }).getAttribute('value');
  await page.locator('#bulk-assignee').selectOption(colleague);
  await page.locator('#bulk-assign').click();
  await page.locator('#status', { hasText: 'Tickets changed: 1.' }).waitFor();

  // Every language has every word English has.
  const missing = await page.evaluate(async () => {
    const { dictionaries } = await import('/console/i18n.js');
    const english = Object.keys(dictionaries.en);
    return Object.entries(dictionaries)
      .flatMap(([language, words]) => english.filter((key) => !(key in words)).map((key) => `${language}.${key}`));
  });
  if (missing.length) fail(`words missing: ${missing.join(', ')}`);

  // Search by a word of the subject, as typed (lower case, no diacritics), from the keyboard:
  // "/" focuses the search box.
  await page.keyboard.press('/');
  await page.keyboard.type(word);
  await page.keyboard.press('Enter');
  const hit = page.locator('.results li a').first();
  await hit.waitFor();
  await hit.click();
  await ticketLoaded(page);
  const number = (await page.locator('#ticket-title').textContent()).split(' · ')[0];
  const assigned = await page.locator('select[name=assignee] option:checked').textContent();
  if (assigned !== otherName) fail(`the ticket shows assignee ${assigned}, not ${otherName}`);

  // The second agent opens the same ticket now: the ETag their page holds goes stale below.
  const second = await signIn(browser, baseUrl, other);
  await second.goto(`${baseUrl}/console#/ticket/${number}`);
  await ticketLoaded(second);

  // Reply with the canned response, keeping the ticket open while waiting on the customer.
  const cannedValue = await page.locator('#canned option', { hasText: cannedTitle }).getAttribute('value');
  await page.locator('#canned').selectOption(cannedValue);
  const text = await page.locator('#reply-text').inputValue();
  if (text.includes('{{')) fail(`placeholders left in the reply: ${text}`);
  await page.locator('#send-status').selectOption('pending');
  // A file goes with the reply: uploaded straight to the bucket through a signed link.
  await page.locator('#reply-files').setInputFiles({ name: 'till-log.txt', mimeType: 'text/plain', buffer: Buffer.from('printer driver 2.1 crashed\n') });
  await page.locator('#send-reply').click();
  // The reply shows once sent (the ticket's first message, written through the API, is an
  // agent's entry too).
  await page.locator('.entry.agent', { hasText: 'we are looking into' }).waitFor();

  await page.locator('#reply-text').fill('Checked the till logs; the printer driver is the cause.');
  await page.locator('#add-note').click();
  await page.locator('.entry.note').first().waitFor();

  // The bulk action above assigned it already: wait for a second assignee change.
  await page.locator('#assign-me').click();
  await page.locator('.entry.audit', { hasText: 'assignee' }).nth(1).waitFor();
  await page.locator('#resolve').click();
  await page.locator('#ticket-status', { hasText: 'Resolved' }).waitFor();
  await screenshot(page, 'ticket.png');
  await accessible(page, 'ticket page');

  // The second agent's page still holds the first version: their save is refused.
  await second.locator('select[name=priority]').selectOption('urgent');
  await second.locator('#save').click();
  const conflict = second.locator('.conflict');
  await conflict.waitFor({ state: 'visible' });
  const changes = await conflict.locator('li').allTextContents();
  // The console speaks Czech when asked.
  await page.locator('.lang select').selectOption('cs');
  await page.locator('#sign-out', { hasText: 'Odhlásit se' }).waitFor();
  const errors = [...page.errors, ...second.errors];
  if (errors.length) fail(`page errors: ${errors.join('; ')}`);
  return { number, reply: text, conflict: changes };
}

/// A 1×1 PNG, answered for the remote image of the customer's mail.
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');

/// The customer's HTML mail in its sandboxed frame: remote images only when asked; the
/// attachment downloads through a signed link.
async function mail(browser, [baseUrl, agent, number, into]) {
  const page = await signIn(browser, baseUrl, agent);
  const remote = [];
  await page.context().route('https://images.example/**', (route) => {
    remote.push(route.request().url());
    return route.fulfill({ status: 200, contentType: 'image/png', body: PIXEL });
  });
  await page.goto(`${baseUrl}/console#/ticket/${number}`);
  await ticketLoaded(page);
  const frame = page.locator('iframe.mail').first();
  await frame.waitFor();
  const sandbox = await frame.getAttribute('sandbox');
  const inside = page.frameLocator('iframe.mail').first();
  await inside.locator('b', { hasText: 'printer' }).waitFor();
  const scripts = await inside.locator('script').count();
  await screenshot(page, 'mail.png');
  await accessible(page, 'ticket page with mail');
  const before = remote.length;
  await page.locator('button.show-images').click();
  await inside.locator('img[src^="https://images.example/"]').waitFor();
  for (let i = 0; i < 50 && remote.length === before; i += 1) await page.waitForTimeout(100);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('button[data-attachment="invoice.pdf"]').click(),
  ]);
  // A custom field, saved with the properties.
  await page.locator('input[name=cf-new-key]').fill('order_id');
  await page.locator('input[name=cf-new-value]').fill('A-17');
  await page.locator('#save').click();
  await page.locator('input[name="cf:order_id"]').waitFor();
  // Merge into the other requester's ticket: the console asks for the explicit yes first.
  await page.locator('#merge-into').fill(into);
  await page.locator('#merge').click();
  await page.locator('#merge-different').check();
  await page.locator('#merge').click();
  await page.locator('#ticket-title', { hasText: into }).waitFor();
  if (page.errors.length) fail(`page errors: ${page.errors.join('; ')}`);
  return { sandbox, scripts, remote_before: before, remote_after: remote.length, download: download.suggestedFilename() };
}

/// A manager's pages: rules (on/off, reorder, edit), canned responses, the read-only pages.
async function rules(browser, [baseUrl, manager, cannedTitle]) {
  const page = await signIn(browser, baseUrl, manager);
  await page.locator('#rules-link').click();
  const row = page.locator('tr[data-rule]').first();
  const name = await row.getAttribute('data-rule');
  await row.locator('input[type=checkbox]').uncheck();
  await page.locator('#status', { hasText: 'switched off' }).waitFor();
  // Reorder: the second rule moves up.
  const second = await page.locator('tr[data-rule]').nth(1).getAttribute('data-rule');
  await page.locator('tr[data-rule]').nth(1).locator('button.up').click();
  await page.locator('#status', { hasText: 'moved' }).waitFor();
  const first = await page.locator('tr[data-rule]').first().getAttribute('data-rule');
  if (first !== second) fail(`${second} did not move up (first is ${first})`);
  // Edit with a mistake: the API's field error shows beside the actions.
  await page.locator('tr[data-rule]').first().locator('button.edit').click();
  await page.locator('#rule-form textarea[name=actions]').fill('[{"do": "set_department", "department": "Not A Slug"}]');
  await page.locator('#rule-save').click();
  const actionsError = page.locator('#rule-error-actions');
  await actionsError.filter({ hasText: /./ }).waitFor();
  const fieldError = await actionsError.textContent();
  // The rule's dry run on a seeded ticket.
  await page.locator('#dry-run-ticket').fill('HD-1001');
  await page.locator('#dry-run-go').click();
  const dryRun = await page.locator('#dry-run-result p').first().textContent();
  await accessible(page, 'rules page');

  // A shared canned response made and then edited on the canned responses page.
  await page.locator('#canned-link').click();
  await page.locator('#canned-form input[name=title]').fill(cannedTitle);
  await page.locator('#canned-form textarea[name=body]').fill('Hello {{requester.name}}');
  await page.locator('#canned-form select[name=department]').selectOption('support');
  await page.locator('#canned-save').click();
  await page.locator(`button[data-edit="${cannedTitle}"]`).click();
  await page.locator('#canned-form-title', { hasText: cannedTitle }).waitFor();
  await page.locator('#canned-form textarea[name=body]').fill('Hello {{requester.name}}, edited');
  await page.locator('#canned-save').click();
  await page.locator('#canned-list td', { hasText: 'edited' }).waitFor();
  await accessible(page, 'canned responses page');

  // The read-only pages answer with their tables (the team page is read-only to managers).
  // Each waits for what only its page shows (every page has an h1).
  for (const [link, shown, text] of [['#metrics-link', '#metrics-table'], ['#satisfaction-link', 'h1', 'Satisfaction'], ['#team-link', '#agents']]) {
    await page.locator(link).click();
    await page.locator(shown, text ? { hasText: text } : {}).first().waitFor();
    await accessible(page, `${link.slice(1, -5)} page`);
  }
  if (await page.locator('#agent-invite, button[data-edit]').count()) fail('a manager is offered to invite or edit agents');

  // A page still loading when the agent moves on never covers the next one: the satisfaction
  // answer is held until the team page shows, then let through.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route('**/v1/satisfaction*', async (route) => { await held; await route.continue(); });
  await page.locator('#satisfaction-link').click();
  await page.locator('#metrics-link').click();
  await page.locator('#metrics-table').waitFor();
  const late = page.waitForEvent('requestfinished', (r) => r.url().includes('/v1/satisfaction'));
  release();
  await late;
  // One frame and one task for the page to handle the late answer.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve))));
  if (await page.locator('h1', { hasText: 'Satisfaction' }).count()) fail('a late page covered the metrics page');
  await page.unroute('**/v1/satisfaction*');

  // SLA: the calendar gets Saturday hours, from the keyboard after a mistake.
  await page.locator('#sla-link').click();
  await page.locator('button[data-edit="calendar:prague-office"]').click();
  const saturday = page.getByLabel('Saturday');
  await saturday.fill('25:00-26:00');
  await page.locator('#calendar-save').click();
  const saturdayError = page.locator('[data-error-for="weekly_hours.sat"]');
  await saturdayError.filter({ hasText: /./ }).waitFor();
  const saturdayText = await saturdayError.textContent();
  await accessible(page, 'SLA page with the calendar form');
  await saturday.fill('10:00-12:00');
  await saturday.press('Enter');
  await page.locator('#calendars td', { hasText: '10:00-12:00' }).waitFor();
  // The policy's urgent first response.
  await page.locator('#sla-policies button[data-edit^="policy:"]').first().click();
  await page.getByLabel('Urgent: first response').fill('30');
  await page.locator('#policy-save').click();
  await page.locator('#sla-policies td', { hasText: 'first response 30 min' }).waitFor();
  await accessible(page, 'SLA page');
  await screenshot(page, 'sla.png');
  if (page.errors.length) fail(`page errors: ${page.errors.join('; ')}`);
  return { rule: name, first, field_error: fieldError, dry_run: dryRun, saturday_error: saturdayText };
}

async function admin(browser, [baseUrl, inviteEmail, department]) {
  const page = await signIn(browser, baseUrl, 'admin@example.com');
  await page.locator('#team-link').click();
  const invite = page.locator('#agent-invite');
  await invite.getByLabel('Email', { exact: true }).fill('not an address');
  await invite.getByLabel('Name', { exact: true }).fill('Nina Newcomer');
  await invite.getByLabel('Role', { exact: true }).selectOption('agent');
  await invite.locator(`input[name=departments][value="${department}"]`).check();
  await page.locator('#agent-save').click();
  const emailError = invite.locator('[data-error-for="email"]');
  await emailError.filter({ hasText: /./ }).waitFor();
  const emailText = await emailError.textContent();
  await accessible(page, 'team page with an invitation error');
  await invite.getByLabel('Email', { exact: true }).fill(inviteEmail);
  await page.locator('#agent-save').click();
  await page.locator('#status', { hasText: 'was invited' }).waitFor();
  const row = page.locator('#agents tr', { hasText: inviteEmail });
  await row.waitFor();
  // Edit: a second department.
  await row.locator('button[data-edit^="agent:"]').click();
  const edit = page.locator('#agent-edit');
  await edit.locator('input[name=departments][value="support"]').check();
  await page.locator('#agent-save').click();
  await page.locator('#agents tr', { hasText: inviteEmail }).filter({ hasText: 'support' }).waitFor();
  // Rename the department.
  const renamed = `Front desk ${department.slice(-4)}`;
  await page.locator(`button[data-edit="department:${department}"]`).click();
  await page.locator('#department-edit').getByLabel('Name', { exact: true }).fill(renamed);
  await page.locator('#department-save').click();
  await page.locator('#departments td', { hasText: renamed }).waitFor();
  await accessible(page, 'team page');
  await screenshot(page, 'team.png');

  // Templates: the acknowledgement's subject, broken first.
  await page.locator('#templates-link').click();
  await page.locator('button[data-edit="acknowledgement (en)"]').click();
  const subject = page.locator('#template-form').getByLabel('Subject', { exact: true });
  await subject.fill('We got it {{ ticket_number');
  await page.locator('#template-save').click();
  const templateError = page.locator('#template-form [data-error-for="subject"]');
  await templateError.filter({ hasText: /./ }).waitFor();
  const templateText = await templateError.textContent();
  await accessible(page, 'templates page with an error');
  await subject.fill('We got it: {{ ticket_subject }}');
  await page.locator('#template-save').click();
  await page.locator('#templates tr', { hasText: 'We got it:' }).waitFor();
  await accessible(page, 'templates page');
  if (page.errors.length) fail(`page errors: ${page.errors.join('; ')}`);
  return { email_error: emailText, department: renamed, template_error: templateText };
}

async function pkce(browser, [baseUrl, idToken]) {
  const context = await browser.newContext({ locale: 'en-US' });
  context.setDefaultTimeout(TIMEOUT_MS);
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  pages.push(page);
  const cognito = `${baseUrl}/_cognito`;
  const console_ = `${baseUrl}/console/`;
  const seen = { refreshed: 0 };
  // What the console function answers with CONSOLE_SIGN_IN=cognito and COGNITO_DOMAIN=<cognito>
  // (the shape functions/console's unit test pins), instead of the dev host's dev sign-in.
  await page.route(`${baseUrl}/console/config.json`, (route) => route.fulfill({
    contentType: 'application/json',
    body: JSON.stringify({
      sign_in: { kind: 'cognito', authorize_url: `${cognito}/oauth2/authorize`, token_url: `${cognito}/oauth2/token`, logout_url: `${cognito}/logout`, client_id: 'console-client' },
      api_base: '', uploads: false,
    }),
  }));
  const at = (path) => (url) => url.href.startsWith(`${cognito}${path}`);
  await page.route(at('/oauth2/authorize?'), (route) => {
    const q = new URL(route.request().url()).searchParams;
    Object.assign(seen, { authorize: Object.fromEntries(q) });
    const back = new URL(q.get('redirect_uri'));
    back.search = new URLSearchParams({ code: 'code-1', state: q.get('state') }).toString();
    // The hosted page sends the browser back with the code (a 302 in Cognito).
    const target = back.href.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
    return route.fulfill({ contentType: 'text/html', body: `<!doctype html><meta http-equiv="refresh" content="0; url=${target}"><title>Signing in</title>` });
  });
  await page.route(at('/oauth2/token'), (route) => {
    const form = new URLSearchParams(route.request().postData() || '');
    if (form.get('grant_type') === 'refresh_token') {
      seen.refreshed += form.get('refresh_token') === 'refresh-1' && form.get('client_id') === 'console-client' ? 1 : 0;
      return route.fulfill({ contentType: 'application/json', body: JSON.stringify({ id_token: idToken, expires_in: 3600 }) });
    }
    const verifier = form.get('code_verifier') || '';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    seen.token = { ...Object.fromEntries(form), challenge_ok: challenge === seen.authorize?.code_challenge && verifier.length >= 43 && verifier.length <= 128 };
    const ok = seen.token.challenge_ok && form.get('code') === 'code-1' && form.get('redirect_uri') === seen.authorize.redirect_uri && form.get('client_id') === 'console-client';
    if (!ok) return route.fulfill({ status: 400, contentType: 'application/json', body: '{"error":"invalid_grant"}' });
    return route.fulfill({ contentType: 'application/json', body: JSON.stringify({ id_token: idToken, refresh_token: 'refresh-1', expires_in: 30 }) });
  });
  await page.route(at('/logout?'), (route) => {
    seen.logout = Object.fromEntries(new URL(route.request().url()).searchParams);
    return route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>Signed out</title><p>Signed out</p>' });
  });

  await page.goto(console_);
  await page.locator('main button.primary', { hasText: 'Sign in' }).click();
  await page.locator('#sign-out').waitFor();
  await page.locator('.queues [data-count]').first().waitFor();
  const a = seen.authorize || {};
  if (a.response_type !== 'code' || a.code_challenge_method !== 'S256' || a.client_id !== 'console-client' || a.redirect_uri !== console_ || !(a.scope || '').split(' ').includes('openid')) {
    fail(`authorize request: ${JSON.stringify(a)}`);
  }
  if (page.url() !== console_) fail(`the code stayed in the address: ${page.url()}`);
  await page.locator('#sign-out').click();
  await page.waitForURL(at('/logout?'));
  const cleared = await page.evaluate(() => sessionStorage.getItem('lambdesk.session') === null);
  if (page.errors.length) fail(`page errors: ${page.errors.join('; ')}`);
  return {
    challenge_ok: Boolean(seen.token?.challenge_ok),
    state_ok: Boolean(a.state) && seen.token !== undefined,
    refreshed: seen.refreshed,
    signed_in: true,
    logout_uri: seen.logout?.logout_uri,
    logout_client: seen.logout?.client_id,
    cleared,
  };
}

const COMMANDS = { work: [work, 6], rules: [rules, 3], mail: [mail, 4], admin: [admin, 3], pkce: [pkce, 2] };

async function main(argv) {
  const [command, ...args] = argv;
  if (!COMMANDS[command] || args.length !== COMMANDS[command][1]) {
    console.error('usage: node console.mjs work <base_url> <agent_email> <other_agent_email> <other_agent_name> <search_word> <canned_title>\n' +
      '       node console.mjs rules <base_url> <manager_email> <canned_title>\n' +
      '       node console.mjs mail <base_url> <agent_email> <ticket_number> <other_ticket_number>\n' +
      '       node console.mjs admin <base_url> <invite_email> <department_id>\n' +
      '       node console.mjs pkce <base_url> <id_token>');
    return 2;
  }
  const { chromium } = loadPlaywright();
  const browser = await chromium.launch({
    executablePath: process.env.LAMBDESK_CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
    timeout: TIMEOUT_MS,
  });
  try {
    console.log(JSON.stringify(await COMMANDS[command][0](browser, args)));
    return 0;
  } catch (error) {
    for (const [i, page] of pages.entries()) {
      const status = await page.locator('#status').textContent().catch(() => '');
      console.error(`page ${i}: ${page.url()} status: ${status} errors: ${page.errors.join('; ')}`);
      console.error(`page ${i} API calls:\n  ${page.calls.join('\n  ')}`);
      if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: path.join(process.env.SCREENSHOT_DIR, `failure-${i}.png`) }).catch(() => {});
    }
    console.error(`console.mjs ${command}: ${error instanceof Failure ? error.message : (error.stack ?? String(error))}`);
    return 1;
  } finally {
    await browser.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
