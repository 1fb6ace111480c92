// The audit trail in the app: the admin signs in (which is itself recorded), opens 审计日志
// from the admin area, sees the sign-in, filters by action and pages with 更多, and the
// spreadsheet downloads.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUpWorld, checkScreen, ADMIN } from './helpers.mjs';

const world = setUpWorld({ seed: false });

test('an admin reads the audit trail: their own sign-in, filters, more, the spreadsheet', async () => {
  // Before the browser: a failed sign-in, and enough categories to need a second page.
  const { api } = world;
  await assert.rejects(api.login(ADMIN.phone, 'not-the-password'));
  const token = await api.login(ADMIN.phone, ADMIN.password);
  for (let i = 0; i < 55; i++) await api.call('POST', '/api/v1/categories', { name: '分类' + i }, token);

  // axe is injected as a script.
  const { ctx, page } = await world.signedIn(ADMIN, { bypassCSP: true, acceptDownloads: true });
  await page.goto(world.url + '/admin');
  await page.getByRole('link', { name: /审计日志/ }).click();
  await page.getByRole('heading', { name: '审计日志' }).waitFor();
  const entries = page.getByRole('list', { name: '审计日志条目' }).getByRole('listitem');

  // Newest first: this browser's sign-in heads the list, named by the admin's name.
  await entries.first().waitFor();
  assert.match(await entries.first().innerText(), /^登录 · 管理员/);
  assert.equal(await entries.count(), 50);
  const problems = await checkScreen(page, 'audit');
  assert.deepEqual(problems, []);

  // 更多 brings the next page.
  await page.getByRole('button', { name: '更多' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.audit-entry').length > 50);
  assert.equal(await entries.count(), 58); // 55 categories, 2 sign-ins, 1 failed sign-in
  assert.equal(await page.getByRole('button', { name: '更多' }).count(), 0);

  // Filtered to failed sign-ins: the one, with the phone as typed.
  await page.getByLabel('操作').selectOption({ label: '登录失败' });
  await page.getByRole('button', { name: '查看' }).click();
  await page.waitForURL(/action=auth\.sign_in_failed/);
  await page.waitForFunction(() => document.querySelectorAll('.audit-entry').length === 1);
  assert.match(await entries.first().innerText(), new RegExp('登录失败 · 未知[\\s\\S]*手机号 ' + ADMIN.phone));

  // The spreadsheet of what is shown.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '下载 Excel' }).click()]);
  assert.equal(download.suggestedFilename(), '审计日志.xlsx');
  const rows = (await api.call('GET', '/api/v1/audit?action=export', undefined, token)).items;
  assert.equal(rows.length, 1);
  assert.equal(rows[0].target_id, 'audit-log');
  assert.equal(rows[0].detail.filters.action, 'auth.sign_in_failed');
  await ctx.close();
});
