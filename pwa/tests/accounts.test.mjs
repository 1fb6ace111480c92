// Accounts on the phone: a password an admin chose is replaced before anything else, a lost
// refresh answer does not sign a member out, and a sign-in the server ended takes the kept
// copies of answers (residents' names) with it but not the records still to send.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUpWorld, ADMIN, PASSWORD } from './helpers.mjs';

const world = setUpWorld();

// stored reads every value of an IndexedDB store of the app, as JSON text.
const stored = (page, name) => page.evaluate((name) => new Promise((resolve, reject) => {
  const req = indexedDB.open('frontline');
  req.onerror = () => reject(req.error);
  req.onsuccess = () => {
    const all = req.result.transaction(name).objectStore(name).getAll();
    all.onsuccess = () => { req.result.close(); resolve(JSON.stringify(all.result)); };
    all.onerror = () => reject(all.error);
  };
}), name);

test('a member made by an admin must choose a password first, then reaches home', async () => {
  const { ctx, page } = await world.signedIn(ADMIN);
  await page.goto(world.url + '/admin/users');
  await page.getByLabel('手机号').fill('13922223333');
  await page.getByLabel('姓名').fill('周委员');
  await page.getByLabel('初始密码').fill('given-zhou-2024');
  await page.getByLabel('角色').selectOption('member');
  await page.getByRole('button', { name: '新增用户' }).click();
  await page.getByText('已新增用户 周委员').waitFor();
  await ctx.close();

  const { ctx: c2, page: p } = await world.phone();
  await p.goto(world.url + '/login');
  await p.getByLabel('手机号').fill('13922223333');
  await p.getByLabel('密码').fill('given-zhou-2024');
  await p.getByRole('button', { name: '登录', exact: true }).click();
  await p.getByTestId('must-change').waitFor();
  assert.equal(new URL(p.url()).pathname, '/password');
  assert.ok(await p.locator('#tabs').isHidden(), 'no tabs while the password must change');
  // Nothing else opens meanwhile.
  await p.goto(world.url + '/topics');
  await p.getByTestId('must-change').waitFor();

  // The policy's refusal is shown on the field.
  await p.getByLabel('管理员给你的密码').fill('given-zhou-2024');
  await p.getByLabel(/^新密码/).fill('1234567890a');
  await p.getByLabel('再次输入新密码').fill('1234567890a');
  await p.getByRole('button', { name: '保存新密码' }).click();
  await p.getByText(/新密码不可用/).waitFor();

  await p.getByLabel(/^新密码/).fill('zhou-own-pass-77');
  await p.getByLabel('再次输入新密码').fill('zhou-own-pass-77');
  await p.getByRole('button', { name: '保存新密码' }).click();
  await p.getByRole('heading', { name: /^你好/ }).waitFor();
  assert.ok(await p.locator('#tabs').isVisible());
  // 我的 offers the change to everyone.
  await p.getByRole('link', { name: '我的', exact: true }).click();
  await p.getByRole('link', { name: '修改密码' }).waitFor();
  await c2.close();
});

test('a refresh whose answer was lost does not sign the member out', async () => {
  const { ctx, page } = await world.signedIn(world.users.member);
  await page.getByRole('link', { name: '议题' }).waitFor();

  // The server rotates, the phone never hears.
  let lost = null;
  let refreshes = 0;
  await page.route('**/api/v1/auth/refresh', async (route) => {
    refreshes++;
    if (lost) return route.continue();
    const r = await route.fetch();
    lost = await r.json();
    await route.abort();
  });
  // Twice the access token is taken for stale, so the app refreshes.
  let reject = 2;
  await page.route((url) => url.pathname === '/api/v1/topics', (route) => {
    if (reject-- > 0) return route.fulfill({ status: 401, contentType: 'application/json', body: '{"error":{"code":"unauthorized","message":"expired"}}' });
    return route.continue();
  });

  await page.getByRole('link', { name: '议题' }).click();
  for (let i = 0; i < 50 && !lost; i++) await page.waitForTimeout(100);
  assert.ok(lost && lost.refresh_token, 'the server answered the first refresh');

  await page.getByRole('link', { name: '首页' }).click();
  await page.getByRole('heading', { name: /^你好/ }).waitFor();
  await page.getByRole('link', { name: '议题' }).click();
  await page.getByRole('heading', { name: '议题', exact: true }).waitFor();
  assert.equal(refreshes, 2);
  assert.equal(new URL(page.url()).pathname, '/topics', 'still signed in');
  const kept = JSON.parse(await stored(page, 'kv')).find((v) => v && v.refresh_token);
  assert.equal(kept.refresh_token, lost.refresh_token, 'the retry got the same refresh token as the lost answer');

  // And the sign-in goes on: a new page must refresh with that token.
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  await page.reload();
  await page.getByRole('heading', { name: '议题', exact: true }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/topics');
  await ctx.close();
});

test('when the server ends the sign-in, kept answers go and unsent records stay', async () => {
  const api = world.api;
  const member = world.users.member;
  const token = await api.login(member.phone, PASSWORD);
  await api.call('POST', '/api/v1/opinions', {
    room_id: world.room.id, channel: 'door_to_door', category: '环境卫生', content: '东关村三组路灯不亮',
    resident_name: '欧阳秀英', resident_phone: '13712345678', resident_consent: true,
  }, token);

  const { ctx, page } = await world.signedIn(member);
  await page.goto(world.url + '/opinions');
  await page.getByText('东关村三组路灯不亮').waitFor();
  for (let i = 0; i < 50 && !(await stored(page, 'cache')).includes('欧阳秀英'); i++) await page.waitForTimeout(100);
  assert.ok((await stored(page, 'cache')).includes('欧阳秀英'), 'the list with the resident is kept on the phone');

  // A record made offline waits in the outbox.
  await ctx.setOffline(true);
  await page.goto(world.url + '/opinions/new').catch(() => {});
  await page.getByRole('heading', { name: '新建民意' }).waitFor();
  await page.getByLabel('类别').selectOption('环境卫生');
  await page.getByLabel('居民反映的内容').fill('西关村桥面开裂');
  await page.getByLabel('地址').fill('西关村桥头');
  await page.getByRole('button', { name: '保存' }).click();
  await page.getByRole('heading', { name: '我的民意' }).waitFor();
  assert.ok((await stored(page, 'outbox')).includes('西关村桥面开裂'));

  // The admin disables the member; back online, the app learns it (401 from refresh).
  const admin = await api.login(ADMIN.phone, ADMIN.password);
  await api.call('PATCH', '/api/v1/users/' + member.id, { active: false }, admin);
  await ctx.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.waitForURL((u) => u.pathname === '/login', { timeout: 20000 });

  assert.ok(!(await stored(page, 'cache')).includes('欧阳秀英'), 'no kept answer holds the resident\'s name');
  assert.ok(!(await stored(page, 'cache')).includes('东关村三组路灯不亮'));
  const outbox = await stored(page, 'outbox');
  assert.ok(outbox.includes('西关村桥面开裂'), 'the unsent record is still on the phone');
  await api.call('PATCH', '/api/v1/users/' + member.id, { active: true }, admin);
  await ctx.close();
});
