// The conveners' records go through the outbox like opinions: a work plan that names its
// participants from the room, research and a meeting recorded with photos and no signal,
// sent once when the signal comes back, follow-up with a photo, a refused record that comes
// back into its form, and a room activity recorded offline.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUpWorld, signIn, photo, checkScreen, topicAt } from './helpers.mjs';

const world = setUpWorld();

// outboxCount is how many items wait on the phone.
const outboxCount = (page) => page.evaluate(async () => {
  const req = indexedDB.open('frontline');
  const db = await new Promise((r) => { req.onsuccess = () => r(req.result); });
  return new Promise((r) => { const q = db.transaction('outbox').objectStore('outbox').getAll(); q.onsuccess = () => r(q.result.filter((i) => i.state !== 'synced').length); });
});

test('plan with participants; research and meeting with photos recorded offline are sent once; follow-up with a photo', async () => {
  const { api, users, as } = world;
  const { topic, base } = await topicAt(world, 'approved', { topic: { title: '河道垃圾清理' } });
  const { ctx, page } = await world.signedIn(users.convener, { bypassCSP: true });
  await page.goto(world.url + '/topics/' + topic.id);

  // The work plan names a room member as a participant: they are told.
  await page.getByLabel('方案主题').fill('河道垃圾清理方案');
  await page.getByLabel('方案内容').fill('摸清垃圾来源，协商保洁责任');
  await page.getByLabel('牵头人').fill('王召集人');
  await page.getByRole('checkbox', { name: /李委员/ }).check();
  await page.getByRole('button', { name: '保存工作方案' }).click();
  await page.locator('.chip.st-planned').first().waitFor();
  await page.locator('[data-testid=plan]').getByText('参加委员：李委员').waitFor();
  const plan = await api.call('GET', base + '/plan', undefined, as.convener);
  assert.deepEqual(plan.participants.user_ids, [users.member.id]);
  const notes = await api.call('GET', '/api/v1/notifications', undefined, as.member);
  assert.ok((notes.items || notes).some((n) => n.type === 'plan.published' && n.data.topic_id === topic.id), 'the participant is told of the plan');

  // No signal: research with two photos, then the meeting with one, both kept on the phone.
  await ctx.setOffline(true);
  await page.getByLabel('调研地点').fill('河道下游');
  await page.getByLabel('参加调研的委员').fill('王召集人，李委员');
  await page.getByLabel('调研发现').fill('垃圾多来自上游菜市场');
  await page.locator('form[aria-label=记录调研] input[type=file]').setInputFiles([await photo(page, 1600, 1200, 3), await photo(page, 1200, 1600, 4)]);
  await page.locator('form[aria-label=记录调研] .previews img').nth(1).waitFor();
  await page.getByRole('button', { name: '记录调研' }).click();
  await page.locator('[data-testid=pending-records] [data-sync=pending]').first().waitFor();
  await page.getByLabel('会议地点').fill('村委会会议室');
  await page.getByLabel('参加的部门负责人').fill('环卫所');
  await page.getByLabel('会议纪要').fill('菜市场设垃圾收集点，环卫所每日清运');
  await page.locator('form[aria-label=召开协商会] input[type=file]').setInputFiles([await photo(page, 1200, 900, 5)]);
  await page.locator('form[aria-label=召开协商会] .previews img').waitFor();
  await page.getByRole('button', { name: '召开协商会' }).click();
  await page.locator('[data-testid=pending-records] [data-sync=pending]').nth(1).waitFor();
  // The phone already offers the next step, and the step bar stands at 协商.
  await page.getByLabel('协商共识').waitFor();
  await page.locator('.stepbar [aria-current=step]', { hasText: '协商' }).waitFor();
  assert.match(await page.getByTestId('local-status').innerText(), /提交后议题状态将为“已协商”/);
  assert.equal(await outboxCount(page), 2);
  assert.equal((await api.call('GET', base, undefined, as.convener)).status, 'planned', 'nothing reached the server offline');
  assert.deepEqual(await checkScreen(page, '50-records-offline'), []);

  // Signal again: both go up, in order, once, and the page shows what the server holds.
  const back = Date.now();
  await ctx.setOffline(false);
  await page.locator('.chip.st-consulted').first().waitFor({ timeout: 15000 });
  await page.locator('.toast', { hasText: '手机上保存的记录已提交' }).first().waitFor();
  console.log(`online → research (2 photos) and meeting (1 photo) sent and shown: ${Date.now() - back} ms`);
  await page.locator('[data-testid=topic-activities] img').nth(2).waitFor();
  assert.equal(await outboxCount(page), 0);
  const acts = (await api.call('GET', base + '/activities', undefined, as.convener)).items;
  assert.deepEqual(acts.map((a) => a.kind).sort(), ['consultation', 'research']);
  assert.equal(acts.find((a) => a.kind === 'research').photos.length, 2);
  assert.deepEqual(acts.find((a) => a.kind === 'research').attendees.members, ['王召集人', '李委员']);
  assert.deepEqual(acts.find((a) => a.kind === 'consultation').attendees.units, ['环卫所']);
  assert.equal(acts.find((a) => a.kind === 'consultation').photos.length, 1);
  // A later sync sends nothing again.
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.waitForTimeout(500);
  assert.equal((await api.call('GET', base + '/activities', undefined, as.convener)).items.length, 2);

  // The outcome, then follow-up with a photo of the work done.
  await page.getByLabel('协商共识').fill('设收集点，每日清运');
  await page.getByLabel(/^建议内容 1/).fill('菜市场设垃圾收集点');
  await page.getByLabel(/^责任单位 1/).fill('市场服务中心');
  await page.getByLabel(/^完成期限 1/).fill('2030-06-30');
  await page.getByRole('button', { name: '发布协商成果' }).click();
  await page.locator('.chip.st-concluded').first().waitFor();
  await page.getByLabel('办理状态（建议 1）').selectOption('done');
  await page.getByLabel('进展说明（建议 1）').fill('收集点已建成');
  await page.locator('form[aria-label="跟踪问效 1"] input[type=file]').setInputFiles([await photo(page, 1000, 800, 6)]);
  await page.locator('form[aria-label="跟踪问效 1"] .previews img').waitFor();
  await page.getByRole('button', { name: '记录进展（建议 1）' }).click();
  await page.locator('.chip.st-closed').first().waitFor();
  await page.getByRole('img', { name: '进展照片 1' }).waitFor();
  const outcome = await api.call('GET', base + '/outcome', undefined, as.convener);
  assert.equal(outcome.recommendations[0].progress.length, 1);
  assert.equal(outcome.recommendations[0].progress[0].photos.length, 1);
  assert.deepEqual(await checkScreen(page, '51-records-closed'), []);
  await ctx.close();
});

test('the phone checks what the server would refuse; a record the server refuses still comes back into its form', async () => {
  const { api, room, users, as } = world;
  const { topic, base } = await topicAt(world, 'planned', { topic: { title: '路灯维修' } });
  const { ctx, page } = await world.signedIn(users.convener);
  await page.goto(world.url + '/topics/' + topic.id);
  // Research dated years ahead: the server would refuse it, so the phone does not keep it.
  await page.getByLabel('调研时间').fill('2099-01-01T10:00');
  await page.getByLabel('调研发现').fill('三盏路灯不亮');
  await page.locator('form[aria-label=记录调研] input[type=file]').setInputFiles([await photo(page, 800, 600, 8)]);
  await page.locator('form[aria-label=记录调研] .previews img').waitFor();
  await page.getByRole('button', { name: '记录调研' }).click();
  await page.getByText('时间不能晚于一年以后').waitFor();
  assert.equal(await outboxCount(page), 0);
  // Meanwhile the convener is taken out of the room: the server refuses the record (it no longer shows them the topic).
  const membership = `/api/v1/rooms/${room.id}/members/${users.convener.id}`;
  await api.call('DELETE', membership, undefined, world.admin);
  try {
    await page.getByLabel('调研时间').fill('2026-01-05T10:00');
    await page.getByRole('button', { name: '记录调研' }).click();
    const alert = page.getByRole('alert').filter({ hasText: '提交失败' });
    await alert.waitFor();
    assert.match(await alert.innerText(), /无权查看|没有权限/);
    assert.equal(await page.getByLabel('调研发现').inputValue(), '三盏路灯不亮', 'what was typed stays in the form');
    assert.equal(await outboxCount(page), 0, 'the refused record does not wait in the outbox');
  } finally {
    await api.call('PUT', membership, { role: 'convener' }, world.admin);
  }
  // Back in the room, the same form goes up with its photo (uploaded the first time, not twice).
  await page.getByRole('button', { name: '记录调研' }).click();
  await page.locator('[data-testid=topic-activities] img').first().waitFor();
  assert.equal(await page.locator('.toast', { hasText: '手机上保存的记录已提交' }).count(), 0, 'a record sent from its form is told by the form alone');
  const acts = (await api.call('GET', base + '/activities', undefined, as.convener)).items;
  assert.equal(acts.length, 1);
  assert.equal(acts[0].photos.length, 1);
  await ctx.close();
});

test('a room activity with a photo recorded offline waits on the room page, then goes up once', async () => {
  const { api, room, users, as } = world;
  const { ctx, page } = await world.signedIn(users.convener);
  await page.goto(world.url + '/rooms/' + room.id);
  await page.getByRole('heading', { name: '活动记录' }).waitFor();
  await page.locator('section[aria-labelledby=acts-h] .loading').waitFor({ state: 'detached' });
  const before = (await api.call('GET', '/api/v1/rooms/' + room.id + '/activities', undefined, as.convener)).items.length;
  await ctx.setOffline(true);
  await page.getByText('＋ 记录或安排一次活动').click();
  await page.getByLabel('活动类型').selectOption('training');
  await page.getByLabel('活动内容').fill('委员履职培训：如何入户收集民意');
  // A name longer than the server takes is caught on the phone.
  await page.getByLabel('参加的委员').fill('王'.repeat(101));
  await page.getByRole('button', { name: '保存活动记录' }).click();
  await page.getByText('每个名字最多 100 个字').waitFor();
  await page.getByLabel('参加的委员').fill('王召集人，李委员');
  await page.locator('form[aria-label=记录活动] input[type=file]').setInputFiles([await photo(page, 1200, 900, 7)]);
  await page.locator('form[aria-label=记录活动] .previews img').waitFor();
  await page.getByRole('button', { name: '保存活动记录' }).click();
  await page.locator('[data-testid=pending-records] [data-sync=pending]').waitFor();
  // 我的民意 lists it too, under what waits to be sent, with the way back to its room.
  await page.getByRole('link', { name: '民意', exact: true }).click();
  await page.getByRole('heading', { name: '等待提交的记录' }).waitFor();
  await page.locator('[data-testid=pending-records]').getByRole('link', { name: /培训/ }).click();
  await page.locator('[data-testid=pending-records] [data-sync=pending]').waitFor();
  await ctx.setOffline(false);
  await page.locator('[data-testid=activities] li', { hasText: '委员履职培训' }).locator('img').waitFor({ timeout: 15000 });
  const after = (await api.call('GET', '/api/v1/rooms/' + room.id + '/activities', undefined, as.convener)).items;
  assert.equal(after.length, before + 1);
  assert.equal(after.find((a) => a.kind === 'training').photos.length, 1);
  assert.equal(await outboxCount(page), 0);
  await ctx.close();
});

test('the answer to a meeting is lost after the server stored it: the retry makes no second meeting', async () => {
  const { api, users, as } = world;
  const { topic, base } = await topicAt(world, 'researched', { topic: { title: '广场噪音' } });
  const { ctx, page } = await world.phone({ serviceWorkers: 'block' });
  let lost = 0;
  let stored;
  const storedAtServer = new Promise((resolve) => { stored = resolve; });
  await page.route('**/api/v1/topics/*/meeting', async (route) => {
    if (lost++ > 0) return route.continue();
    await route.fetch(); // the server stores it and answers; the phone never hears
    await route.abort('connectionreset');
    stored();
  });
  await signIn(page, world.url, users.convener);
  await page.goto(world.url + '/topics/' + topic.id);
  await page.getByLabel('会议纪要').fill('晚九点后停止广场舞');
  await page.getByRole('button', { name: '召开协商会' }).click();
  await page.locator('[data-testid=pending-records] [data-sync=pending]').waitFor();
  await storedAtServer;
  assert.equal((await api.call('GET', base, undefined, as.convener)).status, 'consulted', 'the server has it');
  // The next sync sends it again under the same id: answered as a repeat, nothing doubled.
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  for (let i = 0; i < 150 && (await outboxCount(page)) > 0; i++) await page.waitForTimeout(100);
  assert.equal(await outboxCount(page), 0, 'the retry was taken as a repeat');
  await page.getByLabel('协商共识').waitFor();
  assert.equal(lost, 2);
  const acts = (await api.call('GET', base + '/activities', undefined, as.convener)).items;
  assert.equal(acts.filter((a) => a.kind === 'consultation').length, 1);
  const t = await api.call('GET', base, undefined, as.convener);
  assert.equal(t.history.filter((x) => x.action === 'meet').length, 1);
  await ctx.close();
});

test('a convener who never opened a topic can record its research offline after signing in', async () => {
  const { api, users, as } = world;
  const { topic, base } = await topicAt(world, 'planned', { topic: { title: '村道拓宽' } });
  const { ctx, page } = await world.signedIn(users.convener);
  // Signed in and on the home screen only; the app keeps the convener's open topics.
  const kept = (path) => page.evaluate(async ([uid, path]) => {
    const req = indexedDB.open('frontline');
    const db = await new Promise((r) => { req.onsuccess = () => r(req.result); });
    return new Promise((r) => { const q = db.transaction('cache').objectStore('cache').get(uid + '|' + path); q.onsuccess = () => r(!!q.result); });
  }, [users.convener.id, path]);
  for (let i = 0; i < 100 && !((await kept(base + '/plan')) && (await kept(base + '/activities'))); i++) await page.waitForTimeout(100);
  await ctx.setOffline(true);
  await page.getByRole('link', { name: '议题', exact: true }).click();
  await page.getByRole('link', { name: /村道拓宽/ }).click();
  await page.getByLabel('调研发现').fill('路面宽 3.5 米，会车困难');
  await page.getByRole('button', { name: '记录调研' }).click();
  await page.locator('[data-testid=pending-records] [data-sync=pending]').waitFor();
  assert.equal(await outboxCount(page), 1);
  await ctx.setOffline(false);
  await page.locator('[data-testid=topic-activities]').getByText('会车困难').waitFor({ timeout: 15000 });
  assert.equal((await api.call('GET', base + '/activities', undefined, as.convener)).items.length, 1);
  await ctx.close();
});

test('a planned topic keeps the plan form folded under 修改工作方案; a revision saves', async () => {
  const { api, users, as } = world;
  const { topic, base } = await topicAt(world, 'planned', { topic: { title: '公厕改造' }, plan: { theme: '公厕改造方案' } });
  const { ctx, page } = await world.signedIn(users.convener);
  await page.goto(world.url + '/topics/' + topic.id);
  await page.getByLabel('调研发现').waitFor();
  assert.equal(await page.getByLabel('方案主题').isVisible(), false, 'folded');
  await page.getByText('修改工作方案').click();
  assert.equal(await page.getByLabel('方案主题').inputValue(), '公厕改造方案');
  await page.getByLabel('方案主题').fill('公厕改造方案（修订）');
  await page.getByRole('button', { name: '更新工作方案' }).click();
  await page.locator('[data-testid=plan]').getByText('公厕改造方案（修订）').waitFor();
  assert.equal((await api.call('GET', base + '/plan', undefined, as.convener)).theme, '公厕改造方案（修订）');
  await ctx.close();
});
