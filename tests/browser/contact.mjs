// The contact form and the customer portal in a real browser: Debian's Chromium driven by
// playwright-core. Run by `tests/tests/browser.rs` (through `cargo xtask test`, which installs
// both and sets LAMBDESK_CHROMIUM and LAMBDESK_NODE_PATH); each sub-command prints one JSON line
// on success and exits non-zero with the reason on failure.
//
//   node contact.mjs form <base_url> <attachment_path>   -> {"ticket_number":"HD-…","category":"…"}
//   node contact.mjs empty <base_url>                    -> {"errors":["name","email",…]}
//   node contact.mjs portal <portal_url> <reply_text>    -> {"ok":true}
//
// CATEGORY picks the form's category by value (default: the second option).

import { createRequire } from 'node:module';
import path from 'node:path';

const USAGE = `usage:
  node contact.mjs form <base_url> <attachment_path>
  node contact.mjs empty <base_url>
  node contact.mjs portal <portal_url> <reply_text>`;
const REQUIRED_FIELDS = ['name', 'email', 'subject', 'message'];
const TIMEOUT_MS = 30_000;
/// When the form does not say how long a human takes to fill it in.
const DEFAULT_MIN_FILL_SECONDS = 3;

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
    // What the page itself complains about helps when a step fails.
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    try {
      return await run(page);
    } catch (error) {
      const where = `at ${page.url()}`;
      const errors = pageErrors.length ? `; page errors: ${pageErrors.join(' | ')}` : '';
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

async function main(argv) {
  const [command, ...args] = argv;
  const commands = {
    form: { arity: 2, run: (page, [baseUrl, attachment]) => form(page, baseUrl, path.resolve(attachment)) },
    empty: { arity: 1, run: (page, [baseUrl]) => empty(page, baseUrl) },
    portal: { arity: 2, run: (page, [portalUrl, reply]) => portal(page, portalUrl, reply) },
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
