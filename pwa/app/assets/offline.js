// What a convener needs to work without signal, fetched in the background while there is
// some: the topic list, each room they convene (its page, topics and activities), and each
// of those rooms' topics between approval and closing with its plan, activities and outcome.
// The answers are kept on the phone like any read, under the paths the pages read, so the
// topic's page and its step forms open offline even if the convener never opened it.

import * as api from './api.js';
import * as db from './db.js';
import { state, may } from './state.js';

const OPEN = ['approved', 'planned', 'consulted', 'concluded'];
const MAX_TOPICS = 30;
// Kept copies are fresh enough for this long: the app started again soon after does not
// fetch them all again over a weak signal.
const FRESH_MS = 10 * 60000;

let running = null;

// keep runs once at a time; it never throws.
export function keep() {
  if (!running) running = keepNow().catch(() => {}).finally(() => { running = null; });
  return running;
}

async function keepNow() {
  const user = state.user;
  if (!user || !navigator.onLine) return;
  const rooms = may(user).convene_rooms;
  if (!rooms.length) return;
  const mark = user.id + '|kept-at';
  const last = await db.get('kv', mark).catch(() => 0);
  if (last && Date.now() - last < FRESH_MS) return;
  const read = (path) => api.get(path).then((r) => r.data, () => null);
  await read('/api/v1/topics?limit=100');
  let left = MAX_TOPICS;
  for (const id of rooms) {
    const room = '/api/v1/rooms/' + encodeURIComponent(id);
    const [, topics] = await Promise.all([read(room), read('/api/v1/topics?room_id=' + encodeURIComponent(id)), read(room + '/activities?limit=50')]);
    for (const t of api.items(topics).filter((x) => OPEN.includes(x.status))) {
      if (state.user !== user) return; // signed out meanwhile
      if (left-- <= 0) break;
      const base = '/api/v1/topics/' + encodeURIComponent(t.id);
      await Promise.all([read(base), read(base + '/plan'), read(base + '/activities'), read(base + '/outcome')]);
    }
  }
  await db.put('kv', Date.now(), mark).catch(() => {});
}
