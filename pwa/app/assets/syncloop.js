// The page's side of the outbox: it keeps the counts of what waits and what was refused,
// tells the screens when the outbox changed (the document event 'fl:outbox', whoever
// changed it: this page, another tab or the worker), and sends what waits: at once after a
// save, when the network returns, when the service worker asks, and when the next item is
// due again after a failure.

import * as outbox from './outbox.js';
import { state } from './state.js';
import { renderStatus } from './status.js';

let timer = null;
let listening = false;

// refresh reads the outbox's counts into state, redraws the header, tells the screens and
// sets the timer for the next item due.
export async function refresh() {
  if (!state.user) return;
  const c = await outbox.counts(state.user.id);
  state.waiting = c.pending;
  state.refused = c.refused;
  renderStatus();
  document.dispatchEvent(new CustomEvent('fl:outbox'));
  schedule(c.next_at);
}

// schedule wakes the loop when the next waiting item is due (never sooner than a second).
function schedule(at) {
  clearTimeout(timer);
  if (!state.user || at == null) return;
  timer = setTimeout(() => syncNow(), Math.max(1000, at - Date.now()));
}

// syncNow sends what is due (all that waits when force) and returns the outbox's result,
// or null when there is no one signed in or no network.
export async function syncNow({ force = false } = {}) {
  if (!state.user || !navigator.onLine) return null;
  const r = await outbox.sync(state.user.id, { force });
  await refresh();
  return r;
}

// start runs the loop for the signed-in user.
export function start() {
  if (!listening) {
    // Once per page: they act for whoever is signed in at the time.
    listening = true;
    outbox.onChange(refresh);
    addEventListener('online', () => syncNow({ force: true }));
    if (navigator.serviceWorker) navigator.serviceWorker.addEventListener('message', answerWorker);
  }
  refresh().then(() => syncNow({ force: true }));
  outbox.prune(state.user.id).catch(() => {});
}

// stop ends the loop (signed out).
export function stop() {
  clearTimeout(timer);
  timer = null;
}

// answerWorker runs the sync the service worker asks for (Background Sync) and tells it
// how many items still wait, so that it sends them itself when this page could not.
async function answerWorker(e) {
  if (!e.data || e.data.type !== 'sync') return;
  const port = e.ports && e.ports[0];
  let left = -1;
  try {
    await syncNow({ force: true });
    if (state.user) left = (await outbox.counts(state.user.id)).pending;
  } catch { /* the worker tries itself */ }
  if (port) port.postMessage({ type: 'synced', waiting: left });
}

// requestBackgroundSync asks the browser to wake the worker when the network is back,
// even if the app is closed by then.
export async function requestBackgroundSync() {
  try {
    const reg = await navigator.serviceWorker.ready;
    if (reg.sync) await reg.sync.register('outbox');
  } catch { /* not supported: the page's own loop covers it */ }
}
