// The offline flow: an opinion with photos made with no network waits on the phone, survives
// a reload, and goes up by itself, exactly once, when the network returns.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUpWorld, serviceWorkerReady, photo, mine, fillOpinion } from './helpers.mjs';

const world = setUpWorld();

test('offline: an opinion with two photos waits, survives a reload, then syncs once', async () => {
  const { ctx: context, page } = await world.signedIn(world.users.member);
  await serviceWorkerReady(page);
  await page.goto(world.url + '/opinions/new');
  await page.getByRole('heading', { name: '新建民意' }).waitFor();
  const files = [await photo(page, 1600, 1200, 1), await photo(page, 1200, 1600, 2)];

  await context.setOffline(true);
  await page.reload();
  await page.getByRole('heading', { name: '新建民意' }).waitFor();
  await fillOpinion(page, '村东头排水沟堵塞，雨天污水漫到路面', files);
  const card = page.locator('[data-testid=opinions] li').filter({ hasText: '村东头排水沟堵塞' });
  await card.and(page.locator('[data-sync=pending]')).waitFor();
  await card.getByText('等待同步').waitFor();
  await page.getByText('1 条待同步').waitFor();

  // Closing and reopening the app offline loses nothing.
  await page.reload();
  await page.getByRole('heading', { name: '我的民意' }).waitFor();
  await card.and(page.locator('[data-sync=pending]')).waitFor();
  await page.getByText('1 条待同步').waitFor();
  assert.equal(await card.locator('img').count(), 2, 'both photos are kept on the phone');
  assert.equal((await mine(world.api, world.users.member)).length, 0, 'nothing reached the server while offline');

  // The network returns: it goes up by itself.
  await context.setOffline(false);
  await card.and(page.locator('[data-sync=synced]')).waitFor({ timeout: 20000 });
  await page.getByText('1 条待同步').waitFor({ state: 'detached' });

  const items = await mine(world.api, world.users.member);
  assert.equal(items.length, 1, 'exactly one opinion on the server');
  assert.equal(items[0].content, '村东头排水沟堵塞，雨天污水漫到路面');
  assert.equal(items[0].photos.length, 2, 'with both photos');
  const localId = await card.getAttribute('data-id');
  assert.equal(items[0].id, localId, 'under the id the phone made');

  // A later sync sends nothing again.
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.waitForTimeout(500);
  assert.equal((await mine(world.api, world.users.member)).length, 1);
  await context.close();
});

test('signing out warns about unsynced opinions, then clears them from the phone', async () => {
  const { ctx: context, page } = await world.signedIn(world.users.member);
  await page.goto(world.url + '/opinions/new');
  await page.getByRole('heading', { name: '新建民意' }).waitFor();
  await context.setOffline(true);
  await page.getByLabel('类别').selectOption('教育');
  await page.getByLabel('居民反映的内容').fill('幼儿园接送时段门口拥堵');
  await page.getByRole('button', { name: '保存' }).click();
  await page.locator('[data-sync=pending]').waitFor();
  await page.goto(world.url + '/me');
  const dialogs = [];
  page.once('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await page.getByRole('button', { name: '退出登录' }).click();
  await page.waitForTimeout(300);
  assert.match(dialogs[0] || '', /还有 1 条民意或记录没有同步/);
  assert.equal(new URL(page.url()).pathname, '/me', 'dismissing the warning keeps the user signed in');
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: '退出登录' }).click();
  await page.getByRole('button', { name: '登录', exact: true }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/login');
  const left = await page.evaluate(async () => {
    const req = indexedDB.open('frontline');
    const db = await new Promise((r) => { req.onsuccess = () => r(req.result); });
    const count = (s) => new Promise((r) => { const q = db.transaction(s).objectStore(s).count(); q.onsuccess = () => r(q.result); });
    return { outbox: await count('outbox'), kv: await count('kv'), cache: await count('cache') };
  });
  assert.deepEqual(left, { outbox: 0, kv: 0, cache: 0 });
  await context.close();
});

test('a refused opinion shows 同步失败 with retry, and goes up once the cause is fixed', async () => {
  const { ctx: context, page } = await world.signedIn(world.users.member);
  await page.goto(world.url + '/opinions/new');
  await page.getByRole('heading', { name: '新建民意' }).waitFor();
  await context.setOffline(true);
  await page.getByLabel('类别').selectOption('其他');
  await page.getByLabel('居民反映的内容').fill('快递点太远');
  await page.getByRole('button', { name: '保存' }).click();
  const card = page.locator('[data-testid=opinions] li').filter({ hasText: '快递点太远' });
  await card.and(page.locator('[data-sync=pending]')).waitFor();

  // Meanwhile the member leaves the room: the server refuses the opinion (403).
  const membership = `/api/v1/rooms/${world.room.id}/members/${world.users.member.id}`;
  await world.api.call('DELETE', membership, undefined, world.admin);
  await context.setOffline(false);
  await card.and(page.locator('[data-sync=failed]')).waitFor({ timeout: 15000 });
  await card.getByText('同步失败').waitFor();
  await card.getByText('你不是该议事室的成员').waitFor();

  await world.api.call('PUT', membership, { role: 'member' }, world.admin);
  await card.getByRole('button', { name: '重试' }).click();
  await card.and(page.locator('[data-sync=synced]')).waitFor({ timeout: 15000 });
  const items = (await mine(world.api, world.users.member)).filter((o) => o.content === '快递点太远');
  assert.equal(items.length, 1);
  await context.close();
});
