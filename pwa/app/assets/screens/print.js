// 打印: each record on A4 through the one print frame (print.js). The data comes from the
// same API the screens read, as the signed-in user: whoever may read a record may print it.

import * as api from '../api.js';
import { h, label, LABELS } from '../ui.js';
import { roomName } from '../state.js';
import { MIN_YEAR, MAX_YEAR } from '../words.js';
import { frame, section, table, photos, day } from '../print.js';

const enc = encodeURIComponent;
const PEOPLE = [['members', '委员'], ['residents', '群众代表'], ['units', '单位负责人'], ['others', '其他人员']];
const para = (text) => String(text || '').split('\n').map((l) => h('p', {}, l));

async function maybe(path) {
  try { return (await api.get(path)).data; } catch { return null; }
}

// 书面报告 (双报告): the topic, the opinions it came from, both bodies' decisions by round.
export async function printReport(ctx) {
  const id = ctx.params.id;
  const t = (await api.get('/api/v1/topics/' + enc(id))).data;
  const submitted = (t.history || []).find((x) => x.action === 'submit');
  const page = await frame(ctx, { title: '关于“' + t.title + '”协商议题的书面报告', date: submitted ? submitted.at : t.created_at, back: '/topics/' + enc(id) });
  const ops = await Promise.all((t.opinion_ids || []).map((o) => maybe('/api/v1/opinions/' + enc(o))));
  const seen = ops.filter(Boolean);
  const rounds = [...new Set((t.reviews || []).map((r) => r.round))].sort((a, b) => a - b);
  page.add(
    section('议题', table(['项目', '内容'], [['议题名称', t.title], ['议事室', roomName(t.room_id) || ''], ['类别', t.category],
      ['来源', label('source', t.source)], ['当前状态', label('topic', t.status)], ['审核轮次', '第 ' + t.round + ' 轮']])),
    section('议题说明', ...para(t.description || '（无）')),
    section('来源民意（' + (t.opinion_ids || []).length + ' 条）',
      seen.length ? table(['序号', '类别', '渠道', '内容', '收集日期'], seen.map((o, i) => [String(i + 1), o.category, label('channel', o.channel), o.content, day(o.collected_at || o.created_at)])) : h('p', {}, '（无可查看的来源民意）'),
      seen.length < (t.opinion_ids || []).length ? h('p', {}, '另有 ' + ((t.opinion_ids || []).length - seen.length) + ' 条民意按权限不在此列出。') : null),
    section('审核意见（县政协党组、所在地党委）',
      rounds.length ? rounds.map((n) => h('div', { class: 'print-block' }, h('p', {}, h('strong', {}, '第 ' + n + ' 轮')),
        table(['审核机关', '决定', '意见', '日期'], (t.reviews || []).filter((r) => r.round === n).map((r) =>
          [label('body', r.body), label('decision', r.decision), r.comment || '', day(r.created_at)]))))
        : h('p', {}, '尚未审核。')),
    section('办理过程', table(['日期', '事项', '状态'], (t.history || []).map((x) => [day(x.at), label('topicAction', x.action), label('topic', x.to)]))));
  await page.ready();
}

// 工作方案.
export async function printPlan(ctx) {
  const id = ctx.params.id;
  const [t, plan] = await Promise.all([api.get('/api/v1/topics/' + enc(id)).then((r) => r.data), maybe('/api/v1/topics/' + enc(id) + '/plan')]);
  const page = await frame(ctx, { title: '“' + t.title + '”协商工作方案', date: plan && (plan.updated_at || plan.created_at), back: '/topics/' + enc(id) });
  if (!plan) { page.add(h('p', {}, '尚未制定工作方案。')); await page.ready(); return; }
  const p = plan.participants || {};
  page.add(
    section('主题', h('p', {}, plan.theme)),
    section('主要内容', ...para(plan.content)),
    plan.research_steps ? section('调研安排', ...para(plan.research_steps)) : null,
    plan.meeting_procedure ? section('会议程序', ...para(plan.meeting_procedure)) : null,
    plan.transformation ? section('成果转化', ...para(plan.transformation)) : null,
    section('参加人员', h('p', {}, (p.outside || []).map((o) => o.name + (o.unit ? '（' + o.unit + '）' : '')).join('、') || '（见名单）')),
    (plan.schedule || []).length ? section('时间安排', table(['日期', '事项'], plan.schedule.map((x) => [x.date, x.item]))) : null,
    section('牵头负责', h('p', {}, plan.lead)));
  await page.ready();
}

function minutes(a) {
  const who = PEOPLE.map(([k, n]) => [n, ((a.attendees && a.attendees[k]) || []).join('、')]).filter(([, v]) => v);
  return [
    table(['项目', '内容'], [['类型', label('kind', a.kind)], ['时间', day(a.held_at)], ['地点', a.place || ''], ...who]),
    section(a.kind === 'consultation' ? '会议纪要' : '记录', ...para(a.summary)),
    (a.photos || []).length ? section('现场照片', photos(a.photos, '现场照片')) : null,
  ];
}

// 活动记录 / 调研记录 / 协商会纪要.
export async function printActivity(ctx) {
  const a = (await api.get('/api/v1/activities/' + enc(ctx.params.id))).data;
  const name = { research: '调研记录', consultation: '协商会议纪要' }[a.kind] || '活动记录';
  const back = a.topic_id ? '/topics/' + enc(a.topic_id) : '/rooms/' + enc(a.room_id);
  const page = await frame(ctx, { title: (roomName(a.room_id) || '') + name, date: a.held_at, back });
  page.add(minutes(a));
  await page.ready();
}

function outcomeSections(o) {
  return [
    section('协商成果', ...para(o.consensus)),
    section('意见建议及办理情况', table(['序号', '意见建议', '责任单位', '完成时限', '办理情况'],
      (o.recommendations || []).map((r, i) => [String(i + 1), r.content, r.unit, day(r.due_on), label('rec', r.status) + (r.overdue ? '（已逾期）' : '') + (r.reason ? '：' + r.reason : '')]))),
    (o.recommendations || []).some((r) => (r.progress || []).length)
      ? section('跟踪问效', (o.recommendations || []).map((r, i) => (r.progress || []).length ? h('div', { class: 'print-block' },
        h('p', {}, h('strong', {}, (i + 1) + '. ' + r.content)),
        table(['日期', '进展', '状态'], r.progress.map((n) => [day(n.created_at), n.note, label('rec', n.to)])),
        photos(r.progress.flatMap((n) => n.photos || []), '办理照片')) : null))
      : null,
  ];
}

// 协商成果 with its recommendations and their follow-up.
export async function printOutcome(ctx) {
  const id = ctx.params.id;
  const [t, o] = await Promise.all([api.get('/api/v1/topics/' + enc(id)).then((r) => r.data), maybe('/api/v1/topics/' + enc(id) + '/outcome')]);
  const page = await frame(ctx, { title: '“' + t.title + '”协商成果', date: o && o.published_at, back: '/topics/' + enc(id) });
  page.add(o ? outcomeSections(o) : h('p', {}, '尚未形成协商成果。'));
  await page.ready();
}

// yearOf is the page's ?year=, this year (UTC, as the server counts years) when it is
// missing or out of range.
function yearOf(ctx) {
  const y = Number(ctx.query.get('year'));
  return Number.isInteger(y) && y >= MIN_YEAR && y <= MAX_YEAR ? y : new Date().getUTCFullYear();
}

// every reads all pages of a list.
async function every(path) {
  const out = [];
  let cursor = '';
  for (let i = 0; i < 50; i++) {
    const data = (await api.get(path + (path.includes('?') ? '&' : '?') + 'limit=200' + (cursor ? '&cursor=' + enc(cursor) : ''))).data;
    out.push(...api.items(data));
    cursor = data.next_cursor;
    if (!cursor) break;
  }
  return out;
}

// 议事室年度台账: the six haves, every activity of the year with its minutes and photos, and
// the topics with their outcomes.
export async function printLedger(ctx) {
  const id = ctx.params.id;
  const year = yearOf(ctx);
  const inYear = (iso) => new Date(iso).getUTCFullYear() === year;
  const [room, acts, topics] = await Promise.all([
    api.get('/api/v1/rooms/' + enc(id)).then((r) => r.data),
    every('/api/v1/rooms/' + enc(id) + '/activities?from=' + year + '-01-01&to=' + year + '-12-31'),
    every('/api/v1/topics?room_id=' + enc(id)),
  ]);
  const page = await frame(ctx, { title: room.name + ' ' + year + '年度台账', date: year + '-12-31', back: '/rooms/' + enc(id) });
  const names = { venue: '场地', door_plate: '门牌', rules: '制度', convener: '召集人', members: '委员', activity_records: '活动记录' };
  // Those held: one still open (scheduled, no minutes yet) counts nowhere, as on the server.
  const yearActs = acts.filter((a) => !a.open).reverse();
  const yearTopics = topics.filter((t) => inYear(t.created_at) || inYear(t.updated_at));
  const outcomes = await Promise.all(yearTopics.map((t) => maybe('/api/v1/topics/' + enc(t.id) + '/outcome')));
  page.add(
    section('议事室概况', table(['项目', '内容'], [['名称', room.name], ['层级', label('level', room.level)], ['地址', room.address || ''],
      ['本年活动', yearActs.length + ' 次（每年至少 3 次）']])),
    section('“六有”情况', table(Object.values(names), [Object.keys(names).map((k) => (room.checklist && room.checklist[k]) ? '有' : '缺')])),
    section('活动记录（' + yearActs.length + ' 次）', yearActs.length ? table(['序号', '日期', '类型', '地点'], yearActs.map((a, i) => [String(i + 1), day(a.held_at), label('kind', a.kind), a.place || ''])) : h('p', {}, '本年无活动记录。')),
    yearActs.map((a, i) => h('div', { class: 'print-block print-break' }, h('h3', {}, '活动 ' + (i + 1) + '：' + label('kind', a.kind) + ' ' + day(a.held_at)), minutes(a))),
    h('div', { class: 'print-break' }),
    section('协商议题（' + yearTopics.length + ' 个）', yearTopics.length ? table(['序号', '议题', '类别', '状态'], yearTopics.map((t, i) => [String(i + 1), t.title, t.category, label('topic', t.status)])) : h('p', {}, '本年无协商议题。')),
    yearTopics.map((t, i) => outcomes[i] ? h('div', { class: 'print-block' }, h('h3', {}, '成果：' + t.title), outcomeSections(outcomes[i])) : null));
  await page.ready();
}


// 一人一档: a member's file of one year, from the member file the server gives whoever may
// see it (the member, and those who see the county): who they are, their rooms, the topics
// they took part in, their attendance, their credits by kind with the records that earned
// them against the county's line, and their totals of every year.
export async function printMemberFile(ctx) {
  const id = ctx.params.id;
  const year = yearOf(ctx);
  const f = (await api.get('/api/v1/members/' + enc(id) + '/file?year=' + year)).data;
  const c = f.credits;
  const page = await frame(ctx, { title: f.user.name + ' ' + year + '年度履职档案（一人一档）', date: year + '-12-31',
    back: '/members/' + enc(id) + '?year=' + year });
  const count = (status) => f.attendance.filter((a) => a.status === status).length;
  const kinds = Object.keys(LABELS.credit);
  page.add(
    section('基本情况', table(['项目', '内容'], [['姓名', f.user.name], ['界别', f.user.sector || '—'], ['单位', f.user.unit || '—'],
      ['所在议事室', f.rooms.map((r) => r.name + '（' + label('roomRole', r.role) + '）').join('、') || '—']])),
    section('参与的协商议题（' + f.topics.length + ' 个）', f.topics.length
      ? table(['序号', '议题', '参与方式', '议题状态'], f.topics.map((t, i) => [String(i + 1), t.title, label('topicPart', t.role), label('topic', t.state)]))
      : h('p', {}, '本年没有参与的议题。')),
    section('出勤情况', h('p', {}, ['present', 'leave', 'absent'].map((st) => label('attendance', st) + ' ' + count(st) + ' 次').join('，') + '。'),
      f.attendance.length ? table(['序号', '日期', '活动', '出勤'], f.attendance.map((a, i) => [String(i + 1), day(a.held_at), label('kind', a.kind), label('attendance', a.status)])) : null),
    section('履职积分', h('p', {}, '本年积分 ', h('strong', {}, String(c.total)), ' 分，达标线 ' + c.line + ' 分，' + (c.total < c.line ? '未达标' : '已达标') + '。'),
      table(['积分类别', '分值'], [...kinds.map((k) => [label('credit', k), String(c.by_kind[k] || 0)]), ['合计', String(c.total)]])),
    section('积分明细（' + c.items.length + ' 项）', c.items.length
      ? table(['日期', '类别', '来源', '分值'], c.items.map((it) => [day(it.at), label('credit', it.kind),
        label('creditSource', it.source_kind) + (it.title ? '：' + it.title : ''), String(it.points)]))
      : h('p', {}, '本年没有积分记录。')),
    section('历年积分', f.years.length ? table(['年度', '积分'], f.years.map((y) => [y.year + ' 年', String(y.total)])) : h('p', {}, '还没有积分。')),
    h('div', { class: 'print-sign' }, h('span', {}, '本人签字：'), h('span', {}, '审核人：')));
  await page.ready();
}
