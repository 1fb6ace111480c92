// A small promise wrapper over IndexedDB, shared by the pages and the service worker.
// Stores: kv (the session and small settings), outbox (opinions made on this phone),
// photos (their images until uploaded) and cache (the last answer of read views).

const NAME = 'frontline';
const VERSION = 1;
let opening = null;

export function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(NAME, VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        db.createObjectStore('kv');
        db.createObjectStore('outbox', { keyPath: 'id' }).createIndex('user', 'user_id');
        db.createObjectStore('photos', { keyPath: 'id' }).createIndex('opinion', 'opinion_id');
        db.createObjectStore('cache');
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
