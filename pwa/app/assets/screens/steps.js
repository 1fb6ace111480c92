// The steps after approval on a topic's page: where the topic stands in the seven steps,
// what was recorded (plan, research, meeting, outcome, follow-up), and, for the room's
// conveners, the one form that takes the topic to its next step.

import { h, field, showError, toast, fmtTime, empty, label, LABELS } from '../ui.js';
import { photoPicker } from '../picker.js';
import { photoThumbs } from '../photomark.js';
import * as records from '../records.js';
import * as api from '../api.js';
import { LIMITS, MIN_YEAR, MAX_YEAR } from '../words.js';

const YEARS_TEXT = '日期须在 ' + MIN_YEAR + '—' + MAX_YEAR + ' 年之间';
import { navigate, showAnew } from '../router.js';

const STEPS = ['选题', '方案', '调研', '协商', '成果', '转化', '反馈'];
// The step each status has reached (index into STEPS).
const REACHED = { approved: 0, planned: 2, consulted: 3, concluded: 5, closed: 6 };
const REC = LABELS.rec;

export const AFTER_APPROVAL = Object.keys(REACHED);

export function stepsBlock(t, { convener, signal }) {
  const bar = h('ol', { class: 'stepbar' });
  const box = h('section', { class: 'steps', 'aria-labelledby': 'steps-h' },
    h('h3', { id: 'steps-h' }, '协商进程'), bar, h('p', { class: 'loading' }, '正在加载…'));
  fill(box, bar, t, convener, signal).catch((e) => box.append(h('p', { class: 'error' }, api.errorText(e))));
  return box;
}

// localStatus is where the topic will stand once the records waiting on this phone are
// sent, so a convener without signal can go on to the next step.
function localStatus(status, waiting) {
  const moves = { plan: ['approved', 'planned'], meeting: ['planned', 'consulted'], outcome: ['consulted', 'concluded'] };
  for (const r of waiting) {
    const m = moves[r.step];
    // A meeting started ahead of its minutes (no summary) leaves the topic planned.
    if (m && status === m[0] && r.state === 'pending' && (r.step !== 'meeting' || (r.body && r.body.summary))) status = m[1];
  }
  return status;
}

async function fill(box, bar, t, convener, signal) {
  const base = '/api/v1/topics/' + encodeURIComponent(t.id);
  const opt = (p) => api.get(p).then((r) => r.data).catch(() => null);
  const [plan, acts, outcome, room, waiting] = await Promise.all([opt(base + '/plan'), opt(base + '/activities'), opt(base + '/outcome'),
    opt('/api/v1/rooms/' + encodeURIComponent(t.room_id)), records.waitingFor((i) => i.topic_id === t.id)]);
  const status = localStatus(t.status, waiting);
  bar.replaceChildren(...STEPS.map((s, i) =>
    h('li', { class: i <= REACHED[status] ? 'done' : '', 'aria-current': i === REACHED[status] ? 'step' : null }, s)));
  box.querySelector('.loading').replaceWith(status !== t.status
    ? h('p', { class: 'hint', 'data-testid': 'local-status' }, '含手机上等待提交的记录：提交后议题状态将为“' + label('topic', status) + '”。')
    : '');
  const people = new Map(((room && room.members) || []).map((m) => [m.user_id, m]));
  if (plan) {
    const outside = (plan.participants && plan.participants.outside) || [];
    const users = ((plan.participants && plan.participants.user_ids) || []).map((id) => (people.get(id) || {}).name).filter(Boolean);
    const sched = plan.schedule || [];
    box.append(h('div', { class: 'card', 'data-testid': 'plan' }, h('h4', {}, '工作方案：', plan.theme),
      h('p', {}, plan.content), h('p', { class: 'muted' }, '牵头：', plan.lead),
      users.length ? h('p', {}, '参加委员：', users.join('、')) : null,
      outside.length ? h('p', {}, '参加人员：', outside.map((o) => o.name + (o.unit ? '（' + o.unit + '）' : '')).join('、')) : null,
      sched.length ? h('ul', { class: 'list plain' }, sched.map((x) => h('li', {}, x.date, ' ', x.item))) : null));
  }
  const list = api.items(acts);
  if (list.length) {
    box.append(h('ul', { class: 'list', 'data-testid': 'topic-activities' }, list.map((a) =>
      h('li', { class: 'card' }, h('strong', {}, a.kind === 'research' ? '调研' : '协商会'), ' ', fmtTime(a.held_at), ' ', a.place || '',
        a.open ? h('span', { class: 'chip warn' }, '进行中') : null,
        ' ', h('a', { href: '/activities/' + encodeURIComponent(a.id), 'data-testid': 'attendance-link' }, a.open ? '签到' : '出勤'),
        h('p', {}, a.summary),
        attendeesLine(a.attendees),
        photoThumbs(a.photos, a.kind === 'research' ? '调研照片' : '会议照片', t.room_id),
        h('a', { href: '/print/activities/' + encodeURIComponent(a.id), class: 'btn small' }, a.kind === 'research' ? '打印调研记录' : '打印会议纪要')))));
  }
  const topic = { topic_id: t.id, room_id: t.room_id, title: t.title };
  if (outcome) box.append(outcomeBlock(outcome, convener && t.status === 'concluded', topic, signal));
  // Records of this topic still on the phone; one sent in the background shows the topic anew.
  const pending = h('div', {});
  box.append(pending);
  records.follow((i) => i.topic_id === t.id, pending, signal, showAnew, '保存在手机上、等待提交');
  if (!convener) {
    if (!plan && !list.length && !outcome) box.append(empty('尚无记录。'));
    return;
  }
  // Research counts once its findings are written (open research does not, as on the
  // server); an open step, on the server or still on the phone, is the one to write up.
  const pendingOf = (step) => waiting.filter((r) => r.step === step && r.state === 'pending');
  const researched = list.some((a) => a.kind === 'research' && !a.open) || pendingOf('research').some((r) => r.body.summary);
  const openOf = (step, kind) => {
    const local = pendingOf(step);
    const written = new Set(local.filter((r) => r.body.summary && r.body.id).map((r) => r.body.id));
    const server = list.filter((a) => a.kind === kind && a.open && !written.has(a.id));
    const queued = local.filter((r) => !r.body.summary && !written.has(r.id))
      .map((r) => ({ id: r.id, held_at: r.body.held_at, place: r.body.place, attendees: r.body.attendees, queued: true }));
    return [...server, ...queued][0] || null;
  };
  const invite = { people, chosen: (plan && plan.participants && plan.participants.user_ids) || [] };
  const stepForm = (step, kind) => activityForm(base + '/' + step, topic, step, signal, { open: openOf(step, kind), invite });
  // A plan still on the phone is the one to go on editing.
  const localPlan = waiting.filter((r) => r.step === 'plan' && r.state === 'pending').pop();
  if (status === 'approved') box.append(planForm(base, (localPlan && localPlan.body) || plan, room, topic));
  // Once there is a plan, revising it is the exception: folded, below the next step.
  const revise = status === 'planned' ? h('details', { class: 'card' }, h('summary', {}, '修改工作方案'), planForm(base, (localPlan && localPlan.body) || plan, room, topic)) : null;
  // Research first; once there is some, the meeting is the next step and more research folds.
  if (status === 'planned' && !researched) box.append(stepForm('research', 'research'));
  if (status === 'planned' && researched) {
    box.append(stepForm('meeting', 'consultation'),
      h('details', { class: 'card' }, h('summary', {}, '再记录一次调研'), stepForm('research', 'research')));
  }
  if (revise) box.append(revise);
  if (status === 'consulted') box.append(outcomeForm(base, topic));
}


// submitting wires a form: validate, save through the outbox (with the picker's photos),
// then show the topic anew. send returns the record to save, or null when the form is not
// ready; a record the server refuses comes back into the form.
function submitting(form, button, send, picker) {
  const msg = h('p', { class: 'error', role: 'alert' });
  form.insertBefore(msg, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.textContent = '';
    const spec = send(e.submitter);
    if (!spec) return;
    button.disabled = true;
    try {
      if (picker) await picker.ready();
      const how = await records.submit(spec, picker ? [...picker.photos] : []);
      toast(how === 'sent' ? '已保存。' : '已保存在手机上，联网后自动提交。', { kind: 'ok', timeout: 3000 });
      navigate(location.pathname, { replace: true });
    } catch (err) {
      msg.textContent = err instanceof records.RecordError ? '提交失败：' + err.message : '保存失败：' + api.errorText(err);
      button.disabled = false;
    }
  });
  return form;
}

function required(...controls) {
  let first = null;
  for (const c of controls) {
    const missing = !c.value.trim();
    showError(c, missing ? '必填' : '');
    if (missing && !first) first = c;
  }
  if (first) first.focus();
  return !first;
}

function planForm(base, plan, room, topic) {
  const p = plan || {};
  const theme = h('input', { name: 'theme', value: p.theme || '', maxlength: LIMITS.plan_theme });
  const content = h('textarea', { name: 'content', rows: '4', maxlength: LIMITS.plan_text }, p.content || '');
  const research = h('textarea', { name: 'research_steps', rows: '2', maxlength: LIMITS.plan_text }, p.research_steps || '');
  const procedure = h('textarea', { name: 'meeting_procedure', rows: '2', maxlength: LIMITS.plan_text }, p.meeting_procedure || '');
  const transform = h('textarea', { name: 'transformation', rows: '2', maxlength: LIMITS.plan_text }, p.transformation || '');
  const lead = h('input', { name: 'lead', value: p.lead || '', maxlength: LIMITS.plan_lead });
  const outsideText = ((p.participants && p.participants.outside) || []).map((o) => o.name + (o.unit ? ' ' + o.unit : '')).join('\n');
  const outside = h('textarea', { name: 'outside', rows: '2' }, outsideText);
  const schedule = h('textarea', { name: 'schedule', rows: '3' }, (p.schedule || []).map((x) => x.date + ' ' + x.item).join('\n'));
  // Participants who use the app (they are told of the plan): the room's people to tick.
  const chosen = new Set((p.participants && p.participants.user_ids) || []);
  const members = (room && room.members) || [];
  const ticks = members.map((m) => h('input', { type: 'checkbox', name: 'user_ids', value: m.user_id, id: 'pp-' + m.user_id, checked: chosen.has(m.user_id) }));
  const people = members.length ? h('fieldset', { class: 'field' }, h('legend', {}, '参加的委员（将收到通知）'),
    h('div', { class: 'choices' }, members.map((m, i) => h('label', { class: 'choice', for: ticks[i].id }, ticks[i], m.name, h('span', { class: 'muted' }, '（' + label('roomRole', m.role) + '）'))))) : null;
  const button = h('button', { type: 'submit', class: 'btn primary block' }, plan ? '更新工作方案' : '保存工作方案');
  const form = h('form', { class: 'card form', novalidate: true, 'aria-label': '工作方案' },
    h('h4', {}, '工作方案'),
    field('方案主题', theme, { required: true }), field('方案内容', content, { required: true }),
    people,
    field('邀请参加人员', outside, { hint: '每行一人：姓名 单位，如“张三 交警中队”' }),
    field('时间安排', schedule, { hint: '每行一项：日期 事项，如“2025-06-01 现场调研”' }),
    field('调研步骤', research), field('会议程序', procedure), field('成果转化', transform),
    field('牵头人', lead, { required: true }), button);
  return submitting(form, button, () => {
    if (!required(theme, content, lead)) return null;
    const lines = (c) => c.value.split('\n').map((x) => x.trim()).filter(Boolean);
    const guests = lines(outside).map((x) => { const [name, ...unit] = x.split(/\s+/); return { name, unit: unit.join(' ') }; });
    const tooLong = guests.find((g) => [...g.name].length > LIMITS.guest_name || [...g.unit].length > LIMITS.guest_unit);
    showError(outside, tooLong ? '“' + tooLong.name + '”：姓名最多 ' + LIMITS.guest_name + ' 个字，单位最多 ' + LIMITS.guest_unit + ' 个字' : '');
    if (tooLong) { outside.focus(); return null; }
    const steps = [];
    for (const x of lines(schedule)) {
      const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*(.*)$/.exec(x);
      if (!m || !m[4]) { showError(schedule, '“' + x + '”：请写成“日期 事项”，如 2025-06-01 现场调研'); schedule.focus(); return null; }
      if (+m[1] < MIN_YEAR || +m[1] > MAX_YEAR) { showError(schedule, '“' + x + '”：' + YEARS_TEXT); schedule.focus(); return null; }
      if ([...m[4]].length > LIMITS.schedule_item) { showError(schedule, '每个事项最多 ' + LIMITS.schedule_item + ' 个字'); schedule.focus(); return null; }
      steps.push({ date: `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`, item: m[4] });
    }
    showError(schedule, '');
    // Ticked room people, and anyone chosen before who is not in the room's list.
    const listed = new Set(members.map((m) => m.user_id));
    const userIds = [...[...chosen].filter((id) => !listed.has(id)), ...ticks.filter((c) => c.checked).map((c) => c.value)];
    return { ...topic, step: 'plan', method: 'PUT', path: base + '/plan', idempotent: false, label: '工作方案 · ' + topic.title, body: {
      theme: theme.value, content: content.value, research_steps: research.value, meeting_procedure: procedure.value,
      transformation: transform.value, lead: lead.value,
      participants: { user_ids: userIds, outside: guests }, schedule: steps,
    } };
  });
}

function attendeesLine(at) {
  if (!at) return null;
  const parts = ATTENDEES
    .filter(([k]) => at[k] && at[k].length).map(([k, n]) => n + '：' + at[k].join('、'));
  return parts.length ? h('p', { class: 'muted' }, '参加人员 — ', parts.join('；')) : null;
}

// Who took part, by kind (the API's attendees): research names who went, a meeting its
// members, residents' representatives and heads of the responsible units.
const ATTENDEES = [['members', '委员'], ['residents', '群众代表'], ['units', '部门负责人'], ['others', '其他人员']];
const ACTIVITY = {
  research: { title: '记录调研', start: '安排调研', write: '填写调研发现', noun: '调研', summary: '调研发现', photos: '调研照片', attendees: ['members', 'others'] },
  meeting: { title: '召开协商会', start: '开始协商会', write: '填写会议纪要', noun: '会议', summary: '会议纪要', photos: '会议照片', attendees: ['members', 'residents', 'units', 'others'] },
};

// localInput shows an ISO time in a datetime-local control.
function localInput(iso) {
  const t = new Date(iso);
  return new Date(t.getTime() - t.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

// activityForm is the one form of a topic's research or meeting. With no open one it
// starts (or schedules) it ahead of its findings or minutes — time, place and the users
// invited, the plan's participants ticked — or records it whole; once one is open (on the
// server, or started offline and still on the phone) it writes that one's findings or
// minutes under the same id, with names and photos.
function activityForm(path, topic, step, signal, { open = null, invite } = {}) {
  const k = ACTIVITY[step];
  const when = records.heldAtInput();
  if (open && open.held_at) when.value = localInput(open.held_at);
  const place = h('input', { name: 'place', maxlength: LIMITS.place, value: (open && open.place) || '' });
  const summary = h('textarea', { name: 'summary', rows: '4', maxlength: LIMITS.summary });
  const people = ATTENDEES.filter(([key]) => k.attendees.includes(key)).map(([key, n]) => [key, n, h('input', { name: 'attendees-' + key })]);
  const picker = photoPicker({ label: k.photos, signal });
  const button = h('button', { type: 'submit', class: 'btn primary block', value: 'write' }, open ? k.write : k.title);
  const startButton = open ? null : h('button', { type: 'submit', class: 'btn block', value: 'start', 'data-testid': 'start-' + step }, k.start);
  // Who is invited (told now, reminded the day before, their attendance taken): the room's
  // people and the plan's participants, the latter ticked.
  const chosen = new Set(invite ? invite.chosen : []);
  const ids = invite ? [...new Set([...invite.people.keys(), ...chosen])] : [];
  const ticks = ids.map((id) => h('input', { type: 'checkbox', name: 'invite', value: id, id: step + '-inv-' + id, checked: chosen.has(id) }));
  const inviteBox = !open && ticks.length ? h('fieldset', { class: 'field' }, h('legend', {}, '邀请参加的委员（将收到通知，可扫码签到）'),
    h('div', { class: 'choices' }, ids.map((id, i) => h('label', { class: 'choice', for: ticks[i].id }, ticks[i], (invite.people.get(id) || {}).name || '参加人员')))) : null;
  const invited = open ? ((open.attendees && open.attendees.user_ids) || []).map((id) => ((invite && invite.people.get(id)) || {}).name).filter(Boolean) : [];
  const form = h('form', { class: 'card form', novalidate: true, 'aria-label': open ? k.write : k.title, 'data-open': open ? open.id : null },
    h('h4', {}, open ? k.write : k.title),
    open ? h('p', { class: 'hint', 'data-testid': 'open-' + step }, k.noun + '已开始' + (open.queued ? '（保存在手机上，等待提交）' : '') + '：',
      open.queued ? null : h('a', { href: '/activities/' + encodeURIComponent(open.id) }, '签到'),
      invited.length ? ' 邀请：' + invited.join('、') : null) : null,
    field(k.noun + '时间', when, { required: true }), field(k.noun + '地点', place),
    inviteBox,
    people.map(([, n, c]) => field((step === 'research' ? '参加调研的' : '参加的') + n, c, { hint: '多人用逗号分隔' })),
    field(k.summary, summary, { required: !startButton, hint: startButton ? '先' + k.start + '时可以留空，会后再填写' : null }), picker.el, startButton, button);
  return submitting(form, button, (submitter) => {
    const starting = startButton && submitter === startButton;
    const at = records.heldAt(when);
    const lists = people.map(([key, , c]) => [key, records.names(c)]);
    if (!at || lists.some(([, l]) => !l)) return null;
    if (!starting && !required(summary)) return null;
    const attendees = Object.fromEntries(lists);
    if (!open) attendees.user_ids = ticks.filter((c) => c.checked).map((c) => c.value);
    const body = { held_at: at, place: place.value, summary: starting ? '' : summary.value, attendees };
    // The findings or minutes of an open one go under its id: the server writes them onto it.
    if (open) body.id = open.id;
    const what = starting ? k.start : open ? k.write : (step === 'research' ? '调研记录' : '协商会');
    return { ...topic, step, path, label: what + ' · ' + topic.title, body };
  }, picker);
}

function outcomeForm(base, topic) {
  const consensus = h('textarea', { name: 'consensus', rows: '4', maxlength: LIMITS.consensus });
  const rows = h('div', { class: 'recs' });
  const addRow = () => {
    const n = rows.children.length + 1;
    rows.append(h('fieldset', { class: 'card' }, h('legend', {}, '意见建议 ' + n),
      field('建议内容 ' + n, h('textarea', { name: 'content', rows: '2', maxlength: LIMITS.rec_content }), { required: true }),
      field('责任单位 ' + n, h('input', { name: 'unit', maxlength: LIMITS.rec_unit }), { required: true }),
      field('联系人 ' + n, h('input', { name: 'contact', maxlength: LIMITS.rec_contact })),
      field('完成期限 ' + n, h('input', { type: 'date', name: 'due_on' }), { required: true })));
  };
  addRow();
  const more = h('button', { type: 'button', class: 'btn block', onclick: addRow }, '添加一条意见建议');
  const button = h('button', { type: 'submit', class: 'btn primary block' }, '发布协商成果');
  const form = h('form', { class: 'card form', novalidate: true, 'aria-label': '协商成果' },
    h('h4', {}, '协商成果'), field('协商共识', consensus, { required: true }), rows, more, button);
  return submitting(form, button, () => {
    const recs = [...rows.children].map((fs) => Object.fromEntries([...fs.querySelectorAll('[name]')].map((c) => [c.name, c.value.trim()])));
    const controls = [consensus, ...rows.querySelectorAll('[name=content],[name=unit],[name=due_on]')];
    const badDue = [...rows.querySelectorAll('[name=due_on]')].find((c) => c.value && (+c.value.slice(0, 4) < MIN_YEAR || +c.value.slice(0, 4) > MAX_YEAR));
    if (badDue) { showError(badDue, YEARS_TEXT); badDue.focus(); return null; }
    // An outcome has no id of its own: the server knows a repeat by its content.
    return required(...controls) && { ...topic, step: 'outcome', path: base + '/outcome', idempotent: false,
      label: '协商成果 · ' + topic.title, body: { consensus: consensus.value, recommendations: recs } };
  });
}

function outcomeBlock(o, mayFollow, topic, signal) {
  return h('div', { class: 'card' }, h('h4', {}, '协商成果'), h('p', {}, o.consensus),
    h('ol', { class: 'recs' }, (o.recommendations || []).map((r, i) => h('li', {},
      h('p', {}, r.content, '（', r.unit, '，', r.due_on, ' 前）'),
      h('p', {}, h('span', { class: 'chip rec-' + r.status }, REC[r.status] || r.status), r.overdue ? h('span', { class: 'chip warn' }, '已逾期') : null,
        r.reason ? ' 原因：' + r.reason : null),
      (r.progress || []).map((p) => h('div', { class: 'progress-note' + (p.from_unit ? ' from-unit' : '') },
        p.from_unit
          ? h('p', {}, h('strong', {}, r.unit + '答复：'), h('span', { class: 'chip unit-' + p.unit_status }, label('unitReply', p.unit_status)),
            p.expected_on ? ' 预计 ' + p.expected_on + ' 完成' : null, h('span', { class: 'muted' }, ' ', fmtTime(p.created_at)))
          : null,
        h('p', { class: p.from_unit ? '' : 'muted' }, p.from_unit ? p.note : [fmtTime(p.created_at), ' ', p.note]),
        photoThumbs(p.photos, p.from_unit ? '单位答复照片' : '进展照片', topic.room_id))),
      mayFollow && (r.status === 'pending' || r.status === 'in_progress') ? unitShare(r, i + 1, topic) : null,
      mayFollow && (r.status === 'pending' || r.status === 'in_progress') ? progressForm(r, i + 1, topic, signal) : null))));
}

// unitShare lets a convener give the recommendation's responsible unit a link to answer
// through: copy it, show it as a QR code, or copy a text message with it. Making a new link
// ends the earlier one; 收回链接 ends it without a new one. The link is shown only when made:
// the server keeps no copy of it.
function unitShare(r, n, topic) {
  const out = h('div', { class: 'unit-link', 'aria-live': 'polite' });
  const copy = async (text, done) => {
    try { await navigator.clipboard.writeText(text); toast(done); } catch { toast('无法复制，请长按选择文字后复制', { kind: 'error' }); }
  };
  const make = h('button', { type: 'button', class: 'btn small' }, '生成单位答复链接');
  const revoke = h('button', { type: 'button', class: 'btn small' }, '收回链接');
  make.addEventListener('click', async () => {
    if (out.firstChild && !confirm('重新生成后，之前发给单位的链接将失效。继续吗？')) return;
    make.disabled = true;
    try {
      const l = await api.send('POST', '/api/v1/recommendations/' + encodeURIComponent(r.id) + '/unit-link');
      const url = location.origin + l.url;
      const sms = '【协商在一线】' + r.unit + '：议题「' + topic.title + '」的意见建议“' + r.content.slice(0, 40) +
        '”请于' + r.due_on + '前办理，并通过此链接答复办理情况：' + url;
      const qr = await import('../qr.js');
      out.replaceChildren(
        h('p', {}, '单位答复链接（' + l.expires_at.slice(0, 10) + ' 前有效，建议办结后自动失效）：'),
        h('p', { class: 'unit-url' }, h('code', { 'data-testid': 'unit-url' }, url)),
        h('p', {}, h('button', { type: 'button', class: 'btn small', onclick: () => copy(url, '链接已复制') }, '复制链接'), ' ',
          h('button', { type: 'button', class: 'btn small', onclick: () => copy(sms, '短信内容已复制') }, '复制短信内容')),
        h('details', {}, h('summary', {}, '短信内容'), h('p', { class: 'sms-text' }, sms)),
        h('details', {}, h('summary', {}, '二维码'), qr.svg(url, { label: '单位答复链接二维码（建议 ' + n + '）' })));
      make.textContent = '重新生成链接';
    } catch (e) {
      toast(api.errorText(e), { kind: 'error' });
    } finally {
      make.disabled = false;
    }
  });
  revoke.addEventListener('click', async () => {
    if (!confirm('收回后，单位将无法再通过链接答复。继续吗？')) return;
    try {
      await api.send('DELETE', '/api/v1/recommendations/' + encodeURIComponent(r.id) + '/unit-link');
      out.replaceChildren(h('p', { class: 'muted' }, '链接已收回'));
      make.textContent = '生成单位答复链接';
    } catch (e) {
      toast(api.errorText(e), { kind: 'error' });
    }
  });
  return h('div', { class: 'unit-share', 'aria-label': '单位答复（建议 ' + n + '）' }, h('p', {}, make, ' ', revoke), out);
}

function progressForm(r, n, topic, signal) {
  const status = h('select', { name: 'status' },
    h('option', { value: '' }, '状态不变'), h('option', { value: 'in_progress' }, '办理中'),
    h('option', { value: 'done' }, '已办结'), h('option', { value: 'not_adopted' }, '未采纳'));
  const note = h('textarea', { name: 'note', rows: '2', maxlength: LIMITS.progress_note });
  const reason = h('input', { name: 'reason', maxlength: LIMITS.progress_reason });
  const picker = photoPicker({ label: '进展照片（建议 ' + n + '）', signal });
  const button = h('button', { type: 'submit', class: 'btn block' }, '记录进展（建议 ' + n + '）');
  const form = h('form', { class: 'form', novalidate: true, 'aria-label': '跟踪问效 ' + n },
    field('办理状态（建议 ' + n + '）', status), field('进展说明（建议 ' + n + '）', note, { required: true }),
    field('未采纳原因（建议 ' + n + '）', reason), picker.el, button);
  return submitting(form, button, () => {
    if (!required(note)) return null;
    if (status.value === 'not_adopted' && !reason.value.trim()) { showError(reason, '未采纳时必须填写原因'); reason.focus(); return null; }
    return { ...topic, step: 'progress', path: '/api/v1/recommendations/' + encodeURIComponent(r.id) + '/progress',
      label: '跟踪问效（建议 ' + n + '）· ' + topic.title,
      body: { status: status.value || undefined, note: note.value, reason: reason.value || undefined } };
  }, picker);
}
