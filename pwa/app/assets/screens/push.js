// 推送设置: notices on a phone whose app is closed (Web Push). Asked for only here, by a
// clear button, never at first start. The kinds chosen are kept with the subscription on the
// server; the phone remembers them to show the boxes ticked.

import { h, toast } from '../ui.js';
import * as api from '../api.js';
import { LABELS } from '../words.js';
import { PUSH_KINDS as KEPT } from '../auth.js';

function supported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

// iOS pushes only to an app added to the home screen.
function iosInBrowser() {
  const ios = /iPad|iPhone|iPod/.test(navigator.userAgent);
  const standalone = window.matchMedia('(display-mode: standalone)').matches || navigator.standalone;
  return ios && !standalone;
}

function keyBytes(b64) {
  const s = atob(b64.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function keptKinds() {
  try { return JSON.parse(localStorage.getItem(KEPT)) || Object.keys(LABELS.push); } catch { return Object.keys(LABELS.push); }
}

export async function push(ctx) {
  ctx.title('推送设置');
  const box = h('div', { 'data-testid': 'push' });
  ctx.show(h('h2', {}, '推送设置'), box);
  if (!supported()) {
    box.append(h('p', { class: 'empty' }, iosInBrowser()
      ? '在 iPhone 上，请先用 Safari 的“分享 → 添加到主屏幕”，再从主屏幕打开本应用开启推送。'
      : '这个浏览器不支持消息推送。'));
    return;
  }
  if (iosInBrowser()) box.append(h('p', { class: 'hint' }, '提示：iPhone 需从主屏幕打开本应用才能收到推送。'));
  const reg = await navigator.serviceWorker.ready;
  let sub = await reg.pushManager.getSubscription();
  const kinds = new Set(keptKinds());
  const boxes = Object.entries(LABELS.push).map(([code, name]) => {
    const cb = h('input', { type: 'checkbox', value: code, 'data-kind': code });
    cb.checked = kinds.has(code);
    return h('label', { class: 'check' }, cb, ' ', name);
  });
  const chosen = () => boxes.map((l) => l.querySelector('input')).filter((c) => c.checked).map((c) => c.value);
  const state = h('p', { 'data-testid': 'push-state' });
  const on = h('button', { type: 'button', class: 'btn primary', 'data-testid': 'push-on' }, '开启推送');
  const save = h('button', { type: 'button', class: 'btn', 'data-testid': 'push-save' }, '保存');
  const off = h('button', { type: 'button', class: 'btn', 'data-testid': 'push-off' }, '关闭推送');

  const post = async (s) => {
    const body = { ...s.toJSON(), kinds: chosen() };
    await api.send('POST', '/api/v1/push/subscriptions', body);
    localStorage.setItem(KEPT, JSON.stringify(body.kinds));
  };
  const render = () => {
    const denied = Notification.permission === 'denied';
    state.textContent = denied ? '推送已被浏览器禁止，请在浏览器设置中允许本站通知。'
      : sub ? '本机已开启推送：应用关闭时也会收到下列消息。' : '本机未开启推送。';
    on.hidden = !!sub || denied;
    save.hidden = off.hidden = !sub;
  };
  on.addEventListener('click', async () => {
    on.disabled = true;
    try {
      if ((await Notification.requestPermission()) !== 'granted') { render(); return; }
      const { data } = await api.get('/api/v1/push/key');
      sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(data.public_key) });
      await post(sub);
      toast('已开启推送');
    } catch (e) {
      toast(api.errorText(e) || '开启推送失败', { kind: 'error' });
    } finally { on.disabled = false; render(); }
  });
  save.addEventListener('click', async () => {
    try { await post(sub); toast('已保存'); } catch (e) { toast(api.errorText(e), { kind: 'error' }); }
  });
  off.addEventListener('click', async () => {
    try {
      await api.send('DELETE', '/api/v1/push/subscriptions?endpoint=' + encodeURIComponent(sub.endpoint));
      await sub.unsubscribe();
      sub = null;
      toast('已关闭推送');
    } catch (e) { toast(api.errorText(e), { kind: 'error' }); }
    render();
  });
  box.append(state, h('fieldset', {}, h('legend', {}, '推送哪些消息'), ...boxes), h('p', { class: 'actions' }, on, save, off));
  render();
}
