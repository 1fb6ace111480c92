// A newcomer's first run: the binary starts on an empty data folder with no admin
// configured, prints a one-time setup link in its log; the link's page creates the first
// admin, who lands signed in. The link then works no more.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUpWorld } from './helpers.mjs';

const world = setUpWorld({ seed: false, admin: false });

test('the setup link from the log creates the first admin and signs them in', async () => {
  const line = world.server.logs().split('\n').find((l) => l.includes('setup_path'));
  assert.ok(line, 'the log prints a setup link:\n' + world.server.logs());
  const path = JSON.parse(line).setup_path;
  assert.match(path, /^\/setup\?token=[A-Za-z0-9_-]{43}$/);

  const { ctx, page } = await world.phone();
  await page.goto(world.url + path);
  await page.getByRole('heading', { name: '首次设置：创建管理员' }).waitFor();
  await page.getByLabel('姓名').fill('县政协办公室');
  await page.getByLabel('手机号（登录名）').fill('13812345678');
  await page.getByLabel(/^密码/).fill('short');
  await page.getByLabel('再次输入密码').fill('short');
  await page.getByRole('button', { name: '创建管理员并登录' }).click();
  await page.getByText(/填写有误：密码/).waitFor();
  await page.getByLabel(/^密码/).fill('county-office-2024');
  await page.getByLabel('再次输入密码').fill('county-office-2024');
  await page.getByRole('button', { name: '创建管理员并登录' }).click();
  await page.getByRole('link', { name: /批量导入/ }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/admin');
  await ctx.close();

  // Used: the same link again says so.
  const { ctx: c2, page: p } = await world.phone();
  await p.goto(world.url + path);
  await p.getByLabel('姓名').fill('另一人');
  await p.getByLabel('手机号（登录名）').fill('13812345679');
  await p.getByLabel(/^密码/).fill('another-pass-2024');
  await p.getByLabel('再次输入密码').fill('another-pass-2024');
  await p.getByRole('button', { name: '创建管理员并登录' }).click();
  await p.getByText('系统已经有管理员了，请直接登录。').waitFor();
  await c2.close();
});
