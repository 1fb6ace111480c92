// The conveners' records (work plan, research, meeting, outcome, follow-up, room
// activities) go through the outbox like opinions: saved on the phone first, then sent.
// A form waits for its own record while the phone is online, so a refused record is
// shown in the form to be corrected; offline it waits on the phone and is listed on its
// topic's or room's page until it is sent.

import { h, chip, label, fmtTime, toast, showError } from './ui.js';
import * as outbox from './outbox.js';
import { state } from './state.js';
import { syncNow, requestBackgroundSync } from './syncloop.js';
import { navigate } from './router.js';
import { yearOK, MIN_YEAR, MAX_YEAR } from './words.js';

// RecordError is a record the server refused; its message is why, in the outbox's words.
export class RecordError extends Error {}

// submit saves a record with its photos and, online, sends it at once. It returns 'sent'
// or 'queued' (offline or the server unreachable: it goes later by itself), or throws a
// RecordError after taking the refused record out of the outbox again.
export async function submit(spec, photos = []) {
  const item = await outbox.saveRecord(state.user.id, spec, photos);
  inForm.add(item.id);
  requestBackgroundSync();
  for (let round = 0; round < 3 && navigator.onLine; round++) {
    await syncNow({ force: true });
    const now = await outbox.get(item.id);
    if (!now || now.state === 'synced') return 'sent';
    if (now.state === 'failed') {
      await outbox.discard(item.id);
      throw new RecordError(now.error);
    }
    if (now.error) break; // tried and could not reach the server: it waits its turn
  }
  inForm.delete(item.id); // from now on it goes in the background
  return 'queued';
}

// Records whose form is still waiting for them: the form tells what became of them.
const inForm = new Set();

// waitingFor lists the unsent records that match (a topic's or a room's), oldest first.
export async function waitingFor(match) {
  if (!state.user) return [];
  const all = await outbox.list(state.user.id);
  return all.filter((i) => outbox.isRecord(i) && i.state !== 'synced' && match(i)).reverse();
}

// follow keeps holder showing the unsent records that match, redrawn in place whenever the
// outbox changes, and calls sent() once one of those it showed has reached the server.
export function follow(match, holder, signal, sent, heading) {
  let shown = new Set();
  const draw = async () => {
    const items = await waitingFor(match);
    const gone = [...shown].filter((id) => !items.some((i) => i.id === id));
    shown = new Set(items.map((i) => i.id));
    holder.replaceChildren(...(items.length ? [heading ? h('h4', {}, heading) : '', pendingList(items)] : []));
    for (const id of gone.filter((x) => !inForm.has(x))) {
      const item = await outbox.get(id);
      if (item && item.state === 'synced') {
        toast('手机上保存的记录已提交。', { kind: 'ok', timeout: 4000 });
        sent();
        return;
      }
    }
  };
  document.addEventListener('fl:outbox', draw, { signal });
  return draw();
}

// pendingList shows unsent records, with retry and delete for those refused.
export function pendingList(items, { links = false } = {}) {
  if (!items.length) return null;
  return h('ul', { class: 'list', 'data-testid': 'pending-records' }, items.map((item) => {
    const actions = item.state === 'failed' ? h('div', { class: 'row' },
      h('button', { type: 'button', class: 'btn small', onclick: async () => { await outbox.retry(item.id); syncNow({ force: true }); } }, '重试'),
      h('button', { type: 'button', class: 'btn small ghost', onclick: async () => {
        if (!confirm('删除这条未提交的记录？删除后无法找回。')) return;
        await outbox.discard(item.id);
        navigate(location.pathname, { replace: true });
      } }, '删除')) : null;
    const where = item.topic_id ? '/topics/' + encodeURIComponent(item.topic_id) : item.room_id ? '/rooms/' + encodeURIComponent(item.room_id) : null;
    return h('li', { class: 'card record', 'data-id': item.id, 'data-sync': item.state },
      h('div', { class: 'card-head' }, chip(label('sync', item.state), 'sync-' + item.state), h('span', { class: 'muted' }, fmtTime(item.created_at))),
      h('p', {}, links && where ? h('a', { href: where }, item.label) : item.label),
      item.photo_ids.length ? h('p', { class: 'item-meta' }, item.photo_ids.length + ' 张照片') : null,
      item.error ? h('p', { class: item.state === 'failed' ? 'error' : 'hint' }, '原因：' + item.error) : null,
      actions);
  }));
}

// The checks the server makes on every activity, made on the phone first, so a record kept
// offline is not refused later for them.

// heldAtInput is the time of an activity, now by default.
export function heldAtInput() {
  const local = new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  return h('input', { type: 'datetime-local', name: 'held_at', value: local });
}

const YEAR = 366 * 86400000;

// heldAt reads the time of an activity as ISO, or marks the control and returns null.
export function heldAt(control) {
  const t = control.value ? new Date(control.value) : null;
  const problem = !t || isNaN(t) ? '请填写时间' : t.getTime() > Date.now() + YEAR ? '时间不能晚于一年以后'
    : !yearOK(t) ? '时间须在 ' + MIN_YEAR + '—' + MAX_YEAR + ' 年之间' : '';
  showError(control, problem);
  return problem ? null : t.toISOString();
}

// names splits a list of people (commas, 、 or spaces) and checks each is at most 100
// characters; it marks the control and returns null when one is longer.
export function names(control) {
  const list = control.value.split(/[，,、\s]+/).map((s) => s.trim()).filter(Boolean);
  const long = list.find((n) => [...n].length > 100);
  showError(control, long ? '每个名字最多 100 个字' : '');
  return long ? null : list;
}
