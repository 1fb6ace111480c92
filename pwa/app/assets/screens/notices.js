// 消息: the stored notices, newest first, with live ones added as they arrive.

import { h, empty, staleNote, fmtTime } from '../ui.js';
import * as api from '../api.js';
import { describe } from '../notice-text.js';

function typeOf(n) { return n.type || n.event || ''; }
function dataOf(n) { return n.data || n.payload || {}; }

function row(type, data, at, unread) {
  const d = describe(type, data);
  return h('li', { class: 'card notice-item' + (unread ? ' unread' : '') },
    h('p', {}, d.text),
    h('p', { class: 'item-meta' }, fmtTime(at), d.href ? ' · ' : '', d.href ? h('a', { href: d.href }, '查看议题') : null));
}

export async function notices(ctx) {
  ctx.title('消息');
  const list = h('ul', { class: 'list cards', 'data-testid': 'notices' });
  const box = h('div', {}, h('p', { class: 'loading' }, '正在加载…'));
  ctx.show(h('h2', {}, '消息'), h('p', {}, h('a', { href: '/push', 'data-testid': 'push-link' }, '应用关闭时也接收消息（推送设置）')), box);
  document.addEventListener('fl:event', (e) => {
    const { type, data } = e.detail;
    list.prepend(row(type, data, new Date().toISOString(), true));
    if (box.querySelector('.empty')) box.replaceChildren(list);
    markRead(e.detail.id);
  }, { signal: ctx.signal });
  try {
    const res = await api.get('/api/v1/notifications?limit=100');
    const items = api.items(res.data);
    list.replaceChildren(...items.map((n) => row(typeOf(n), dataOf(n), n.created_at || n.at, !(n.read || n.read_at))));
    box.replaceChildren(staleNote(res) || '', items.length ? list : empty('暂无消息。'));
    if (items.length && !res.offline) markRead(items[0].id);
  } catch (e) {
    box.replaceChildren(h('p', { class: 'error' }, api.errorText(e)));
  }
}

async function markRead(upTo) {
  if (!upTo) return;
  try {
    await api.send('POST', '/api/v1/notifications/read', { up_to_id: isNaN(+upTo) ? upTo : +upTo });
    document.dispatchEvent(new CustomEvent('fl:read'));
  } catch { /* next visit */ }
}
