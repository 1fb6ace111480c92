// Print pages: each record renders on A4 through the one print frame, with the county's
// name, its title and a QR code, and prints to a PDF of a sane number of pages.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, seed, signIn, signInAll, topicAt } from './helpers.mjs';

let server;
let browser;
let world;

before(async () => {
  server = await startServer();
  browser = await launch();
  world = await seed(server.url);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const pages = (pdf) => (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;

test('every print page renders its Chinese text and prints to a sane A4 PDF', async () => {
  const as = await signInAll(world);
  const { topic } = await topicAt(world, as, 'concluded', {
    topic: { title: '村口排水沟疏通', description: '雨天积水' },
    activity: { place: '村口', summary: '排水沟被建筑垃圾堵塞' },
    outcome: { consensus: '一周内清运建筑垃圾', recommendations: [{ content: '清运建筑垃圾', unit: '村委会', due_on: '2030-01-01' }] },
  });
  const acts = await world.api.call('GET', '/api/v1/topics/' + topic.id + '/activities', undefined, as.convener);
  const research = acts.items.find((a) => a.kind === 'research');
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await signIn(page, server.url, world.users.convener);
  const year = new Date().getFullYear();
  const cases = [
    ['/print/topics/' + topic.id + '/report', ['书面报告', '村口排水沟疏通', '县政协党组', '第 1 轮', '居民反映的问题']],
    ['/print/topics/' + topic.id + '/plan', ['工作方案', '调研后协商']],
    ['/print/activities/' + research.id, ['调研记录', '排水沟被建筑垃圾堵塞', '村口']],
    ['/print/topics/' + topic.id + '/outcome', ['协商成果', '一周内清运建筑垃圾', '村委会']],
    ['/print/rooms/' + world.room.id + '/ledger?year=' + year, [year + '年度台账', '“六有”情况', '村口排水沟疏通']],
  ];
  for (const [path, words] of cases) {
    await page.goto(server.url + path);
    const sheet = page.getByTestId('print-page');
    await sheet.and(page.locator('[data-ready]')).waitFor();
    const text = await sheet.innerText();
    for (const w of ['县政协', ...words]) assert.ok(text.includes(w), path + ' lacks ' + w + ': ' + text.slice(0, 300));
    assert.equal(await sheet.locator('.print-qr svg.qr').count(), 1, path + ' has its QR code');
    const pdf = await page.pdf({ format: 'A4' });
    const n = pages(pdf);
    console.log(`${path}: ${n} A4 page(s), ${pdf.length} bytes`);
    assert.ok(n >= 1 && n <= 6, path + ' prints ' + n + ' pages');
  }
  // The topic screen links to its print pages.
  await page.goto(server.url + '/topics/' + topic.id);
  await page.getByTestId('print-links').getByRole('link', { name: '打印书面报告' }).waitFor();
  await ctx.close();
});
