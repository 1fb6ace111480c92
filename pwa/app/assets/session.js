// The signed-in session of this page: sign-in and sign-out, and starting and stopping
// what runs for the signed-in user. The page's frame is status.js, the outbox's sync loop
// syncloop.js, live notices live.js, what is kept for offline use offline.js.

import { toast } from './ui.js';
import * as auth from './auth.js';
import * as db from './db.js';
import * as api from './api.js';
import { state } from './state.js';
import { navigate, render } from './router.js';
import { renderStatus, renderTabs } from './status.js';

export { renderStatus, renderTabs } from './status.js';

// What runs for a signed-in user (the sync loop, the event stream, live notices) loads with
// the session, not with the first screen: a visitor on the sign-in screen never fetches it.
const running = () => Promise.all([import('./syncloop.js'), import('./events.js'), import('./live.js')]);

async function stopRunning() {
  const [syncloop, events] = await running();
  events.stop();
  syncloop.stop();
}

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
  // Not waited for: the first screen shows what the phone keeps meanwhile.
  running().then(([syncloop, events, live]) => {
    if (state.user?.id !== user.id) return; // signed out meanwhile
    syncloop.start();
    events.start(user.id);
    live.refreshUnread();
  });
  const me = loadMe();
  if (fresh) await me;
}

const ROOMS = '/api/v1/rooms?limit=200';

async function loadMe() {
  try {
    const [me, rooms] = await Promise.all([api.get('/api/v1/me'), api.get(ROOMS)]);
    state.rooms = api.items(rooms.data);
    if (!me.offline) {
      const changed = JSON.stringify(me.data.memberships) !== JSON.stringify(state.user.memberships) || JSON.stringify(me.data.may) !== JSON.stringify(state.user.may);
      state.user = me.data;
      await auth.saveUser(me.data);
      if (changed) { renderTabs(); render(); }
      // Once the first screen has what it needs: what a convener may need without signal.
      setTimeout(() => import('./offline.js').then((offline) => offline.keep()), 1500);
    }
  } catch { /* offline with nothing stored yet */ }
}

// end clears this user's data from the phone and goes back to sign-in.
export async function end({ clear = true } = {}) {
  const user = state.user;
  await stopRunning();
  await auth.signOut();
  if (user && clear) {
    await db.clearUser(user.id);
    sessionStorage.clear();
  }
  state.user = null;
  state.rooms = [];
  state.waiting = 0;
  state.refused = 0;
  state.unread = 0;
  renderStatus();
  renderTabs();
  navigate('/login', { replace: true });
}

auth.onLost(() => {
  if (!state.user) return;
  stopRunning();
  state.user = null;
  state.rooms = [];
  toast('登录已失效，请重新登录。未同步的民意仍保存在手机上。', { kind: 'warn' });
  renderTabs();
  navigate('/login?next=' + encodeURIComponent(location.pathname), { replace: true });
});

