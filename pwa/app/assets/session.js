// The signed-in session of this page: header status, tab bar, the outbox sync loop, live
// notices, and sign-in / sign-out. Screens and the entry module share it.

import { h, toast } from './ui.js';
import * as auth from './auth.js';
import * as db from './db.js';
import * as outbox from './outbox.js';
import * as events from './events.js';
import * as api from './api.js';
import * as offline from './offline.js';
import { state, collects } from './state.js';
import { navigate, render } from './router.js';
import { describe } from './notice-text.js';

// --- header: network, outbox and live status ---------------------------------------------
export function renderStatus() {
  const box = document.getElementById('status');
  const parts = [];
  if (!navigator.onLine) parts.push(h('span', { class: 'pill offline' }, '离线'));
  if (state.user && state.waiting > 0) {
    parts.push(h('a', { class: 'pill waiting', href: '/opinions', 'data-testid': 'waiting' }, state.waiting + ' 条待同步'));
  }
  box.replaceChildren(...parts);
}

export function renderTabs() {
  const nav = document.getElementById('tabs');
  if (!state.user || state.user.must_change_password) { nav.hidden = true; nav.replaceChildren(); return; }
  const tabs = [['/', '首页']];
  if (collects()) tabs.push(['/opinions', '民意']);
  if (state.user.role === 'reviewer') tabs.push(['/review', '审核']);
  tabs.push(['/topics', '议题'], ['/notices', '消息'], ['/me', '我的']);
  const here = location.pathname;
  nav.replaceChildren(...tabs.map(([href, text]) => {
    const active = href === '/' ? here === '/' : here.startsWith(href);
    const badge = href === '/notices' && state.unread > 0
      ? h('span', { class: 'badge', 'data-testid': 'unread' }, state.unread > 99 ? '99+' : String(state.unread), h('span', { class: 'sr' }, ' 条未读'))
      : null;
    return h('a', { href, class: active ? 'tab active' : 'tab', 'aria-current': active ? 'page' : null }, text, badge);
  }));
  nav.hidden = false;
}

document.addEventListener('fl:route', () => renderTabs());
addEventListener('online', renderStatus);
addEventListener('offline', renderStatus);

export async function refreshWaiting() {
  if (!state.user) return;
  state.waiting = await outbox.waiting(state.user.id);
  renderStatus();
  document.dispatchEvent(new CustomEvent('fl:outbox'));
}

// --- the sync loop --------------------------------------------------------------------------
let syncTimer = null;

export async function syncNow({ force = false } = {}) {
  if (!state.user || !navigator.onLine) return null;
  const r = await outbox.sync(state.user.id, { force });
  await refreshWaiting();
  return r;
}

let listening = false;

function startSync() {
  if (!listening) {
    // Once per page: they act for whoever is signed in at the time.
    listening = true;
    outbox.onChange(refreshWaiting);
    addEventListener('online', () => syncNow({ force: true }));
    if (navigator.serviceWorker) {
      navigator.serviceWorker.addEventListener('message', (e) => {
        if (e.data && e.data.type === 'sync') syncNow({ force: true });
      });
    }
  }
  clearInterval(syncTimer);
  // While anything waits, try again now and then; items that failed back off on their own.
  syncTimer = setInterval(() => { if (state.waiting > 0) syncNow(); }, 5000);
  refreshWaiting().then(() => syncNow({ force: true }));
  outbox.prune(state.user.id).catch(() => {});
}

// requestBackgroundSync asks the browser to wake the worker when the network is back,
// even if the app is closed by then.
export async function requestBackgroundSync() {
  try {
    const reg = await navigator.serviceWorker.ready;
    if (reg.sync) await reg.sync.register('outbox');
  } catch { /* not supported: the page's own loop covers it */ }
}

// --- live notices -----------------------------------------------------------------------
async function refreshUnread() {
  if (!state.user) return;
  try {
    const res = await auth.apiFetch('/api/v1/notifications?unread=true&limit=200');
    if (!res.ok) return;
    const data = await res.json();
    state.unread = typeof data.unread === 'number' ? data.unread : api.items(data).length;
    renderTabs();
  } catch { /* offline: keep the last count */ }
}

let unreadTimer = null;
document.addEventListener('fl:event', (e) => {
  const { type, data } = e.detail;
  state.unread += 1;
  renderTabs();
  clearTimeout(unreadTimer);
  unreadTimer = setTimeout(refreshUnread, 1500);
  if (type !== 'topic.status_changed') {
    const d = describe(type, data);
    toast(d.text, { kind: type === 'review.decided' ? 'event ' + (data.decision || '') : 'event', timeout: 10000, action: d.href ? { href: d.href, label: '查看' } : null });
  }
});
// The stream's state, for styles and tests: <html data-live="true">.
document.addEventListener('fl:resync', refreshUnread);
document.addEventListener('fl:live', (e) => { document.documentElement.dataset.live = String(e.detail.live); });
document.addEventListener('fl:read', () => { state.unread = 0; renderTabs(); });

// --- session ------------------------------------------------------------------------------
// begin starts the session of user. fresh (just signed in) waits for the user's rooms
// and memberships, which the sign-in answer does not carry.
export async function begin(user, { fresh = false } = {}) {
  state.user = user;
  // The server answers nothing else until the password an admin chose is replaced: the
  // router shows 修改密码 alone, and the session starts fully after (screens/password.js).
  if (user.must_change_password) { renderTabs(); return; }
  // Room names from the last visit, so the first screen can show them before the network answers.
  const known = await db.get('cache', user.id + '|' + ROOMS).catch(() => null);
  if (known) state.rooms = api.items(known.data);
  renderTabs();
  startSync();
  events.start(user.id);
  refreshUnread();
  const me = loadMe();
  if (fresh) await me;
}

const ROOMS = '/api/v1/rooms?limit=200';

async function loadMe() {
  try {
    const [me, rooms] = await Promise.all([api.get('/api/v1/me'), api.get(ROOMS)]);
    state.rooms = api.items(rooms.data);
    if (!me.offline) {
      const changed = JSON.stringify(me.data.memberships) !== JSON.stringify(state.user.memberships) || me.data.role !== state.user.role;
      state.user = me.data;
      await auth.saveUser(me.data);
      if (changed) { renderTabs(); render(); }
      // Once the first screen has what it needs: what a convener may need without signal.
      setTimeout(offline.keep, 1500);
    }
  } catch { /* offline with nothing stored yet */ }
}

// end clears this user's data from the phone and goes back to sign-in.
export async function end({ clear = true } = {}) {
  const user = state.user;
  events.stop();
  clearInterval(syncTimer);
  await auth.signOut();
  if (user && clear) {
    await db.clearUser(user.id);
    sessionStorage.clear();
  }
  state.user = null;
  state.rooms = [];
  state.waiting = 0;
  state.unread = 0;
  renderStatus();
  renderTabs();
  navigate('/login', { replace: true });
}

auth.onLost(() => {
  if (!state.user) return;
  events.stop();
  clearInterval(syncTimer);
  state.user = null;
  state.rooms = [];
  toast('登录已失效，请重新登录。未同步的民意仍保存在手机上。', { kind: 'warn' });
  renderTabs();
  navigate('/login?next=' + encodeURIComponent(location.pathname), { replace: true });
});

