// A small promise wrapper over IndexedDB, shared by the pages and the service worker.
// Stores: kv (the session and small settings), outbox (opinions and records made on this
// phone), photos (their images until uploaded) and cache (the last answer of read views).
//
// Versions: 1 made the stores; 2 gave every outbox item one shape (outbox.js): an opinion
// stored as { fields } became { kind: 'opinion', method, path, body, before }, and a photo
// already uploaded lost its image.

const NAME = 'frontline';
const VERSION = 2;
let opening = null;

// upgradeItem turns an outbox item stored by version 1 into the shape of version 2.
export function upgradeItem(item) {
  if (item.kind === 'record') return { before: [], step: null, ...item };
  if (item.kind === 'opinion' || !item.fields) return item;
  const { fields, ...rest } = item;
  const { want_location: wantLocation, ...body } = fields;
  return {
    ...rest,
    kind: 'opinion', method: 'POST', path: '/api/v1/opinions', idempotent: true, body,
    label: String(body.content || '').slice(0, 60), step: null, topic_id: null, room_id: body.room_id || null,
    before: wantLocation && body.lat == null ? ['place-from-photo'] : [],
  };
}

// upgradePhoto drops the image of a photo the server already has.
export function upgradePhoto(photo) {
  if (!photo.uploaded || !photo.blob) return photo;
  const u = photo.uploaded;
  return { ...photo, blob: null, uploaded: { id: u.id, exif_lat: u.exif_lat ?? null, exif_lng: u.exif_lng ?? null } };
}

function rewrite(store, fn) {
  store.openCursor().onsuccess = (e) => {
    const c = e.target.result;
    if (!c) return;
    const next = fn(c.value);
    if (next !== c.value) c.update(next);
    c.continue();
  };
}

export function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(NAME, VERSION);
      req.onupgradeneeded = (e) => {
        const db = req.result;
        if (e.oldVersion < 1) {
          db.createObjectStore('kv');
          db.createObjectStore('outbox', { keyPath: 'id' }).createIndex('user', 'user_id');
          db.createObjectStore('photos', { keyPath: 'id' }).createIndex('opinion', 'opinion_id');
          db.createObjectStore('cache');
        }
        if (e.oldVersion >= 1 && e.oldVersion < 2) {
          rewrite(req.transaction.objectStore('outbox'), upgradeItem);
          rewrite(req.transaction.objectStore('photos'), upgradePhoto);
        }
      };
      req.onsuccess = () => {
        const db = req.result;
        // Another tab or a new worker wants a newer schema: let it.
        db.onversionchange = () => { db.close(); opening = null; };
        resolve(db);
      };
      req.onerror = () => { opening = null; reject(req.error); };
    });
  }
  return opening;
}

function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function finished(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
  });
}

export async function get(store, key) {
  const db = await open();
  return request(db.transaction(store).objectStore(store).get(key));
}

export async function put(store, value, key) {
  const db = await open();
  const tx = db.transaction(store, 'readwrite');
  tx.objectStore(store).put(value, key);
  return finished(tx);
}

export async function del(store, key) {
  const db = await open();
  const tx = db.transaction(store, 'readwrite');
  tx.objectStore(store).delete(key);
  return finished(tx);
}

export async function byIndex(store, index, value) {
  const db = await open();
  return request(db.transaction(store).objectStore(store).index(index).getAll(value));
}

// write runs fn with the named stores in one read-write transaction: all or nothing.
export async function write(stores, fn) {
  const db = await open();
  const tx = db.transaction(stores, 'readwrite');
  const objects = Object.fromEntries(stores.map((s) => [s, tx.objectStore(s)]));
  fn(objects);
  return finished(tx);
}

// clearCached removes the copies of answers kept for one user (and their small settings),
// but not their outbox: records made on this phone and not yet sent.
export async function clearCached(userId) {
  const db = await open();
  const tx = db.transaction(['cache', 'kv'], 'readwrite');
  const prefix = IDBKeyRange.bound(userId + '|', userId + '|\uffff');
  tx.objectStore('cache').delete(prefix);
  tx.objectStore('kv').delete(prefix);
  return finished(tx);
}

// clearUser removes everything this phone keeps for one user.
export async function clearUser(userId) {
  const db = await open();
  const tx = db.transaction(['outbox', 'photos', 'cache', 'kv'], 'readwrite');
  const drop = (store, index) => {
    const s = tx.objectStore(store);
    s.index(index).openCursor(IDBKeyRange.only(userId)).onsuccess = (e) => {
      const c = e.target.result;
      if (c) { c.delete(); c.continue(); }
    };
  };
  drop('outbox', 'user');
  tx.objectStore('photos').openCursor().onsuccess = (e) => {
    const c = e.target.result;
    if (c) { if (c.value.user_id === userId) c.delete(); c.continue(); }
  };
  const prefix = IDBKeyRange.bound(userId + '|', userId + '|\uffff');
  tx.objectStore('cache').delete(prefix);
  tx.objectStore('kv').delete(prefix);
  return finished(tx);
}
