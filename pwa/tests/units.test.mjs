// Beyond the app: a responsible unit answers its recommendation through the link the
// convener shares, from a browser that never signed in; the convener sees the answer arrive
// live on the topic's page. Then the resident says on the receipt page whether it was solved,
// and the county's dashboard counts it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUpWorld, screenshot, topicAt, photo } from './helpers.mjs';

const world = setUpWorld();

test('a unit answers through its link with a photo and the convener sees it live', async () => {
  const { as } = world;
  const { topic } = await topicAt(world, 'concluded', {
    topic: { title: '东关村路灯维修' },
    outcome: { consensus: '一个月内修复路灯', recommendations: [{ content: '修复村口路灯', unit: '镇城建办', due_on: '2030-01-01' }] },
  });

  // The convener makes the link on the topic's page.
  const { ctx: cctx, page: convener } = await world.signedIn(world.users.convener);
  await convener.goto(world.url + '/topics/' + topic.id);
  await convener.getByRole('button', { name: '生成单位答复链接' }).click();
  const url = (await convener.getByTestId('unit-url').innerText()).trim();
  assert.match(url, /\/u\/[A-Za-z0-9_-]{43}$/);
  await convener.getByText('二维码').click();
  await convener.getByRole('img', { name: /单位答复链接二维码/ }).waitFor();
  await convener.getByText('短信内容', { exact: true }).click();
  await convener.getByText(/【协商在一线】镇城建办/).waitFor();

  // The unit opens it in a browser of its own, never signed in.
  const { ctx: uctx, page: unit } = await world.phone();
  await unit.goto(url);
  await unit.getByRole('heading', { name: '承办单位答复' }).waitFor();
  await unit.getByText('修复村口路灯').waitFor();
  await unit.getByText('东关村路灯维修').waitFor();
  await unit.getByText('2030-01-01').waitFor();
  await unit.getByLabel('正在办理').check();
  await unit.getByLabel('说明').fill('已采购灯具，下周安装');
  await unit.getByLabel('预计完成日期').fill('2029-12-01');
  await unit.getByLabel('现场照片').setInputFiles([await photo(unit, 1200, 900, 3)]);
  await unit.getByRole('button', { name: '提交答复' }).click();
  await unit.getByText('答复已提交').waitFor();
  await unit.getByRole('img', { name: '答复照片 1' }).waitFor();
  await screenshot(unit, '60-unit-reply');

  // The convener's page shows it without a reload.
  await convener.getByText('镇城建办答复：').waitFor({ timeout: 5000 });
  await convener.getByText('已采购灯具，下周安装', { exact: true }).waitFor();
  await convener.getByText(/镇城建办答复了议题「东关村路灯维修」/).waitFor(); // the live notice
  await convener.getByRole('img', { name: '单位答复照片 1' }).waitFor();
  await screenshot(convener, '61-unit-reply-seen');

  // Making a new link ends the old one.
  convener.once('dialog', (d) => d.accept());
  await convener.getByRole('button', { name: '生成单位答复链接' }).click();
  await convener.getByTestId('unit-url').waitFor();
  await unit.goto(url);
  await unit.getByRole('alert').filter({ hasText: '链接已失效' }).waitFor();
  await uctx.close();
  await cctx.close();
});

test('a resident rates a closed topic on the receipt page and the dashboard counts it', async () => {
  const { as } = world;
  const { op, base } = await topicAt(world, 'concluded', {
    topic: { title: '东关村垃圾清运' },
    outcome: { consensus: '每日清运', recommendations: [{ content: '增加清运车次', unit: '环卫所', due_on: '2030-01-01' }] },
  });
  const out = await world.api.call('GET', base + '/outcome', undefined, as.convener);
  const link = await world.api.call('POST', '/api/v1/recommendations/' + out.recommendations[0].id + '/unit-link', undefined, as.convener);
  const token = link.url.split('/u/')[1];
  await world.api.call('POST', '/api/v1/unit-replies/' + token, { id: crypto.randomUUID(), status: 'done', note: '已改为每日两次清运' });

  const { ctx: rctx, page } = await world.phone();
  await page.goto(world.url + '/r/' + op.receipt_code);
  await page.getByRole('heading', { name: '已解决吗？' }).waitFor();
  const path = await page.getByTestId('path').innerText();
  for (const step of ['意见已收到', '纳入协商议题', '议题通过审核', '开展调研', '召开协商会', '形成意见建议', '办结']) {
    assert.ok(path.includes(step), 'the path lacks ' + step + ': ' + path);
  }
  await page.getByText(/环卫所：已办结。已改为每日两次清运/).waitFor();
  await page.getByLabel('基本满意').check();
  await page.getByLabel('意见（可不填）').fill('早上还有些味道');
  await page.getByRole('button', { name: '提交评价' }).click();
  await page.getByText('感谢您的评价！').waitFor();
  await page.getByTestId('rating-given').filter({ hasText: '基本满意' }).waitFor();
  await screenshot(page, '62-receipt-rated');
  await rctx.close();

  const { ctx: dctx, page: dash } = await world.signedIn(world.users.county);
  await dash.goto(world.url + '/stats');
  const table = dash.getByTestId('satisfaction');
  await table.waitFor();
  const county = await table.locator('tr', { hasText: '全县' }).innerText();
  assert.match(county, /0\s+1\s+0\s+100%/, 'county row: ' + county);
  const room = await table.locator('tr', { hasText: world.room.name }).innerText();
  assert.match(room, /0\s+1\s+0\s+100%/, 'room row: ' + room);
  await dctx.close();
});

test('a member prints the receipt as a slip with its QR code, code and room', async () => {
  const { ctx, page } = await world.signedIn(world.users.member);
  await page.goto(world.url + '/opinions');
  const link = page.locator('a.receipt-link').first();
  await link.waitFor();
  const code = (await link.innerText()).trim();
  await page.evaluate(() => { window.print = () => { window.printed = true; }; });
  await page.getByRole('button', { name: '打印回执条' }).first().click();
  await page.waitForFunction(() => window.printed === true);
  await page.emulateMedia({ media: 'print' });
  const slip = page.getByTestId('print-slip');
  assert.ok(await slip.isVisible(), 'the slip prints');
  const text = await slip.innerText();
  assert.ok(text.includes(code) && text.includes(world.room.name), 'slip: ' + text);
  assert.equal(await slip.locator('svg').count(), 1, 'the slip carries the QR code');
  assert.ok(!(await page.locator('main').isVisible()), 'only the slip prints');
  await ctx.close();
});
