// History routing: the server answers every app path with index.html, and this picks the
// screen. Links marked data-link (or any same-origin link) move without a page load.

import { h } from './ui.js';

const routes = [];
let controller = null;
let guard = () => null;
let first = true;

// route adds a screen for a pattern such as '/topics/:id'.
export function route(pattern, screen, opts = {}) {
  const keys = [];
  const re = new RegExp('^' + pattern.replace(/:(\w+)/g, (_, k) => { keys.push(k); return '([^/]+)'; }) + '/?$');
  routes.push({ re, keys, screen, opts });
}

// setGuard installs fn(opts, path) that may return another path to go to instead.
export function setGuard(fn) { guard = fn; }

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  return render();
}

// showAnew draws the current screen again with fresh data, unless the user has typed into a
// form of it that they have not sent yet: what changed elsewhere must not take their words
// away. Their own save draws the screen anew once it is sent.
export function showAnew() {
  if (document.querySelector('#main form[data-typed]')) return;
  navigate(location.pathname + location.search, { replace: true });
}

// Typing marks its form; sending it unmarks it (a form the screen refuses is marked again by
// the next keystroke).
document.addEventListener('input', (e) => {
  const form = e.target instanceof Element && e.target.closest('#main form');
  if (form) form.dataset.typed = '';
});
document.addEventListener('submit', (e) => { delete e.target.dataset.typed; }, true);

function match(path) {
  for (const r of routes) {
    const m = r.re.exec(path);
    if (m) return { r, params: Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1])])) };
  }
  return null;
}

export async function render() {
  const url = new URL(location.href);
  const found = match(url.pathname);
  const redirect = guard(found ? found.r.opts : {}, url.pathname + url.search);
  if (redirect) return navigate(redirect, { replace: true });
  if (controller) controller.abort();
  controller = new AbortController();
  const { signal } = controller;
  const main = document.getElementById('main');
  const ctx = {
    params: found ? found.params : {},
    query: url.searchParams,
    path: url.pathname,
    signal,
    // show replaces the screen's content, unless the user has already moved on.
    show(...nodes) {
      if (signal.aborted) return;
      main.replaceChildren(...nodes.flat().filter((n) => n != null && n !== false));
    },
    title(text) { document.title = text + ' · 协商在一线'; },
  };
  document.dispatchEvent(new CustomEvent('fl:route', { detail: { path: url.pathname } }));
  try {
    if (!found) {
      ctx.title('页面不存在');
      ctx.show(h('h2', { tabindex: '-1' }, '页面不存在'), h('p', {}, h('a', { href: '/' }, '回到首页')));
    } else {
      await found.r.screen(ctx);
    }
  } catch (e) {
    if (signal.aborted) return;
    console.error(e);
    ctx.show(h('h2', { tabindex: '-1' }, '出错了'), h('p', { class: 'error', role: 'alert' }, String(e && e.message || e)));
  }
  if (!signal.aborted && !first) {
    const heading = main.querySelector('h2');
    if (heading) { heading.setAttribute('tabindex', '-1'); heading.focus({ preventScroll: true }); }
    window.scrollTo(0, 0);
  }
  first = false;
}

export function start() {
  addEventListener('popstate', () => render());
  document.addEventListener('click', (e) => {
    const a = e.target.closest && e.target.closest('a[href]');
    if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    if (a.target || a.hasAttribute('download')) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/files/')) return;
    e.preventDefault();
    if (url.pathname + url.search !== location.pathname + location.search) navigate(url.pathname + url.search);
  });
  return render();
}
