// The outbox: opinions, the conveners' records (work plan, research, meeting, outcome,
// follow-up, room activities) and their photos are saved on the phone first, always, under
// ids made here, and a sync sends them in the order they were made when the network
// allows: photos first, then the item that names them. The API is idempotent on those ids
// (and a work plan is a PUT, an outcome is recognised by its content), so a retry after a
// lost answer never makes a second copy. Shared by the pages and the service worker.
//
// An item is an opinion ({ fields }) or a record ({ kind: 'record', method, path, body,
// idempotent, label, topic_id, room_id }). A photo row names its item in opinion_id.

import * as db from './db.js';
import { apiFetch, readError, AuthError, NetworkError } from './auth.js';
import { errorText } from './errors.js';

const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('frontline-outbox') : null;
const listeners = new Set();

// onChange registers fn to run when any context changes the outbox.
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

// save stores a new opinion with its photos ({ id, blob, name }) in one transaction.
export async function save(userId, fields, photos) {
  return keep(userId, { fields: { ...fields, collected_at: new Date().toISOString() } }, photos);
}

// saveRecord stores a record to send with method to path, with its photos. When
// idempotent, the item's id goes in the body as the record's own id.
export async function saveRecord(userId, { method = 'POST', path, body, idempotent = true, label, topic_id, room_id, step }, photos = []) {
  return keep(userId, { kind: 'record', method, path, body, idempotent, label, step, topic_id: topic_id || null, room_id: room_id || null }, photos);
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

export function isRecord(item) { return item.kind === 'record'; }

// list returns this user's outbox items, newest first.
export async function list(userId) {
  const items = await db.byIndex('outbox', 'user', userId);
  return items.sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
}

export async function get(id) { return db.get('outbox', id); }

export async function waiting(userId) {
  return (await list(userId)).filter((i) => i.state !== 'synced').length;
}

export async function photosOf(opinionId) {
  return db.byIndex('photos', 'opinion', opinionId);
}

// retry puts a failed item back in the queue.
export async function retry(id) {
  const item = await db.get('outbox', id);
  if (!item || item.state === 'synced') return;
  await db.put('outbox', { ...item, state: 'pending', next_at: 0, error: '' });
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

function backoff(attempts) {
  return Math.min(5 * 60000, 5000 * 2 ** Math.min(attempts, 6));
}

async function upload(photo) {
  const form = new FormData();
  form.append('id', photo.id);
  form.append('file', photo.blob, photo.name || photo.id + '.jpg');
  const res = await apiFetch('/api/v1/photos', { method: 'POST', body: form });
  if (res.status !== 200 && res.status !== 201) throw await readError(res);
  return res.json();
}

async function sendOne(item) {
  return isRecord(item) ? sendRecord(item) : sendOpinion(item);
}

async function uploadPhotos(item) {
  const done = [];
  for (const pid of item.photo_ids) {
    const photo = await db.get('photos', pid);
    if (!photo) continue;
    if (!photo.uploaded) {
      photo.uploaded = await upload(photo);
      await db.put('photos', photo);
    }
    done.push(photo.uploaded);
  }
  return done;
}

async function sendRecord(item) {
  await uploadPhotos(item);
  const body = { ...item.body };
  if (item.photo_ids.length) body.photo_ids = item.photo_ids;
  if (item.idempotent) body.id = item.id;
  const res = await apiFetch(item.path, {
    method: item.method,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw await readError(res);
  return res.status === 204 ? null : res.json().catch(() => null);
}

async function sendOpinion(item) {
  // The first photo with a GPS position gives the opinion's place if the phone had none.
  const gps = (await uploadPhotos(item)).find((u) => u.exif_lat != null && u.exif_lng != null);
  const exif = gps ? { lat: gps.exif_lat, lng: gps.exif_lng } : null;
  const body = { ...item.fields, id: item.id, photo_ids: item.photo_ids };
  delete body.want_location;
  if (body.lat == null && item.fields.want_location && exif) {
    body.lat = exif.lat;
    body.lng = exif.lng;
  }
  const res = await apiFetch('/api/v1/opinions', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200 && res.status !== 201) throw await readError(res);
  return res.json();
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
      const server = await sendOne(item);
      const photos = await photosOf(item.id);
      await db.write(['outbox', 'photos'], (s) => {
        s.outbox.put({ ...item, state: 'synced', error: '', server, synced_at: new Date().toISOString() });
        // The images are on the server now; keep only what the list needs.
        for (const p of photos) s.photos.put({ ...p, blob: null });
      });
      result.sent++;
    } catch (e) {
      if (e instanceof AuthError) { result.waiting++; break; }
      const fresh = (await db.get('outbox', item.id)) || item;
      if (permanent(e)) {
        await db.put('outbox', { ...fresh, state: 'failed', error: describe(e, fresh) });
        result.failed++;
      } else {
        const attempts = (fresh.attempts || 0) + 1;
        await db.put('outbox', { ...fresh, attempts, next_at: Date.now() + backoff(attempts), error: describe(e, fresh) });
        result.waiting++;
        if (e instanceof NetworkError) { changed(); break; }
      }
    }
    changed();
  }
  return result;
}

// describe says why an item did not go: a record in the words its form would use, an
// opinion in the words of its photos and its room.
function describe(e, item) {
  if (item && isRecord(item)) return errorText(e);
  if (e instanceof NetworkError) return '网络不可用';
  const s = e.status;
  if (s === 413) return '照片太大';
  if (s === 415) return '照片格式不支持';
  if (s === 422) {
    const f = e.fields ? Object.keys(e.fields).join('、') : '';
    return '内容不符合要求' + (f ? '（' + f + '）' : '');
  }
  if (s === 403) return '你不是该议事室的成员';
  if (s === 409) return '编号冲突';
  if (s >= 500) return '服务器暂时不可用';
  return '同步失败（' + (s || e.message) + '）';
}

// prune drops synced items the server has long had.
export async function prune(userId, olderThanDays = 14) {
  const cutoff = Date.now() - olderThanDays * 86400000;
  for (const item of await list(userId)) {
    if (item.state === 'synced' && Date.parse(item.synced_at) < cutoff) await discard(item.id);
  }
}
