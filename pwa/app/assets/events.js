// Live notices over server-sent events. A browser's EventSource cannot send a bearer
// header, so each connection first fetches a single-use ticket; a reconnect fetches a new
// one and passes the last event id it saw, and the server replays what was missed.

import * as db from './db.js';
import { apiFetch, AuthError } from './auth.js';

import { EVENT_TYPES, RESYNC } from './words.js';

// TYPES are the notices the server sends (its words, words.js).
export const TYPES = EVENT_TYPES;

let source = null;
let userId = null;
let lastId = null;
let timer = null;
let delay = 1000;
let stopped = true;

function key() { return userId + '|last_event_id'; }

export async function start(uid) {
  stop();
  stopped = false;
  userId = uid;
  lastId = (await db.get('kv', key())) || null;
  addEventListener('online', reconnectNow);
  addEventListener('offline', drop);
  document.addEventListener('visibilitychange', onVisible);
  connect();
}

// With the network gone the stream is dead even if no error has come yet; the online event
// opens a new one, which replays what was missed.
function drop() {
  if (source) source.close();
  source = null;
  clearTimeout(timer);
  status(false);
}

// A phone that slept may have lost the stream: come back at once rather than after a back-off.
function onVisible() {
  if (document.visibilityState === 'visible') reconnectNow();
}

export function stop() {
  stopped = true;
  clearTimeout(timer);
  removeEventListener('online', reconnectNow);
  removeEventListener('offline', drop);
  document.removeEventListener('visibilitychange', onVisible);
  if (source) source.close();
  source = null;
}

export function connected() { return !!source && source.readyState === EventSource.OPEN; }

function reconnectNow() {
  if (stopped || connected()) return;
  delay = 1000;
  clearTimeout(timer);
  connect();
}

function later() {
  if (stopped) return;
  clearTimeout(timer);
  timer = setTimeout(connect, delay);
  delay = Math.min(delay * 2, 60000);
}

function status(live) {
  document.dispatchEvent(new CustomEvent('fl:live', { detail: { live } }));
}

let connecting = false;

// connect opens one stream at a time, however many reasons to reconnect arrive together.
async function connect() {
  if (stopped || connecting) return;
  connecting = true;
  try {
    await open();
  } finally {
    connecting = false;
  }
}

async function open() {
  if (source) { source.close(); source = null; }
  if (!navigator.onLine) { status(false); return; } // the online event brings us back
  let ticket;
  try {
    const res = await apiFetch('/api/v1/events/ticket', { method: 'POST' });
    if (!res.ok) throw new Error('ticket ' + res.status);
    ticket = (await res.json()).ticket;
  } catch (e) {
    status(false);
    if (!(e instanceof AuthError)) later();
    return;
  }
  if (stopped) return;
  let url = '/api/v1/events?ticket=' + encodeURIComponent(ticket);
  if (lastId) url += '&last_event_id=' + encodeURIComponent(lastId);
  const es = new EventSource(url);
  source = es;
  es.onopen = () => { delay = 1000; status(true); };
  es.onerror = () => {
    // The ticket was spent on the first connection: reconnect ourselves with a new one.
    if (source !== es) return;
    es.close();
    source = null;
    status(false);
    later();
  };
  const seen = (ev) => {
    if (ev.lastEventId) {
      lastId = ev.lastEventId;
      db.put('kv', lastId, key()).catch(() => {});
    }
  };
  const handle = (ev) => {
    if (source !== es) return;
    seen(ev);
    let data = {};
    try { data = JSON.parse(ev.data); } catch { /* keep {} */ }
    document.dispatchEvent(new CustomEvent('fl:event', { detail: { type: ev.type, id: ev.lastEventId, data } }));
  };
  for (const t of TYPES) es.addEventListener(t, handle);
  // The events since our last one are gone from the server: what the app shows may be stale,
  // so it reloads (fl:resync) and carries on from the newest id the server names.
  es.addEventListener(RESYNC, (ev) => {
    if (source !== es) return;
    seen(ev);
    document.dispatchEvent(new CustomEvent('fl:resync'));
  });
  es.onmessage = handle;
}
