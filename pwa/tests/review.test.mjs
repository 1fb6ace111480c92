// The dual review through the app: a convener drafts a topic from collected opinions and
// submits it, both reviewers approve it, and the member who collected hears it live.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUpWorld } from './helpers.mjs';

const world = setUpWorld();

const opinion = (content, category = '环境卫生') => world.api.call('POST', '/api/v1/opinions', {
  id: crypto.randomUUID(), room_id: world.room.id, channel: 'door_to_door', category, content,
}, world.as.member);

test('a convener drafts and submits a topic in the app; both reviewers approve it in the app', async () => {
  const a = await opinion('东市场南侧污水直排进河道，夏天气味很大');
  const b = await opinion('市场污水井经常冒水，商户希望尽快整治');
  await opinion('村口公交站没有遮雨棚', '交通出行');

  const { ctx: convener, page } = await world.signedIn(world.users.convener);
  await page.getByRole('link', { name: /东关村委员议事室/ }).click();
  await page.getByRole('heading', { name: '待筛选民意' }).waitFor();
  await page.getByLabel(/东市场南侧污水直排/).check();
  await page.getByLabel(/市场污水井经常冒水/).check();
  await page.getByRole('button', { name: '用选中的 2 条民意起草议题' }).click();
  await page.getByRole('heading', { name: '起草议题' }).waitFor();
  assert.equal(await page.getByLabel('类别').inputValue(), '环境卫生', 'category taken from the opinions');
  assert.match(await page.getByLabel('议题说明').inputValue(), /东市场南侧污水直排/);
  await page.getByLabel('议题标题').fill('东市场污水直排整治');
  await page.getByRole('button', { name: '保存草稿' }).click();
  await page.getByRole('heading', { name: '东市场污水直排整治' }).waitFor();
  await page.getByText('草稿', { exact: true }).waitFor();
  const topicId = new URL(page.url()).pathname.split('/').pop();
  await page.getByRole('button', { name: '提交审核' }).click();
  await page.getByText('审核中', { exact: true }).waitFor();

  let t = await world.api.call('GET', '/api/v1/topics/' + topicId, undefined, world.as.convener);
  assert.equal(t.status, 'in_review');
  assert.deepEqual([...t.opinion_ids].sort(), [a.id, b.id].sort());

  // The county reviewer finds it in the queue and approves it.
  for (const who of ['county', 'local']) {
    const { ctx, page: p } = await world.signedIn(world.users[who]);
    await p.getByRole('link', { name: '待我审核的议题' }).click();
    await p.locator('[data-testid=queue]').getByRole('link', { name: /东市场污水直排整治/ }).click();
    await p.getByRole('heading', { name: '东市场污水直排整治' }).waitFor();
    await p.getByText('东市场南侧污水直排进河道，夏天气味很大', { exact: true }).waitFor(); // linked opinions shown
    await p.getByRole('radio', { name: '同意' }).check();
    await p.getByRole('button', { name: '提交审核意见' }).click();
    await p.getByText('审核意见已提交：同意').waitFor();
    await ctx.close();
  }
  t = await world.api.call('GET', '/api/v1/topics/' + topicId, undefined, world.as.convener);
  assert.equal(t.status, 'approved');
  assert.deepEqual(t.reviews.map((r) => r.body + ':' + r.decision).sort(), ['county:approve', 'local:approve']);

  await page.reload();
  await page.getByText('已通过', { exact: true }).first().waitFor();
  await convener.close();
});

test('a returned topic shows the comment and can be resubmitted', async () => {
  const o = await opinion('小区门口占道经营，早高峰拥堵', '城市更新');
  const topic = await world.api.call('POST', '/api/v1/topics', {
    room_id: world.room.id, title: '小区门口占道经营治理', description: '占道经营', source: 'collected', category: '城市更新', opinion_ids: [o.id],
  }, world.as.convener);
  await world.api.call('POST', `/api/v1/topics/${topic.id}/submit`, {}, world.as.convener);
  await world.api.call('POST', `/api/v1/topics/${topic.id}/reviews`, { decision: 'return', comment: '请补充周边商户意见' }, world.as.local);

  const { ctx, page } = await world.signedIn(world.users.convener);
  await page.goto(world.url + '/topics/' + topic.id);
  await page.getByText('意见：请补充周边商户意见').waitFor();
  await page.getByRole('link', { name: '编辑' }).click();
  await page.getByLabel('议题说明').fill('占道经营；已征求周边 12 家商户意见');
  await page.getByRole('button', { name: '保存修改' }).click();
  await page.getByRole('button', { name: '重新提交审核' }).click();
  await page.getByText('审核中', { exact: true }).waitFor();
  const t = await world.api.call('GET', '/api/v1/topics/' + topic.id, undefined, world.as.convener);
  assert.equal(t.status, 'in_review');
  assert.equal(t.round, 2);
  assert.match(t.description, /12 家商户/);
  await ctx.close();
});

test('a member sees a live notice within 2 s of a review decision', async () => {
  const o = await opinion('卫生院周末不开门，老人看病难', '医疗卫生');
  const topic = await world.api.call('POST', '/api/v1/topics', {
    room_id: world.room.id, title: '卫生院周末门诊', description: '周末门诊', source: 'collected', category: '医疗卫生', opinion_ids: [o.id],
  }, world.as.convener);
  await world.api.call('POST', `/api/v1/topics/${topic.id}/submit`, {}, world.as.convener);

  const { ctx, page } = await world.signedIn(world.users.member);
  await page.goto(world.url + '/opinions');
  await page.locator('html[data-live=true]').waitFor({ state: 'attached', timeout: 10000 });
  const unread = async () => (await page.locator('[data-testid=unread]').count()
    ? Number((await page.locator('[data-testid=unread]').innerText()).replace(/\D/g, '')) : 0);
  const before = await unread();

  const t0 = Date.now();
  await world.api.call('POST', `/api/v1/topics/${topic.id}/reviews`, { decision: 'approve', comment: '' }, world.as.county);
  const toast = page.locator('.toast').filter({ hasText: '卫生院周末门诊' });
  await toast.waitFor({ timeout: 2000 });
  const ms = Date.now() - t0;
  console.log(`review decision → notice on the member's screen: ${ms} ms`);
  assert.match(await toast.innerText(), /县政协党组同意/);
  assert.ok(await unread() > before, 'the unread badge counts it');

  // The notices screen lists it and clears the badge.
  await page.getByRole('link', { name: /消息/ }).click();
  await page.locator('[data-testid=notices]').getByText(/卫生院周末门诊/).first().waitFor();
  await page.locator('[data-testid=unread]').waitFor({ state: 'detached' });
  await ctx.close();
});

test('a decision made while the stream was down arrives on reconnect', async () => {
  const o = await opinion('菜市场没有公厕', '城市更新');
  const topic = await world.api.call('POST', '/api/v1/topics', {
    room_id: world.room.id, title: '菜市场公厕建设', description: '公厕', source: 'collected', category: '城市更新', opinion_ids: [o.id],
  }, world.as.convener);
  await world.api.call('POST', `/api/v1/topics/${topic.id}/submit`, {}, world.as.convener);

  const { ctx, page } = await world.signedIn(world.users.member);
  await page.goto(world.url + '/topics');
  await page.locator('html[data-live=true]').waitFor({ state: 'attached', timeout: 10000 });
  // Some event passes while connected, so the app knows where it was.
  await world.api.call('POST', `/api/v1/topics/${topic.id}/reviews`, { decision: 'approve', comment: '' }, world.as.county);
  await page.locator('.toast').filter({ hasText: '县政协党组同意' }).last().waitFor({ timeout: 2000 });

  await ctx.setOffline(true);
  await page.locator('html[data-live=false]').waitFor({ state: 'attached', timeout: 10000 });
  await world.api.call('POST', `/api/v1/topics/${topic.id}/reviews`, { decision: 'return', comment: '请补充选址意见' }, world.as.local);
  await page.waitForTimeout(300);
  assert.equal(await page.locator('.toast').filter({ hasText: '请补充选址意见' }).count(), 0);
  await ctx.setOffline(false);
  await page.locator('.toast').filter({ hasText: '请补充选址意见' }).waitFor({ timeout: 5000 });
  assert.match(await page.locator('.toast').filter({ hasText: '请补充选址意见' }).innerText(), /菜市场公厕建设/);
  await ctx.close();
});
