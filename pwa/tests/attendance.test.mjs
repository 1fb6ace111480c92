// Attendance (签到) in a village hall without signal: the convener shows a rotating QR
// code fetched while online, two members scan it with both phones offline, and their
// check-ins go up later, once each. A member asks for leave and the convener sees it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setUpWorld, topicAt, serviceWorkerReady, screenshot, sleep, OUT, PASSWORD, GIVEN } from './helpers.mjs';

const world = setUpWorld();

// member2 is a second member of the world's room.
async function secondMember() {
  const { api, admin, room } = world;
  const u = await api.call('POST', '/api/v1/users', { phone: '13900000011', name: '孙委员', password: GIVEN, role: 'member' }, admin);
  await api.ownPassword(u.phone, GIVEN, PASSWORD);
  await api.call('PUT', '/api/v1/rooms/' + room.id + '/members/' + u.id, { role: 'member' }, admin);
  return { ...u, password: PASSWORD };
}

async function attendance(activityId, token) {
  return (await world.api.call('GET', '/api/v1/activities/' + activityId + '/attendance', undefined, token)).items;
}

test('two members sign in by QR with both phones offline; their check-ins sync once', async () => {
  const { api, users } = world;
  const member2 = await secondMember();
  const { as } = world;
  const { topic } = await topicAt(world, 'researched', { topic: { title: '东关村道路硬化' },
    plan: { participants: { user_ids: [users.member.id, member2.id], outside: [] } } });

  // The convener starts the meeting in the app, ahead of its minutes: the plan's
  // participants come ticked as the invited.
  const { ctx: convCtx, page: conv } = await world.signedIn(users.convener);
  await conv.goto(world.url + '/topics/' + topic.id);
  const form = conv.getByRole('form', { name: '召开协商会' });
  await form.getByLabel('会议地点').fill('村委会会议室');
  for (const u of [users.member, member2]) assert.ok(await form.getByLabel(u.name, { exact: true }).isChecked(), u.name + ' invited by default');
  await screenshot(conv, '59-meeting-start');
  await conv.getByTestId('start-meeting').click();
  // Started, not yet minuted: the topic stays planned and the same form now writes the minutes.
  await conv.getByTestId('open-meeting').waitFor();
  const [meeting] = (await api.call('GET', '/api/v1/topics/' + topic.id + '/activities', undefined, as.convener)).items
    .filter((a) => a.kind === 'consultation');
  assert.ok(meeting && meeting.open && meeting.summary === '', 'the meeting is open');
  assert.deepEqual([...meeting.attendees.user_ids].sort(), [users.member.id, member2.id].sort());
  assert.equal((await api.call('GET', '/api/v1/topics/' + topic.id, undefined, as.convener)).status, 'planned');

  // The convener's phone fetches the codes while online, then loses the signal.
  await conv.getByTestId('open-meeting').getByRole('link', { name: '签到' }).click();
  await conv.getByTestId('activity-head').getByText('村委会会议室').waitFor();
  await conv.locator('[data-user="' + users.member.id + '"][data-status=absent]').waitFor();
  await conv.getByTestId('show-qr').click();
  const qr = conv.locator('[data-testid=checkin-qr] svg');
  await qr.waitFor();
  await convCtx.setOffline(true);

  // Each member's phone opens the scan screen, then is offline too.
  const phones = [];
  for (const u of [users.member, member2]) {
    const { ctx, page } = await world.signedIn(u);
    await serviceWorkerReady(page);
    await page.goto(world.url + '/scan');
    await page.getByRole('heading', { name: '扫码签到' }).waitFor();
    await ctx.setOffline(true);
    phones.push({ ctx, page, u });
  }

  // Each scans the code on the convener's screen (a photo of it, decoded in the page).
  await mkdir(OUT, { recursive: true });
  for (const [i, { page }] of phones.entries()) {
    const file = join(OUT, 'checkin-qr-' + i + '.png');
    await writeFile(file, await qr.screenshot());
    await page.getByTestId('scan-image').setInputFiles(file);
    await page.getByText('已在手机上保存签到，联网后自动提交。').waitFor();
  }
  await screenshot(phones[0].page, '60-checkin-queued');
  assert.equal((await attendance(meeting.id, as.convener)).filter((x) => x.status === 'present').length, 0, 'nothing reached the server offline');

  // The signal returns: each check-in goes up by itself, once.
  for (const { ctx } of phones) await ctx.setOffline(false);
  await convCtx.setOffline(false);
  const deadline = Date.now() + 20000;
  let present = [];
  while (Date.now() < deadline) {
    present = (await attendance(meeting.id, as.convener)).filter((x) => x.status === 'present');
    if (present.length === 2) break;
    await sleep(200);
  }
  assert.deepEqual(present.map((x) => x.user_id).sort(), [users.member.id, member2.id].sort());
  assert.ok(present.every((x) => x.via === 'qr'), 'both by QR');

  // Reopening the apps syncs again: nothing is sent twice.
  for (const { page } of phones) {
    await page.reload();
    await page.getByRole('heading', { name: '扫码签到' }).waitFor();
  }
  await sleep(1500);
  const after = await attendance(meeting.id, as.convener);
  assert.equal(after.length, 2, 'one row per member');
  assert.deepEqual(after.map((x) => x.at).sort(), present.map((x) => x.at).sort(), 'rows unchanged');
  await conv.reload();
  await conv.locator('[data-user="' + member2.id + '"][data-status=present]').waitFor();
  await screenshot(conv, '61-attendance-present');

  // After the meeting the convener writes its minutes on the same activity, in the same form.
  await conv.goto(world.url + '/topics/' + topic.id);
  const minutes = conv.getByRole('form', { name: '填写会议纪要' });
  await minutes.getByLabel('会议纪要').fill('道路硬化方案达成一致');
  await minutes.getByRole('button', { name: '填写会议纪要' }).click();
  await conv.getByText('道路硬化方案达成一致').waitFor();
  const done = await api.call('GET', '/api/v1/activities/' + meeting.id, undefined, as.convener);
  assert.equal(done.summary, '道路硬化方案达成一致');
  assert.equal(done.open, false);
  assert.equal((await api.call('GET', '/api/v1/topics/' + topic.id, undefined, as.convener)).status, 'consulted');
  assert.equal((await api.call('GET', '/api/v1/topics/' + topic.id + '/activities', undefined, as.convener)).items
    .filter((a) => a.kind === 'consultation').length, 1, 'one meeting, written onto');
  for (const { ctx } of phones) await ctx.close();
  await convCtx.close();
});

test('a member asks for leave of a coming activity and the convener sees it', async () => {
  const { api, users, room, as } = world;
  const tomorrow = new Date(Date.now() + 30 * 3600 * 1000).toISOString();
  const forum = await api.call('POST', '/api/v1/rooms/' + room.id + '/activities', { kind: 'forum', held_at: tomorrow, place: '村文化广场',
    attendees: { user_ids: [users.member.id] } }, as.convener);

  const { ctx, page } = await world.signedIn(users.member);
  await page.goto(world.url + '/notices');
  await page.getByText('邀请你参加座谈').first().waitFor();
  await page.goto(world.url + '/activities/' + forum.id);
  await page.getByLabel('请假原因').fill('外出参加培训');
  await page.getByRole('button', { name: '请假' }).click();
  await page.locator('[data-user="' + users.member.id + '"][data-status=leave]').waitFor();

  const { ctx: cctx, page: conv } = await world.signedIn(users.convener);
  // The convener is told of the leave, with the reason.
  await conv.goto(world.url + '/notices');
  await conv.getByText(users.member.name + '请假，不参加座谈').first().waitFor();
  await conv.goto(world.url + '/activities/' + forum.id);
  const row = conv.locator('[data-user="' + users.member.id + '"][data-status=leave]');
  await row.getByText('外出参加培训').waitFor();
  await screenshot(conv, '62-attendance-leave');
  await ctx.close();
  await cctx.close();
});
