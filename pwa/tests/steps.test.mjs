// One topic from approval to closed through the app, as its convener would take it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUpWorld, screenshot, topicAt } from './helpers.mjs';

const world = setUpWorld();

test('a convener walks an approved topic through plan, research, meeting, outcome and follow-up to closed', async () => {
  const { api, users, as } = world;
  const { topic, base: t } = await topicAt(world, 'approved', {
    opinion: { channel: 'forum', category: '交通出行', content: '学校门口缺少斑马线' }, topic: { title: '学校门口交通安全' },
  });

  const { ctx, page } = await world.signedIn(users.convener);
  await page.goto(world.url + '/topics/' + topic.id);
  const status = (text) => page.locator('.chip.st-' + text).first().waitFor();

  // 2. The work plan.
  await page.getByLabel('方案主题').fill('学校门口交通安全工作方案');
  await page.getByLabel('方案内容').fill('调研上下学高峰车流，协商增设斑马线和信号灯');
  await page.getByLabel('牵头人').fill('王召集人');
  await page.getByLabel('邀请参加人员').fill('张警官 交警中队\n刘校长 实验小学');
  await page.getByLabel('时间安排').fill('下个月\n');
  await page.getByRole('button', { name: '保存工作方案' }).click();
  await page.getByText('请写成“日期 事项”').waitFor();
  await page.getByLabel('时间安排').fill('2030-03-01 现场调研\n2030年3月15日 召开协商会');
  await page.getByRole('button', { name: '保存工作方案' }).click();
  await status('planned');
  await page.locator('[data-testid=plan]').getByText('张警官（交警中队）、刘校长（实验小学）').waitFor();
  await page.locator('[data-testid=plan]').getByText('2030-03-15 召开协商会').waitFor();
  await screenshot(page, '31-topic-planned');

  // 3. Research, then 4. the meeting (offered only once research exists).
  assert.equal(await page.getByRole('button', { name: '召开协商会' }).count(), 0, 'no meeting before research');
  await page.getByLabel('调研地点').fill('实验小学门口');
  await page.getByLabel('调研发现').fill('早高峰车流大，学生横穿马路');
  await page.getByRole('button', { name: '记录调研' }).click();
  await page.getByRole('button', { name: '召开协商会' }).waitFor();
  await page.getByLabel('会议地点').fill('村委会会议室');
  await page.getByLabel('参加的部门负责人').fill('交警中队，住建局');
  await page.getByLabel('会议纪要').fill('同意增设斑马线，高峰期安排协管员');
  await page.getByRole('button', { name: '召开协商会' }).click();
  await status('consulted');

  // 5. The outcome with two recommendations.
  await page.getByLabel('协商共识').fill('增设斑马线和减速带，高峰期安排协管员');
  await page.getByLabel(/^建议内容 1/).fill('施划斑马线');
  await page.getByLabel(/^责任单位 1/).fill('交警中队');
  await page.getByLabel(/^完成期限 1/).fill('2030-01-01');
  await page.getByRole('button', { name: '添加一条意见建议' }).click();
  await page.getByLabel(/^建议内容 2/).fill('安排高峰期协管员');
  await page.getByLabel(/^责任单位 2/).fill('实验小学');
  await page.getByLabel(/^完成期限 2/).fill('2030-01-01');
  await page.getByRole('button', { name: '发布协商成果' }).click();
  await status('concluded');
  await screenshot(page, '32-topic-concluded');

  // 6–7. Follow-up until both are settled: the topic closes.
  await page.getByLabel('办理状态（建议 1）').selectOption('done');
  await page.getByLabel('进展说明（建议 1）').fill('斑马线已施划');
  await page.getByRole('button', { name: '记录进展（建议 1）' }).click();
  await page.getByLabel('办理状态（建议 2）').waitFor();
  await page.getByLabel('办理状态（建议 1）').waitFor({ state: 'detached' });
  await page.getByLabel('办理状态（建议 2）').selectOption('not_adopted');
  await page.getByLabel('进展说明（建议 2）').fill('学校已自行安排家长志愿者');
  await page.getByLabel('未采纳原因（建议 2）').fill('由学校家委会承担');
  await page.getByRole('button', { name: '记录进展（建议 2）' }).click();
  await status('closed');
  await screenshot(page, '33-topic-closed');

  const plan = await api.call('GET', t + '/plan', undefined, as.convener);
  assert.deepEqual(plan.schedule, [{ date: '2030-03-01', item: '现场调研' }, { date: '2030-03-15', item: '召开协商会' }]);
  assert.deepEqual(plan.participants.outside, [{ name: '张警官', unit: '交警中队' }, { name: '刘校长', unit: '实验小学' }]);
  const acts = await api.call('GET', t + '/activities', undefined, as.convener);
  const meeting = (acts.items || acts).find((a) => a.kind === 'consultation');
  assert.deepEqual(meeting.attendees.units, ['交警中队', '住建局']);
  const final = await api.call('GET', t, undefined, as.convener);
  assert.equal(final.status, 'closed');
  const actions = final.history.map((x) => x.action).join(',');
  assert.equal(actions, 'create,submit,approve_one,approve_both,plan,meet,conclude,close');
  await ctx.close();
});

// A change made elsewhere (here: the plan saved from another phone) redraws the topic, but
// never under the convener's typing: words typed into a form stay until they send it.
test('a live change does not take away what the convener is typing', async () => {
  const { api, users, as } = world;
  const { topic, base } = await topicAt(world, 'approved', { topic: { title: '村口路灯' } });
  const { ctx, page } = await world.signedIn(users.convener);
  await page.goto(world.url + '/topics/' + topic.id);
  const theme = page.getByLabel('方案主题');
  await theme.fill('村口路灯工作方案（草稿）');
  await api.call('PUT', base + '/plan', { theme: '另一部手机上的方案', content: '调研后协商', lead: '王召集人' }, as.convener);
  // The topic's change reaches this page as an event; give it time to arrive and be handled.
  await page.waitForFunction(() => document.documentElement.dataset.live === 'true');
  await page.waitForTimeout(2500);
  assert.equal(await theme.inputValue(), '村口路灯工作方案（草稿）', 'the typed words stay');
  await ctx.close();
});
