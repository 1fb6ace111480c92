// 单位答复: a responsible unit answers its recommendation through the link the convener
// sent, without an account. The link is the credential; the page shows only what the public
// endpoint gives: the recommendation, its topic's title and due date, and the unit's earlier
// replies.

import { h, field, showError, chip, fmtTime, LABELS, label } from '../ui.js';
import { LIMITS, MIN_YEAR, MAX_YEAR, textProblem } from '../words.js';
import { prepare, UnsupportedPhoto } from '../photo.js';

const TITLE = '承办单位答复';

function problem(res, body) {
  if (res.status === 404) return '链接已失效或已被收回，请联系议事室召集人获取新链接。';
  if (res.status === 429) return '操作过于频繁，请稍后再试。';
  if (res.status === 409) return '该建议已办结，链接不再接受答复。';
  if (res.status === 413) return '照片超过 15 MB。';
  if (res.status === 415) return '只能上传 JPEG、PNG 或 WebP 照片。';
  return (body && body.error && body.error.message) || '提交失败，请稍后再试。';
}

export async function unit(ctx) {
  const token = String(ctx.params.token || '');
  const base = '/api/v1/unit-replies/' + encodeURIComponent(token);
  ctx.title(TITLE);
  const fail = (text) => ctx.show(h('h2', {}, TITLE), h('p', { class: 'error', role: 'alert' }, text));
  let res;
  try {
    res = await fetch(base, { signal: ctx.signal, headers: { Accept: 'application/json' } });
  } catch {
    if (!ctx.signal.aborted) fail('网络不可用，请联网后再打开。');
    return;
  }
  if (!res.ok) { fail(problem(res)); return; }
  const v = await res.json();
  const rec = v.recommendation;
  const replies = h('ol', { class: 'list unit-replies', 'aria-label': '已提交的答复' },
    (v.replies || []).map(replyItem));
  ctx.show(
    h('h2', {}, TITLE),
    h('section', { class: 'card', 'aria-label': '意见建议' },
      h('p', { class: 'muted' }, '协商议题：', v.topic_title),
      h('p', { class: 'rec-content' }, rec.content),
      h('p', {}, '责任单位：', rec.unit),
      h('p', {}, '办理期限：', rec.due_on, rec.overdue ? chip('已逾期', 'warn') : null),
      h('p', {}, '办理状态：', chip(label('rec', rec.status), 'rec-' + rec.status))),
    h('section', { 'aria-labelledby': 'replies-h' }, h('h3', { id: 'replies-h' }, '已提交的答复'),
      (v.replies || []).length ? null : h('p', { class: 'empty' }, '尚未答复'), replies),
    v.open ? replyForm(base, replies) : h('p', { class: 'notice' }, '该建议已办结，感谢配合。'),
    h('p', { class: 'hint' }, '本页面无需登录。请勿转发此链接。'));
}

function replyItem(n) {
  return h('li', { class: 'card' },
    h('p', {}, chip(label('unitReply', n.unit_status), 'unit-' + n.unit_status), ' ', h('span', { class: 'muted' }, fmtTime(n.created_at)),
      n.expected_on ? ' 预计 ' + n.expected_on + ' 完成' : null),
    n.note ? h('p', {}, n.note) : null,
    (n.photos || []).length ? h('div', { class: 'thumbs' }, n.photos.map((p, k) => h('img', { src: p.thumb_url || p.url, alt: '答复照片 ' + (k + 1), class: 'thumb' }))) : null);
}

function replyForm(base, replies) {
  const choices = Object.entries(LABELS.unitReply).map(([v, text]) =>
    h('label', { class: 'choice' }, h('input', { type: 'radio', name: 'status', value: v, required: true }), text));
  const note = h('textarea', { name: 'note', rows: '4', maxlength: LIMITS.progress_note });
  const expected = h('input', { type: 'date', name: 'expected_on' });
  const photos = h('input', { type: 'file', name: 'photos', accept: 'image/jpeg,image/png,image/webp', multiple: true });
  const msg = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'btn primary block' }, '提交答复');
  const form = h('form', { class: 'card form', novalidate: true, 'aria-labelledby': 'reply-h' },
    h('h3', { id: 'reply-h' }, '答复办理情况'),
    h('fieldset', { class: 'field' }, h('legend', {}, '办理情况'), h('div', { class: 'choices' }, choices)),
    field('说明', note, { hint: '无法采纳时必须说明原因' }),
    field('预计完成日期', expected),
    field('现场照片', photos, { hint: '可选，最多 20 张' }),
    msg, button);
  // One id per answer: a retry after a lost response is the same answer.
  let id = crypto.randomUUID();
  const uploaded = new Map(); // file → photo id, so a retry does not send a photo twice
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.textContent = '';
    const status = form.querySelector('input[name=status]:checked');
    if (!status) { msg.textContent = '请选择办理情况'; return; }
    const bad = textProblem(note.value, LIMITS.progress_note, true);
    if (bad) { showError(note, bad); return; }
    if (status.value === 'rejected' && !note.value.trim()) { showError(note, '无法采纳时必须说明原因'); note.focus(); return; }
    showError(note, '');
    if (expected.value && (+expected.value.slice(0, 4) < MIN_YEAR || +expected.value.slice(0, 4) > MAX_YEAR)) {
      showError(expected, '日期须在 ' + MIN_YEAR + '—' + MAX_YEAR + ' 年之间'); return;
    }
    button.disabled = true;
    try {
      const photoIDs = [];
      for (const file of [...photos.files].slice(0, 20)) {
        if (!uploaded.has(file)) {
          let prepared;
          try { prepared = await prepare(file); } catch (err) {
            throw new Error(err instanceof UnsupportedPhoto ? '这张照片的格式无法上传，请换一张。' : '照片无法读取。');
          }
          const fd = new FormData();
          const pid = crypto.randomUUID();
          fd.append('id', pid);
          fd.append('file', prepared.blob, prepared.name);
          const r = await fetch(base + '/photos', { method: 'POST', body: fd });
          if (!r.ok) throw new Error(problem(r, await r.json().catch(() => null)));
          uploaded.set(file, pid);
        }
        photoIDs.push(uploaded.get(file));
      }
      const body = { id, status: status.value, note: note.value.trim(), photo_ids: photoIDs };
      if (expected.value) body.expected_on = expected.value;
      const r = await fetch(base, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      const answer = await r.json().catch(() => null);
      if (!r.ok) throw new Error(problem(r, answer));
      replies.append(replyItem(answer));
      replies.previousElementSibling?.classList.contains('empty') && replies.previousElementSibling.remove();
      form.reset();
      uploaded.clear();
      id = crypto.randomUUID();
      msg.textContent = '';
      form.replaceWith(h('p', { class: 'notice', role: 'status' }, '答复已提交，谢谢！如有新进展，可再次打开此链接答复。'));
    } catch (err) {
      msg.textContent = err.message || '提交失败，请稍后再试。';
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
