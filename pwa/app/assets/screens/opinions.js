// 新建民意 (saved on the phone first, always) and 我的民意 with sync state and fate.

import { h, field, showError, label, chip, empty, staleNote, fmtTime, excerpt, toast, LABELS } from '../ui.js';
import * as api from '../api.js';
import { LIMITS, RESIDENT_PHONE, textProblem } from '../words.js';
import * as outbox from '../outbox.js';
import { photoPicker } from '../picker.js';
import { pendingList } from '../records.js';
import { state, roomName, may } from '../state.js';
import { syncNow, requestBackgroundSync } from '../syncloop.js';
import { navigate } from '../router.js';
import * as db from '../db.js';

const DEFAULT_CATEGORIES = ['环境卫生', '交通出行', '营商环境', '产业发展', '项目建设', '城市更新', '乡村振兴', '医疗卫生', '教育', '社会保障', '其他'];
const MAX_PHOTOS = 9;

async function categories() {
  try {
    const res = await api.get('/api/v1/categories');
    const names = api.items(res.data).map((c) => (typeof c === 'string' ? c : c.name)).filter(Boolean);
    return names.length ? names : DEFAULT_CATEGORIES;
  } catch {
    return DEFAULT_CATEGORIES;
  }
}

async function myRooms() {
  const mine = may().collect_rooms;
  if (!state.rooms.length) {
    try { state.rooms = api.items((await api.get('/api/v1/rooms?limit=200')).data); } catch { /* names unknown offline */ }
  }
  return mine.map((id) => ({ id, name: roomName(id) || '议事室 ' + id.slice(0, 8) }));
}

export async function newOpinion(ctx) {
  ctx.title('新建民意');
  const [rooms, cats] = await Promise.all([myRooms(), categories()]);
  if (!rooms.length) {
    ctx.show(h('h2', {}, '新建民意'), empty('你还不是任何议事室的委员，暂时不能收集民意。'));
    return;
  }
  const want = ctx.query.get('room');
  const room = h('select', { name: 'room_id', required: true },
    rooms.map((r) => h('option', { value: r.id, selected: r.id === want }, r.name)));
  const channels = Object.entries(LABELS.channel).map(([v, t], i) =>
    h('label', { class: 'choice' }, h('input', { type: 'radio', name: 'channel', value: v, checked: i === 0 }), t));
  const category = h('select', { name: 'category', required: true },
    h('option', { value: '' }, '请选择类别'), cats.map((c) => h('option', { value: c }, c)));
  const content = h('textarea', { name: 'content', rows: '6', required: true, maxlength: LIMITS.opinion_content, placeholder: '记录居民反映的问题和诉求，可以使用输入法的语音输入' });
  const rname = h('input', { type: 'text', name: 'resident_name', autocomplete: 'off', maxlength: LIMITS.resident_name });
  const rphone = h('input', { type: 'tel', name: 'resident_phone', inputmode: 'numeric', autocomplete: 'off', maxlength: '20' });
  const consent = h('input', { type: 'checkbox', name: 'resident_consent', id: 'consent' });
  const consentBox = h('div', { class: 'field check' }, consent, h('label', { for: 'consent' }, '居民同意记录其姓名和电话'), h('p', { class: 'error', id: 'consent-err', hidden: true }));
  const address = h('input', { type: 'text', name: 'address', autocomplete: 'street-address', maxlength: LIMITS.address });

  // Location: the phone's position, or else the first photo's GPS read by the server.
  let position = null;
  let wantLocation = false;
  const locText = h('p', { class: 'hint', role: 'status' }, '未定位');
  const locate = h('button', { type: 'button', class: 'btn' }, '使用我的位置');
  locate.addEventListener('click', () => {
    wantLocation = true;
    if (!navigator.geolocation) { locText.textContent = '此设备不能定位，将使用照片中的位置（如有）。'; return; }
    locText.textContent = '正在定位…';
    navigator.geolocation.getCurrentPosition(
      (p) => {
        position = { lat: +p.coords.latitude.toFixed(6), lng: +p.coords.longitude.toFixed(6) };
        locText.textContent = '已定位：' + position.lat + ', ' + position.lng + '（误差约 ' + Math.round(p.coords.accuracy) + ' 米）';
      },
      () => { locText.textContent = '无法定位，将使用照片中的位置（如有）。'; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });

  // Photos: made smaller here, previewed, removable.
  const picker = photoPicker({ max: MAX_PHOTOS, signal: ctx.signal, inputId: 'photos' });
  const photos = picker.photos;

  const msg = h('p', { class: 'error', role: 'alert' });
  const save = h('button', { type: 'submit', class: 'btn primary block big' }, '保存');
  const form = h('form', { class: 'form', novalidate: true },
    field('议事室', room, { required: true }),
    h('fieldset', { class: 'field' }, h('legend', {}, '收集渠道'), h('div', { class: 'choices' }, channels)),
    field('类别', category, { required: true }),
    field('居民反映的内容', content, { required: true }),
    h('fieldset', { class: 'group' }, h('legend', {}, '居民信息（可选，需居民同意）'),
      field('居民姓名', rname), field('居民电话', rphone), consentBox),
    field('地址', address, { hint: '门牌号、小区或村组' }),
    h('div', { class: 'field' }, h('span', { class: 'label' }, '位置'), locate, locText),
    picker.el,
    msg, save);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.textContent = '';
    let bad = null;
    const check = (ctl, ok, text) => { showError(ctl, ok ? '' : text); if (!ok && !bad) bad = ctl; };
    check(category, !!category.value, '请选择类别');
    const contentProblem = content.value.trim() ? textProblem(content.value.trim(), LIMITS.opinion_content, true) : '请填写居民反映的内容';
    check(content, !contentProblem, contentProblem);
    const nameProblem = textProblem(rname.value.trim(), LIMITS.resident_name);
    check(rname, !nameProblem, nameProblem);
    // The server's pattern: a number it would refuse is corrected now, while the resident is here.
    const phoneOK = !rphone.value.trim() || RESIDENT_PHONE.test(rphone.value.trim());
    check(rphone, phoneOK, '电话号码格式不对：手机号 11 位，座机号带区号（如 0571-88889999）');
    const addressProblem = textProblem(address.value.trim(), LIMITS.address);
    check(address, !addressProblem, addressProblem);
    const needsConsent = (rname.value.trim() || rphone.value.trim()) && !consent.checked;
    const cerr = document.getElementById('consent-err');
    cerr.textContent = needsConsent ? '记录居民姓名或电话，需要居民同意' : '';
    cerr.hidden = !needsConsent;
    if (needsConsent && !bad) bad = consent;
    if (bad) { bad.focus(); return; }
    save.disabled = true;
    save.textContent = '正在保存…';
    await picker.ready();
    const fields = {
      room_id: room.value,
      channel: form.querySelector('input[name=channel]:checked').value,
      category: category.value,
      content: content.value.trim(),
      address: address.value.trim() || undefined,
    };
    if (rname.value.trim() || rphone.value.trim()) {
      fields.resident_name = rname.value.trim() || undefined;
      fields.resident_phone = rphone.value.trim() || undefined;
      fields.resident_consent = true;
    }
    if (position) Object.assign(fields, position);
    if (wantLocation && !position) fields.want_location = true;
    try {
      await outbox.save(state.user.id, fields, photos);
    } catch (err) {
      msg.textContent = '保存失败：' + api.errorText(err);
      save.disabled = false;
      save.textContent = '保存';
      return;
    }
    toast(navigator.onLine ? '已保存，正在同步' : '已保存在手机上，联网后自动同步', { kind: 'ok' });
    requestBackgroundSync();
    syncNow({ force: true });
    navigate('/opinions');
  });
  ctx.show(h('h2', {}, '新建民意'), form);
}

function syncChip(state) {
  return chip(label('sync', state), 'sync-' + state);
}

export async function opinions(ctx) {
  ctx.title('我的民意');
  const view = h('div', {});
  ctx.show(h('h2', {}, '我的民意'), h('a', { href: '/opinions/new', class: 'btn primary block' }, '＋ 新建民意'), view);
  let server = null;
  const urls = [];
  ctx.signal.addEventListener('abort', () => urls.forEach((u) => URL.revokeObjectURL(u)));
  const draw = async () => {
    const all = await outbox.list(state.user.id);
    const local = all.filter((i) => !outbox.isRecord(i));
    const unsent = all.filter((i) => outbox.isRecord(i) && i.state !== 'synced').reverse();
    const remote = server ? api.items(server.data) : [];
    const seen = new Set(remote.map((o) => o.id));
    const rows = [];
    for (const item of local) {
      if (item.state === 'synced' && seen.has(item.id)) continue;
      rows.push(await localRow(item, urls));
    }
    for (const o of remote) rows.push(remoteRow(o));
    if (ctx.signal.aborted) return;
    view.replaceChildren(
      server && server.offline ? staleNote(server) : '',
      server === false ? h('p', { class: 'stale', role: 'note' }, '离线：只显示保存在手机上的民意') : '',
      rows.length ? h('ul', { class: 'list cards', 'data-testid': 'opinions' }, rows) : empty('还没有收集民意。'),
      unsent.length ? h('section', { 'aria-labelledby': 'unsent-h' }, h('h3', { id: 'unsent-h' }, '等待提交的记录'), pendingList(unsent, { links: true })) : '');
  };
  const load = async () => {
    try { server = await api.get('/api/v1/opinions?mine=true&limit=100'); } catch { server = false; }
    await draw();
  };
  let again = null;
  const redraw = () => { clearTimeout(again); again = setTimeout(() => (navigator.onLine ? load() : draw()), 150); };
  document.addEventListener('fl:outbox', redraw, { signal: ctx.signal });
  document.addEventListener('fl:event', (e) => { if (e.detail.type === 'opinion.adopted') redraw(); }, { signal: ctx.signal });
  await draw();
  await load();
}

async function localRow(item, urls) {
  const f = item.body;
  const photos = await outbox.photosOf(item.id);
  const thumbs = photos.filter((p) => p.blob).map((p, i) => {
    const u = URL.createObjectURL(p.blob);
    urls.push(u);
    return h('img', { src: u, alt: '照片 ' + (i + 1), class: 'thumb' });
  });
  let retry = null;
  if (item.state === 'failed') {
    const again = h('button', { type: 'button', class: 'btn small' }, '重试');
    again.addEventListener('click', async () => {
      await outbox.retry(item.id);
      syncNow({ force: true });
    });
    const drop = h('button', { type: 'button', class: 'btn small ghost' }, '删除');
    drop.addEventListener('click', async () => {
      if (confirm('删除这条未同步的民意？删除后无法找回。')) await outbox.discard(item.id);
    });
    retry = h('div', { class: 'row' }, again, drop);
  }
  const fate = item.server ? fateLine(item.server) : null;
  return h('li', { class: 'card opinion', 'data-id': item.id, 'data-sync': item.state },
    h('div', { class: 'card-head' }, syncChip(item.state), h('span', { class: 'muted' }, fmtTime(f.collected_at || item.created_at))),
    h('p', { class: 'content' }, excerpt(f.content, 120)),
    h('p', { class: 'item-meta' }, [roomName(f.room_id), f.category, label('channel', f.channel), item.photo_ids.length ? item.photo_ids.length + ' 张照片' : ''].filter(Boolean).join(' · ')),
    thumbs.length ? h('div', { class: 'thumbs' }, thumbs) : null,
    item.state !== 'synced' && item.error ? h('p', { class: item.state === 'failed' ? 'error' : 'hint' }, '原因：' + item.error) : null,
    fate, retry);
}

function fateLine(o) {
  if (o.status === 'adopted' && o.topic_id) {
    return h('p', { class: 'fate' }, '已采纳为议题：', h('a', { href: '/topics/' + encodeURIComponent(o.topic_id), class: 'topic-link', 'data-topic': o.topic_id }, '查看议题'));
  }
  return h('p', { class: 'fate' }, '处理情况：' + label('opinion', o.status || 'new'));
}

// receiptLine shows the collector the resident's receipt code, and on demand the QR code
// of its public link for the resident to scan on the spot. Open codes stay open when the
// list is drawn again (it is, whenever the outbox changes).
const openQR = new Set();
let qrModule = null;

function receiptLine(code, room) {
  const box = h('div', { class: 'qr-box', hidden: true });
  const show = h('button', { type: 'button', class: 'btn small', 'aria-expanded': 'false' }, '出示二维码');
  const toggle = async (open) => {
    if (open && !box.firstChild) {
      const link = location.origin + '/r/' + encodeURIComponent(code);
      try {
        // Loaded on first use; once loaded, drawn at once (the list is redrawn often).
        const qr = qrModule || (qrModule = await import('../qr.js'));
        box.append(qr.svg(link, { label: '回执二维码：' + link }), h('p', { class: 'hint' }, '请居民用手机扫码查看办理进展：', link));
      } catch {
        box.append(h('p', { class: 'error' }, '二维码无法生成。回执码：' + code));
      }
    }
    if (open) openQR.add(code); else openQR.delete(code);
    box.hidden = !open;
    show.setAttribute('aria-expanded', String(open));
    show.textContent = open ? '收起二维码' : '出示二维码';
  };
  show.addEventListener('click', () => toggle(box.hidden));
  if (openQR.has(code)) toggle(true);
  const print = h('button', { type: 'button', class: 'btn small' }, '打印回执条');
  print.addEventListener('click', () => printSlip(code, room));
  return h('div', { class: 'receipt' },
    h('p', {}, '居民回执码：', h('a', { href: '/r/' + encodeURIComponent(code), class: 'receipt-link' }, code), ' ', show, ' ', print), box);
}

// printSlip prints the receipt as a slip to hand to the resident: the room's name, the QR
// code of the receipt link and the code itself. Only the slip prints (app.css, @media print);
// it fits a receipt printer's roll as well as an A4 sheet.
async function printSlip(code, room) {
  const link = location.origin + '/r/' + encodeURIComponent(code);
  let qr;
  try {
    qr = (qrModule || (qrModule = await import('../qr.js'))).svg(link, { label: '回执二维码' });
  } catch {
    qr = null;
  }
  document.querySelector('.print-slip')?.remove();
  const slip = h('div', { class: 'print-slip', 'data-testid': 'print-slip' },
    h('p', { class: 'slip-room' }, room || '委员议事室'),
    h('p', { class: 'slip-title' }, '民意回执'),
    qr,
    h('p', { class: 'slip-code' }, code),
    h('p', { class: 'slip-hint' }, '扫码或访问 ', link, ' 查看办理进展，办结后可评价是否解决。'),
    h('p', { class: 'slip-hint' }, '本回执不含个人信息，请妥善保存。'));
  document.body.append(slip);
  const done = () => { slip.remove(); removeEventListener('afterprint', done); };
  addEventListener('afterprint', done);
  window.print();
}

function remoteRow(o) {
  const thumbs = (o.photos || []).map((p, i) => h('img', { src: p.thumb_url || p.url, alt: '照片 ' + (i + 1), class: 'thumb', loading: 'lazy' }));
  const li = h('li', { class: 'card opinion', 'data-id': o.id, 'data-sync': 'synced' },
    h('div', { class: 'card-head' }, syncChip('synced'), h('span', { class: 'muted' }, fmtTime(o.collected_at || o.created_at))),
    h('p', { class: 'content' }, excerpt(o.content, 120)),
    h('p', { class: 'item-meta' }, [roomName(o.room_id), o.category, label('channel', o.channel)].filter(Boolean).join(' · ')),
    thumbs.length ? h('div', { class: 'thumbs' }, thumbs) : null,
    fateLine(o),
    o.receipt_code ? receiptLine(o.receipt_code, roomName(o.room_id)) : null);
  if (o.status === 'adopted' && o.topic_id) topicTitle(o.topic_id, li);
  return li;
}

// topicTitle fills in the adopting topic's title from the last known topic list.
async function topicTitle(topicId, li) {
  const hit = await db.get('cache', state.user.id + '|/api/v1/topics/' + topicId).catch(() => null);
  const a = li.querySelector('.topic-link');
  if (hit && hit.data && a) { a.textContent = '「' + hit.data.title + '」'; return; }
  try {
    const t = await api.get('/api/v1/topics/' + encodeURIComponent(topicId));
    if (a) a.textContent = '「' + t.data.title + '」';
  } catch { /* keep 查看议题 */ }
}
