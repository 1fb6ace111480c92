// 公开页: the county's and each room's outcomes for anyone, without signing in. Only what
// the public endpoints give is shown; the last answer is kept on the phone, so a page seen
// once opens offline. The door plate view prints the room's QR code for its door.

import { h, label, chip, empty } from '../ui.js';
import { svg } from '../qr.js';

const enc = encodeURIComponent;
const HAVES = { venue: '场地', door_plate: '门牌', rules: '制度', convener: '召集人', members: '委员', activity_records: '活动记录' };

// load reads a public endpoint, falling back to the copy kept from the last visit.
async function load(path) {
  const key = 'fl-public:' + path;
  try {
    const res = await fetch(path, { headers: { Accept: 'application/json' } });
    if (res.status === 404) return { missing: true };
    if (!res.ok) throw new Error(String(res.status));
    const data = await res.json();
    try { localStorage.setItem(key, JSON.stringify(data)); } catch { /* full or private */ }
    return { data };
  } catch {
    const kept = localStorage.getItem(key);
    if (kept) return { data: JSON.parse(kept), offline: true };
    return { failed: true };
  }
}

function problem(ctx, res, title) {
  ctx.title(title);
  ctx.show(h('h2', {}, title), h('p', { class: 'error', role: 'alert' },
    res.missing ? '没有这个议事室。' : '网络不可用，请联网后再打开。'));
}

function haves(c) {
  return h('ul', { class: 'checklist' }, Object.entries(HAVES).map(([k, n]) =>
    h('li', { class: c && c[k] ? 'ok' : 'missing' }, n + '：' + (c && c[k] ? '已具备' : '缺少'))));
}

function photoList(list) {
  if (!list || !list.length) return null;
  return h('div', { class: 'thumbs' }, list.map((p) => h('figure', { class: 'public-photo' },
    h('img', { src: p.thumb_url || p.url, alt: label('photoLabel', p.label) + '照片', class: 'thumb', loading: 'lazy' }),
    h('figcaption', {}, label('photoLabel', p.label)))));
}

function topicCard(t) {
  const o = t.outcome;
  return h('li', { class: 'card' },
    h('h3', {}, t.title), h('p', {}, chip(label('topic', t.status), 'st-' + t.status), ' ', h('span', { class: 'muted' }, [t.category, t.approved_on ? t.approved_on + ' 通过审核' : ''].filter(Boolean).join(' · '))),
    t.description ? h('p', {}, t.description) : null,
    o ? h('div', {}, h('h4', {}, '协商成果'), h('p', { class: 'outcome' }, o.consensus),
      o.recommendations.length ? h('ul', { class: 'list plain' }, o.recommendations.map((r) =>
        h('li', {}, r.content, '（', r.unit, '，', r.due_on, '前）', chip(label('rec', r.status) + (r.overdue ? ' · 逾期' : ''))))) : null) : null,
    photoList(t.photos));
}

const stale = (res) => res.offline ? h('p', { class: 'stale', role: 'note' }, '离线：显示的是上次打开时的内容') : null;

export async function county(ctx) {
  ctx.title('公开页');
  ctx.show(h('h2', {}, '协商成果公开'), h('p', { class: 'loading' }, '正在加载…'));
  const res = await load('/api/v1/public/county');
  if (!res.data) return problem(ctx, res, '协商成果公开');
  const c = res.data;
  ctx.title(c.county_name + ' 协商成果公开');
  ctx.show(h('h2', {}, c.county_name + ' · 协商在一线'), stale(res),
    h('p', {}, '议事室 ' + c.rooms.length + ' 个（“六有”齐全 ' + c.rooms_complete + ' 个） · 协商议题 ' + c.topics_total + ' 个 · 意见建议 ' + c.recommendations + ' 条，已办结 ' + c.recommendations_done + ' 条'),
    h('section', {}, h('h3', {}, '委员议事室'), c.rooms.length ? h('ul', { class: 'list' }, c.rooms.map((r) => h('li', {},
      h('a', { href: '/p/rooms/' + enc(r.id) }, r.name), ' ', h('span', { class: 'muted' }, label('level', r.level) + ' · 本年活动 ' + r.activities_this_year + ' 次 · 议题 ' + r.topics + ' 个'),
      ' ', r.checklist_complete ? chip('六有齐全', 'ok') : chip('六有未齐', 'warn')))) : empty('还没有议事室。')),
    h('section', {}, h('h3', {}, '最新协商议题'), c.topics.length ? h('ul', { class: 'list cards' }, c.topics.map(topicCard)) : empty('还没有公开的协商议题。')),
    h('p', { class: 'hint' }, '本页只公开协商议题与成果，不含任何个人信息。'));
}

export async function room(ctx) {
  ctx.title('议事室');
  ctx.show(h('h2', {}, '议事室'), h('p', { class: 'loading' }, '正在加载…'));
  const res = await load('/api/v1/public/rooms/' + enc(ctx.params.id));
  if (!res.data) return problem(ctx, res, '议事室');
  const r = res.data;
  ctx.title(r.name);
  ctx.show(h('p', { class: 'muted' }, h('a', { href: '/p/county' }, r.county_name), ' · 协商成果公开'),
    h('h2', {}, r.name), stale(res),
    h('p', { class: 'muted' }, label('level', r.level), r.address ? ' · ' + r.address : ''),
    h('section', {}, h('h3', {}, '“六有”'), haves(r.checklist),
      h('p', {}, '本年活动 ' + r.activities_this_year + ' / ' + r.activity_quota + ' 次')),
    h('section', {}, h('h3', {}, '协商议题与成果'), r.topics.length ? h('ul', { class: 'list cards' }, r.topics.map(topicCard)) : empty('还没有公开的协商议题。')),
    r.photos.length ? h('section', {}, h('h3', {}, '活动照片'), photoList(r.photos)) : null,
    h('p', {}, h('a', { href: '/p/rooms/' + enc(r.id) + '/plate' }, '门牌二维码')),
    h('p', { class: 'hint' }, '本页只公开协商议题与成果，不含任何个人信息。'));
}

// plate is the room's door plate: its name and a QR code to its public page, for printing.
export async function plate(ctx) {
  const res = await load('/api/v1/public/rooms/' + enc(ctx.params.id));
  if (!res.data) return problem(ctx, res, '门牌');
  const r = res.data;
  ctx.title(r.name + ' 门牌');
  const url = location.origin + '/p/rooms/' + enc(r.id);
  let qr;
  try { qr = svg(url, { label: '扫码查看' + r.name + '的协商成果' }); } catch { qr = h('span', {}, url); }
  ctx.show(h('div', { class: 'print-bar' }, h('button', { type: 'button', class: 'btn primary', onclick: () => window.print() }, '打印门牌')),
    h('article', { class: 'door-plate', 'data-testid': 'door-plate' }, h('p', { class: 'plate-county' }, r.county_name),
      h('h2', { class: 'plate-name' }, r.name), h('p', {}, '委员议事室'), h('div', { class: 'plate-qr' }, qr),
      h('p', { class: 'plate-hint' }, '扫码查看本室协商议题与成果')));
}
