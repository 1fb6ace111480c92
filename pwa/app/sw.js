// The service worker: keeps the app shell for offline use and sends the outbox when the
// browser wakes it after the network returns (Background Sync), even with the app closed.
// The server fills in VERSION and PRECACHE; a new build is a new cache. Workers have no
// import maps, so the modules below are imported by their plain URLs, which the server
// answers for them (revalidated, like this file).

import { session } from '/assets/auth.js';
import { sync } from '/assets/outbox.js';

const VERSION = 'dev';
const PRECACHE = [];
// The QR decoder (jsQR) is needed only where the browser cannot read a QR code itself: the
// shell leaves it out, and the worker keeps it on those browsers alone, for scanning offline.
const QR_DECODER = '';
const CACHE = 'frontline-' + VERSION;

self.addEventListener('install', (event) => {
  // Hashed assets never change, so the copies the page just loaded (in the HTTP cache) do;
  // the shell and the manifest are fetched fresh.
  const hashed = /\.[0-9a-f]{8}\.\w+$/;
  event.waitUntil(caches.open(CACHE).then(async (cache) => {
    await cache.addAll(PRECACHE.map((u) => new Request(u, { cache: hashed.test(u) ? 'default' : 'no-cache' })));
    if (QR_DECODER && !(await readsQR())) await cache.add(QR_DECODER).catch(() => {});
  }));
});

// readsQR tells whether the browser reads QR codes itself (BarcodeDetector with qr_code).
async function readsQR() {
  try {
    return 'BarcodeDetector' in self && (await self.BarcodeDetector.getSupportedFormats()).includes('qr_code');
  } catch {
    return false;
  }
}

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

// How long an open page may take to answer the worker's request to sync.
const PAGE_ANSWER_MS = 20000;

async function backgroundSync() {
  // An open page runs the sync itself (it knows whether it is online) and says how many
  // items still wait. When it cannot (its attempt failed, or it did not answer), the worker
  // sends them itself, and if they still wait, throwing asks the browser to wake it again
  // later: the sync is never spent on a message alone.
  const pages = await self.clients.matchAll({ type: 'window' });
  if (pages.length && (await askPages(pages)) === 0) return;
  const s = await session();
  if (!s) return;
  const r = await sync(s.user.id, { force: true });
  if (!r || r.waiting > 0) throw new Error('outbox: items still waiting');
}

// askPages asks the open pages to sync and resolves with how many items still wait: 0 as
// soon as one page has sent everything, else the last count, or null when no page answers.
function askPages(pages) {
  return new Promise((resolve) => {
    let left = pages.length;
    let last = null;
    const timer = setTimeout(() => resolve(last), PAGE_ANSWER_MS);
    for (const p of pages) {
      const ch = new MessageChannel();
      ch.port1.onmessage = (e) => {
        const n = e.data && typeof e.data.waiting === 'number' && e.data.waiting >= 0 ? e.data.waiting : null;
        if (n === 0 || --left === 0) { clearTimeout(timer); resolve(n === 0 ? 0 : n); }
        else last = n;
      };
      p.postMessage({ type: 'sync' }, [ch.port2]);
    }
  });
}

// A notice pushed while the app is closed (see screens/push.js): show it, and open its page
// on a tap, in a window of the app that is already open if there is one.
self.addEventListener('push', (event) => {
  let d = {};
  try { d = event.data ? event.data.json() : {}; } catch { d = { body: event.data ? event.data.text() : '' }; }
  const url = typeof d.url === 'string' && d.url.startsWith('/') ? d.url : '/notices';
  event.waitUntil(self.registration.showNotification(d.title || '新消息', {
    body: d.body || '', tag: d.id ? 'notice-' + d.id : undefined, data: { url }, icon: '/icons/icon-192.png',
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL((event.notification.data && event.notification.data.url) || '/notices', self.location.origin).href;
  event.waitUntil((async () => {
    const wins = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    for (const w of wins) {
      if (new URL(w.url).origin !== self.location.origin) continue;
      // A window the browser will not bring forward still goes to the page.
      await w.focus().catch(() => {});
      if (await w.navigate(url).then(() => true, () => false)) return;
    }
    await self.clients.openWindow(url);
  })());
});
