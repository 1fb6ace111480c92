// The page's frame around the screens: the header's network and outbox status, and the
// tab bar. Drawn from state; whoever changes what they show calls them again.

import { h } from './ui.js';
import { state, collects, may } from './state.js';

// renderStatus draws the header: offline, what waits to be sent, and apart from it what the
// server refused (it will not go by itself: the member has to look at it).
export function renderStatus() {
  const box = document.getElementById('status');
  const parts = [];
  if (!navigator.onLine) parts.push(h('span', { class: 'pill offline' }, '离线'));
  if (state.user && state.waiting > 0) {
    parts.push(h('a', { class: 'pill waiting', href: '/opinions', 'data-testid': 'waiting' }, state.waiting + ' 条待同步'));
  }
  if (state.user && state.refused > 0) {
    parts.push(h('a', { class: 'pill refused', href: '/opinions', 'data-testid': 'refused' }, state.refused + ' 条未能提交'));
  }
  box.replaceChildren(...parts);
}

export function renderTabs() {
  const nav = document.getElementById('tabs');
  if (!state.user || state.user.must_change_password) { nav.hidden = true; nav.replaceChildren(); return; }
  const tabs = [['/', '首页']];
  if (collects()) tabs.push(['/opinions', '民意']);
  if (may().review) tabs.push(['/review', '审核']);
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
