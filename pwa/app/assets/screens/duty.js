// 履职: a member's own year of credits with the records that earned them (我的履职), the
// county's view of every member's year (admins and county reviewers), and a member's file
// (一人一档) on screen. Loaded only when opened.

import { h, label, chip, empty, staleNote, fmtTime, LABELS } from '../ui.js';
import * as api from '../api.js';
import { state, countyView } from '../state.js';
import { navigate } from '../router.js';

const KINDS = Object.keys(LABELS.credit);

function yearOf(ctx) {
  const y = Number(ctx.query.get('year'));
  return Number.isInteger(y) && y >= 2000 && y <= 2100 ? y : new Date().getUTCFullYear();
}

// yearPicker moves the screen to another year.
function yearPicker(ctx, year) {
  const select = h('select', { 'aria-label': '年度', 'data-testid': 'year' },
    [0, 1, 2, 3].map((i) => year + 1 - i).map((y) => h('option', { value: String(y), selected: y === year }, y + ' 年')));
  select.addEventListener('change', () => {
    const q = new URLSearchParams(ctx.query);
    q.set('year', select.value);
    navigate(location.pathname + '?' + q);
  });
  return select;
}

// sourceLink points to the record that earned a credit: its topic when it has one, an
// opinion to the member's opinions.
function sourceLink(it) {
  const text = it.title || label('creditSource', it.source_kind);
  if (it.topic_id) return h('a', { href: '/topics/' + encodeURIComponent(it.topic_id) }, text);
  if (it.source_kind === 'opinion' && it.mine) return h('a', { href: '/opinions' }, text);
  return h('span', {}, text);
}

// totalLine shows the total against the county's line.
function totalLine(total, line) {
  const below = total < line;
  return h('div', { class: 'stats' },
    h('div', { class: 'stat' + (below ? ' warn' : ''), 'data-testid': 'duty-total' }, h('span', { class: 'stat-n' }, String(total)), h('span', { class: 'stat-t' }, '本年积分')),
    h('div', { class: 'stat' }, h('span', { class: 'stat-n' }, String(line)), h('span', { class: 'stat-t' }, '达标线')),
    below ? chip('未达标', 'warn') : chip('已达标'));
}

// creditList groups a year's items by kind, each with its records.
function creditList(items, mine) {
  if (!items.length) return empty('今年还没有积分记录。');
  return KINDS.filter((k) => items.some((it) => it.kind === k)).map((k) => {
    const list = items.filter((it) => it.kind === k);
    const sum = list.reduce((n, it) => n + it.points, 0);
    return h('section', { class: 'card', 'data-testid': 'kind-' + k },
      h('h4', {}, label('credit', k) + ' · ' + sum + ' 分'),
      h('ul', { class: 'list' }, list.map((it) => h('li', { class: 'item', 'data-testid': 'credit-item' },
        h('span', { class: 'item-title' }, sourceLink({ ...it, mine })),
        h('span', { class: 'item-meta' }, fmtTime(it.at) + ' · ' + it.points + ' 分')))));
  });
}

export async function duty(ctx) {
  const year = yearOf(ctx);
  ctx.title('我的履职');
  const body = h('div', {}, h('p', { class: 'loading' }, '正在加载…'));
  ctx.show(h('h2', {}, '我的履职'), h('div', { class: 'row' }, yearPicker(ctx, year),
    h('a', { href: '/members/' + encodeURIComponent(state.user.id) + '?year=' + year, class: 'btn' }, '我的档案'),
    h('a', { href: '/print/members/' + encodeURIComponent(state.user.id) + '?year=' + year, class: 'btn' }, '打印一人一档'),
    countyView(state.user) ? h('a', { href: '/duty/county', class: 'btn' }, '全县履职') : null), body);
  try {
    const res = await api.get('/api/v1/me/credits?year=' + year);
    const d = res.data;
    body.replaceChildren(staleNote(res) || '', totalLine(d.total, d.line), ...[creditList(d.items, true)].flat());
  } catch (e) {
    body.replaceChildren(h('p', { class: 'error' }, api.errorText(e)));
  }
}

const SORTS = [['total', '积分从低到高'], ['-total', '积分从高到低'], ['name', '姓名'], ['sector', '界别']];

export async function county(ctx) {
  const year = yearOf(ctx);
  const q = ctx.query;
  ctx.title('全县履职');
  const sector = h('input', { name: 'sector', value: q.get('sector') || '', placeholder: '界别', 'aria-label': '界别' });
  const room = h('select', { name: 'room_id', 'aria-label': '议事室' }, h('option', { value: '' }, '全部议事室'));
  const sort = h('select', { name: 'sort', 'aria-label': '排序' }, SORTS.map(([v, t]) => h('option', { value: v, selected: (q.get('sort') || 'total') === v }, t)));
  const form = h('form', { class: 'card form row-form', 'aria-label': '筛选' }, yearPicker(ctx, year), sector, room, sort, h('button', { class: 'btn', type: 'submit' }, '筛选'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = new URLSearchParams({ year: String(year) });
    if (sector.value.trim()) p.set('sector', sector.value.trim());
    if (room.value) p.set('room_id', room.value);
    if (sort.value !== 'total') p.set('sort', sort.value);
    navigate('/duty/county?' + p);
  });
  const body = h('div', {}, h('p', { class: 'loading' }, '正在加载…'));
  ctx.show(h('h2', {}, '全县履职'), form, body);
  api.get('/api/v1/rooms?limit=200').then((res) => {
    for (const r of api.items(res.data)) room.append(h('option', { value: r.id, selected: q.get('room_id') === r.id }, r.name));
  }).catch(() => {});
  const p = new URLSearchParams({ year: String(year) });
  for (const k of ['sector', 'room_id', 'sort']) if (q.get(k)) p.set(k, q.get(k));
  try {
    const res = await api.get('/api/v1/credits?' + p);
    const d = res.data;
    const below = d.items.filter((m) => m.below_line).length;
    body.replaceChildren(staleNote(res) || '',
      h('p', {}, '达标线 ' + d.line + ' 分；' + d.items.length + ' 名委员，其中 ', h('strong', {}, below + ' 名'), ' 未达标。'),
      d.items.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid', 'data-testid': 'county-credits' },
        h('thead', {}, h('tr', {}, h('th', {}, '委员'), h('th', {}, '界别'), h('th', {}, '议事室'), KINDS.map((k) => h('th', {}, label('credit', k))), h('th', {}, '合计'), h('th', {}, '达标'))),
        h('tbody', {}, d.items.map((m) => h('tr', { class: m.below_line ? 'below' : '', 'data-testid': 'member-row', 'data-below': m.below_line ? 'true' : 'false' },
          h('th', { scope: 'row' }, h('a', { href: '/members/' + encodeURIComponent(m.user_id) + '?year=' + year }, m.name)),
          h('td', {}, m.sector || ''), h('td', {}, m.rooms.map((r) => r.name).join('、')),
          KINDS.map((k) => h('td', {}, String(m.by_kind[k] || 0))),
          h('td', {}, String(m.total)), h('td', {}, m.below_line ? chip('未达标', 'warn') : chip('达标'))))))) : empty('没有符合条件的委员。'));
  } catch (e) {
    body.replaceChildren(h('p', { class: 'error' }, api.errorText(e)));
  }
}

export async function memberFile(ctx) {
  const year = yearOf(ctx);
  ctx.title('委员档案');
  const body = h('div', {}, h('p', { class: 'loading' }, '正在加载…'));
  ctx.show(h('h2', {}, '委员档案'), h('div', { class: 'row' }, yearPicker(ctx, year),
    h('a', { href: '/print/members/' + encodeURIComponent(ctx.params.id) + '?year=' + year, class: 'btn' }, '打印一人一档')), body);
  try {
    const res = await api.get('/api/v1/members/' + encodeURIComponent(ctx.params.id) + '/file?year=' + year);
    const f = res.data;
    const c = f.credits;
    body.replaceChildren(staleNote(res) || '',
      h('dl', { class: 'facts', 'data-testid': 'file-user' },
        h('dt', {}, '姓名'), h('dd', {}, f.user.name),
        h('dt', {}, '界别'), h('dd', {}, f.user.sector || '—'),
        h('dt', {}, '单位'), h('dd', {}, f.user.unit || '—'),
        h('dt', {}, '议事室'), h('dd', {}, f.rooms.map((r) => r.name + '（' + label('roomRole', r.role) + '）').join('、') || '—')),
      totalLine(c.total, c.line),
      h('section', {}, h('h3', {}, '积分'), h('table', { class: 'grid' }, h('tbody', {},
        KINDS.map((k) => h('tr', {}, h('th', { scope: 'row' }, label('credit', k)), h('td', {}, String(c.by_kind[k] || 0))))))),
      h('section', {}, h('h3', {}, '参与的议题'), f.topics.length ? h('ul', { class: 'list' }, f.topics.map((t) => h('li', {},
        h('a', { href: '/topics/' + encodeURIComponent(t.id), class: 'item' }, h('span', { class: 'item-title' }, t.title),
          h('span', { class: 'item-meta' }, label('topicPart', t.role) + ' · ' + label('topic', t.state)))))) : empty('本年没有参与的议题。')),
      h('section', {}, h('h3', {}, '出勤'), f.attendance.length ? h('ul', { class: 'list' }, f.attendance.map((a) => h('li', { class: 'item' },
        h('span', { class: 'item-title' }, label('kind', a.kind) + ' · ' + fmtTime(a.held_at)),
        h('span', { class: 'item-meta' }, label('attendance', a.status))))) : empty('本年没有出勤记录。')),
      h('section', {}, h('h3', {}, '积分明细'), ...[creditList(c.items, f.user.id === state.user.id)].flat()),
      h('section', {}, h('h3', {}, '历年积分'), f.years.length ? h('ul', { class: 'list' }, f.years.map((y) => h('li', { class: 'item' },
        h('a', { href: '/members/' + encodeURIComponent(f.user.id) + '?year=' + y.year }, y.year + ' 年'), h('span', { class: 'item-meta' }, y.total + ' 分')))) : empty('还没有积分。')));
  } catch (e) {
    body.replaceChildren(h('p', { class: 'error' }, api.errorText(e)));
  }
}
