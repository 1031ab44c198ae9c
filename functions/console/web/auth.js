// Signing in. In AWS: the Cognito user pool's hosted sign-in, authorization code with PKCE
// (RFC 7636), the ID token as the bearer (it carries the email, `cognito:groups` and
// `custom:departments` the API reads), refreshed with the refresh token before it expires. On
// the dev host: its sign-in page's list of seeded people, each with a dev token. Tokens live in
// sessionStorage: gone when the tab closes.

import { h, show } from './dom.js';
import { t } from './i18n.js';

const KEY = 'lambdesk.session';
/// Refresh this long before the token expires.
const REFRESH_MARGIN_MS = 60_000;
let settings = null;

export function configure(signIn) {
  settings = signIn;
}

function session() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || 'null');
  } catch {
    return null;
  }
}

function save(value) {
  sessionStorage.setItem(KEY, JSON.stringify(value));
}

/// What the token says about its bearer.
export function claims() {
  const s = session();
  if (!s?.token) return null;
  const payload = s.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  const json = JSON.parse(decodeURIComponent(escape(atob(payload))));
  const groups = json['cognito:groups'] || [];
  const role = ['admin', 'manager', 'agent'].find((r) => groups.includes(r)) || 'agent';
  const departments = (json['custom:departments'] || '').split(',').filter(Boolean);
  return { email: json.email, role, departments, exp: json.exp };
}

export function signedIn() {
  return Boolean(session()?.token);
}

export async function currentToken() {
  const s = session();
  if (!s) return '';
  if (s.refresh && s.expires_at - Date.now() < REFRESH_MARGIN_MS) {
    try {
      const tokens = await tokenRequest({ grant_type: 'refresh_token', refresh_token: s.refresh });
      save({ ...s, token: tokens.id_token, expires_at: Date.now() + tokens.expires_in * 1000 });
    } catch {
      signOut();
    }
  }
  return session()?.token || '';
}

export function signOut() {
  sessionStorage.removeItem(KEY);
  if (settings?.kind === 'cognito') {
    const back = new URL('/console/', location.origin).href;
    location.assign(`${settings.logout_url}?client_id=${encodeURIComponent(settings.client_id)}&logout_uri=${encodeURIComponent(back)}`);
  } else {
    location.hash = '';
    location.reload();
  }
}

// ---------------------------------------------------------------- Cognito hosted sign-in

const redirectUri = () => new URL('/console/', location.origin).href;

function randomText(bytes) {
  const data = crypto.getRandomValues(new Uint8Array(bytes));
  return base64url(data);
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function tokenRequest(form) {
  const response = await fetch(settings.token_url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: settings.client_id, ...form }),
  });
  if (!response.ok) throw new Error(`token endpoint: ${response.status}`);
  return response.json();
}

async function startCognito() {
  const verifier = randomText(48);
  const state = randomText(16);
  sessionStorage.setItem('lambdesk.pkce', JSON.stringify({ verifier, state }));
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const url = new URL(settings.authorize_url);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: settings.client_id,
    redirect_uri: redirectUri(),
    scope: 'openid email profile',
    code_challenge_method: 'S256',
    code_challenge: challenge,
    state,
  }).toString();
  location.assign(url.href);
}

/// Completes a hosted sign-in when the page is the redirect back (`?code=…&state=…`).
async function finishCognito() {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  if (!code) return false;
  const pkce = JSON.parse(sessionStorage.getItem('lambdesk.pkce') || 'null');
  sessionStorage.removeItem('lambdesk.pkce');
  history.replaceState(null, '', redirectUri());
  if (!pkce || pkce.state !== params.get('state')) throw new Error('sign-in state mismatch');
  const tokens = await tokenRequest({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri(),
    code_verifier: pkce.verifier,
  });
  save({ token: tokens.id_token, refresh: tokens.refresh_token, expires_at: Date.now() + tokens.expires_in * 1000 });
  return true;
}

// ---------------------------------------------------------------- the dev host's sign-in

async function devSignIn(main) {
  const people = await (await fetch(settings.url)).json();
  const pick = async (email) => {
    const response = await fetch(settings.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    if (!response.ok) throw new Error(`dev sign-in: ${response.status}`);
    const { token } = await response.json();
    save({ token });
    location.reload();
  };
  show(
    main,
    h('section', { class: 'card narrow' },
      h('h1', {}, t('sign_in')),
      h('p', { class: 'muted' }, t('dev_sign_in_hint')),
      h('ul', { class: 'people' },
        people.people.map((p) =>
          h('li', {},
            h('button', { type: 'button', class: 'person', 'data-email': p.email, onclick: () => pick(p.email) },
              h('strong', {}, p.name), ' ', h('span', { class: 'muted' }, `${p.email} · ${t(`role_${p.role}`)}`)))))),
  );
}

/// Signs in if needed; resolves true when the app may start, false when a sign-in page shows.
export async function ensureSignedIn(main) {
  if (settings.kind === 'cognito' && (await finishCognito())) return true;
  if (signedIn()) return true;
  if (settings.kind === 'unconfigured') {
    show(main, h('section', { class: 'card narrow' }, h('h1', {}, t('sign_in')), h('p', {}, t('sign_in_unconfigured'))));
  } else if (settings.kind === 'cognito') {
    show(main, h('section', { class: 'card narrow' }, h('h1', {}, t('sign_in')),
      h('button', { type: 'button', class: 'primary', onclick: startCognito }, t('sign_in'))));
  } else {
    await devSignIn(main);
  }
  return false;
}
