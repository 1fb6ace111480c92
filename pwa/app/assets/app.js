// The field app's entry: the route table, the service worker with its update banner, and
// start-up (restore the session, then show the screen).

import * as auth from './auth.js';
import { route, setGuard, start, showAnew } from './router.js';
import { state, countyView } from './state.js';
import { begin, renderStatus } from './session.js';
import * as screens from './screens.js';

// --- screens ----------------------------------------------------------------------------
// Screens used by few people load on first use, outside the first-load shell.
const lazy = (load, name) => async (ctx) => (await load())[name](ctx);
route('/login', screens.login, { public: true });
route('/r/:code', screens.receipt, { public: true });
route('/', screens.home);
route('/rooms/:id', screens.room);
route('/opinions', screens.opinions);
route('/opinions/new', screens.newOpinion);
route('/topics', screens.topics);
route('/topics/new', screens.topicForm);
route('/topics/:id', screens.topic);
route('/topics/:id/edit', screens.topicForm);
route('/review', screens.reviewQueue);
route('/notices', screens.notices);
route('/me', screens.me);
route('/password', screens.password);
route('/stats', lazy(() => import('./screens/dashboard.js'), 'dashboard'), { allow: countyView });
route('/admin', screens.admin, { roles: ['admin'] });
route('/admin/users', screens.adminUsers, { roles: ['admin'] });
route('/admin/rooms', screens.adminRooms, { roles: ['admin'] });
route('/admin/rooms/:id', screens.adminRoom, { roles: ['admin'] });
route('/admin/audit', lazy(() => import('./screens/audit.js'), 'audit'), { roles: ['admin'] });

setGuard((opts, path) => {
  if (path.startsWith('/login')) return state.user ? '/' : null;
  if (opts.public) return null;
  if (!state.user) return '/login' + (path && path !== '/' ? '?next=' + encodeURIComponent(path) : '');
  // A password an admin chose must be replaced before anything else.
  if (state.user.must_change_password) return path === '/password' ? null : '/password';
  if (opts.roles && !opts.roles.includes(state.user.role)) return '/';
  if (opts.allow && !opts.allow(state.user)) return '/';
  return null;
});

// --- service worker and updates --------------------------------------------------------------
async function installWorker() {
  if (!('serviceWorker' in navigator)) return;
  let reg;
  try {
    reg = await navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/' });
  } catch (e) {
    console.warn('service worker not installed', e);
    return;
  }
  let reloading = false;
  const banner = document.getElementById('update');
  const offer = (worker) => {
    banner.hidden = false;
    document.getElementById('update-reload').onclick = () => {
      reloading = true;
      worker.postMessage({ type: 'skip-waiting' });
    };
  };
  navigator.serviceWorker.addEventListener('controllerchange', () => { if (reloading) location.reload(); });
  if (reg.waiting && navigator.serviceWorker.controller) offer(reg.waiting);
  reg.addEventListener('updatefound', () => {
    const w = reg.installing;
    if (!w) return;
    w.addEventListener('statechange', () => {
      if (w.state === 'installed' && navigator.serviceWorker.controller) offer(w);
    });
  });
  const check = () => reg.update().catch(() => {});
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') check(); });
  setInterval(check, 30 * 60000);
}

// The server lost the events since the app's last one: draw the screen again from fresh data.
document.addEventListener('fl:resync', () => { if (state.user) showAnew(); });

// --- boot -----------------------------------------------------------------------------------
async function boot() {
  const s = await auth.session().catch(() => null);
  if (s) await begin(s.user);
  renderStatus();
  await start();
  installWorker();
}

boot();

