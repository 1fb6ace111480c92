// Print pages: each record renders on A4 through the one print frame, with the county's
// name, its title and a QR code, and prints to a PDF of a sane number of pages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUpWorld, topicAt } from './helpers.mjs';

const world = setUpWorld();

const pages = (pdf) => (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;

// printedVisible tells whether the sheet still shows under print media (no print rule of
// another screen hides it from the paper).
async function printedVisible(page) {
  await page.emulateMedia({ media: 'print' });
  const shown = await page.getByTestId('print-page').isVisible();
  await page.emulateMedia({ media: 'screen' });
  return shown;
}

test('every print page renders its Chinese text and prints to a sane A4 PDF', async () => {
  const { as } = world;
  const { topic } = await topicAt(world, 'concluded', {
    topic: { title: '村口排水沟疏通', description: '雨天积水' },
    activity: { place: '村口', summary: '排水沟被建筑垃圾堵塞' },
    outcome: { consensus: '一周内清运建筑垃圾', recommendations: [{ content: '清运建筑垃圾', unit: '村委会', due_on: '2030-01-01' }] },
  });
  const acts = await world.api.call('GET', '/api/v1/topics/' + topic.id + '/activities', undefined, as.convener);
  const research = acts.items.find((a) => a.kind === 'research');
  const { ctx, page } = await world.signedIn(world.users.convener);
  const year = new Date().getFullYear();
  const cases = [
    ['/print/topics/' + topic.id + '/report', ['书面报告', '村口排水沟疏通', '县政协党组', '第 1 轮', '居民反映的问题']],
    ['/print/topics/' + topic.id + '/plan', ['工作方案', '调研后协商']],
    ['/print/activities/' + research.id, ['调研记录', '排水沟被建筑垃圾堵塞', '村口']],
    ['/print/topics/' + topic.id + '/outcome', ['协商成果', '一周内清运建筑垃圾', '村委会']],
    ['/print/rooms/' + world.room.id + '/ledger?year=' + year, [year + '年度台账', '“六有”情况', '村口排水沟疏通']],
  ];
  for (const [path, words] of cases) {
    await page.goto(world.url + path);
    const sheet = page.getByTestId('print-page');
    await sheet.and(page.locator('[data-ready]')).waitFor();
    const text = await sheet.innerText();
    for (const w of ['县政协', ...words]) assert.ok(text.includes(w), path + ' lacks ' + w + ': ' + text.slice(0, 300));
    assert.equal(await sheet.locator('.print-qr svg.qr').count(), 1, path + ' has its QR code');
    const pdf = await page.pdf({ format: 'A4' });
    const n = pages(pdf);
    console.log(`${path}: ${n} A4 page(s), ${pdf.length} bytes`);
    assert.ok(n >= 1 && n <= 6, path + ' prints ' + n + ' pages');
    assert.ok(await printedVisible(page), path + ' is hidden on paper');
  }
  // The topic screen links to its print pages.
  await page.goto(world.url + '/topics/' + topic.id);
  await page.getByTestId('print-links').getByRole('link', { name: '打印书面报告' }).waitFor();
  await ctx.close();
});

test('a member\'s file (一人一档) prints on A4 for the member and for the county, and for no one else', async () => {
  const { api, admin, users, as } = world;
  await api.call('PATCH', '/api/v1/users/' + users.member.id, { sector: '教育界', unit: '东关小学' }, admin);
  const { topic } = await topicAt(world, 'consulted', { topic: { title: '东关小学门前交通疏导' }, opinion: { content: '放学时段门前拥堵' } });
  const acts = await api.call('GET', '/api/v1/topics/' + topic.id + '/activities', undefined, as.convener);
  const mark = (kind, status, reason) => api.call('PUT', '/api/v1/activities/' + acts.items.find((a) => a.kind === kind).id + '/attendance/' + users.member.id,
    { status, ...(reason ? { reason } : {}) }, as.convener);
  await mark('research', 'present');
  await mark('consultation', 'leave', '外出培训');
  const visit = await api.call('POST', '/api/v1/rooms/' + world.room.id + '/activities', { kind: 'visit', held_at: new Date().toISOString(), place: '东关村', summary: '入户走访' }, as.convener);
  await api.call('PUT', '/api/v1/activities/' + visit.id + '/attendance/' + users.member.id, { status: 'absent' }, as.convener);
  const year = new Date().getUTCFullYear();

  const { ctx, page } = await world.signedIn(users.member);
  // 我的履职 and the file on screen both lead to the print page.
  await page.goto(world.url + '/duty');
  await page.getByRole('link', { name: '打印一人一档' }).click();
  const sheet = page.getByTestId('print-page');
  await sheet.and(page.locator('[data-ready]')).waitFor();
  assert.equal(new URL(page.url()).pathname, '/print/members/' + users.member.id);
  const text = await sheet.innerText();
  for (const w of ['县政协', '李委员', year + '年度履职档案', '一人一档', '教育界', '东关小学', '东关村委员议事室（委员）',
    '东关小学门前交通疏导', '参加', '出席 1 次，请假 1 次，缺席 1 次', '调研', '协商会', '走访', '收集民意', '达标线', '合计', '历年积分']) {
    assert.ok(text.includes(w), 'the member file lacks ' + w + ': ' + text.slice(0, 600));
  }
  assert.ok(!/\b(present|leave|absent|participant|opinion_collected|research|member)\b/.test(text), 'a code shows in the file: ' + text);
  assert.equal(await sheet.locator('.print-qr svg.qr').count(), 1);
  const pdf = await page.pdf({ format: 'A4' });
  const n = pages(pdf);
  console.log(`/print/members/:id: ${n} A4 page(s), ${pdf.length} bytes`);
  assert.ok(n >= 1 && n <= 4, 'the member file prints ' + n + ' pages');
  assert.ok(await printedVisible(page), 'the member file is hidden on paper');
  await page.goto(world.url + '/members/' + users.member.id + '?year=' + year);
  await page.getByRole('link', { name: '打印一人一档' }).waitFor();
  await ctx.close();

  // The county reviewer prints it; the room's local reviewer and the convener may not see it.
  for (const [who, sees] of [[users.county, true], [users.local, false], [users.convener, false]]) {
    const { ctx: c, page: p } = await world.signedIn(who);
    await p.goto(world.url + '/print/members/' + users.member.id + '?year=' + year);
    if (sees) {
      await p.getByTestId('print-page').and(p.locator('[data-ready]')).waitFor();
      assert.ok((await p.getByTestId('print-page').innerText()).includes('李委员'), who.name + ' sees the file');
    } else {
      await p.getByRole('heading', { name: '出错了' }).waitFor();
      assert.equal(await p.getByTestId('print-page').count(), 0, who.name + ' must not see the file');
    }
    await c.close();
  }
});
