// 首页 (我的议事室), one room's page with the convener's screening of new opinions, and 我的.

import { h, field, label, chip, empty, staleNote, fmtTime, excerpt, toast, LABELS } from '../ui.js';
import * as api from '../api.js';
import { LIMITS } from '../words.js';
import { state, roomRole, convenes, collects, countyView, administers, may } from '../state.js';
import { end } from '../session.js';
import { syncNow } from '../syncloop.js';
import { navigate, showAnew } from '../router.js';
import * as outbox from '../outbox.js';
import { topicCard } from './topics.js';
import { photoPicker } from '../picker.js';
import { photoThumbs } from '../photomark.js';
import * as records from '../records.js';

function roleLine(u) {
  if (u.role === 'reviewer') return '审核人 · ' + label('body', u.review_body);
  return label('role', u.role);
}

function waitingCard() {
  const refused = state.refused ? h('div', { class: 'card note', 'data-testid': 'refused-card' }, h('p', {}, h('strong', {}, state.refused + ' 条民意或记录'), '未能提交，请查看原因后修改、重试或删除。'), h('a', { href: '/opinions', class: 'btn' }, '查看')) : null;
  if (!state.waiting) return refused;
  const button = h('button', { type: 'button', class: 'btn' }, '立即同步');
  button.addEventListener('click', async () => {
    button.disabled = true;
    await syncNow({ force: true });
    button.disabled = false;
    if (!navigator.onLine) toast('当前离线，联网后会自动同步。');
  });
  return [h('div', { class: 'card note' }, h('p', {}, h('strong', {}, state.waiting + ' 条民意或记录'), '保存在手机上，等待同步。'), button), refused];
}

export async function home(ctx) {
  const u = state.user;
  ctx.title('首页');
  const roomsBox = h('section', { 'aria-labelledby': 'rooms-h' }, h('h3', { id: 'rooms-h' }, '我的议事室'), h('p', { class: 'loading' }, '正在加载…'));
  const waitBox = h('div', {}, waitingCard());
  const recentBox = h('section', { 'aria-labelledby': 'recent-h' }, h('h3', { id: 'recent-h' }, '最近的议题'), h('p', { class: 'loading' }, '正在加载…'));
  const render = () => waitBox.replaceChildren(...[waitingCard()].flat().filter(Boolean));
  document.addEventListener('fl:outbox', render, { signal: ctx.signal });
  ctx.show(
    h('h2', {}, '你好，' + (u.name || u.phone)),
    h('p', { class: 'muted' }, roleLine(u)),
    collects() ? h('a', { href: '/opinions/new', class: 'btn primary block big' }, '＋ 新建民意') : null,
    waitBox,
    may(u).review ? h('p', {}, h('a', { href: '/review', class: 'btn block' }, '待我审核的议题')) : null,
    countyView(u) ? h('p', {}, h('a', { href: '/stats', class: 'btn block' }, '统计与台账')) : null,
    may(u).duty_record ? h('p', {}, h('a', { href: '/duty', class: 'btn block' }, '我的履职')) : null,
    countyView(u) ? h('p', {}, h('a', { href: '/duty/county', class: 'btn block' }, '全县履职')) : null,
    administers(u) ? h('section', { 'aria-labelledby': 'admin-h' }, h('h3', { id: 'admin-h' }, '管理'),
      h('div', { class: 'row' }, h('a', { href: '/admin/users', class: 'btn' }, '用户'), h('a', { href: '/admin/rooms', class: 'btn' }, '议事室与成员'))) : null,
    roomsBox, recentBox);
  recent(recentBox);
  try {
    const res = await api.get('/api/v1/rooms?limit=200');
    const rooms = api.items(res.data);
    state.rooms = rooms;
    roomsBox.replaceChildren(roomsBox.firstChild, staleNote(res) || '',
      rooms.length ? h('ul', { class: 'list' }, rooms.map((r) => h('li', {},
        h('a', { href: '/rooms/' + encodeURIComponent(r.id), class: 'item' },
          h('span', { class: 'item-title' }, r.name),
          h('span', { class: 'item-meta' }, label('level', r.level), roomRole(r.id) ? ' · ' + label('roomRole', roomRole(r.id)) : ''))))) : empty('你还没有加入任何议事室。'));
  } catch (e) {
    roomsBox.replaceChildren(roomsBox.firstChild, h('p', { class: 'error' }, api.errorText(e)));
  }
}

async function recent(box) {
  try {
    const res = await api.get('/api/v1/topics?limit=5');
    const list = api.items(res.data);
    box.replaceChildren(box.firstChild, list.length
      ? h('ul', { class: 'list' }, list.map((t) => h('li', {}, topicCard(t))), h('li', {}, h('a', { href: '/topics' }, '全部议题')))
      : empty('还没有议题。'));
  } catch {
    box.remove();
  }
}

export async function room(ctx) {
  const id = ctx.params.id;
  ctx.title('议事室');
  const res = await api.get('/api/v1/rooms/' + encodeURIComponent(id));
  const r = res.data;
  ctx.title(r.name);
  const role = roomRole(id);
  const parts = [
    h('h2', {}, r.name),
    staleNote(res),
    h('p', { class: 'muted' }, label('level', r.level), r.address ? ' · ' + r.address : '', role ? ' · 我是' + label('roomRole', role) : ''),
  ];
  if (r.checklist) {
    const names = { venue: '场地', door_plate: '门牌', rules: '制度', convener: '召集人', members: '委员', activity_records: '活动记录' };
    parts.push(h('section', { 'aria-labelledby': 'six-h' }, h('h3', { id: 'six-h' }, '六有'),
      h('ul', { class: 'checklist' }, Object.entries(names).map(([k, n]) =>
        h('li', { class: r.checklist[k] ? 'ok' : 'missing' }, n + '：' + (r.checklist[k] ? '已具备' : '缺少')))),
      r.activities_this_year != null ? h('p', { 'data-testid': 'quota' }, '本年活动 ' + r.activities_this_year + ' / 3 次（每年至少 3 次）',
        r.activities_this_year < 3 ? chip('未达标', 'warn') : chip('已达标', 'ok')) : null));
  }
  if (collects(id)) {
    parts.push(h('a', { href: '/opinions/new?room=' + encodeURIComponent(id), class: 'btn primary block' }, '＋ 在此新建民意'));
  }
  const screenBox = convenes(id) ? h('section', { 'aria-labelledby': 'screen-h' }, h('h3', { id: 'screen-h' }, '待筛选民意'), h('p', { class: 'loading' }, '正在加载…')) : null;
  const topicsBox = h('section', { 'aria-labelledby': 'rt-h' }, h('h3', { id: 'rt-h' }, '本室议题'), h('p', { class: 'loading' }, '正在加载…'));
  const actsBox = h('section', { 'aria-labelledby': 'acts-h' }, h('h3', { id: 'acts-h' }, '活动记录'), h('p', { class: 'loading' }, '正在加载…'));
  parts.push(screenBox, topicsBox, actsBox);
  parts.push(h('section', { 'aria-labelledby': 'room-print-h' }, h('h3', { id: 'room-print-h' }, '台账与公开'),
    h('p', { class: 'actions' },
      h('a', { href: '/print/rooms/' + encodeURIComponent(id) + '/ledger?year=' + new Date().getFullYear(), class: 'btn' }, '打印本年台账'),
      h('a', { href: '/p/rooms/' + encodeURIComponent(id), class: 'btn' }, '公开页'),
      h('a', { href: '/p/rooms/' + encodeURIComponent(id) + '/plate', class: 'btn' }, '门牌二维码'))));
  if (r.members && r.members.length) {
    parts.push(h('section', { 'aria-labelledby': 'mem-h' }, h('h3', { id: 'mem-h' }, '成员'),
      h('ul', { class: 'list plain' }, r.members.map((m) => h('li', {}, m.name + ' · ' + label('roomRole', m.role))))));
  }
  ctx.show(...parts);
  if (screenBox) screening(ctx, id, screenBox);
  activities(ctx, id, actsBox, convenes(id), r.members || []);
  try {
    const t = await api.get('/api/v1/topics?room_id=' + encodeURIComponent(id));
    const list = api.items(t.data);
    topicsBox.replaceChildren(topicsBox.firstChild, staleNote(t) || '', list.length ? h('ul', { class: 'list' }, list.map((x) => h('li', {}, topicCard(x)))) : empty('还没有议题。'));
  } catch (e) {
    topicsBox.replaceChildren(topicsBox.firstChild, h('p', { class: 'error' }, api.errorText(e)));
  }
}

const KIND = LABELS.kind;
const PEOPLE = [['members', '参加的委员'], ['residents', '参加的群众代表'], ['units', '参加的单位负责人'], ['others', '其他参加人员']];

// activities lists the room's activities (活动记录), newest first, with the form a
// convener records one with (offline too: it waits on the phone, listed here).
async function activities(ctx, roomId, box, mayRecord, members) {
  const head = box.firstChild;
  const path = '/api/v1/rooms/' + encodeURIComponent(roomId) + '/activities';
  const mine = (i) => i.room_id === roomId && !i.topic_id;
  // Activities still on the phone; one sent in the background shows the room anew.
  const pending = h('div', {});
  const [res, waiting] = await Promise.all([api.get(path + '?limit=50').catch((e) => e), records.waitingFor(mine)]);
  records.follow(mine, pending, ctx.signal, showAnew);
  if (res instanceof Error) {
    box.replaceChildren(head, h('p', { class: 'error' }, api.errorText(res)), pending);
    return;
  }
  const list = api.items(res.data);
  const who = (a) => PEOPLE.flatMap(([k]) => (a.attendees && a.attendees[k]) || []).join('、');
  // Activities scheduled ahead of their record, on the server or still on the phone (not
  // yet written up there either): each gets the form that writes its record under its id.
  const local = waiting.filter((i) => i.state === 'pending');
  const written = new Set(local.filter((i) => i.body.summary && i.body.id).map((i) => i.body.id));
  const queuedOpen = local.filter((i) => !i.body.summary && !written.has(i.id))
    .map((i) => ({ id: i.id, kind: i.body.kind, held_at: i.body.held_at, place: i.body.place, queued: true }));
  const writeUp = (a) => mayRecord && !written.has(a.id)
    ? h('details', { class: 'card' }, h('summary', {}, '填写活动记录'), activityForm(path, roomId, ctx.signal, { open: a, members })) : null;
  box.replaceChildren(head, staleNote(res) || '', pending,
    list.length
      ? h('ul', { class: 'list', 'data-testid': 'activities' }, list.map((a) => h('li', { class: 'card' },
        h('p', {}, chip(KIND[a.kind] || a.kind), ' ', fmtTime(a.held_at), a.place ? ' · ' + a.place : '',
          a.open ? chip('未填写记录', 'warn') : null,
          ' ', h('a', { href: '/activities/' + encodeURIComponent(a.id), 'data-testid': 'attendance-link' }, a.open ? '签到' : '出勤')),
        h('p', {}, excerpt(a.summary, 200)),
        who(a) ? h('p', { class: 'muted' }, '参加：', who(a)) : null,
        photoThumbs(a.photos, '活动照片', roomId),
        a.open ? writeUp(a) : h('a', { href: '/print/activities/' + encodeURIComponent(a.id), class: 'btn small' }, '打印活动记录'))))
      : waiting.length ? '' : empty('还没有活动记录。'),
    queuedOpen.map(writeUp),
    mayRecord ? h('details', { class: 'card' }, h('summary', {}, '＋ 记录或安排一次活动'), activityForm(path, roomId, ctx.signal, { members })) : null);
}

// activityForm records a room activity. Without an open one it records one whole, or
// schedules it ahead of its record (安排活动: time, place, the members invited, who are told,
// reminded and take attendance); with one it writes that one's record under its id.
function activityForm(path, roomId, signal, { open = null, members = [] } = {}) {
  const kind = h('select', { name: 'kind', disabled: !!open }, Object.entries(KIND).map(([k, v]) => h('option', { value: k, selected: open && open.kind === k }, v)));
  const when = records.heldAtInput();
  if (open) when.value = new Date(new Date(open.held_at).getTime() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  const place = h('input', { name: 'place', maxlength: LIMITS.place, value: (open && open.place) || '' });
  const people = PEOPLE.map(([k, text]) => [k, field(text, h('input', { name: k }), { hint: '多人用逗号分隔' })]);
  const summary = h('textarea', { name: 'summary', rows: '3', maxlength: LIMITS.summary });
  const picker = photoPicker({ label: '活动照片', signal });
  const ticks = open ? [] : members.map((m) => h('input', { type: 'checkbox', name: 'invite', value: m.user_id, id: 'inv-' + m.user_id }));
  const invite = ticks.length ? h('fieldset', { class: 'field' }, h('legend', {}, '邀请参加的委员（安排活动时通知，可扫码签到）'),
    h('div', { class: 'choices' }, members.map((m, i) => h('label', { class: 'choice', for: ticks[i].id }, ticks[i], m.name)))) : null;
  const msg = h('p', { class: 'error', role: 'alert' });
  const schedule = open ? null : h('button', { type: 'submit', class: 'btn block', value: 'start', 'data-testid': 'schedule-activity' }, '安排活动（会后填写记录）');
  const button = h('button', { type: 'submit', class: 'btn primary block' }, '保存活动记录');
  const form = h('form', { class: 'card form', novalidate: true, 'aria-label': open ? '填写活动记录' : '记录活动' },
    h('h4', {}, open ? '填写活动记录' + (open.queued ? '（活动安排保存在手机上，等待提交）' : '') : '记录活动'),
    field('活动类型', kind), field('活动时间', when, { required: true }), field('活动地点', place), invite,
    people.map(([, f]) => f), field('活动内容', summary, { required: true, hint: schedule ? '安排活动时可以留空' : null }), picker.el, msg, schedule, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.textContent = '';
    const starting = schedule && e.submitter === schedule;
    const at = records.heldAt(when);
    const lists = people.map(([k, f]) => [k, records.names(f.querySelector('input'))]);
    if (!at || lists.some(([, l]) => !l) || (!starting && !summary.value.trim())) {
      msg.textContent = '请检查活动时间、参加人员和活动内容。';
      (!at ? when : summary).focus();
      return;
    }
    const attendees = Object.fromEntries(lists);
    if (!open) attendees.user_ids = ticks.filter((c) => c.checked).map((c) => c.value);
    const k = open ? open.kind : kind.value;
    const body = { kind: k, held_at: at, place: place.value, summary: starting ? '' : summary.value, attendees };
    // An open activity's record goes under its id: the server writes it onto that one.
    if (open) body.id = open.id;
    button.disabled = true;
    if (schedule) schedule.disabled = true;
    try {
      await picker.ready();
      const how = await records.submit({
        method: 'POST', path, room_id: roomId, step: 'activity',
        label: (KIND[k] || '活动') + ' · ' + (starting ? '安排 ' + fmtTime(at) : summary.value.trim().slice(0, 20)),
        body,
      }, [...picker.photos]);
      toast(how === 'sent' ? (starting ? '活动已安排。' : '活动已记录。') : '已保存在手机上，联网后自动提交。', { kind: 'ok' });
      navigate(location.pathname, { replace: true });
    } catch (err) {
      msg.textContent = err instanceof records.RecordError ? '提交失败：' + err.message : '保存失败：' + api.errorText(err);
      button.disabled = false;
      if (schedule) schedule.disabled = false;
    }
  });
  return form;
}

// screening lists the room's new opinions for its convener: pick several and draft a
// topic from them, or set one aside.
async function screening(ctx, roomId, box) {
  const head = box.firstChild;
  let res;
  try {
    res = await api.get('/api/v1/opinions?room_id=' + encodeURIComponent(roomId) + '&status=new&limit=200');
  } catch (e) {
    box.replaceChildren(head, h('p', { class: 'error' }, api.errorText(e)));
    return;
  }
  const list = api.items(res.data);
  if (!list.length) { box.replaceChildren(head, staleNote(res) || '', empty('没有待筛选的民意。')); return; }
  const draft = h('button', { type: 'button', class: 'btn primary block', disabled: true }, '用选中的民意起草议题');
  const boxes = [];
  const update = () => {
    const n = boxes.filter((b) => b.checked).length;
    draft.disabled = n === 0;
    draft.textContent = n ? '用选中的 ' + n + ' 条民意起草议题' : '用选中的民意起草议题';
  };
  const items = list.map((o) => {
    const cb = h('input', { type: 'checkbox', value: o.id, id: 'op-' + o.id, onchange: update });
    boxes.push(cb);
    const dismiss = h('button', { type: 'button', class: 'btn small ghost' }, '不采纳');
    dismiss.addEventListener('click', async () => {
      if (!confirm('确定不采纳这条民意吗？')) return;
      try {
        await api.send('PATCH', '/api/v1/opinions/' + encodeURIComponent(o.id), { status: 'dismissed' });
        li.remove();
        boxes.splice(boxes.indexOf(cb), 1);
        update();
      } catch (e) { toast(api.errorText(e), { kind: 'error' }); }
    });
    const li = h('li', { class: 'pick' },
      cb,
      h('label', { for: cb.id },
        h('span', { class: 'item-title' }, excerpt(o.content, 80)),
        h('span', { class: 'item-meta' }, [o.category, label('channel', o.channel), fmtTime(o.created_at), o.photos && o.photos.length ? o.photos.length + ' 张照片' : ''].filter(Boolean).join(' · '))),
      dismiss);
    return li;
  });
  draft.addEventListener('click', () => {
    const ids = boxes.filter((b) => b.checked).map((b) => b.value);
    sessionStorage.setItem('draft-opinions', JSON.stringify(list.filter((o) => ids.includes(o.id))));
    navigate('/topics/new?room=' + encodeURIComponent(roomId) + '&opinions=' + ids.map(encodeURIComponent).join(','));
  });
  box.replaceChildren(head, staleNote(res) || '', h('ul', { class: 'list picks' }, items), draft);
}

export async function me(ctx) {
  const u = state.user;
  ctx.title('我的');
  const waiting = await outbox.waiting(u.id);
  const out = h('button', { type: 'button', class: 'btn danger block' }, '退出登录');
  out.addEventListener('click', async () => {
    const n = await outbox.waiting(u.id);
    const text = n > 0
      ? '还有 ' + n + ' 条民意或记录没有同步到服务器。退出后它们会从这部手机上删除，无法找回。确定退出吗？'
      : '退出后，这部手机上保存的你的数据会被清除。确定退出吗？';
    if (!confirm(text)) return;
    await end();
  });
  ctx.show(
    h('h2', {}, '我的'),
    h('dl', { class: 'facts' },
      h('dt', {}, '姓名'), h('dd', {}, u.name || ''),
      h('dt', {}, '手机号'), h('dd', {}, u.phone || ''),
      h('dt', {}, '角色'), h('dd', {}, roleLine(u)),
      h('dt', {}, '待同步'), h('dd', {}, waiting + ' 条')),
    administers(u) ? h('p', {}, h('a', { href: '/admin', class: 'btn block' }, '管理')) : null,
    collects() ? h('p', {}, h('a', { href: '/opinions', class: 'btn block' }, '我的民意')) : null,
    may(u).duty_record ? h('p', {}, h('a', { href: '/duty', class: 'btn block' }, '我的履职')) : null,
    h('p', {}, h('a', { href: '/password', class: 'btn block' }, '修改密码')),
    out);
}

