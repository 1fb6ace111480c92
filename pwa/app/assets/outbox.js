// The outbox: opinions, the conveners' records (work plan, research, meeting, outcome,
// follow-up, room activities) and their photos are saved on the phone first, always, under
// ids made here, and a sync sends them in the order they were made when the network
// allows: photos first, then the item that names them. The API is idempotent on those ids
// (and a work plan is a PUT, an outcome is recognised by its content), so a retry after a
// lost answer never makes a second copy. Shared by the pages and the service worker.
//
// Every item has one shape and goes by one path:
//   { id, user_id, kind: 'opinion' | 'record', method, path, body, idempotent, label, step,
//     topic_id, room_id, before: [hook names], photo_ids, state: 'pending' | 'synced' |
//     'failed', attempts, next_at, error, created_at, server, synced_at }
// kind says only where the item is listed. A hook named in before changes the body just
// before it is sent, with the photos' upload answers at hand. A photo row ({ id,
// opinion_id, user_id, blob, name, uploaded }) names its item in opinion_id; once uploaded
// it keeps only the server's answer, never the image (db.js upgrades older items).

import * as db from './db.js';
import { apiFetch, readError, AuthError, NetworkError } from './auth.js';
import { errorText } from './errors.js';
import { retryDelay, parseRetryAfter } from './retry.js';

const OPINIONS = '/api/v1/opinions';
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('frontline-outbox') : null;
const listeners = new Set();

// onChange registers fn to run when any context (this one, another tab, the worker)
// changes the outbox: the one way the outbox announces itself.
export function onChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }
if (channel) channel.onmessage = () => { for (const fn of listeners) fn(); };

function changed() {
  if (channel) channel.postMessage('changed');
  for (const fn of listeners) fn();
}

// newId makes a UUID v4 on the phone. crypto.randomUUID exists only on https pages;
// getRandomValues everywhere.
export function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

// opinionItem is the item of an opinion with fields: the phone's time of collection goes
// with it, and a wish for a place the phone could not give becomes the hook that takes it
// from a photo.
export function opinionItem(fields, collectedAt = new Date().toISOString()) {
  const { want_location: wantLocation, ...body } = fields;
  return {
    kind: 'opinion', method: 'POST', path: OPINIONS, idempotent: true,
    body: { ...body, collected_at: body.collected_at || collectedAt },
    label: String(body.content || '').slice(0, 60), step: null,
    topic_id: null, room_id: body.room_id || null,
    before: wantLocation && body.lat == null ? ['place-from-photo'] : [],
  };
}

// save stores a new opinion with its photos ({ id, blob, name }) in one transaction.
export async function save(userId, fields, photos) {
  return keep(userId, opinionItem(fields), photos);
}

// saveRecord stores a record to send with method to path, with its photos. When
// idempotent, the item's id goes in the body as the record's own id, unless the body
// names the record it writes onto (an open activity's minutes, sent under its id).
export async function saveRecord(userId, { method = 'POST', path, body, idempotent = true, label, topic_id, room_id, step }, photos = []) {
  return keep(userId, { kind: 'record', method, path, body, idempotent, label, step: step || null, topic_id: topic_id || null, room_id: room_id || null, before: [] }, photos);
}

// keep writes a new item and its photos in one transaction: all or nothing.
async function keep(userId, what, photos) {
  const item = {
    id: newId(),
    user_id: userId,
    ...what,
    photo_ids: photos.map((p) => p.id),
    state: 'pending',
    attempts: 0,
    next_at: 0,
    error: '',
    created_at: new Date().toISOString(),
  };
  await db.write(['outbox', 'photos'], (s) => {
    s.outbox.put(item);
    for (const p of photos) {
      s.photos.put({ id: p.id, opinion_id: item.id, user_id: userId, blob: p.blob, name: p.name, uploaded: null });
    }
  });
  changed();
  if (globalThis.navigator && navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
  return item;
}

export function isRecord(item) { return item.kind !== 'opinion'; }

// list returns this user's outbox items, newest first.
export async function list(userId) {
  const items = await db.byIndex('outbox', 'user', userId);
  return items.sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
}

export async function get(id) { return db.get('outbox', id); }

// waiting counts what has not reached the server, refused or not.
export async function waiting(userId) {
  return (await list(userId)).filter((i) => i.state !== 'synced').length;
}

// counts tells apart what waits to be sent (pending) and what the server refused (failed,
// waiting for the member to correct, retry or delete it), and when the next try is due.
export async function counts(userId) {
  const all = await list(userId);
  const pending = all.filter((i) => i.state === 'pending');
  return {
    pending: pending.length,
    refused: all.filter((i) => i.state === 'failed').length,
    next_at: pending.length ? Math.min(...pending.map((i) => i.next_at || 0)) : null,
  };
}

export async function photosOf(opinionId) {
  return db.byIndex('photos', 'opinion', opinionId);
}

// retry puts a failed item back in the queue.
export async function retry(id) {
  const item = await db.get('outbox', id);
  if (!item || item.state === 'synced') return;
  await db.put('outbox', { ...item, state: 'pending', attempts: 0, next_at: 0, error: '' });
  changed();
}

// discard removes an item that has not been synced (the user gives it up).
export async function discard(id) {
  const photos = await photosOf(id);
  await db.write(['outbox', 'photos'], (s) => {
    s.outbox.delete(id);
    for (const p of photos) s.photos.delete(p.id);
  });
  changed();
}

// Statuses that retrying cannot fix: the data itself is refused.
function permanent(e) {
  return e.status && e.status >= 400 && e.status < 500 && ![401, 408, 425, 429].includes(e.status);
}

// refusal reads an answer that is not a success, with when the server asks us back.
async function refusal(res) {
  const e = await readError(res);
  if (res.status === 429 || res.status === 503) e.retryAfter = parseRetryAfter(res.headers.get('Retry-After'));
  return e;
}

// HOOKS change an item's body just before it is sent, given the photos' upload answers.
const HOOKS = {
  // The first photo with a GPS position gives the place the phone could not.
  'place-from-photo'(body, uploaded) {
    const gps = uploaded.find((u) => u && u.exif_lat != null && u.exif_lng != null);
    return body.lat == null && gps ? { ...body, lat: gps.exif_lat, lng: gps.exif_lng } : body;
  },
};

async function upload(photo) {
  const form = new FormData();
  form.append('id', photo.id);
  form.append('file', photo.blob, photo.name || photo.id + '.jpg');
  const res = await apiFetch('/api/v1/photos', { method: 'POST', body: form });
  if (res.status !== 200 && res.status !== 201) throw await refusal(res);
  return res.json();
}

// uploadPhotos sends the item's photos the server does not have yet. Each is written back
// in one write with what the server answered and without its image: the phone never holds
// two copies of a photo, and a photo stored on the server is never uploaded again.
async function uploadPhotos(item) {
  const done = [];
  for (const pid of item.photo_ids) {
    const photo = await db.get('photos', pid);
    if (!photo) continue;
    if (!photo.uploaded) {
      if (!photo.blob) continue;
      const u = await upload(photo);
      photo.uploaded = { id: u.id, exif_lat: u.exif_lat ?? null, exif_lng: u.exif_lng ?? null };
      photo.blob = null;
      await db.put('photos', photo);
      changed();
    }
    done.push(photo.uploaded);
  }
  return done;
}

// send sends one item: its photos, then its body, as the item says.
async function send(item) {
  const uploaded = await uploadPhotos(item);
  let body = { ...item.body };
  if (item.photo_ids.length) body.photo_ids = item.photo_ids;
  // A record written onto an earlier one (an open activity's minutes) names it in its body.
  if (item.idempotent && !body.id) body.id = item.id;
  for (const name of item.before || []) if (HOOKS[name]) body = HOOKS[name](body, uploaded);
  const res = await apiFetch(item.path, {
    method: item.method,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw await refusal(res);
  return res.status === 204 ? null : res.json().catch(() => null);
}

let running = null;

// sync sends what waits for userId. force ignores the back-off of earlier failures (the
// network just came back). Only one sync runs at a time across tabs and the worker.
export function sync(userId, { force = false } = {}) {
  if (running) return running;
  const locks = globalThis.navigator && navigator.locks;
  const run = () => syncLocked(userId, force);
  running = (locks ? locks.request('frontline-sync', { ifAvailable: true }, (lock) => (lock ? run() : null)) : run())
    .finally(() => { running = null; });
  return running;
}

async function syncLocked(userId, force) {
  const result = { sent: 0, failed: 0, waiting: 0 };
  const now = Date.now();
  for (const item of (await list(userId)).reverse()) {
    if (item.state !== 'pending') continue;
    if (!force && item.next_at > now) { result.waiting++; continue; }
    try {
      const server = await send(item);
      const photos = await photosOf(item.id);
      await db.write(['outbox', 'photos'], (s) => {
        s.outbox.put({ ...item, state: 'synced', error: '', server, synced_at: new Date().toISOString() });
        for (const p of photos) if (p.blob) s.photos.put({ ...p, blob: null });
      });
      result.sent++;
    } catch (e) {
      if (e instanceof AuthError) { result.waiting++; break; }
      const fresh = (await db.get('outbox', item.id)) || item;
      const error = errorText(e, fresh.kind);
      if (permanent(e)) {
        await db.put('outbox', { ...fresh, state: 'failed', error });
        result.failed++;
      } else {
        const attempts = (fresh.attempts || 0) + 1;
        await db.put('outbox', { ...fresh, attempts, next_at: Date.now() + retryDelay(attempts, e), error });
        result.waiting++;
        if (e instanceof NetworkError) { changed(); break; }
      }
    }
    changed();
  }
  return result;
}

// prune drops synced items the server has long had.
export async function prune(userId, olderThanDays = 14) {
  const cutoff = Date.now() - olderThanDays * 86400000;
  for (const item of await list(userId)) {
    if (item.state === 'synced' && Date.parse(item.synced_at) < cutoff) await discard(item.id);
  }
}
