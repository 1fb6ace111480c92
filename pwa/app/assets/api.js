// Calls to the API from the pages: read views keep their last answer on the phone and fall
// back to it offline; writes report errors in words a member understands.

import * as db from './db.js';
import { apiFetch, readError, NetworkError, AuthError } from './auth.js';
import { state } from './state.js';

function cacheKey(path) { return state.user.id + '|' + path; }

// get returns { data, offline, at }. Offline (or with the server down) it answers from the
// last stored copy, marked offline; with no copy it throws.
export async function get(path) {
  try {
    const res = await apiFetch(path);
    if (!res.ok) throw await readError(res);
    const data = await res.json();
    const at = new Date().toISOString();
    db.put('cache', { data, at }, cacheKey(path)).catch(() => {});
    return { data, offline: false, at };
  } catch (e) {
    if (!(e instanceof NetworkError) && !(e instanceof AuthError && !navigator.onLine)) throw e;
    const hit = await db.get('cache', cacheKey(path));
    if (!hit) throw e;
    return { data: hit.data, offline: true, at: hit.at };
  }
}

// items reads a list answer, whatever its shape.
export function items(data) {
  return Array.isArray(data) ? data : (data && data.items) || [];
}

export async function send(method, path, body) {
  const init = { method };
  if (body !== undefined) {
    init.headers = { 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const res = await apiFetch(path, init);
  if (!res.ok) throw await readError(res);
  if (res.status === 204) return null;
  return res.json().catch(() => null);
}

export { errorText } from './errors.js';
