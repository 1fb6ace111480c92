// The app speaks the server's words: a notice stream that lost its history makes the app
// reload, a topic status is named as the ledger names it, and the opinion form refuses what
// the server would refuse later (a resident phone outside its pattern, control characters)
// while the member is still in the house.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUpWorld, signIn } from './helpers.mjs';

const world = setUpWorld();

test('a resync from the stream makes the app reload its notices', async () => {
  // The stream is the server's until the test makes it answer as one whose history was
  // pruned past the app's last event: a single resync event.
  const ctx = await world.browser.newContext({ serviceWorkers: 'block' });
  let resync = false;
  await ctx.route(/\/api\/v1\/events\?/, (route) => route.fulfill({
    status: 200,
    headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' },
    body: resync ? 'id: 999\nevent: resync\ndata: {}\n\n' : ': quiet\n\n',
  }));
  const page = await ctx.newPage();
  await signIn(page, world.url, world.users.member);
  await page.goto(world.url + '/notices');
  await page.locator('[data-testid=notices], main .empty').first().waitFor();

  // A notice the app never hears of live.
  await world.api.call('POST', '/api/v1/announcements', { title: '重新同步测试公告', body: '本周六开展议事活动' }, world.admin);
  await page.waitForTimeout(2500);
  assert.equal(await page.getByText(/重新同步测试公告/).count(), 0, 'the faked stream delivered nothing');

  resync = true;
  await page.locator('[data-testid=notices]').getByText(/重新同步测试公告/).first().waitFor({ timeout: 10000 });
  await ctx.close();
});

test('a returned topic is named as the ledger names it', async () => {
  const o = await world.api.call('POST', '/api/v1/opinions', {
    id: crypto.randomUUID(), room_id: world.room.id, channel: 'door_to_door', category: '环境卫生', content: '村口垃圾站夏天气味大',
  }, world.as.member);
  const topic = await world.api.call('POST', '/api/v1/topics', {
    room_id: world.room.id, title: '垃圾站除臭', description: '除臭', source: 'collected', category: '环境卫生', opinion_ids: [o.id],
  }, world.as.convener);
  await world.api.call('POST', `/api/v1/topics/${topic.id}/submit`, {}, world.as.convener);
  await world.api.call('POST', `/api/v1/topics/${topic.id}/reviews`, { decision: 'return', comment: '请补充调研' }, world.as.county);

  const { ctx, page } = await world.signedIn(world.users.convener);
  await page.goto(world.url + '/topics/' + topic.id);
  await page.getByRole('heading', { name: '垃圾站除臭' }).waitFor();
  await page.locator('.chip.st-returned').first().waitFor();
  assert.equal((await page.locator('.chip.st-returned').first().innerText()).trim(), '退回修改');
  await ctx.close();
});

test('the opinion form refuses a resident phone and text the server would refuse', async () => {
  const { ctx, page } = await world.signedIn(world.users.member);
  await page.goto(world.url + '/opinions/new');
  await page.getByLabel('类别').selectOption('环境卫生');
  await page.getByLabel('居民反映的内容').fill('路灯不亮');
  await page.getByLabel('居民电话').fill('12345');
  await page.getByLabel('居民同意记录其姓名和电话').check();
  await page.getByRole('button', { name: '保存' }).click();
  await page.getByText(/电话号码格式不对/).waitFor();

  // A landline with its area code is a number the server takes; a line with a
  // right-to-left override is text it refuses.
  await page.getByLabel('居民电话').fill('0571-88889999');
  await page.getByLabel('地址').fill('东关村\u202e三组');
  await page.getByRole('button', { name: '保存' }).click();
  await page.getByText(/只能写一行，不能含有控制字符/).waitFor();
  assert.equal(await page.getByText(/电话号码格式不对/).count(), 0);
  assert.match(page.url(), /\/opinions\/new/);
  const res = await world.api.call('GET', '/api/v1/opinions?mine=true', undefined, world.as.member);
  assert.ok(!res.items.some((x) => x.content === '路灯不亮'), 'nothing reached the server');
  await ctx.close();
});
