// Every main screen at phone size: no serious or critical accessibility violations
// (axe-core), and a screenshot of each under test-output/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUpWorld, signIn, photo, screenshot, checkScreen, topicAt } from './helpers.mjs';

let topic;
let receipt;
const world = setUpWorld({
  async setup() {
    const mk = (content, category) => world.api.call('POST', '/api/v1/opinions', {
      id: crypto.randomUUID(), room_id: world.room.id, channel: 'door_to_door', category, content, address: '东关村二组',
    }, world.as.member);
    const a = await mk('东市场南侧污水直排进河道，夏天气味很大', '环境卫生');
    receipt = a.receipt_code;
    await mk('村口公交站没有遮雨棚，下雨天老人孩子淋雨', '交通出行');
    await mk('希望村里开办老年食堂', '社会保障');
    topic = await world.api.call('POST', '/api/v1/topics', {
      room_id: world.room.id, title: '东市场污水直排整治', description: '东市场南侧污水直排进河道。\n建议协商截污管网改造。', source: 'collected', category: '环境卫生', opinion_ids: [a.id],
    }, world.as.convener);
    await world.api.call('POST', `/api/v1/topics/${topic.id}/submit`, {}, world.as.convener);
    await world.api.call('POST', `/api/v1/topics/${topic.id}/reviews`, { decision: 'approve', comment: '同意，请尽快制定方案' }, world.as.county);
  },
});

const violations = [];

// check runs axe on the current screen and saves its screenshot.
async function check(page, name) {
  violations.push(...(await checkScreen(page, name)));
}

// newPage opens a phone that lets axe be injected as a script.
const newPage = () => world.phone({ bypassCSP: true });

test('main screens: no serious accessibility violations; screenshots saved', async () => {
  let { ctx, page } = await newPage();
  await page.goto(world.url + '/login');
  await page.getByRole('button', { name: '登录', exact: true }).waitFor();
  await check(page, '01-login');
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.getByText('请输入手机号和密码。').waitFor();
  await check(page, '02-login-error');

  // A member in the field.
  await signIn(page, world.url, world.users.member);
  await check(page, '03-home-member');
  await page.goto(world.url + '/opinions/new');
  await page.getByRole('heading', { name: '新建民意' }).waitFor();
  await page.getByLabel('类别').selectOption('环境卫生');
  await page.getByLabel('居民反映的内容').fill('巷子里的路灯坏了两个月，晚上老人不敢出门');
  await page.locator('#photos').setInputFiles([await photo(page, 1200, 900, 7), await photo(page, 900, 1200, 8)]);
  await page.getByRole('img', { name: '照片 2' }).waitFor();
  await check(page, '04-new-opinion');
  await ctx.setOffline(true);
  await page.getByRole('button', { name: '保存' }).click();
  await page.locator('[data-sync=pending]').waitFor();
  await check(page, '05-my-opinions-pending');
  await ctx.setOffline(false);
  await page.locator('[data-sync=pending]').waitFor({ state: 'detached', timeout: 15000 });
  await check(page, '06-my-opinions');
  await page.goto(world.url + '/topics');
  await page.getByRole('link', { name: /东市场污水直排整治/ }).waitFor();
  await check(page, '07-topics');
  await page.goto(world.url + '/topics/' + topic.id);
  await page.getByText('意见：同意，请尽快制定方案').waitFor();
  await check(page, '08-topic');
  await page.goto(world.url + '/notices');
  await page.getByRole('heading', { name: '消息' }).waitFor();
  await check(page, '09-notices');
  await page.goto(world.url + '/me');
  await page.getByRole('button', { name: '退出登录' }).waitFor();
  await check(page, '10-me');
  await ctx.close();

  // The convener screens opinions.
  ({ ctx, page } = await newPage());
  await signIn(page, world.url, world.users.convener);
  await page.goto(world.url + '/rooms/' + world.room.id);
  await page.getByRole('heading', { name: '待筛选民意' }).waitFor();
  await page.getByLabel(/村口公交站/).check();
  await check(page, '11-room-convener');
  await page.getByRole('button', { name: /起草议题/ }).click();
  await page.getByRole('heading', { name: '起草议题' }).waitFor();
  await check(page, '12-topic-draft');
  await ctx.close();

  // The local reviewer's queue and decision form.
  ({ ctx, page } = await newPage());
  await signIn(page, world.url, world.users.local);
  await page.goto(world.url + '/review');
  await page.locator('[data-testid=queue]').getByRole('link', { name: /东市场污水直排整治/ }).waitFor();
  await check(page, '13-review-queue');
  await page.locator('[data-testid=queue]').getByRole('link').first().click();
  await page.getByRole('button', { name: '提交审核意见' }).waitFor();
  await page.getByRole('radio', { name: '退回修改' }).check();
  await page.getByRole('button', { name: '提交审核意见' }).click();
  await page.getByText('请填写意见', { exact: true }).waitFor();
  await check(page, '14-review-form');
  await ctx.close();

  // The admin's forms.
  ({ ctx, page } = await newPage());
  await signIn(page, world.url, { phone: '13800000000', password: 'admin-secret-2024' });
  await check(page, '15-home-admin');
  await page.goto(world.url + '/admin/users');
  await page.getByText('李委员').waitFor();
  await check(page, '16-admin-users');
  await page.goto(world.url + '/admin/rooms/' + world.room.id);
  await page.getByRole('heading', { name: '成员', exact: true }).waitFor();
  await check(page, '17-admin-room');
  await ctx.close();

  assert.deepEqual(violations, [], violations.join('\n'));
});

// narrowCheck signs user in on a 360 px wide phone with the system font doubled and visits
// paths: nothing may scroll sideways, and every control stays at least 44 px tall.
async function narrowCheck(user, paths, shot) {
  const { ctx, page } = await world.signedIn(user, { viewport: { width: 360, height: 740 }, bypassCSP: true });
  for (const path of paths) {
    await page.goto(world.url + path);
    await page.locator('h2').first().waitFor();
    await page.locator('main .loading').first().waitFor({ state: 'detached', timeout: 5000 });
    // Folded forms are opened, so their fields are measured too.
    await page.evaluate(() => document.querySelectorAll('main details').forEach((d) => { d.open = true; }));
    await page.addStyleTag({ content: 'html { font-size: 200% !important; }' });
    await page.waitForTimeout(100);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow}px at 360 px with 200% text`);
    // Every control is at least 44 px tall (the tab bar, buttons, fields).
    const small = await page.evaluate(() => [...document.querySelectorAll('button, a.btn, .tab, input:not([type=file]):not([type=checkbox]):not([type=radio]), select, textarea')]
      .filter((el) => el.offsetParent !== null && el.getBoundingClientRect().height < 44)
      .map((el) => el.outerHTML.slice(0, 80)));
    assert.deepEqual(small, [], `${path}: small touch targets`);
  }
  await screenshot(page, shot);
  await ctx.close();
}

test('usable at 360 px with a doubled system font: nothing scrolls sideways', async () => {
  await narrowCheck(world.users.member, ['/', '/opinions/new', '/opinions', '/topics', '/topics/' + topic.id, '/rooms/' + world.room.id, '/me', '/r/' + receipt], '18-topic-360px-large-text');
});

test('the step forms, the room activity form and the dashboard at 360 px with a doubled font', async () => {
  const { api, room, users } = world;
  const { topic: t, base } = await topicAt(world, 'researched', {
    opinion: { channel: 'forum', category: '教育', content: '校车站点太远' }, topic: { title: '校车站点调整' },
    plan: { participants: { user_ids: [users.member.id], outside: [] } }, activity: { summary: '最远的站点步行 40 分钟' },
  });
  // Planned with research: the plan, research and meeting forms with their photo pickers.
  await narrowCheck(users.convener, ['/topics/' + t.id, '/rooms/' + room.id], '19-steps-360px-large-text');
  await api.call('POST', base + '/meeting', { held_at: new Date().toISOString(), summary: '增设两个站点' }, world.as.convener);
  await narrowCheck(users.convener, ['/topics/' + t.id], '20-outcome-360px-large-text');
  await api.call('POST', base + '/outcome', { consensus: '增设站点', recommendations: [{ content: '增设站点', unit: '教育局', due_on: '2030-09-01' }] }, world.as.convener);
  await narrowCheck(users.convener, ['/topics/' + t.id], '21-followup-360px-large-text');
  await narrowCheck(users.county, ['/stats', '/review', '/notices'], '22-stats-360px-large-text');
  await narrowCheck({ phone: '13800000000', password: 'admin-secret-2024' }, ['/admin/users', '/admin/rooms/' + room.id, '/me'], '23-admin-360px-large-text');
});
