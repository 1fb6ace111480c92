// 批量导入: the office downloads the template, fills it, checks it (预检: every problem of
// every row, in Chinese, nothing changed), imports it in one go, and prints the new members'
// first passwords, which the server shows this once.

import { h, toast, empty } from '../ui.js';
import { apiFetch, readError } from '../auth.js';
import { errorText } from '../api.js';
import { download } from './dashboard.js';

const FIELDS = { name: '姓名', phone: '手机号', role: '角色', review_body: '审核机关', sector: '界别', unit: '单位/乡镇',
  rooms: '议事室及室内角色', password: '初始密码', level: '层级', address: '地址', file: '文件' };

async function post(file, dryRun) {
  const form = new FormData();
  form.append('file', file);
  const res = await apiFetch('/api/v1/imports/users' + (dryRun ? '?dry_run=true' : ''), { method: 'POST', body: form });
  if (res.ok || res.status === 422) {
    const body = await res.json().catch(() => null);
    if (body && Array.isArray(body.problems)) return body;
    if (body && body.error) throw Object.assign(new Error(body.error.message), { status: res.status, fields: body.error.fields, message: body.error.message });
  }
  throw await readError(res);
}

function summary(r, dry) {
  const verb = dry ? '将' : '已';
  return h('p', { class: 'import-summary' }, `共 ${r.rows} 行：${verb}新建 ${r.created} 人，${verb}更新 ${r.updated} 人，${r.unchanged} 人无变化` +
    (r.rooms_created.length ? `；${verb}新建议事室 ${r.rooms_created.length} 个：${r.rooms_created.join('、')}` : '') + '。');
}

function problems(list) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'grid problems' },
    h('thead', {}, h('tr', {}, h('th', {}, '工作表'), h('th', {}, '行'), h('th', {}, '栏目'), h('th', {}, '问题'))),
    h('tbody', {}, list.map((p) => h('tr', {}, h('td', {}, p.sheet), h('td', {}, p.row ? String(p.row) : '—'),
      h('td', {}, FIELDS[p.field] || p.field), h('td', { class: 'problem' }, p.message))))));
}

// passwordSheet is the printable list of first passwords: only it prints.
function passwordSheet(list) {
  const print = h('button', { type: 'button', class: 'btn primary' }, '打印初始密码');
  print.addEventListener('click', () => window.print());
  return h('section', { class: 'print-passwords' },
    h('h3', {}, '新用户初始密码'),
    h('p', { class: 'muted no-print' }, '初始密码只显示这一次，服务器不保存明文。请现在打印或抄录后分发；用户首次登录须改成自己的密码。'),
    h('div', { class: 'no-print' }, print),
    h('table', { class: 'grid passwords' },
      h('thead', {}, h('tr', {}, h('th', {}, '姓名'), h('th', {}, '手机号（登录名）'), h('th', {}, '初始密码'))),
      h('tbody', {}, list.map((p) => h('tr', {}, h('td', {}, p.name), h('td', {}, p.phone), h('td', { class: 'pw' }, p.password))))),
    h('p', { class: 'print-only' }, '请登录后立即修改密码。'));
}

export async function importUsers(ctx) {
  ctx.title('批量导入');
  const tmpl = h('button', { type: 'button', class: 'btn' }, '下载导入模板');
  tmpl.addEventListener('click', () => download(tmpl, '/api/v1/imports/users/template.xlsx', '委员导入模板.xlsx'));
  const file = h('input', { type: 'file', name: 'file', accept: '.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
  const check = h('button', { type: 'button', class: 'btn primary' }, '预检');
  const apply = h('button', { type: 'button', class: 'btn primary' }, '导入');
  // The import button shows only after a clean dry run of the file chosen.
  const applyAt = h('span', {});
  const offer = (yes) => applyAt.replaceChildren(...(yes ? [' ', apply] : []));
  const out = h('div', { class: 'import-result', 'aria-live': 'polite' });
  let checked = null; // the file the last clean dry run was of
  file.addEventListener('change', () => { offer(false); checked = null; out.replaceChildren(); });
  const run = async (dry) => {
    const f = file.files[0];
    if (!f) { out.replaceChildren(h('p', { class: 'error' }, '请先选择填好的模板文件。')); return; }
    check.disabled = apply.disabled = true;
    out.replaceChildren(h('p', { class: 'loading' }, dry ? '正在预检…' : '正在导入…'));
    try {
      const r = await post(f, dry);
      if (r.problems.length) {
        offer(false);
        out.replaceChildren(h('p', { class: 'error' }, `发现 ${r.problems.length} 处问题，整份文件都没有导入。请改正后重新预检。`), summary(r, true), problems(r.problems));
      } else if (dry) {
        checked = f;
        offer(true);
        out.replaceChildren(h('p', { class: 'ok' }, '预检通过，没有发现问题。'), summary(r, true));
      } else {
        offer(false);
        checked = null;
        toast('导入完成', { kind: 'ok' });
        out.replaceChildren(summary(r, false), r.passwords.length ? passwordSheet(r.passwords) : empty('没有新用户，无需分发密码。'));
      }
    } catch (e) {
      out.replaceChildren(h('p', { class: 'error' }, e.status === 413 ? '文件超过 5 MB。' : e.status === 422 && e.message && /[\u4e00-\u9fff]/.test(e.message) ? e.message : errorText(e)));
    } finally {
      check.disabled = apply.disabled = false;
    }
  };
  check.addEventListener('click', () => run(true));
  apply.addEventListener('click', () => { if (checked === file.files[0]) run(false); });
  ctx.show(h('h2', { class: 'no-print' }, '批量导入委员和议事室'),
    h('div', { class: 'card no-print' },
      h('p', {}, '下载模板，按“填写说明”工作表填写后上传。先预检：列出每一行的问题，不做任何更改；没有问题后再导入，整份文件一次完成。按手机号识别，重复导入同一文件不会重复建号。'),
      h('p', {}, tmpl),
      h('p', {}, h('label', {}, '选择文件 ', file)),
      h('p', { class: 'actions' }, check, applyAt)),
    out);
}
