// Live notices on the page: the unread count of the 消息 tab and a toast for each event
// the stream brings (events.js), while someone is signed in.

import { toast } from './ui.js';
import * as auth from './auth.js';
import * as api from './api.js';
import { state } from './state.js';
import { renderTabs } from './status.js';
import { describe } from './notice-text.js';

// refreshUnread asks the server how many notices are unread.
export async function refreshUnread() {
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
document.addEventListener('fl:resync', refreshUnread); // history was pruned: count afresh
// The stream's state, for styles and tests: <html data-live="true">.
document.addEventListener('fl:live', (e) => { document.documentElement.dataset.live = String(e.detail.live); });
document.addEventListener('fl:read', () => { state.unread = 0; renderTabs(); });
