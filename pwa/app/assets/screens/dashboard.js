// 统计: the county dashboard for admins and county reviewers — the numbers, the flagged
// rooms, the overdue recommendations, opinions and topics at a glance, and the ledgers as
// CSV or XLSX. Loaded only when opened (it is not part of the first-load shell).

import { h, field, label, chip, empty, staleNote, toast, LABELS } from '../ui.js';
import * as api from '../api.js';
import { apiFetch, readError } from '../auth.js';
import { navigate } from '../router.js';

const REC = LABELS.rec;
const FLAG = { checklist_incomplete: '六有不全', below_quota: '活动未达标' };
const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  for (const c of children) if (c != null) el.append(c);
  return el;
}

// bars draws a horizontal bar chart of [{key, count}] with the names given by name(key),
// and a table of the same numbers for screen readers (the picture is hidden from them).
function bars(title, rows, name = (k) => k) {
  const id = 'chart-' + title.replace(/\W/g, '') + '-' + Math.random().toString(36).slice(2, 7);
  if (!rows || !rows.length) return h('section', { class: 'card chart', 'aria-labelledby': id }, h('h4', { id }, title), empty('暂无数据。'));
  const max = Math.max(1, ...rows.map((r) => r.count));
  const rowH = 28;
  const pic = svg('svg', { viewBox: `0 0 300 ${rows.length * rowH}`, width: '100%', role: 'img', 'aria-hidden': 'true', focusable: 'false', class: 'bars' },
    ...rows.map((r, i) => {
      const w = Math.max(2, Math.round((r.count / max) * 170));
      return svg('g', { transform: `translate(0 ${i * rowH})` },
        svg('text', { x: '0', y: '18', class: 'bar-label' }, String(name(r.key)).slice(0, 8)),
        svg('rect', { x: '100', y: '5', width: String(w), height: '18', rx: '3', class: 'bar' }),
        svg('text', { x: String(106 + w), y: '19', class: 'bar-value' }, String(r.count)));
    }));
  return h('section', { class: 'card chart', 'aria-labelledby': id }, h('h4', { id }, title), pic,
    h('table', { class: 'sr' }, h('caption', {}, title),
      h('tbody', {}, rows.map((r) => h('tr', {}, h('th', { scope: 'row' }, name(r.key)), h('td', {}, String(r.count)))))));
}

function number(n, text, kind = '') {
  return h('div', { class: 'stat ' + kind }, h('span', { class: 'stat-n' }, String(n ?? 0)), h('span', { class: 'stat-t' }, text));
}

const EXPORTS = [
  ['/api/v1/exports/topics.xlsx', '议题台账（Excel）', '议题台账.xlsx'],
  ['/api/v1/exports/topics.csv', '议题台账（CSV）', '议题台账.csv'],
  ['/api/v1/exports/rooms.xlsx', '议事室台账（Excel）', '议事室台账.xlsx'],
  ['/api/v1/exports/rooms.csv', '议事室台账（CSV）', '议事室台账.csv'],
];

// download fetches a ledger with the session's token (a plain link cannot carry it) and
// hands it to the browser as a file.
export async function download(button, path, name) {
  button.disabled = true;
  try {
    const res = await apiFetch(path);
    if (!res.ok) throw await readError(res);
    const blob = await res.blob();
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    toast('已下载 ' + name, { kind: 'ok' });
  } catch (e) {
    toast(api.errorText(e), { kind: 'error' });
  } finally {
    button.disabled = false;
  }
}

// (The word from is never written next to a quote mark here: the server's import rewriter
// would take it for an import. Hence the backticks.)
export async function dashboard(ctx) {
  ctx.title('统计');
  const year = new Date().getFullYear();
  const from = h('input', { type: 'date', name: `from`, value: ctx.query.get(`from`) || `${year}-01-01` });
  const to = h('input', { type: 'date', name: 'to', value: ctx.query.get('to') || '' });
  const filter = h('form', { class: 'card form row-form', 'aria-label': '统计期间' },
    field('开始日期', from), field('结束日期', to, { hint: '不填则到今天' }),
    h('button', { type: 'submit', class: 'btn' }, '查看'));
  filter.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    if (from.value) q.set(`from`, from.value);
    if (to.value) q.set('to', to.value);
    navigate('/stats' + (q.toString() ? '?' + q : ''), { replace: true });
  });
  const body = h('div', {}, h('p', { class: 'loading' }, '正在加载…'));
  ctx.show(h('h2', {}, '统计'), filter, body);

  const q = new URLSearchParams();
  if (from.value) q.set(`from`, from.value);
  if (to.value) q.set('to', to.value);
  let res;
  try {
    res = await api.get('/api/v1/stats' + (q.toString() ? '?' + q : ''));
  } catch (e) {
    body.replaceChildren(h('p', { class: 'error', role: 'alert' }, api.errorText(e)));
    return;
  }
  const s = res.data;
  const t = s.totals || {};
  const rooms = s.rooms || [];
  const flagged = rooms.filter((r) => r.flagged);
  const overdue = s.overdue || [];
  const members = (s.members || []).slice(0, 20);

  const exportsBox = h('section', { class: 'card', 'aria-labelledby': 'exp-h' }, h('h3', { id: 'exp-h' }, '导出台账'),
    h('div', { class: 'exports' }, EXPORTS.map(([path, text, name]) => {
      const b = h('button', { type: 'button', class: 'btn' }, text);
      b.addEventListener('click', () => download(b, path, name));
      return b;
    })));

  body.replaceChildren(
    staleNote(res) || '',
    h('p', { class: 'muted' }, '统计期间：', s.from || '', ' 至 ', s.to || '', '（今天 ', s.today || '', '）'),
    h('section', { 'aria-labelledby': 'num-h' }, h('h3', { id: 'num-h' }, '总体情况'),
      h('div', { class: 'stats', 'data-testid': 'totals' },
        number(t.rooms, '议事室'),
        number(t.rooms_flagged, '需关注议事室', t.rooms_flagged ? 'warn' : ''),
        number(t.activities_this_year, '本年活动'),
        number(t.opinions, '收集民意'),
        number(t.opinions_adopted, '采纳民意'),
        number(t.topics, '协商议题'),
        number(t.recommendations, '意见建议'),
        number(t.problems_solved, '解决问题', 'good'),
        number(t.overdue, '逾期未办', t.overdue ? 'warn' : ''),
        number(rate(t.ratings), '群众满意率', 'good'))),
    satisfactionBlock(t.ratings, rooms),
    h('section', { 'aria-labelledby': 'flag-h' }, h('h3', { id: 'flag-h' }, '需关注的议事室'),
      h('p', { class: 'hint' }, '每室每年活动不少于 ', String(s.activity_quota ?? 3), ' 次', s.quota_checked ? '' : '（' + (s.quota_check_from || '') + ' 起考核活动次数）'),
      flagged.length
        ? h('ul', { class: 'list', 'data-testid': 'flagged' }, flagged.map((r) => h('li', { class: 'card' },
          h('a', { href: '/rooms/' + encodeURIComponent(r.id) }, r.name), ' ', chip(label('level', r.level)),
          h('p', {}, (r.flags || []).map((f) => chip(FLAG[f] || f, 'warn')), ' 本年活动 ', String(r.activities_this_year), ' 次'))))
        : empty('没有需要关注的议事室。')),
    h('section', { 'aria-labelledby': 'od-h' }, h('h3', { id: 'od-h' }, '逾期未办的意见建议'),
      overdue.length
        ? h('ul', { class: 'list', 'data-testid': 'overdue' }, overdue.map((o) => h('li', { class: 'card' },
          h('p', {}, o.content, ' ', chip('已逾期 ' + o.days_overdue + ' 天', 'warn')),
          h('p', { class: 'muted' }, o.unit, ' · 期限 ', o.due_on, ' · ', REC[o.status] || o.status),
          h('p', {}, h('a', { href: '/topics/' + encodeURIComponent(o.topic_id) }, o.topic_title), ' · ', o.room_name))))
        : empty('没有逾期的意见建议。')),
    h('div', { class: 'charts' },
      bars('民意来源渠道', s.opinions_by_channel, (k) => label('channel', k)),
      bars('民意类别', s.opinions_by_category),
      bars('议题进展', s.topics_by_status, (k) => label('topic', k)),
      bars('意见建议办理', s.recommendations_by_status, (k) => REC[k] || k)),
    h('section', { 'aria-labelledby': 'lv-h' }, h('h3', { id: 'lv-h' }, '各层级议事室'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
        h('thead', {}, h('tr', {}, ['层级', '议事室', '六有齐全', '活动未达标', '本年活动'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, (s.rooms_by_level || []).map((l) => h('tr', {},
          h('th', { scope: 'row' }, label('level', l.level)), h('td', {}, String(l.rooms)), h('td', {}, String(l.checklist_complete)),
          h('td', {}, String(l.below_quota)), h('td', {}, String(l.activities_this_year)))))))),
    members.length ? h('section', { 'aria-labelledby': 'mb-h' }, h('h3', { id: 'mb-h' }, '委员履职（收集 / 采纳）'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
        h('thead', {}, h('tr', {}, ['委员', '收集', '采纳'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, members.map((m) => h('tr', {}, h('th', { scope: 'row' }, m.name), h('td', {}, String(m.collected)), h('td', {}, String(m.adopted)))))))) : null,
    exportsBox);
}

// rate words a satisfaction rate (satisfied and basically satisfied of all verdicts) as a
// percentage, or — when no resident has rated yet.
function rate(r) {
  return r && r.rate != null ? Math.round(r.rate * 100) + '%' : '—';
}

// satisfactionBlock shows residents' verdicts on closed topics, for the county and per room.
function satisfactionBlock(total, rooms) {
  const rated = rooms.filter((r) => r.ratings && r.ratings.total > 0);
  const counts = (r) => [String(r.satisfied), String(r.basically_satisfied), String(r.unsatisfied), rate(r)];
  return h('section', { 'aria-labelledby': 'sat-h' }, h('h3', { id: 'sat-h' }, '群众评价'),
    total && total.total
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid', 'data-testid': 'satisfaction' },
        h('thead', {}, h('tr', {}, ['', '满意', '基本满意', '不满意', '满意率'].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {},
          h('tr', {}, h('th', { scope: 'row' }, '全县'), counts(total).map((x) => h('td', {}, x))),
          rated.map((r) => h('tr', {}, h('th', { scope: 'row' }, r.name), counts(r.ratings).map((x) => h('td', {}, x)))))))
      : empty('还没有群众评价。'));
}
