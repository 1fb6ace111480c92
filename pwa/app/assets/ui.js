// DOM helpers, toasts, formatting and the Chinese names of the API's codes.

import { LABELS as WORDS } from './words.js';

// h builds an element: h('button', { class: 'btn', onclick }, '保存').
// Text is always set as text, never parsed as HTML.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'for') el.htmlFor = v;
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'selected' || k === 'disabled' || k === 'multiple' || k === 'required') el[k] = !!v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

let uid = 0;
export function id(prefix = 'f') { uid += 1; return prefix + '-' + uid; }

// field makes a labelled control with an optional hint and error slot.
export function field(label, control, { hint, required } = {}) {
  if (!control.id) control.id = id();
  const hintEl = hint ? h('p', { class: 'hint', id: control.id + '-hint' }, hint) : null;
  const err = h('p', { class: 'error', id: control.id + '-err', hidden: true });
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' },
    h('label', { for: control.id }, label, required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
    control, hintEl, err);
}

// showError marks a control invalid with a message, or clears it when msg is empty.
export function showError(control, msg) {
  const err = document.getElementById(control.id + '-err');
  if (!err) return;
  err.textContent = msg || '';
  err.hidden = !msg;
  if (msg) {
    control.setAttribute('aria-invalid', 'true');
    control.setAttribute('aria-describedby', [control.id + '-err', control.id + '-hint'].filter((x) => document.getElementById(x)).join(' '));
  } else {
    control.removeAttribute('aria-invalid');
  }
}

// toast shows a short message above the tab bar. The same message again replaces the
// earlier one, and no more than MAX_TOASTS stand at once (the oldest go), so a quick run of
// saves never hides the screen. Toasts never cover the screen's buttons and fields: where
// they would, they stand under the header instead, or over it (placeToasts).
const MAX_TOASTS = 3;

export function toast(text, { kind = 'info', timeout = 6000, action } = {}) {
  const box = document.getElementById('toasts');
  for (const old of [...box.children]) if (old.firstChild && old.firstChild.textContent === text) old.remove();
  while (box.children.length >= MAX_TOASTS) box.firstChild.remove();
  const el = h('div', { class: 'toast ' + kind }, h('span', {}, text),
    action ? h('a', { href: action.href, 'data-link': true, class: 'toast-link' }, action.label) : null,
    h('button', { type: 'button', class: 'toast-close', 'aria-label': '关闭提示', onclick: () => { el.remove(); placeToasts(); } }, '×'));
  box.append(el);
  placeToasts();
  if (timeout) setTimeout(() => { el.remove(); placeToasts(); }, timeout);
  return el;
}

const CONTROLS = 'main button, main input, main select, main textarea, main a.btn';

function overlaps(a, b) {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

// placeToasts puts the toasts where they cover no control of the screen: above the tab bar,
// else just under the header, else over the header (it holds no form). It runs again when
// the screen scrolls or changes size while toasts stand.
export function placeToasts() {
  const box = document.getElementById('toasts');
  if (!box) return;
  if (!box.children.length) { box.style.top = ''; box.style.bottom = ''; watcher?.disconnect(); watching = false; return; }
  const main = document.querySelector('main');
  if (!watching && main && typeof MutationObserver === 'function') {
    // The screen may draw more while a toast stands: place it again.
    watcher = watcher || new MutationObserver(replace);
    watcher.observe(main, { childList: true, subtree: true });
    watching = true;
  }
  const header = document.querySelector('header.top');
  const under = header ? Math.max(0, header.getBoundingClientRect().bottom) + 8 : 8;
  const controls = [...document.querySelectorAll(CONTROLS)]
    .map((c) => c.getBoundingClientRect()).filter((r) => r.width > 0 && r.height > 0);
  const places = [{ top: '', bottom: '' }, { top: under + 'px', bottom: 'auto' }, { top: '8px', bottom: 'auto' }];
  for (const p of places) {
    box.style.top = p.top;
    box.style.bottom = p.bottom;
    const rects = [...box.children].map((t) => t.getBoundingClientRect());
    if (!rects.some((t) => controls.some((c) => overlaps(t, c)))) return;
  }
}

let watcher = null;
let watching = false;
let placing = 0;
function replace() { cancelAnimationFrame(placing); placing = requestAnimationFrame(placeToasts); }
if (typeof addEventListener === 'function' && typeof document !== 'undefined') {
  addEventListener('scroll', replace, { passive: true });
  addEventListener('resize', replace);
  document.addEventListener('fl:route', replace);
}

export function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n) => String(n).padStart(2, '0');
  const today = new Date();
  const date = d.getFullYear() === today.getFullYear() ? `${p(d.getMonth() + 1)}-${p(d.getDate())}` : `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  return `${date} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function excerpt(text, n = 60) {
  const t = String(text || '').replace(/\s+/g, ' ').trim();
  return t.length > n ? t.slice(0, n) + '…' : t;
}

// LABELS are the server's words (words.js) and the app's own: the states of the outbox.
export const LABELS = {
  ...WORDS,
  sync: { pending: '等待同步', synced: '已同步', failed: '同步失败' },
};

export function label(kind, code) {
  return (LABELS[kind] && LABELS[kind][code]) || code || '';
}

export function chip(text, kind = '') {
  return h('span', { class: 'chip ' + kind }, text);
}

export function statusChip(status) {
  return chip(label('topic', status), 'st-' + status);
}

export function empty(text) {
  return h('p', { class: 'empty' }, text);
}

// staleNote marks data shown from the phone's memory while offline.
export function staleNote(res) {
  if (!res || !res.offline) return null;
  return h('p', { class: 'stale', role: 'note' }, '离线：显示的是 ' + fmtTime(res.at) + ' 保存的数据');
}
