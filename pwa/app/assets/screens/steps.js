// The steps after approval on a topic's page: where the topic stands in the seven steps,
// what was recorded (plan, research, meeting, outcome, follow-up), and, for the room's
// conveners, the one form that takes the topic to its next step.

import { h, field, showError, toast, fmtTime, empty } from '../ui.js';
import * as api from '../api.js';
import { navigate } from '../router.js';

const STEPS = ['选题', '方案', '调研', '协商', '成果', '转化', '反馈'];
// The step each status has reached (index into STEPS).
const REACHED = { approved: 0, planned: 2, consulted: 3, concluded: 5, closed: 6 };
const REC = { pending: '待办理', in_progress: '办理中', done: '已办结', not_adopted: '未采纳' };

export const AFTER_APPROVAL = Object.keys(REACHED);

export function stepsBlock(t, { convener, offline }) {
  const box = h('section', { class: 'steps', 'aria-labelledby': 'steps-h' },
    h('h3', { id: 'steps-h' }, '协商进程'),
    h('ol', { class: 'stepbar' }, STEPS.map((s, i) =>
      h('li', { class: i <= REACHED[t.status] ? 'done' : '', 'aria-current': i === REACHED[t.status] ? 'step' : null }, s))),
    h('p', { class: 'loading' }, '正在加载…'));
  fill(box, t, convener && !offline).catch((e) => box.append(h('p', { class: 'error' }, api.errorText(e))));
  return box;
}

async function fill(box, t, mayAct) {
  const base = '/api/v1/topics/' + encodeURIComponent(t.id);
  const opt = (p) => api.get(p).then((r) => r.data).catch(() => null);
  const [plan, acts, outcome] = await Promise.all([opt(base + '/plan'), opt(base + '/activities'), opt(base + '/outcome')]);
  box.querySelector('.loading').remove();
  if (plan) {
    const outside = (plan.participants && plan.participants.outside) || [];
    const sched = plan.schedule || [];
    box.append(h('div', { class: 'card', 'data-testid': 'plan' }, h('h4', {}, '工作方案：', plan.theme),
      h('p', {}, plan.content), h('p', { class: 'muted' }, '牵头：', plan.lead),
      outside.length ? h('p', {}, '参加人员：', outside.map((o) => o.name + (o.unit ? '（' + o.unit + '）' : '')).join('、')) : null,
      sched.length ? h('ul', { class: 'list plain' }, sched.map((x) => h('li', {}, x.date, ' ', x.item))) : null));
  }
  const list = api.items(acts);
  if (list.length) {
    box.append(h('ul', { class: 'list' }, list.map((a) =>
      h('li', { class: 'card' }, h('strong', {}, a.kind === 'research' ? '调研' : '协商会'), ' ', fmtTime(a.held_at), ' ', a.place || '',
        h('p', {}, a.summary),
        attendeesLine(a.attendees)))));
  }
  if (outcome) box.append(outcomeBlock(outcome, mayAct && t.status === 'concluded'));
  if (!mayAct) {
    if (!plan && !list.length && !outcome) box.append(empty('尚无记录。'));
    return;
  }
  if (t.status === 'approved' || t.status === 'planned') box.append(planForm(base, plan));
  if (t.status === 'planned') box.append(activityForm(base + '/research', '记录调研', '调研', '调研发现'));
  if (t.status === 'planned' && list.some((a) => a.kind === 'research')) box.append(activityForm(base + '/meeting', '召开协商会', '会议', '会议纪要', true));
  if (t.status === 'consulted') box.append(outcomeForm(base));
}

// submitting wires a form: validate, send, then reload the topic's page.
function submitting(form, button, send) {
  const msg = h('p', { class: 'error', role: 'alert' });
  form.insertBefore(msg, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.textContent = '';
    const job = send();
    if (!job) return;
    button.disabled = true;
    try {
      await job;
      toast('已保存。', { kind: 'ok', timeout: 2500 });
      navigate(location.pathname, { replace: true });
    } catch (err) {
      msg.textContent = api.errorText(err);
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

function planForm(base, plan) {
  const p = plan || {};
  const theme = h('input', { name: 'theme', value: p.theme || '', maxlength: '200' });
  const content = h('textarea', { name: 'content', rows: '4' }, p.content || '');
  const research = h('textarea', { name: 'research_steps', rows: '2' }, p.research_steps || '');
  const procedure = h('textarea', { name: 'meeting_procedure', rows: '2' }, p.meeting_procedure || '');
  const transform = h('textarea', { name: 'transformation', rows: '2' }, p.transformation || '');
  const lead = h('input', { name: 'lead', value: p.lead || '', maxlength: '100' });
  const outsideText = ((p.participants && p.participants.outside) || []).map((o) => o.name + (o.unit ? ' ' + o.unit : '')).join('\n');
  const outside = h('textarea', { name: 'outside', rows: '2' }, outsideText);
  const schedule = h('textarea', { name: 'schedule', rows: '3' }, (p.schedule || []).map((x) => x.date + ' ' + x.item).join('\n'));
  const button = h('button', { type: 'submit', class: 'btn primary block' }, plan ? '更新工作方案' : '保存工作方案');
  const form = h('form', { class: 'card form', novalidate: true, 'aria-label': '工作方案' },
    h('h4', {}, '工作方案'),
    field('方案主题', theme, { required: true }), field('方案内容', content, { required: true }),
    field('邀请参加人员', outside, { hint: '每行一人：姓名 单位，如“张三 交警中队”' }),
    field('时间安排', schedule, { hint: '每行一项：日期 事项，如“2025-06-01 现场调研”' }),
    field('调研步骤', research), field('会议程序', procedure), field('成果转化', transform),
    field('牵头人', lead, { required: true }), button);
  return submitting(form, button, () => {
    if (!required(theme, content, lead)) return null;
    const lines = (c) => c.value.split('\n').map((x) => x.trim()).filter(Boolean);
    const people = lines(outside).map((x) => { const [name, ...unit] = x.split(/\s+/); return { name, unit: unit.join(' ') }; });
    const steps = [];
    for (const x of lines(schedule)) {
      const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*(.*)$/.exec(x);
      if (!m || !m[4]) { showError(schedule, '“' + x + '”：请写成“日期 事项”，如 2025-06-01 现场调研'); schedule.focus(); return null; }
      steps.push({ date: `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`, item: m[4] });
    }
    showError(schedule, '');
    return api.send('PUT', base + '/plan', {
      theme: theme.value, content: content.value, research_steps: research.value, meeting_procedure: procedure.value,
      transformation: transform.value, lead: lead.value,
      participants: { user_ids: (p.participants && p.participants.user_ids) || [], outside: people }, schedule: steps,
    });
  });
}

function attendeesLine(at) {
  if (!at) return null;
  const parts = [['members', '委员'], ['residents', '群众代表'], ['units', '部门负责人'], ['others', '其他']]
    .filter(([k]) => at[k] && at[k].length).map(([k, n]) => n + '：' + at[k].join('、'));
  return parts.length ? h('p', { class: 'muted' }, '参加人员 — ', parts.join('；')) : null;
}

function splitNames(v) { return v.split(/[，,、\s]+/).map((s) => s.trim()).filter(Boolean); }

function activityForm(path, title, noun, summaryLabel, attendees = false) {
  const when = h('input', { type: 'datetime-local', name: 'held_at', value: new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16) });
  const place = h('input', { name: 'place', maxlength: '200' });
  const summary = h('textarea', { name: 'summary', rows: '4' });
  const people = attendees ? ['委员', '群众代表', '部门负责人', '其他人员'].map((k) => [k, h('input', { name: 'attendees-' + k })]) : [];
  const button = h('button', { type: 'submit', class: 'btn primary block' }, title);
  const form = h('form', { class: 'card form', novalidate: true, 'aria-label': title },
    h('h4', {}, title), field(noun + '时间', when, { required: true }), field(noun + '地点', place),
    people.map(([k, c]) => field('参加的' + k, c, { hint: '多人用逗号分隔' })),
    field(summaryLabel, summary, { required: true }), button);
  return submitting(form, button, () => required(when, summary) && api.send('POST', path, {
    held_at: new Date(when.value).toISOString(), place: place.value, summary: summary.value,
    attendees: attendees ? { members: splitNames(people[0][1].value), residents: splitNames(people[1][1].value), units: splitNames(people[2][1].value), others: splitNames(people[3][1].value) } : undefined,
  }));
}

function outcomeForm(base) {
  const consensus = h('textarea', { name: 'consensus', rows: '4' });
  const rows = h('div', { class: 'recs' });
  const addRow = () => {
    const n = rows.children.length + 1;
    rows.append(h('fieldset', { class: 'card' }, h('legend', {}, '意见建议 ' + n),
      field('建议内容 ' + n, h('textarea', { name: 'content', rows: '2' }), { required: true }),
      field('责任单位 ' + n, h('input', { name: 'unit', maxlength: '100' }), { required: true }),
      field('联系人 ' + n, h('input', { name: 'contact', maxlength: '100' })),
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
    return required(...controls) && api.send('POST', base + '/outcome', { consensus: consensus.value, recommendations: recs });
  });
}

function outcomeBlock(o, mayFollow) {
  return h('div', { class: 'card' }, h('h4', {}, '协商成果'), h('p', {}, o.consensus),
    h('ol', { class: 'recs' }, (o.recommendations || []).map((r, i) => h('li', {},
      h('p', {}, r.content, '（', r.unit, '，', r.due_on, ' 前）'),
      h('p', {}, h('span', { class: 'chip rec-' + r.status }, REC[r.status] || r.status), r.overdue ? h('span', { class: 'chip warn' }, '已逾期') : null,
        r.reason ? ' 原因：' + r.reason : null),
      (r.progress || []).map((p) => h('p', { class: 'muted' }, fmtTime(p.created_at), ' ', p.note)),
      mayFollow && (r.status === 'pending' || r.status === 'in_progress') ? progressForm(r, i + 1) : null))));
}

function progressForm(r, n) {
  const status = h('select', { name: 'status' },
    h('option', { value: '' }, '状态不变'), h('option', { value: 'in_progress' }, '办理中'),
    h('option', { value: 'done' }, '已办结'), h('option', { value: 'not_adopted' }, '未采纳'));
  const note = h('textarea', { name: 'note', rows: '2' });
  const reason = h('input', { name: 'reason', maxlength: '500' });
  const button = h('button', { type: 'submit', class: 'btn block' }, '记录进展（建议 ' + n + '）');
  const form = h('form', { class: 'form', novalidate: true, 'aria-label': '跟踪问效 ' + n },
    field('办理状态（建议 ' + n + '）', status), field('进展说明（建议 ' + n + '）', note, { required: true }),
    field('未采纳原因（建议 ' + n + '）', reason), button);
  return submitting(form, button, () => {
    if (!required(note)) return null;
    if (status.value === 'not_adopted' && !reason.value.trim()) { showError(reason, '未采纳时必须填写原因'); reason.focus(); return null; }
    return api.send('POST', '/api/v1/recommendations/' + encodeURIComponent(r.id) + '/progress',
      { status: status.value || undefined, note: note.value, reason: reason.value || undefined });
  });
}
