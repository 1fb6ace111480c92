// 回执: a resident follows their opinion by its receipt code, without signing in. Only
// what the public endpoint gives is shown: the path the opinion went with its days, the
// topic's title and the outcome, the units' replies; once the topic is closed, the resident
// says whether it was solved.

import { h, label, statusChip, chip, fmtTime, empty, LABELS } from '../ui.js';
import { LIMITS, textProblem } from '../words.js';

export async function receipt(ctx) {
  const code = String(ctx.params.code || '').toUpperCase();
  ctx.title('民意回执');
  ctx.show(h('h2', {}, '民意回执'), h('p', { class: 'lead' }, '正在查询回执码 ' + code + '…'));
  let res;
  try {
    res = await fetch('/api/v1/receipts/' + encodeURIComponent(code), { signal: ctx.signal, headers: { Accept: 'application/json' } });
  } catch (e) {
    if (ctx.signal.aborted) return;
    ctx.show(h('h2', {}, '民意回执'), h('p', { class: 'error', role: 'alert' }, '网络不可用，请联网后再查询。'));
    return;
  }
  if (res.status === 404) {
    ctx.show(h('h2', {}, '民意回执'), h('p', { class: 'error', role: 'alert' }, '没有找到回执码 ' + code + '，请核对后再试。'));
    return;
  }
  if (res.status === 429) {
    ctx.show(h('h2', {}, '民意回执'), h('p', { class: 'error', role: 'alert' }, '查询过于频繁，请稍后再试。'));
    return;
  }
  if (!res.ok) {
    ctx.show(h('h2', {}, '民意回执'), h('p', { class: 'error', role: 'alert' }, '查询失败，请稍后再试。'));
    return;
  }
  const r = await res.json();
  const recs = r.recommendations || [];
  ctx.show(
    h('h2', {}, '民意回执'),
    h('section', { class: 'card', 'aria-label': '您反映的意见' },
      h('p', {}, '回执码：', h('strong', { class: 'receipt-code' }, r.code)),
      h('p', {}, '类别：', r.category),
      h('p', {}, '收集日期：', r.collected_on),
      h('p', {}, '办理状态：', chip(label('opinion', r.opinion_status), 'op-' + r.opinion_status)),
      h('p', { class: 'hint' }, '更新于 ', fmtTime(r.updated_at))),
    h('section', { class: 'card', 'aria-labelledby': 'path-h' },
      h('h3', { id: 'path-h' }, '办理经过'),
      h('ol', { class: 'path', 'data-testid': 'path' }, (r.path || []).map((s) =>
        h('li', {}, h('span', { class: 'path-day' }, s.on), ' ', label('receiptStep', s.step))))),
    r.topic_title
      ? h('section', { class: 'card', 'aria-label': '协商议题' },
        h('h3', {}, '已纳入协商议题'),
        h('p', { class: 'topic-title' }, r.topic_title),
        h('p', {}, '议题进展：', statusChip(r.topic_status)),
        r.outcome ? h('div', {}, h('h3', {}, '协商成果'), h('p', { class: 'outcome' }, r.outcome)) : null,
        recs.length
          ? h('div', {}, h('h3', {}, '意见建议办理情况'),
            h('ul', { class: 'list' }, recs.map((x) => h('li', {},
              h('p', {}, x.content, '（', x.unit, x.due_on ? '，' + x.due_on + ' 前' : '', '）', chip(label('rec', x.status))),
              (x.replies || []).length
                ? h('ul', { class: 'replies', 'aria-label': x.unit + '的答复' }, x.replies.map((y) => h('li', {},
                  h('span', { class: 'path-day' }, y.on), ' ', x.unit, '：', label('unitReply', y.status),
                  y.expected_on ? '，预计 ' + y.expected_on + ' 完成' : '', y.note ? '。' + y.note : '')))
                : null))))
          : null)
      : h('section', { class: 'card' }, empty('您的意见正在筛选，纳入协商议题后将在这里显示进展。')),
    r.rating || r.can_rate ? ratingBlock(code, r) : null,
    h('p', { class: 'hint' }, '本页只显示办理进展，不显示任何个人信息。'));
}

// ratingBlock asks 已解决吗？ once the topic is closed, and shows the answer given; it may be
// changed until the day the server says.
function ratingBlock(code, r) {
  const box = h('section', { class: 'card rating', 'aria-labelledby': 'rating-h' }, h('h3', { id: 'rating-h' }, '已解决吗？'));
  const given = h('p', { 'data-testid': 'rating-given' });
  const show = (rt) => {
    given.textContent = rt ? '您的评价：' + label('rating', rt.rating) + (r.can_rate ? '（' + rt.changeable_till + ' 前可修改）' : '') : '';
  };
  show(r.rating);
  box.append(given);
  if (!r.can_rate) return box;
  const choices = Object.entries(LABELS.rating).map(([v, text]) =>
    h('label', { class: 'choice' }, h('input', { type: 'radio', name: 'rating', value: v, required: true, checked: r.rating && r.rating.rating === v }), text));
  const comment = h('textarea', { name: 'comment', rows: '3', maxlength: LIMITS.rating_comment, 'aria-label': '意见（可不填）' });
  const msg = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'btn primary block' }, r.rating ? '修改评价' : '提交评价');
  const form = h('form', { class: 'form', novalidate: true },
    h('fieldset', { class: 'field' }, h('legend', {}, '您对办理结果是否满意'), h('div', { class: 'choices' }, choices)),
    h('div', { class: 'field' }, h('label', {}, '意见（可不填）', comment)), msg, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const choice = form.querySelector('input[name=rating]:checked');
    if (!choice) { msg.textContent = '请选择 满意、基本满意 或 不满意'; return; }
    const bad = textProblem(comment.value, LIMITS.rating_comment, true);
    if (bad) { msg.textContent = '意见' + bad; return; }
    msg.textContent = '';
    button.disabled = true;
    try {
      const res = await fetch('/api/v1/receipts/' + encodeURIComponent(code) + '/rating', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ rating: choice.value, comment: comment.value.trim() || undefined }),
      });
      if (res.status === 429) throw new Error('操作过于频繁，请稍后再试。');
      if (res.status === 409) throw new Error('现在不能评价或修改评价。');
      if (!res.ok) throw new Error('提交失败，请稍后再试。');
      const rt = await res.json();
      r.rating = rt;
      show(rt);
      button.textContent = '修改评价';
      msg.textContent = '';
      box.append(h('p', { class: 'notice', role: 'status' }, '感谢您的评价！'));
    } catch (err) {
      msg.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  });
  box.append(form);
  return box;
}
