// 审计日志: the admins' view of the audit trail — who signed in, who changed what, who
// exported or saw a resident's contact — filtered by action and days, a page at a time, and
// as a spreadsheet. Loaded only when opened.

import { h, field, empty, fmtTime, toast } from '../ui.js';
import * as api from '../api.js';
import { apiFetch, readError } from '../auth.js';
import { navigate } from '../router.js';
import { download } from './dashboard.js';
import { LABELS as WORDS } from '../words.js';

// The Chinese names of the audit actions and of what a row is about (the server's words).
export const ACTIONS = WORDS.auditAction;

const KINDS = WORDS.auditKind;
const LEDGERS = { 'topic-ledger': '议题台账', 'room-ledger': '议事室台账', 'audit-log': '审计日志' };

// detailText says in a line what a row's detail holds; ids stay as they are.
function detailText(d) {
  if (!d) return '';
  const parts = [];
  if (d.phone) parts.push('手机号 ' + d.phone);
  if (d.fields) parts.push('修改 ' + d.fields.join('、'));
  if (d.role) parts.push('角色 ' + d.role);
  if (d.user_id) parts.push('用户 ' + d.user_id);
  if (d.name) parts.push(d.name);
  if (d.title) parts.push('《' + d.title + '》');
  if (d.format) parts.push(String(d.format).toUpperCase());
  if (d.filters && Object.keys(d.filters).length) parts.push('条件 ' + Object.entries(d.filters).map(([k, v]) => k + '=' + v).join(' '));
  if (d.opinion_ids) parts.push(d.opinion_ids.length + ' 条民意');
  if (d.count != null) parts.push(d.count + ' 条');
  return parts.join(' · ');
}

function entry(e, names) {
  const who = e.actor_id ? (names.get(e.actor_id) || e.actor_id) : (e.action.startsWith('retention.') ? '系统' : '未知');
  const target = e.target_kind === 'export' ? (LEDGERS[e.target_id] || e.target_id)
    : [KINDS[e.target_kind] || e.target_kind, names.get(e.target_id) || e.target_id].filter(Boolean).join(' ');
  return h('li', { class: 'audit-entry' }, h('div', { class: 'item' },
    h('span', { class: 'item-title' }, ACTIONS[e.action] || e.action, ' · ', who),
    h('span', { class: 'item-meta' }, fmtTime(e.at), e.ip ? ' · ' + e.ip : '', target ? ' · ' + target : ''),
    detailText(e.detail) ? h('span', { class: 'item-meta' }, detailText(e.detail)) : null));
}

// (The word from is never written next to a quote mark here: the server's import rewriter
// would take it for an import. Hence the backticks.)
export async function audit(ctx) {
  ctx.title('审计日志');
  const action = h('select', { name: 'action' }, h('option', { value: '' }, '全部操作'),
    Object.entries(ACTIONS).map(([v, t]) => h('option', { value: v, selected: v === ctx.query.get('action') }, t)));
  const from = h('input', { type: 'date', name: `from`, value: ctx.query.get(`from`) || '' });
  const to = h('input', { type: 'date', name: 'to', value: ctx.query.get('to') || '' });
  const filter = h('form', { class: 'card form row-form', 'aria-label': '筛选审计日志' },
    field('操作', action), field('开始日期', from), field('结束日期', to, { hint: '日期按 UTC 计' }),
    h('button', { type: 'submit', class: 'btn' }, '查看'));
  const query = () => {
    const q = new URLSearchParams();
    if (action.value) q.set('action', action.value);
    if (from.value) q.set(`from`, from.value);
    if (to.value) q.set('to', to.value);
    return q;
  };
  filter.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = query().toString();
    navigate('/admin/audit' + (q ? '?' + q : ''), { replace: true });
  });
  const q = query();
  const xlsx = h('button', { type: 'button', class: 'btn' }, '下载 Excel');
  xlsx.addEventListener('click', () => download(xlsx, '/api/v1/exports/audit.xlsx' + (q.toString() ? '?' + q : ''), '审计日志.xlsx'));
  const list = h('ul', { class: 'list', 'aria-label': '审计日志条目' });
  const more = h('button', { type: 'button', class: 'btn block' }, '更多');
  const body = h('div', {}, h('p', { class: 'loading' }, '正在加载…'));
  ctx.show(h('h2', {}, '审计日志'), filter, h('div', { class: 'exports' }, xlsx), body);

  // Names of users, so a row says who rather than an id; rows of users since removed
  // from the first page keep the id.
  const names = new Map();
  try {
    for (const u of api.items((await api.get('/api/v1/users?limit=200')).data)) names.set(u.id, u.name);
  } catch { /* ids will do */ }
  let cursor = '';
  const load = async () => {
    more.disabled = true;
    const p = new URLSearchParams(q);
    p.set('limit', '50');
    if (cursor) p.set('cursor', cursor);
    try {
      // Not through api.get: the trail is not kept on the phone for offline reading.
      const res = await apiFetch('/api/v1/audit?' + p);
      if (!res.ok) throw await readError(res);
      const page = await res.json();
      list.append(...api.items(page).map((e) => entry(e, names)));
      cursor = page.next_cursor || '';
      body.replaceChildren(list.children.length ? list : empty('没有符合条件的记录。'), cursor ? more : '');
    } catch (e) {
      if (list.children.length) toast(api.errorText(e), { kind: 'error' });
      else body.replaceChildren(h('p', { class: 'error', role: 'alert' }, api.errorText(e)));
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', load);
  await load();
}
