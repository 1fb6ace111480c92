// The admin's basics through the app: a user, a room, and the user's role in the room.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUpWorld, ADMIN } from './helpers.mjs';

const world = setUpWorld({ seed: false });

test('an admin adds a user, a room and a membership with the forms', async () => {
  const { ctx, page } = await world.signedIn(ADMIN);

  await page.getByRole('link', { name: '用户' }).click();
  await page.getByLabel('手机号').fill('13911112222');
  await page.getByLabel('姓名').fill('孙召集人');
  await page.getByLabel('初始密码').fill('convener-pass-1');
  await page.getByLabel('角色').selectOption('member');
  await page.getByRole('button', { name: '新增用户' }).click();
  await page.getByText('已新增用户 孙召集人').waitFor();
  await page.getByText(/孙召集人.*13911112222/).waitFor();
  // The same phone again is refused with a clear message.
  await page.getByLabel('手机号').fill('13911112222');
  await page.getByLabel('姓名').fill('重复');
  await page.getByLabel('初始密码').fill('convener-pass-1');
  await page.getByRole('button', { name: '新增用户' }).click();
  await page.getByRole('alert').filter({ hasText: '这个手机号已经有账号了。' }).waitFor();
  // Where an existing user is filed (界别, unit) is changed from the list.
  const row = page.getByRole('listitem').filter({ hasText: '13911112222' });
  await row.getByRole('button', { name: '修改' }).click();
  const edit = page.getByRole('form', { name: '修改 孙召集人' });
  await edit.getByLabel('界别').fill('农业界');
  await edit.getByLabel('单位/乡镇').fill('城关镇');
  await edit.getByRole('button', { name: '保存' }).click();
  await page.getByText('已保存 孙召集人 的界别和单位').waitFor();
  await page.getByText(/孙召集人.*13911112222.*农业界 · 城关镇/).waitFor();

  await page.goto(world.url + '/admin/rooms');
  await page.getByLabel('名称').fill('城关镇委员议事室');
  await page.getByLabel('层级').selectOption('township');
  await page.getByLabel('地址（场地）').fill('城关镇政府三楼');
  await page.getByLabel('已挂门牌').check();
  await page.getByRole('button', { name: '新建议事室' }).click();
  await page.getByRole('heading', { name: '城关镇委员议事室' }).waitFor();

  await page.getByRole('combobox', { name: '用户', exact: true }).selectOption({ label: '孙召集人 13911112222' });
  await page.getByLabel('室内角色').selectOption('convener');
  await page.getByRole('button', { name: '加入或修改角色' }).click();
  await page.getByText('孙召集人 · 召集人').waitFor();

  const { api } = world;
  await api.ownPassword('13911112222', 'convener-pass-1', 'convener-own-pass-1');
  const token = await api.login('13911112222', 'convener-own-pass-1');
  const me = await api.call('GET', '/api/v1/me', undefined, token);
  const rooms = (await api.call('GET', '/api/v1/rooms', undefined, token)).items;
  assert.equal(rooms.length, 1);
  assert.equal(rooms[0].name, '城关镇委员议事室');
  assert.deepEqual(me.memberships.map((m) => m.role), ['convener']);
  assert.equal(me.sector, '农业界');
  assert.equal(me.unit, '城关镇');
  await ctx.close();
});
