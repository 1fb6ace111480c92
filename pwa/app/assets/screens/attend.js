// 签到: an activity's attendance, the convener's rotating QR code and ticks, a member's
// leave, and the member's scan. A scan is a record in the one outbox: kept on the phone
// under its own id with the time of the scan, sent when the network allows, once.

import { h, field, chip, label, fmtTime, toast, showError } from '../ui.js';
import * as api from '../api.js';
import * as records from '../records.js';
import { svg } from '../qr.js';
import { state, roomName } from '../state.js';

const STATUSES = ['present', 'leave', 'absent'];

// activity shows who attends: to everyone who sees it what, when and where, and the list;
// to an invited member the leave form while it has not started; to those who take its
// attendance (the server says who: may_take_attendance) the QR code and the ticks.
export async function activity(ctx) {
  const id = ctx.params.id;
  const base = '/api/v1/activities/' + encodeURIComponent(id);
  ctx.title('签到');
  const a = (await api.get(base)).data;
  const list = h('div', { 'data-testid': 'attendance' }, h('p', { class: 'loading' }, '正在加载…'));
  const qrBox = h('div', { 'data-testid': 'qr-box' });
  const leaveBox = h('div', {});
  const mayConvene = !!a.may_take_attendance;
  const back = a.topic_id ? '/topics/' + encodeURIComponent(a.topic_id) : '/rooms/' + encodeURIComponent(a.room_id);
  ctx.show(h('h2', {}, '签到'),
    h('div', { class: 'card', 'data-testid': 'activity-head' },
      h('p', {}, chip(label('kind', a.kind), a.kind), a.open ? chip('进行中', 'warn') : chip('已记录', 'ok')),
      h('p', {}, '时间：', fmtTime(a.held_at)), a.place ? h('p', {}, '地点：', a.place) : null,
      h('p', { class: 'muted' }, h('a', { href: back }, roomName(a.room_id) || (a.topic_id ? '返回议题' : '返回议事室')))),
    h('p', {}, h('a', { href: '/scan' }, '扫码签到')), mayConvene ? qrBox : null, leaveBox, h('h3', {}, '出勤情况'), list);

  const load = async () => {
    let items;
    try {
      items = api.items((await api.get(base + '/attendance')).data);
    } catch (e) {
      list.replaceChildren(h('p', { class: 'error' }, api.errorText(e)));
      return;
    }
    list.replaceChildren(h('ul', { class: 'list' }, items.map((it) => h('li', { class: 'card', 'data-user': it.user_id, 'data-status': it.status },
      h('strong', {}, it.name || it.user_id), ' ', chip(label('attendance', it.status), it.status),
      it.via ? h('span', { class: 'muted' }, ' ' + label('via', it.via)) : null,
      it.reason ? h('p', { class: 'item-meta' }, '原因：' + it.reason) : null,
      it.at ? h('p', { class: 'item-meta' }, fmtTime(it.at)) : null,
      mayConvene ? h('div', { class: 'row' }, STATUSES.map((st) => h('button', { type: 'button', class: 'btn small ghost', 'data-mark': st,
        onclick: async () => {
          try {
            await api.send('PUT', base + '/attendance/' + encodeURIComponent(it.user_id), { status: st });
            load();
          } catch (e) { toast(api.errorText(e), { kind: 'error' }); }
        } }, label('attendance', st)))) : null))));
    const mine = items.find((it) => it.user_id === state.user.id);
    leaveBox.replaceChildren(mine && mine.status === 'invited' ? leaveForm(base, load) : '');
  };
  if (mayConvene) qrBox.append(h('button', { type: 'button', class: 'btn', 'data-testid': 'show-qr', onclick: () => showCodes(base, qrBox, ctx.signal) }, '显示签到二维码'));
  await load();
}

function leaveForm(base, done) {
  const reason = h('input', { name: 'reason', maxlength: 500 });
  return h('form', { class: 'card', 'data-testid': 'leave-form', onsubmit: async (e) => {
    e.preventDefault();
    if (!reason.value.trim()) return showError(reason, '请填写请假原因');
    try {
      await api.send('POST', base + '/leave', { reason: reason.value.trim() });
      toast('已请假。', { kind: 'ok' });
      done();
    } catch (err) { showError(reason, api.errorText(err)); }
  } }, field('请假原因', reason, { required: true }), h('button', { class: 'btn' }, '请假'));
}

// showCodes fetches an hour of codes while online (the phone cannot sign one) and shows
// the one of the current 30 seconds, offline too, until they run out.
async function showCodes(base, box, signal) {
  let codes;
  try {
    codes = (await api.send('POST', base + '/checkin-codes', { count: 120 })).codes;
  } catch (e) {
    box.replaceChildren(h('p', { class: 'error' }, api.errorText(e)));
    return;
  }
  const holder = h('div', { class: 'qr-holder', 'data-testid': 'checkin-qr' });
  const note = h('p', { class: 'hint' });
  box.replaceChildren(holder, note);
  let shown = '';
  const draw = () => {
    const now = Date.now();
    const c = codes.find((x) => Date.parse(x.valid_from) <= now && now < Date.parse(x.expires_at));
    if (!c) {
      holder.replaceChildren();
      note.textContent = '二维码已用完，请联网后重新显示。';
      return;
    }
    if (c.code !== shown) {
      shown = c.code;
      holder.replaceChildren(svg(c.code, { label: '签到二维码' }));
      holder.dataset.code = c.code;
    }
    note.textContent = '请委员扫码签到；二维码每 30 秒更换，可显示到 ' + fmtTime(codes[codes.length - 1].expires_at) + '。';
  };
  draw();
  const timer = setInterval(draw, 1000);
  signal.addEventListener('abort', () => clearInterval(timer));
}

// scan reads an activity's code with the camera (BarcodeDetector) or from a photo of it,
// and queues the check-in.
export async function scan(ctx) {
  ctx.title('扫码签到');
  const result = h('p', { 'data-testid': 'scan-result', role: 'status' });
  const file = h('input', { type: 'file', accept: 'image/*', 'data-testid': 'scan-image' });
  const video = h('video', { playsinline: true, muted: true, class: 'scan-video', hidden: true });
  file.addEventListener('change', async () => {
    const f = file.files[0];
    if (!f) return;
    const code = await decodeImage(await createImageBitmap(f)).catch(() => null);
    file.value = '';
    if (code) checkIn(code, result); else result.textContent = '没有在照片里找到签到二维码，请重拍。';
  });
  ctx.show(h('h2', {}, '扫码签到'), video, field('或选择二维码的照片', file), result);
  if ('BarcodeDetector' in window && navigator.mediaDevices) cameraLoop(video, result, ctx.signal).catch(() => { video.hidden = true; });
}

async function cameraLoop(video, result, signal) {
  const detector = new BarcodeDetector({ formats: ['qr_code'] });
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  signal.addEventListener('abort', () => stream.getTracks().forEach((t) => t.stop()));
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  while (!signal.aborted) {
    const found = await detector.detect(video).catch(() => []);
    const code = found.map((b) => b.rawValue).find(isCheckinCode);
    if (code) { stream.getTracks().forEach((t) => t.stop()); video.hidden = true; return checkIn(code, result); }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function isCheckinCode(text) { return typeof text === 'string' && text.startsWith('c1.'); }

// decodeImage finds a QR code in an image: BarcodeDetector where the phone reads QR codes
// with it, else the vendored jsQR, loaded only now (the worker keeps it for such phones).
async function decodeImage(bitmap) {
  const formats = 'BarcodeDetector' in window ? await BarcodeDetector.getSupportedFormats().catch(() => []) : [];
  if (formats.includes('qr_code')) {
    const found = await new BarcodeDetector({ formats: ['qr_code'] }).detect(bitmap).catch(() => []);
    return found.map((b) => b.rawValue).find(isCheckinCode) || null;
  }
  const { default: jsQR } = await import('../jsqr.js');
  const scale = Math.min(1, 1200 / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  const g = canvas.getContext('2d');
  g.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const img = g.getImageData(0, 0, canvas.width, canvas.height);
  const hit = jsQR(img.data, img.width, img.height);
  return hit && isCheckinCode(hit.data) ? hit.data : null;
}

async function checkIn(code, result) {
  const scannedAt = new Date().toISOString();
  try {
    const how = await records.submit({ method: 'POST', path: '/api/v1/checkins', body: { code, scanned_at: scannedAt },
      idempotent: true, label: '扫码签到 ' + fmtTime(scannedAt), step: 'checkin' });
    result.textContent = how === 'sent' ? '签到成功。' : '已在手机上保存签到，联网后自动提交。';
  } catch (e) {
    result.textContent = '签到未成功：' + (e.message || e);
  }
}
