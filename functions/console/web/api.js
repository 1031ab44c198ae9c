// The public API (openapi.yaml), nothing else: every call carries the signed-in agent's token.
// A 401 means the token is gone or expired: the app signs in again.

import { currentToken, signOut } from './auth.js';

let base = '';

export function setApiBase(url) {
  base = (url || '').replace(/\/+$/, '');
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
    this.field = body?.error?.field;
  }
}

/// `{ body, etag }` of a successful call; throws ApiError otherwise.
export async function call(method, path, { body, ifMatch } = {}) {
  const headers = { authorization: `Bearer ${await currentToken()}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (ifMatch) headers['if-match'] = ifMatch;
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (response.status === 401) {
    signOut();
    throw new ApiError(401, parsed);
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return { body: parsed, etag: response.headers.get('etag') };
}

export const get = async (path) => (await call('GET', path)).body;

export function query(params) {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') search.set(k, v);
  const text = search.toString();
  return text ? `?${text}` : '';
}
