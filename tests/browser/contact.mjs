// The contact form and the customer portal in a real browser: Debian's Chromium driven by
// playwright-core. Run by `tests/tests/browser.rs` (through `cargo xtask test`, which installs
// both and sets LAMBDESK_CHROMIUM and LAMBDESK_NODE_PATH); each sub-command prints one JSON line
// on success and exits non-zero with the reason on failure.
//
//   node contact.mjs form <base_url> <attachment_path>   -> {"ticket_number":"HD-…","category":"…"}
//   node contact.mjs empty <base_url>                    -> {"errors":["name","email",…]}
//   node contact.mjs portal <portal_url> <reply_text>    -> {"ok":true}
//   node contact.mjs widget <base_url> <attachment_path> -> {"ticket_number":"HD-…","category":"…","errors":[…]}
//   node contact.mjs survey <survey_url> <comment>       -> {"rating":"good"|"bad"} or, for an NPS link, {"score":"0".."10"}
//
// `widget` plays a site that embeds the contact widget: a page at WIDGET_ORIGIN (served by the
// test itself, through Playwright's routing) with the snippet the docs give, where an empty
// submission first shows each field's error and then a filled-in one, with a file uploaded
// straight to storage, shows the ticket number.
//
// CATEGORY picks the form's category by value (default: the second option); CONTACT_EMAIL and
// CONTACT_SUBJECT set those fields; WIDGET_ORIGIN is where `widget` plays the embedding site.

import { createRequire } from 'node:module';
import path from 'node:path';

const USAGE = `usage:
  node contact.mjs form <base_url> <attachment_path>
  node contact.mjs empty <base_url>
  node contact.mjs portal <portal_url> <reply_text>
  node contact.mjs widget <base_url> <attachment_path>
  node contact.mjs survey <survey_url> <comment>`;
const REQUIRED_FIELDS = ['name', 'email', 'subject', 'message'];
const TIMEOUT_MS = 30_000;
/// When the form does not say how long a human takes to fill it in.
const DEFAULT_MIN_FILL_SECONDS = 3;
/// The site that embeds the widget: one the dev host allows (`devhost::host::DEV_WIDGET_ORIGIN`,
/// which browser.rs passes in WIDGET_ORIGIN).
const WIDGET_ORIGIN = (process.env.WIDGET_ORIGIN || 'http://widget.localhost:8080').replace(/\/+$/, '');

class Failure extends Error {}

function fail(message) {
  throw new Failure(message);
}

/// playwright-core from LAMBDESK_NODE_PATH (a node_modules folder), else wherever Node finds it
/// (NODE_PATH included: a CommonJS require honours it, an ES import does not).
function loadPlaywright() {
  const require = createRequire(import.meta.url);
  const nodePath = process.env.LAMBDESK_NODE_PATH;
  try {
    const resolved = nodePath
      ? require.resolve('playwright-core', { paths: [nodePath] })
      : require.resolve('playwright-core');
    return require(resolved);
  } catch (error) {
    fail(
      `cannot load playwright-core (${error.code ?? error.message}); ` +
        `LAMBDESK_NODE_PATH=${nodePath ?? '(unset)'}: run the tests through \`cargo xtask test\`, which installs it`,
    );
  }
}

async function withPage(run) {
  const { chromium } = loadPlaywright();
  const executablePath = process.env.LAMBDESK_CHROMIUM || '/usr/bin/chromium';
  const browser = await chromium.launch({
    executablePath,
    // Playwright adds its own --headless; the flags are spelt out for a Chromium run by hand too.
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
    timeout: TIMEOUT_MS,
  });
  try {
    const context = await browser.newContext({
      locale: 'en-US',
      extraHTTPHeaders: { 'Accept-Language': 'en' },
    });
    context.setDefaultTimeout(TIMEOUT_MS);
    const page = await context.newPage();
    // What the page itself complains about (script errors, console errors such as a CORS
    // refusal, requests that never got an answer or got an error) helps when a step fails.
    const pageErrors = [];
    const consoleErrors = [];
    const failedRequests = [];
    const errorResponses = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('requestfailed', (request) =>
      failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText ?? 'failed'}`),
    );
    page.on('response', (response) => {
      if (response.status() >= 400) {
        errorResponses.push(`${response.request().method()} ${response.url()}: ${response.status()}`);
      }
    });
    try {
      return await run(page);
    } catch (error) {
      const where = `at ${page.url()}`;
      const list = (label, items) => (items.length ? `; ${label}: ${items.join(' | ')}` : '');
      const errors =
        list('page errors', pageErrors) +
        list('console errors', consoleErrors) +
        list('failed requests', failedRequests) +
        list('error responses', errorResponses);
      const text = await page
        .locator('body')
        .innerText({ timeout: 2_000 })
        .then((body) => `; page text: ${JSON.stringify(body.slice(0, 1_500))}`)
        .catch(() => '');
      error.message = `${error.message} (${where}${errors}${text})`;
      throw error;
    }
  } finally {
    await browser.close();
  }
}

/// Opens `url` and insists on a successful HTML page.
async function open(page, url) {
  const response = await page.goto(url, { waitUntil: 'load' });
  if (!response) fail(`no response from ${url}`);
  if (!response.ok()) fail(`GET ${url} answered ${response.status()}`);
  return Date.now();
}

/// How long the form wants between showing and submitting (`data-min-fill-seconds`).
async function minFillSeconds(form) {
  const value = await form.getAttribute('data-min-fill-seconds');
  if (value === null || value.trim() === '') return DEFAULT_MIN_FILL_SECONDS;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) fail(`data-min-fill-seconds is ${JSON.stringify(value)}`);
  return seconds;
}

/// Waits until at least the form's minimum fill time has passed since `shownAt`, plus a margin
/// for clocks that count whole seconds.
async function waitMinFillTime(form, shownAt) {
  const wantMs = (await minFillSeconds(form)) * 1_000 + 500;
  const leftMs = shownAt + wantMs - Date.now();
  if (leftMs > 0) await new Promise((resolve) => setTimeout(resolve, leftMs));
}

async function expectVisible(locator, what) {
  try {
    await locator.first().waitFor({ state: 'visible' });
  } catch {
    fail(`expected ${what} to be visible`);
  }
}

async function form(page, baseUrl, attachment) {
  const shownAt = await open(page, new URL('/contact', baseUrl).href);
  const contactForm = page.locator('form#contact-form');
  await expectVisible(contactForm, 'form#contact-form');

  await page.fill('#name', 'Jana Nováková');
  await page.fill('#email', process.env.CONTACT_EMAIL || 'jana@example.cz');
  await page.fill('#subject', process.env.CONTACT_SUBJECT || 'The printer is on fire');
  await page.fill('#message', 'Hello,\nthe printer on the second floor is on fire.\nPlease help.');
  const category = process.env.CATEGORY;
  if (category) {
    await page.selectOption('#category', { value: category });
  } else {
    const options = await page.locator('#category option').count();
    if (options < 2) fail(`#category has ${options} option(s); expected at least 2`);
    await page.selectOption('#category', { index: 1 });
  }
  const chosen = await page.inputValue('#category');
  await page.setInputFiles('#attachments', attachment);

  await waitMinFillTime(contactForm, shownAt);
  await page.click('#submit');
  await expectVisible(page.locator('#confirmation'), '#confirmation after submitting the form');
  const number = (await page.locator('#ticket-number').first().innerText()).trim();
  if (!/^HD-\d+$/.test(number)) fail(`#ticket-number shows ${JSON.stringify(number)}, not a ticket number`);
  return { ticket_number: number, category: chosen };
}

async function empty(page, baseUrl) {
  const shownAt = await open(page, new URL('/contact', baseUrl).href);
  const contactForm = page.locator('form#contact-form');
  await expectVisible(contactForm, 'form#contact-form');
  // The browser would refuse to send an empty form; the server's own checks are under test.
  await contactForm.evaluate((element) => {
    element.noValidate = true;
  });
  // A too-quick submission may be taken for a bot before the fields are looked at.
  await waitMinFillTime(contactForm, shownAt);
  await page.click('#submit');

  const summary = page.locator('#error-summary');
  await expectVisible(summary, '#error-summary after submitting an empty form');
  const role = await summary.getAttribute('role');
  if (role !== 'alert') fail(`#error-summary has role=${JSON.stringify(role)}, expected "alert"`);
  const errors = [];
  for (const field of REQUIRED_FIELDS) {
    const error = page.locator(`#${field}-error`);
    await expectVisible(error, `#${field}-error`);
    const text = (await error.first().innerText()).trim();
    if (!text) fail(`#${field}-error is empty`);
    const invalid = await page.locator(`#${field}`).getAttribute('aria-invalid');
    if (invalid !== 'true') fail(`#${field} has aria-invalid=${JSON.stringify(invalid)}, expected "true"`);
    errors.push(field);
  }
  return { errors };
}

async function portal(page, portalUrl, reply) {
  const shownAt = await open(page, portalUrl);
  await expectVisible(page.locator('#ticket-status'), '#ticket-status');
  const before = await page.locator('.message').count();
  if (before < 1) fail('the portal shows no .message');

  await page.fill('#reply-message', reply);
  const replyForm = page.locator('form:has(#reply-message)');
  if ((await replyForm.count()) > 0) await waitMinFillTime(replyForm.first(), shownAt);
  // A POST answered with a redirect back to the ticket: wait for that load, then for the reply.
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#reply-submit')]);
  await expectVisible(page.locator('.message', { hasText: reply }), `a .message containing ${JSON.stringify(reply)}`);
  return { ok: true };
}

/// A survey link from the mail, in a browser with JavaScript off (the page needs none): the
/// link's answer is preselected, and a comment and the one button record it. A CSAT link
/// carries `rating`, an NPS link `score`; the answer comes back under the same name.
async function survey(page, surveyUrl, comment) {
  const context = await page.context().browser().newContext({ javaScriptEnabled: false, locale: 'en-US' });
  try {
    const noScript = await context.newPage();
    await open(noScript, surveyUrl);
    const params = new URL(surveyUrl).searchParams;
    const field = params.has('score') ? 'score' : 'rating';
    const wanted = params.get(field);
    const checked = await noScript.locator(`input[name="${field}"]:checked`).getAttribute('value');
    if (checked !== wanted) fail(`the page preselects ${JSON.stringify(checked)}, expected ${JSON.stringify(wanted)}`);
    await noScript.fill('#comment', comment);
    await Promise.all([noScript.waitForNavigation({ waitUntil: 'load' }), noScript.click('button[type="submit"]')]);
    await expectVisible(noScript.locator('h1', { hasText: 'Thank you' }), 'the thank-you page');
    return { [field]: checked };
  } finally {
    await context.close();
  }
}

/// A page of a site that embeds the widget, with the snippet as the docs give it.
function widgetHostPage(baseUrl) {
  const script = new URL('/contact/widget.js', baseUrl).href;
  const attribute = (text) => text.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Example shop: contact us</title></head>
<body>
<h1>Example shop</h1>
<div id="lambdesk-contact"></div>
<script src="${attribute(script)}" async></script>
</body>
</html>
`;
}

async function widget(page, baseUrl, attachment) {
  const hostPage = widgetHostPage(baseUrl);
  // A page Playwright fulfils has no address, so Chromium counts the site as public, and its
  // Local Network Access checks then refuse its requests to the desk on 127.0.0.1 (and to
  // moto). A real site and a deployed desk are both public; the site grants what the user
  // would be asked for.
  await page.context().grantPermissions(['local-network-access'], { origin: WIDGET_ORIGIN });
  await page.route(`${WIDGET_ORIGIN}/**`, (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/' || url.pathname === '/index.html') {
      return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: hostPage });
    }
    return route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' });
  });

  // The widget asks the desk for the form; its answer says how long a person takes.
  const formUrl = new URL('/v1/contact/form', baseUrl).href;
  const described = page.waitForResponse((response) => response.url().split('?')[0] === formUrl);
  await open(page, `${WIDGET_ORIGIN}/`);
  const formResponse = await described.catch(() => fail(`the widget never fetched ${formUrl}`));
  const shownAt = Date.now();
  if (!formResponse.ok()) fail(`GET ${formUrl} answered ${formResponse.status()}`);
  const description = await formResponse.json();
  const minFill = Number(description.min_fill_seconds ?? DEFAULT_MIN_FILL_SECONDS);
  if (!Number.isFinite(minFill) || minFill < 0) fail(`min_fill_seconds is ${JSON.stringify(description.min_fill_seconds)}`);

  const widgetForm = page.locator('#lambdesk-contact form.lambdesk-form');
  await expectVisible(widgetForm, "the widget's form (#lambdesk-contact form.lambdesk-form)");
  const submit = widgetForm.locator('button[type="submit"]');

  // Empty: the desk answers with each field's problem, and the widget shows them.
  await submit.click();
  await expectVisible(widgetForm.locator('.lambdesk-field-error'), '.lambdesk-field-error after an empty submit');
  const summary = widgetForm.locator('.lambdesk-errors');
  await expectVisible(summary, '.lambdesk-errors (the summary) after an empty submit');
  const role = await summary.getAttribute('role');
  if (role !== 'alert') fail(`.lambdesk-errors has role=${JSON.stringify(role)}, expected "alert"`);
  const errors = [];
  for (const field of REQUIRED_FIELDS) {
    const error = page.locator(`#lambdesk-${field}-error.lambdesk-field-error`);
    await expectVisible(error, `#lambdesk-${field}-error`);
    const text = (await error.first().innerText()).trim();
    if (!text) fail(`#lambdesk-${field}-error is empty`);
    const invalid = await page.locator(`#lambdesk-${field}`).getAttribute('aria-invalid');
    if (invalid !== 'true') fail(`#lambdesk-${field} has aria-invalid=${JSON.stringify(invalid)}, expected "true"`);
    errors.push(field);
  }
  if (await submit.isDisabled()) fail('the submit button stays disabled after the errors are shown');

  await page.fill('#lambdesk-name', 'Jana Nováková');
  await page.fill('#lambdesk-email', process.env.CONTACT_EMAIL || 'jana@example.cz');
  await page.fill('#lambdesk-subject', process.env.CONTACT_SUBJECT || 'The printer is on fire');
  await page.fill('#lambdesk-message', 'Hello,\nthe printer on the second floor is on fire.\nPlease help.');
  const category = process.env.CATEGORY;
  if (category) {
    await page.selectOption('#lambdesk-category', { value: category });
  } else {
    const options = await page.locator('#lambdesk-category option').count();
    if (options < 2) fail(`#lambdesk-category has ${options} option(s); expected at least 2`);
    await page.selectOption('#lambdesk-category', { index: 1 });
  }
  const chosen = await page.inputValue('#lambdesk-category');
  await page.setInputFiles('#lambdesk-attachments', attachment);

  const leftMs = shownAt + minFill * 1_000 + 500 - Date.now();
  if (leftMs > 0) await new Promise((resolve) => setTimeout(resolve, leftMs));
  await submit.click();
  const ticket = page.locator('#lambdesk-contact .lambdesk-ticket-number');
  try {
    await ticket.first().waitFor({ state: 'visible' });
  } catch {
    const shown = await widgetForm
      .locator('.lambdesk-errors')
      .innerText({ timeout: 1_000 })
      .catch(() => '');
    fail(`expected .lambdesk-ticket-number after submitting the widget${shown ? `; the widget says ${JSON.stringify(shown)}` : ''}`);
  }
  const number = (await ticket.first().innerText()).trim();
  if (!/^HD-\d+$/.test(number)) fail(`.lambdesk-ticket-number shows ${JSON.stringify(number)}, not a ticket number`);
  return { ticket_number: number, category: chosen, errors };
}

async function main(argv) {
  const [command, ...args] = argv;
  const commands = {
    form: { arity: 2, run: (page, [baseUrl, attachment]) => form(page, baseUrl, path.resolve(attachment)) },
    empty: { arity: 1, run: (page, [baseUrl]) => empty(page, baseUrl) },
    portal: { arity: 2, run: (page, [portalUrl, reply]) => portal(page, portalUrl, reply) },
    widget: { arity: 2, run: (page, [baseUrl, attachment]) => widget(page, baseUrl, path.resolve(attachment)) },
    survey: { arity: 2, run: (page, [surveyUrl, comment]) => survey(page, surveyUrl, comment) },
  };
  const chosen = commands[command];
  if (!chosen || args.length !== chosen.arity) {
    console.error(USAGE);
    return 2;
  }
  try {
    const result = await withPage((page) => chosen.run(page, args));
    console.log(JSON.stringify(result));
    return 0;
  } catch (error) {
    const message = error instanceof Failure ? error.message : (error.stack ?? String(error));
    console.error(`contact.mjs ${command}: ${message}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
