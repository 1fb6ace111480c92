// The service worker: keeps the app shell for offline use and sends the outbox when the
// browser wakes it after the network returns (Background Sync), even with the app closed.
// The server fills in VERSION and PRECACHE; a new build is a new cache. Workers have no
// import maps, so the modules below are imported by their plain URLs, which the server
// answers for them (revalidated, like this file).

import { session } from '/assets/auth.js';
import { sync } from '/assets/outbox.js';

const VERSION = 'dev';
const PRECACHE = [];
const CACHE = 'frontline-' + VERSION;

self.addEventListener('install', (event) => {
  // Hashed assets never change, so the copies the page just loaded (in the HTTP cache) do;
  // the shell and the manifest are fetched fresh.
  const hashed = /\.[0-9a-f]{8}\.\w+$/;
  event.waitUntil(caches.open(CACHE).then((cache) =>
    cache.addAll(PRECACHE.map((u) => new Request(u, { cache: hashed.test(u) ? 'default' : 'no-cache' })))));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('frontline-') && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

// The page's "有新版本" banner asks the waiting worker to take over.
self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'skip-waiting') self.skipWaiting();
});

const PASS = ['/api/', '/files/', '/healthz', '/readyz', '/metrics'];

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || PASS.some((p) => url.pathname.startsWith(p))) return;
  if (req.mode === 'navigate') {
    // Every page of the app is the same shell; it routes in the browser.
    event.respondWith(caches.match('/', { cacheName: CACHE, ignoreVary: true }).then((hit) => hit || fetch(req)));
    return;
  }
  event.respondWith(caches.match(req, { cacheName: CACHE, ignoreVary: true }).then((hit) => hit || fetch(req)));
});

self.addEventListener('sync', (event) => {
  if (event.tag === 'outbox') event.waitUntil(backgroundSync());
});

async function backgroundSync() {
  // An open page runs the sync itself (it knows whether it is online); wake it.
  const pages = await self.clients.matchAll({ type: 'window' });
  if (pages.length) {
    for (const p of pages) p.postMessage({ type: 'sync' });
    return;
  }
  const s = await session();
  if (!s) return;
  const r = await sync(s.user.id, { force: true });
  // Throwing asks the browser to wake us again later.
  if (r && r.waiting > 0) throw new Error('outbox: items still waiting');
}
