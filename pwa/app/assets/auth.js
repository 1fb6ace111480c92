// Sign-in state, shared by the pages and the service worker.
//
// The access token lives in memory only; the refresh token is kept in IndexedDB so that the
// app stays signed in and the worker can sync in the background. A refresh token works
// once, so every refresh, from any tab or the worker, runs under one Web Lock and reads the
// newest token inside it.

import * as db from './db.js';

const SESSION = 'session';
let access = null; // { token, expires } of this page or worker
const lostListeners = new Set();

// NetworkError means the server could not be reached: the phone is offline or the
// server is down. Nothing was decided; try again later.
export class NetworkError extends Error {
  constructor(cause) { super('network unavailable'); this.name = 'NetworkError'; this.cause = cause; }
}

// AuthError means the sign-in has ended and the user must sign in again.
export class AuthError extends Error {
  constructor() { super('signed out'); this.name = 'AuthError'; }
}

// HttpError is an answer other than success; code and fields come from the API's error body.
export class HttpError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || 'HTTP ' + status);
    this.name = 'HttpError';
    this.status = status;
    this.code = e.code || '';
    this.fields = e.fields || null;
  }
}

export async function readError(res) {
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  return new HttpError(res.status, body);
}

async function send(url, init) {
  try {
    return await fetch(url, init);
  } catch (e) {
    throw new NetworkError(e);
  }
}

function withLock(name, fn) {
  const locks = globalThis.navigator && navigator.locks;
  return locks ? locks.request(name, fn) : fn();
}

// session returns { user, refresh_token } of the signed-in user, or null.
export function session() {
  return db.get('kv', SESSION).then((s) => s || null);
}

export async function saveUser(user) {
  await withLock('frontline-auth', async () => {
    const s = await session();
    if (s && s.user.id === user.id) await db.put('kv', { ...s, user }, SESSION);
  });
}

function remember(pair) {
  access = { token: pair.access_token, expires: Date.now() + (pair.expires_in || 60) * 1000 };
}

// onLost registers fn to run when the sign-in ends (a refresh was refused).
export function onLost(fn) { lostListeners.add(fn); return () => lostListeners.delete(fn); }

// lose forgets a sign-in the server ended (user disabled, password reset, refresh refused),
// with the copies of answers kept for that user: they hold residents' names and phones. The
// outbox (records not yet sent) stays, to go once the user signs in again.
// The browser's push subscription goes too: the server has dropped it with the sign-in.
async function lose() {
  access = null;
  const s = await session().catch(() => null);
  await db.del('kv', SESSION);
  if (s && s.user) await db.clearCached(s.user.id).catch(() => {});
  await dropPush(await pushSubscription());
  for (const fn of lostListeners) fn();
}

// PUSH_KINDS is where the push settings screen remembers the kinds the user chose.
export const PUSH_KINDS = 'fl-push-kinds';

// pushSubscription is this browser's Web Push subscription, or null; in a page or in the
// service worker.
async function pushSubscription() {
  try {
    const reg = typeof ServiceWorkerGlobalScope !== 'undefined' && self instanceof ServiceWorkerGlobalScope
      ? self.registration : await navigator.serviceWorker?.getRegistration();
    return (await reg?.pushManager?.getSubscription()) || null;
  } catch {
    return null;
  }
}

// dropPush ends the browser's subscription, so a phone signed out shows no more notices.
async function dropPush(sub) {
  globalThis.localStorage?.removeItem(PUSH_KINDS);
  if (sub) await sub.unsubscribe().catch(() => {});
}

export async function signIn(phone, password) {
  const res = await send('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ phone, password }),
  });
  if (!res.ok) throw await readError(res);
  return keep(await res.json());
}

// setupAdmin creates the first admin with the one-time setup link's token and signs them in.
export async function setupAdmin(body) {
  const res = await send('/api/v1/setup', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw await readError(res);
  return keep(await res.json());
}

// keep holds a new sign-in's tokens: the refresh token on the phone, the access token here.
async function keep(pair) {
  await withLock('frontline-auth', () => db.put('kv', { user: pair.user, refresh_token: pair.refresh_token }, SESSION));
  remember(pair);
  return pair.user;
}

// signOut ends the session on the server when it can, and forgets it here. The browser's
// push subscription is dropped first, on the server (while the sign-in still may) and here.
export async function signOut() {
  const s = await session();
  const sub = s ? await pushSubscription() : null;
  if (sub) {
    try {
      const t = await token();
      await send('/api/v1/push/subscriptions?endpoint=' + encodeURIComponent(sub.endpoint), {
        method: 'DELETE', headers: { Authorization: 'Bearer ' + t },
      });
    } catch { /* offline or already signed out: the server drops it with the sign-in */ }
  }
  await dropPush(sub);
  access = null;
  await db.del('kv', SESSION);
  if (s) {
    try {
      await send('/api/v1/auth/logout', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: s.refresh_token }),
      });
    } catch { /* offline: the token expires on its own */ }
  }
}

// refresh gets a new access token unless someone already replaced `stale`.
export function refresh(stale) {
  return withLock('frontline-auth', async () => {
    if (access && access.token !== stale && access.expires > Date.now() + 10000) return access.token;
    const s = await session();
    if (!s) throw new AuthError();
    const res = await send('/api/v1/auth/refresh', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refresh_token: s.refresh_token }),
    });
    if (res.status === 401) {
      await lose();
      throw new AuthError();
    }
    if (!res.ok) throw await readError(res);
    const pair = await res.json();
    await db.put('kv', { user: pair.user || s.user, refresh_token: pair.refresh_token }, SESSION);
    remember(pair);
    return access.token;
  });
}

export async function token() {
  if (access && access.expires > Date.now() + 10000) return access.token;
  return refresh(access && access.token);
}

// apiFetch calls the API with the bearer token: on a 401 it refreshes once and tries
// again; a second 401 ends the sign-in.
export async function apiFetch(path, init = {}) {
  const call = (t) => send(path, { ...init, headers: { ...(init.headers || {}), Authorization: 'Bearer ' + t } });
  let t = await token();
  let res = await call(t);
  if (res.status === 401) {
    t = await refresh(t);
    res = await call(t);
    if (res.status === 401) {
      await lose();
      throw new AuthError();
    }
  }
  return res;
}
