// The print frame: one A4 page shape for every printed record (书面报告, 工作方案, 纪要, 成果,
// 台账, 一人一档). A print screen calls frame() with its title, the record's date,
// the app path the QR code leads back to and its sections; the frame adds the county's name,
// the print button and the style sheet, which loads with the first print page only.
//
//   const page = await frame(ctx, { title: '书面报告', date: '2025-03-01', back: '/topics/' + id });
//   page.add(section('议题', h('p', {}, t.title)));

import { h } from './ui.js';
import { svg } from './qr.js';

let county = null;

// countyName is the county's name from the public county data (FRONTLINE_COUNTY_NAME),
// read once a session; offline, the last one known.
export async function countyName() {
  if (county) return county;
  try {
    const res = await fetch('/api/v1/public/county', { headers: { Accept: 'application/json' } });
    if (res.ok) {
      county = (await res.json()).county_name;
      try { localStorage.setItem('fl-county-name', county); } catch { /* private mode */ }
      return county;
    }
  } catch { /* offline */ }
  return localStorage.getItem('fl-county-name') || '县政协';
}

// styles adds print.css once. Its hashed name comes from the page's meta tag, which the
// server rewrites like every other asset reference.
function styles() {
  if (document.querySelector('link[data-print]')) return Promise.resolve();
  const meta = document.querySelector('meta[name="print-css"]');
  const link = h('link', { rel: 'stylesheet', href: meta ? meta.content : '/assets/print.css', 'data-print': '' });
  const loaded = new Promise((resolve) => { link.onload = resolve; link.onerror = resolve; });
  document.head.append(link);
  return loaded;
}

// day formats an RFC 3339 time or a date as 2025年3月1日.
export function day(value) {
  if (!value) return '';
  const d = new Date(value.length === 10 ? value + 'T00:00:00' : value);
  if (Number.isNaN(d.getTime())) return String(value);
  return d.getFullYear() + '年' + (d.getMonth() + 1) + '月' + d.getDate() + '日';
}

// section is a titled block that is kept on one page where it fits.
export function section(title, ...children) {
  return h('section', { class: 'print-block' }, h('h3', {}, title), ...children);
}

// table draws rows under a head row; cells are text or nodes.
export function table(head, rows) {
  return h('table', {}, h('thead', {}, h('tr', {}, head.map((c) => h('th', {}, c)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))));
}

// photos lays photos out three to a row, each waiting for its image before printing.
export function photos(list, alt) {
  if (!list || !list.length) return null;
  return h('div', { class: 'print-photos' }, list.map((p, i) => h('img', { src: p.url || p.thumb_url, alt: alt + ' ' + (i + 1) })));
}

// frame shows an empty A4 page with its head and returns it; add() appends sections, and
// ready() resolves once the style sheet and every image have loaded (a PDF made earlier
// would miss them).
export async function frame(ctx, { title, date, back }) {
  const [name] = await Promise.all([countyName(), styles()]);
  ctx.title(title);
  const url = location.origin + back;
  const body = h('div', { class: 'print-body' });
  const page = h('article', { class: 'print-page', 'data-testid': 'print-page' },
    h('header', { class: 'print-head' },
      h('div', {}, h('p', { class: 'print-county' }, name), h('h2', { class: 'print-title' }, title),
        h('p', { class: 'print-date' }, date ? '日期：' + day(date) : '')),
      h('div', { class: 'print-qr' }, qrNode(url), h('span', {}, '扫码查看原记录'))),
    body);
  const bar = h('div', { class: 'print-bar' },
    h('button', { type: 'button', class: 'btn primary', onclick: () => window.print() }, '打印 / 存为 PDF'),
    h('a', { href: back, class: 'btn' }, '返回'));
  ctx.show(bar, page);
  return {
    body,
    add(...nodes) { body.append(...nodes.flat().filter((n) => n != null && n !== false)); },
    ready() {
      const imgs = [...page.querySelectorAll('img')].filter((i) => !i.complete);
      return Promise.all(imgs.map((i) => new Promise((r) => { i.onload = r; i.onerror = r; })))
        .then(() => page.setAttribute('data-ready', ''));
    },
  };
}

// qrNode is the QR code of a link, or the link as text when it is too long for one.
export function qrNode(text) {
  try {
    return svg(text, { label: '二维码：' + text });
  } catch {
    return h('span', {}, text);
  }
}
