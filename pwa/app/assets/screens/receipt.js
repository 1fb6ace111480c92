// 回执: a resident follows their opinion by its receipt code, without signing in. Only
// what the public endpoint gives is shown: statuses, the topic's title and the outcome.

import { h, label, statusChip, chip, fmtTime, empty, LABELS } from '../ui.js';

const REC_STATUS = LABELS.rec;

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
    r.topic_title
      ? h('section', { class: 'card', 'aria-label': '协商议题' },
        h('h3', {}, '已纳入协商议题'),
        h('p', { class: 'topic-title' }, r.topic_title),
        h('p', {}, '议题进展：', statusChip(r.topic_status)),
        r.outcome ? h('div', {}, h('h3', {}, '协商成果'), h('p', { class: 'outcome' }, r.outcome)) : null,
        recs.length
          ? h('div', {}, h('h3', {}, '意见建议办理情况'),
            h('ul', { class: 'list' }, recs.map((x) => h('li', {}, x.content, '（', x.unit, '）', chip(REC_STATUS[x.status] || x.status)))))
          : null)
      : h('section', { class: 'card' }, empty('您的意见正在筛选，纳入协商议题后将在这里显示进展。')),
    h('p', { class: 'hint' }, '本页只显示办理进展，不显示任何个人信息。'));
}
