// The field app's entry: the route table, the service worker with its update banner, and
// start-up (restore the session, then show the screen).

import * as auth from './auth.js';
import { route, setGuard, start, showAnew } from './router.js';
import { state, countyView, administers } from './state.js';
import { begin, renderStatus } from './session.js';
import { login } from './screens/login.js';
// --- screens ----------------------------------------------------------------------------
// Each screen's module loads when it is first shown, so the first load carries the shell and
// one screen rather than the whole app (the service worker keeps them all for offline use).
const lazy = (load, name) => async (ctx) => (await load())[name](ctx);
const home = () => import('./screens/home.js');
const opinions = () => import('./screens/opinions.js');
const topics = () => import('./screens/topics.js');
const admin = () => import('./screens/admin.js');
route('/login', login, { public: true }); // the first screen a newcomer sees comes with the shell
route('/setup', lazy(() => import('./screens/setup.js'), 'setup'), { public: true });
route('/r/:code', lazy(() => import('./screens/receipt.js'), 'receipt'), { public: true });
// The public pages: anyone, no sign-in; one small screen module.
const pub = () => import('./screens/public.js');
route('/p/county', lazy(pub, 'county'), { public: true });
route('/p/rooms/:id', lazy(pub, 'room'), { public: true });
route('/p/rooms/:id/plate', lazy(pub, 'plate'), { public: true });
// Print pages: whoever may read a record may print it, through the one print frame.
const print = () => import('./screens/print.js');
route('/print/topics/:id/report', lazy(print, 'printReport'));
route('/print/topics/:id/plan', lazy(print, 'printPlan'));
route('/print/topics/:id/outcome', lazy(print, 'printOutcome'));
route('/print/activities/:id', lazy(print, 'printActivity'));
route('/print/rooms/:id/ledger', lazy(print, 'printLedger'));
route('/print/members/:id', lazy(print, 'printMemberFile'));
route('/u/:token', lazy(() => import('./screens/unit.js'), 'unit'), { public: true });
route('/', lazy(home, 'home'));
route('/rooms/:id', lazy(home, 'room'));
route('/opinions', lazy(opinions, 'opinions'));
route('/opinions/new', lazy(opinions, 'newOpinion'));
route('/topics', lazy(topics, 'topics'));
route('/topics/new', lazy(topics, 'topicForm'));
route('/topics/:id', lazy(topics, 'topic'));
route('/topics/:id/edit', lazy(topics, 'topicForm'));
route('/review', lazy(topics, 'reviewQueue'));
route('/activities/:id', lazy(() => import('./screens/attend.js'), 'activity'));
route('/scan', lazy(() => import('./screens/attend.js'), 'scan'));
route('/notices', lazy(() => import('./screens/notices.js'), 'notices'));
route('/me', lazy(home, 'me'));
route('/push', lazy(() => import('./screens/push.js'), 'push'));
const duty = () => import('./screens/duty.js');
route('/duty', lazy(duty, 'duty'));
route('/duty/county', lazy(duty, 'county'), { allow: countyView });
route('/members/:id', lazy(duty, 'memberFile'));
route('/password', lazy(() => import('./screens/password.js'), 'password'));
route('/stats', lazy(() => import('./screens/dashboard.js'), 'dashboard'), { allow: countyView });
route('/admin', lazy(admin, 'admin'), { allow: administers });
route('/admin/users', lazy(admin, 'adminUsers'), { allow: administers });
route('/admin/rooms', lazy(admin, 'adminRooms'), { allow: administers });
route('/admin/rooms/:id', lazy(admin, 'adminRoom'), { allow: administers });
route('/admin/import', lazy(() => import('./screens/import.js'), 'importUsers'), { allow: administers });
route('/admin/audit', lazy(() => import('./screens/audit.js'), 'audit'), { allow: administers });

setGuard((opts, path) => {
  if (path.startsWith('/login') || path.startsWith('/setup')) return state.user ? '/' : null;
  if (opts.public) return null;
  if (!state.user) return '/login' + (path && path !== '/' ? '?next=' + encodeURIComponent(path) : '');
  // A password an admin chose must be replaced before anything else.
  if (state.user.must_change_password) return path === '/password' ? null : '/password';
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

