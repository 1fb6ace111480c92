// 议题: the list, one topic with both reviews and its history, the convener's draft and
// edit form with submit, and the reviewer's queue and decision form.

import { h, field, showError, label, statusChip, empty, staleNote, fmtTime, excerpt, toast, LABELS } from '../ui.js';
import * as api from '../api.js';
import { LIMITS, textProblem } from '../words.js';
import { state, roomName, convenes, mayReview } from '../state.js';
import { navigate, showAnew } from '../router.js';
import { stepsBlock, AFTER_APPROVAL } from './steps.js';

export function topicCard(t) {
  return h('a', { href: '/topics/' + encodeURIComponent(t.id), class: 'item', 'data-topic': t.id },
    h('span', { class: 'item-title' }, t.title),
    h('span', { class: 'item-meta' }, statusChip(t.status), ' ', [roomName(t.room_id), t.category, fmtTime(t.updated_at || t.created_at)].filter(Boolean).join(' · ')));
}

const FILTERS = [['', '全部'], ...['draft', 'in_review', 'returned', 'approved', 'rejected'].map((s) => [s, LABELS.topic[s]])];

export async function topics(ctx) {
  ctx.title('议题');
  const status = ctx.query.get('status') || '';
  const nav = h('nav', { class: 'filters', 'aria-label': '按状态筛选' }, FILTERS.map(([v, t]) =>
    h('a', { href: v ? '/topics?status=' + v : '/topics', class: 'filter' + (v === status ? ' active' : ''), 'aria-current': v === status ? 'true' : null }, t)));
  const box = h('div', {}, h('p', { class: 'loading' }, '正在加载…'));
  ctx.show(h('h2', {}, '议题'), nav, box);
  try {
    const res = await api.get('/api/v1/topics?limit=100' + (status ? '&status=' + status : ''));
    const list = api.items(res.data);
    box.replaceChildren(staleNote(res) || '', list.length ? h('ul', { class: 'list' }, list.map((t) => h('li', {}, topicCard(t)))) : empty('没有议题。'));
  } catch (e) {
    box.replaceChildren(h('p', { class: 'error' }, api.errorText(e)));
  }
}

// pendingForMe tells whether the user's body still has to decide this round.
function pendingForMe(t) {
  if (t.status !== 'in_review' || !mayReview(t.room_id)) return false;
  return !(t.reviews || []).some((r) => r.round === t.round && r.body === state.user.review_body);
}

export async function reviewQueue(ctx) {
  ctx.title('待我审核');
  const box = h('div', {}, h('p', { class: 'loading' }, '正在加载…'));
  ctx.show(h('h2', {}, '待我审核'), h('p', { class: 'muted' }, label('body', state.user.review_body)), box);
  const load = async () => {
    try {
      const res = await api.get('/api/v1/topics?status=in_review&limit=200');
      let list = api.items(res.data);
      // A list may leave out the reviews; then ask for each topic.
      if (list.some((t) => !t.reviews) && !res.offline) {
        list = await Promise.all(list.map((t) => (t.reviews ? t : api.get('/api/v1/topics/' + encodeURIComponent(t.id)).then((r) => r.data, () => t))));
      }
      list = list.filter(pendingForMe);
      box.replaceChildren(staleNote(res) || '', list.length ? h('ul', { class: 'list', 'data-testid': 'queue' }, list.map((t) => h('li', {}, topicCard(t)))) : empty('没有等待你审核的议题。'));
    } catch (e) {
      box.replaceChildren(h('p', { class: 'error' }, api.errorText(e)));
    }
  };
  document.addEventListener('fl:event', (e) => { if (e.detail.type === 'topic.submitted' || e.detail.type === 'review.decided') load(); }, { signal: ctx.signal });
  await load();
}

function reviewsBlock(t) {
  const rounds = {};
  for (const r of t.reviews || []) (rounds[r.round] = rounds[r.round] || []).push(r);
  const current = ['county', 'local'].map((b) => {
    const r = (t.reviews || []).find((x) => x.round === t.round && x.body === b);
    return h('li', { class: 'review ' + (r ? 'd-' + r.decision : 'waiting') },
      h('strong', {}, label('body', b)), '：',
      r ? label('decision', r.decision) : (t.status === 'in_review' ? '待审核' : '—'),
      r && r.comment ? h('p', { class: 'comment' }, '意见：' + r.comment) : null,
      r ? h('span', { class: 'muted' }, ' ' + fmtTime(r.created_at)) : null);
  });
  const earlier = Object.keys(rounds).map(Number).filter((n) => n !== t.round).sort((a, b) => b - a).map((n) =>
    h('li', {}, '第 ' + n + ' 轮：', rounds[n].map((r) => h('p', { class: 'comment' },
      label('body', r.body) + ' ' + label('decision', r.decision) + (r.comment ? '：' + r.comment : '') + '（' + fmtTime(r.created_at) + '）'))));
  return h('section', { 'aria-labelledby': 'rv-h' },
    h('h3', { id: 'rv-h' }, '双报告审核' + (t.round ? '（第 ' + t.round + ' 轮）' : '')),
    h('ul', { class: 'list plain reviews', 'data-testid': 'reviews' }, current),
    earlier.length ? h('details', {}, h('summary', {}, '以前的审核'), h('ul', { class: 'list plain' }, earlier)) : null);
}

function historyBlock(t) {
  const rows = (t.history || []).slice().reverse();
  if (!rows.length) return null;
  return h('section', { 'aria-labelledby': 'hi-h' }, h('h3', { id: 'hi-h' }, '办理记录'),
    h('ol', { class: 'timeline' }, rows.map((x) => h('li', {},
      h('span', { class: 'muted' }, fmtTime(x.at)), ' ',
      label('topicAction', x.action) + (x.from !== x.to ? '：' + (x.from ? label('topic', x.from) + ' → ' : '') + label('topic', x.to) : '')))));
}

// printLinks lead to the topic's printed records: the written report once submitted, the
// plan and the outcome once they exist.
function printLinks(t) {
  const base = '/print/topics/' + encodeURIComponent(t.id);
  const links = [[base + '/report', '打印书面报告', t.status !== 'draft']];
  links.push([base + '/plan', '打印工作方案', ['planned', 'consulted', 'concluded', 'closed'].includes(t.status)]);
  links.push([base + '/outcome', '打印协商成果', ['concluded', 'closed'].includes(t.status)]);
  const shown = links.filter(([, , ok]) => ok);
  if (!shown.length) return null;
  return h('section', { 'aria-labelledby': 'print-h', 'data-testid': 'print-links' }, h('h3', { id: 'print-h' }, '打印'),
    h('p', { class: 'actions' }, shown.map(([href, text]) => h('a', { href, class: 'btn' }, text))));
}

async function linkedOpinions(t, box) {
  const ids = t.opinion_ids || [];
  if (!ids.length) { box.remove(); return; }
  const rows = await Promise.all(ids.map((id) => api.get('/api/v1/opinions/' + encodeURIComponent(id)).then((r) => r.data, () => null)));
  box.replaceChildren(box.firstChild, h('ul', { class: 'list cards' }, rows.map((o, i) => o
    ? h('li', { class: 'card' },
      h('p', { class: 'content' }, o.content),
      h('p', { class: 'item-meta' }, [o.category, label('channel', o.channel), o.address, fmtTime(o.collected_at || o.created_at)].filter(Boolean).join(' · ')),
      (o.photos || []).length ? h('div', { class: 'thumbs' }, o.photos.map((p, k) =>
        h('a', { href: p.url, target: '_blank', rel: 'noopener' }, h('img', { src: p.thumb_url || p.url, alt: '民意照片 ' + (k + 1), class: 'thumb', loading: 'lazy' })))) : null)
    : h('li', { class: 'card muted' }, '民意 ' + (i + 1) + '：无权查看或不存在'))));
}

export async function topic(ctx) {
  const id = ctx.params.id;
  ctx.title('议题');
  const res = await api.get('/api/v1/topics/' + encodeURIComponent(id));
  const t = res.data;
  ctx.title(t.title);
  const actions = h('div', { class: 'actions' });
  if (!res.offline && convenes(t.room_id) && (t.status === 'draft' || t.status === 'returned')) {
    actions.append(h('a', { href: '/topics/' + encodeURIComponent(id) + '/edit', class: 'btn block' }, '编辑'));
    const submit = h('button', { type: 'button', class: 'btn primary block' }, t.status === 'returned' ? '重新提交审核' : '提交审核');
    submit.addEventListener('click', async () => {
      submit.disabled = true;
      try {
        await api.send('POST', '/api/v1/topics/' + encodeURIComponent(id) + '/submit');
        toast('已提交，等待县政协党组和所在地党委审核。', { kind: 'ok' });
        navigate('/topics/' + encodeURIComponent(id), { replace: true });
      } catch (e) {
        toast(api.errorText(e), { kind: 'error' });
        submit.disabled = false;
      }
    });
    actions.append(submit);
  }
  const opinionsBox = h('section', { 'aria-labelledby': 'op-h' }, h('h3', { id: 'op-h' }, '来源民意'), h('p', { class: 'loading' }, '正在加载…'));
  ctx.show(
    h('h2', {}, t.title),
    staleNote(res),
    h('p', {}, statusChip(t.status), ' ', h('span', { class: 'muted' }, [roomName(t.room_id), t.category, label('source', t.source)].filter(Boolean).join(' · '))),
    t.status === 'returned' ? h('p', { class: 'notice warn' }, '审核退回：请根据意见修改后重新提交。') : null,
    h('p', { class: 'description' }, t.description || ''),
    (t.photos || []).length ? h('div', { class: 'thumbs' }, t.photos.map((p, k) => h('img', { src: p.thumb_url || p.url, alt: '议题照片 ' + (k + 1), class: 'thumb' }))) : null,
    actions,
    AFTER_APPROVAL.includes(t.status) ? stepsBlock(t, { convener: convenes(t.room_id), signal: ctx.signal }) : null,
    reviewsBlock(t),
    !res.offline && pendingForMe(t) ? reviewForm(t) : null,
    opinionsBox,
    historyBlock(t),
    printLinks(t));
  linkedOpinions(t, opinionsBox);
  document.addEventListener('fl:event', (e) => {
    if (e.detail.data && e.detail.data.topic_id === id) showAnew();
  }, { signal: ctx.signal });
}

function reviewForm(t) {
  const choices = Object.entries(LABELS.decision).map(([v, text]) =>
    h('label', { class: 'choice' }, h('input', { type: 'radio', name: 'decision', value: v, required: true }), text));
  const comment = h('textarea', { name: 'comment', rows: '4', maxlength: LIMITS.review_comment });
  const msg = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'btn primary block' }, '提交审核意见');
  const form = h('form', { class: 'card form', novalidate: true, 'aria-labelledby': 'rf-h' },
    h('h3', { id: 'rf-h' }, '审核（' + label('body', state.user.review_body) + '）'),
    h('fieldset', { class: 'field' }, h('legend', {}, '决定'), h('div', { class: 'choices' }, choices)),
    field('意见', comment, { hint: '退回修改或不予通过时必须填写' }), msg, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.textContent = '';
    const d = form.querySelector('input[name=decision]:checked');
    if (!d) { msg.textContent = '请选择审核决定。'; form.querySelector('input[name=decision]').focus(); return; }
    const needs = d.value !== 'approve';
    const commentProblem = needs && !comment.value.trim() ? '请填写意见' : textProblem(comment.value.trim(), LIMITS.review_comment, true);
    showError(comment, commentProblem);
    if (commentProblem) { comment.focus(); return; }
    button.disabled = true;
    try {
      await api.send('POST', '/api/v1/topics/' + encodeURIComponent(t.id) + '/reviews', { decision: d.value, comment: comment.value.trim() });
      toast('审核意见已提交：' + label('decision', d.value), { kind: 'ok' });
      navigate('/topics/' + encodeURIComponent(t.id), { replace: true });
    } catch (err) {
      msg.textContent = api.errorText(err);
      button.disabled = false;
    }
  });
  return form;
}

// topicForm drafts a topic from selected opinions (/topics/new?room=&opinions=) or edits one.
export async function topicForm(ctx) {
  const editing = ctx.params.id;
  ctx.title(editing ? '修改议题' : '起草议题');
  let t = null;
  let roomId = ctx.query.get('room') || '';
  let opinionIds = (ctx.query.get('opinions') || '').split(',').filter(Boolean);
  if (editing) {
    t = (await api.get('/api/v1/topics/' + encodeURIComponent(editing))).data;
    roomId = t.room_id;
    opinionIds = t.opinion_ids || [];
  }
  if (!convenes(roomId)) {
    ctx.show(h('h2', {}, '起草议题'), empty('只有本议事室的召集人可以起草和修改议题。'));
    return;
  }
  let picked = [];
  try { picked = JSON.parse(sessionStorage.getItem('draft-opinions') || '[]').filter((o) => opinionIds.includes(o.id)); } catch { /* none */ }
  if (picked.length < opinionIds.length) {
    picked = (await Promise.all(opinionIds.map((id) => api.get('/api/v1/opinions/' + encodeURIComponent(id)).then((r) => r.data, () => null)))).filter(Boolean);
  }
  const cats = await api.get('/api/v1/categories').then((r) => api.items(r.data).map((c) => (typeof c === 'string' ? c : c.name)), () => []);
  const common = mostCommon(picked.map((o) => o.category));
  const title = h('input', { type: 'text', name: 'title', required: true, maxlength: LIMITS.topic_title, value: t ? t.title : '' });
  const category = h('select', { name: 'category', required: true }, h('option', { value: '' }, '请选择类别'),
    [...new Set([...cats, t && t.category].filter(Boolean))].map((c) => h('option', { value: c, selected: c === (t ? t.category : common) }, c)));
  const source = h('select', { name: 'source' }, Object.entries(LABELS.source).map(([v, text]) =>
    h('option', { value: v, selected: v === (t ? t.source : 'collected') }, text)));
  const description = h('textarea', { name: 'description', rows: '8', maxlength: LIMITS.topic_description,
    value: t ? t.description : picked.map((o, i) => (i + 1) + '. ' + o.content).join('\n') });
  const msg = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'btn primary block' }, editing ? '保存修改' : '保存草稿');
  const form = h('form', { class: 'form', novalidate: true },
    h('p', { class: 'muted' }, '议事室：' + (roomName(roomId) || roomId)),
    field('议题标题', title, { required: true, hint: '小切口、大民生：写清要解决的具体问题' }),
    field('类别', category, { required: true }),
    field('来源', source),
    field('议题说明', description, { hint: '问题现状、涉及群众、建议协商的方向' }),
    picked.length ? h('section', { 'aria-labelledby': 'po-h' }, h('h3', { id: 'po-h' }, '来源民意（' + picked.length + ' 条）'),
      h('ul', { class: 'list plain' }, picked.map((o) => h('li', {}, excerpt(o.content, 80))))) : null,
    msg, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.textContent = '';
    const titleProblem = title.value.trim() ? textProblem(title.value.trim(), LIMITS.topic_title) : '请填写标题';
    const descProblem = textProblem(description.value.trim(), LIMITS.topic_description, true);
    showError(title, titleProblem);
    showError(category, category.value ? '' : '请选择类别');
    showError(description, descProblem);
    if (titleProblem) { title.focus(); return; }
    if (!category.value) { category.focus(); return; }
    if (descProblem) { description.focus(); return; }
    const body = { title: title.value.trim(), category: category.value, source: source.value, description: description.value.trim() };
    button.disabled = true;
    try {
      let saved;
      if (editing) {
        saved = await api.send('PATCH', '/api/v1/topics/' + encodeURIComponent(editing), body);
      } else {
        const photoIds = picked.flatMap((o) => (o.photos || []).map((p) => p.id));
        saved = await api.send('POST', '/api/v1/topics', { ...body, room_id: roomId, opinion_ids: opinionIds, photo_ids: photoIds });
        sessionStorage.removeItem('draft-opinions');
      }
      toast(editing ? '已保存修改' : '议题草稿已保存', { kind: 'ok' });
      navigate('/topics/' + encodeURIComponent(saved.id), { replace: true });
    } catch (err) {
      msg.textContent = api.errorText(err);
      button.disabled = false;
    }
  });
  ctx.show(h('h2', {}, editing ? '修改议题' : '起草议题'), form);
}

function mostCommon(list) {
  const n = {};
  let best = '';
  for (const x of list) { n[x] = (n[x] || 0) + 1; if (!best || n[x] > n[best]) best = x; }
  return best;
}

