// 履职: a member sees this year's credits by kind with the records that earned them, against
// the county's line; the admin's county view flags a member below the line and opens a
// member's file. (Attendance credits are covered by the Go tests: the attendance routes are
// not on this branch.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUpWorld, checkScreen, topicAt, ADMIN, GIVEN } from './helpers.mjs';

let idle;
let op;
const world = setUpWorld({
  async setup() {
    const { api, room, admin, as } = world;
    // One opinion adopted into a topic both bodies approved, and one more collected.
    ({ op } = await topicAt(world, 'approved', { opinion: { content: '东关桥头路灯不亮' }, topic: { title: '东关路灯维修' } }));
    await api.call('POST', '/api/v1/opinions', { room_id: room.id, channel: 'door_to_door', category: '交通出行', content: '村口缺少减速带' }, as.member);
    // A member who did nothing this year, and a line the busy member reaches (1 + 1 + 3).
    idle = await api.call('POST', '/api/v1/users', { phone: '13900000009', name: '孙委员', password: GIVEN, role: 'member' }, admin);
    await api.call('PUT', '/api/v1/rooms/' + room.id + '/members/' + idle.id, { role: 'member' }, admin);
    await api.call('PUT', '/api/v1/credit-rules', { year: new Date().getUTCFullYear(), line: 5 }, admin);
  },
});

const violations = [];

test('a member sees their credits with the records that earned them', async () => {
  const { ctx, page } = await world.signedIn(world.users.member, { bypassCSP: true });
  await page.getByRole('link', { name: '我的履职' }).first().click();
  await page.getByRole('heading', { name: '我的履职' }).waitFor();
  await page.locator('[data-testid=kind-opinion_collected]').waitFor();
  const collected = await page.locator('[data-testid=kind-opinion_collected]').innerText();
  assert.match(collected, /收集民意 · 2 分/);
  assert.match(collected, /东关桥头路灯不亮/);
  assert.match(collected, /村口缺少减速带/);
  const adopted = page.locator('[data-testid=kind-opinion_adopted]');
  assert.match(await adopted.innerText(), /民意被采纳 · 3 分/);
  // The adopted opinion links to the topic it feeds.
  assert.match(await adopted.getByRole('link').getAttribute('href'), /^\/topics\//);
  const total = await page.locator('[data-testid=duty-total]').innerText();
  assert.match(total, /5\s*本年积分/);
  assert.match(await page.locator('main').innerText(), /已达标/);
  violations.push(...(await checkScreen(page, '70-duty')));

  // The member's own file.
  await page.getByRole('link', { name: '我的档案' }).click();
  await page.getByRole('heading', { name: '委员档案' }).waitFor();
  await page.locator('[data-testid=file-user]').getByText('李委员').waitFor();
  assert.match(await page.locator('main').innerText(), /东关路灯维修/);
  // The county view is not theirs.
  await page.goto(world.url + '/duty/county');
  await page.getByRole('heading', { name: /^你好/ }).waitFor();
  await ctx.close();
});

test("the admin's county view flags a member below the line", async () => {
  const { ctx, page } = await world.signedIn({ phone: ADMIN.phone, password: ADMIN.password }, { bypassCSP: true });
  await page.getByRole('link', { name: '全县履职' }).click();
  await page.getByRole('heading', { name: '全县履职' }).waitFor();
  const table = page.locator('[data-testid=county-credits]');
  await table.waitFor();
  const row = (name) => table.locator('[data-testid=member-row]', { hasText: name });
  assert.equal(await row('孙委员').getAttribute('data-below'), 'true');
  assert.match(await row('孙委员').innerText(), /未达标/);
  assert.equal(await row('李委员').getAttribute('data-below'), 'false');
  assert.match(await page.locator('main').innerText(), /达标线 5 分/);
  violations.push(...(await checkScreen(page, '71-duty-county')));

  // Highest first, then one member's file.
  await page.getByRole('combobox', { name: '排序' }).selectOption('-total');
  await page.getByRole('button', { name: '筛选' }).click();
  await page.waitForURL(/sort=-total/);
  await table.locator('[data-testid=member-row]').first().waitFor();
  await page.getByRole('link', { name: '李委员' }).click();
  await page.getByRole('heading', { name: '委员档案' }).waitFor();
  await page.locator('[data-testid=file-user]').getByText('李委员').waitFor();
  assert.match(await page.locator('main').innerText(), /收集民意/);
  await ctx.close();
  assert.deepEqual(violations, []);
});
