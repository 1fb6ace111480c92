// The county onboarded in an afternoon: the admin downloads nothing by hand here, but imports
// 500 members from the server's own template (filled by a small Go program of the tests),
// sees every problem of a bad file in Chinese, imports a clean one, prints the first
// passwords, and a new member signs in with one and must choose their own.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setUpWorld, ADMIN, OUT } from './helpers.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const world = setUpWorld({ seed: false });

// xlsx fills the import template with rows (see internal/importfile).
function xlsx(users, rooms) {
  return execFileSync('go', ['run', './internal/importfile'], { cwd: ROOT, input: JSON.stringify({ users, rooms }), maxBuffer: 64 << 20 });
}

const members = (n) => Array.from({ length: n }, (_, i) => [
  `委员${String(i).padStart(3, '0')}`, String(13700000000 + i), '委员', '', '经济界', '城关镇', `第${i % 5}议事室${i % 50 === 0 ? '：召集人' : ''}`, '']);
const rooms = Array.from({ length: 5 }, (_, i) => [`第${i}议事室`, '村', `第${i}村村委会`]);

test('the admin imports 500 members: a dry run lists the problems, a clean file goes in, a member must change the password', async () => {
  const bad = members(500);
  bad[3][1] = bad[0][1]; // row 5 repeats row 2's phone
  bad[10][1] = '1234'; // row 12: no mobile number
  bad[20][6] = '西山议事室'; // row 22: a room neither known nor listed
  bad[30][2] = '书记'; // row 32: no such role
  const badFile = xlsx(bad, rooms);
  const cleanFile = xlsx(members(500), rooms);

  const { ctx, page } = await world.signedIn(ADMIN);
  await page.goto(world.url + '/admin');
  await page.getByRole('link', { name: /批量导入/ }).click();
  await page.getByRole('heading', { name: '批量导入委员和议事室' }).waitFor();
  await page.getByRole('button', { name: '下载导入模板' }).waitFor();

  await page.getByLabel('选择文件').setInputFiles({ name: 'members.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: badFile });
  await page.getByRole('button', { name: '预检' }).click();
  await page.getByText(/发现 4 处问题/).waitFor();
  const table = await page.locator('table.problems').innerText();
  for (const want of ['手机号与第2行重复', '不是11位手机号码', '未知议事室“西山议事室”', '角色“书记”']) {
    assert.ok(table.includes(want), `the problems table says ${want}: ${table}`);
  }
  assert.equal(await page.getByRole('button', { name: '导入', exact: true }).count(), 0, 'no import of a file with problems');

  await page.getByLabel('选择文件').setInputFiles({ name: 'members.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: cleanFile });
  await page.getByRole('button', { name: '预检' }).click();
  await page.getByText('预检通过，没有发现问题。').waitFor();
  assert.match(await page.locator('.import-summary').innerText(), /将新建 500 人.*将新建议事室 5 个/);
  await page.getByRole('button', { name: '导入', exact: true }).click();
  await page.getByRole('heading', { name: '新用户初始密码' }).waitFor({ timeout: 60000 });
  const rows = page.locator('table.passwords tbody tr');
  assert.equal(await rows.count(), 500);
  const [name, phone, password] = (await rows.first().locator('td').allInnerTexts()).map((s) => s.trim());
  assert.equal(name, '委员000');

  // Printed, the list alone shows: no navigation, no buttons.
  await page.emulateMedia({ media: 'print' });
  assert.ok(await page.locator('table.passwords').isVisible());
  assert.ok(await page.getByRole('button', { name: '打印初始密码' }).isHidden());
  assert.ok(await page.locator('#tabs').isHidden());
  assert.ok(await page.locator('#toasts').isHidden(), 'no toast on paper');
  await page.screenshot({ path: join(OUT, 'import-print.png') });
  await page.emulateMedia({ media: 'screen' });

  // The same file again changes nothing.
  await page.getByRole('button', { name: '预检' }).click();
  await page.getByText('预检通过，没有发现问题。').waitFor();
  assert.match(await page.locator('.import-summary').innerText(), /将新建 0 人，将更新 0 人，500 人无变化/);
  await ctx.close();

  const { ctx: c2, page: p } = await world.phone();
  await p.goto(world.url + '/login');
  await p.getByLabel('手机号').fill(phone);
  await p.getByLabel('密码').fill(password);
  await p.getByRole('button', { name: '登录', exact: true }).click();
  await p.getByTestId('must-change').waitFor();
  assert.equal(new URL(p.url()).pathname, '/password');
  await p.getByLabel('管理员给你的密码').fill(password);
  await p.getByLabel(/^新密码/).fill('member-own-pass-01');
  await p.getByLabel('再次输入新密码').fill('member-own-pass-01');
  await p.getByRole('button', { name: '保存新密码' }).click();
  await p.getByRole('heading', { name: /^你好/ }).waitFor();
  await c2.close();
});
