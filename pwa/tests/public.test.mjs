// The public pages: a room's and the county's outcomes open without signing in, show no
// resident's or member's data in the page or in any answer, open offline after one visit,
// and load little (the first load's weight is printed).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUpWorld, topicAt } from './helpers.mjs';

const world = setUpWorld();
const RESIDENT = { name: '周阿姨', phone: '13712345678', address: '东关村三组18号' };
// A 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

test('a room\'s public page shows outcomes and marked photos, no people, offline after one visit; its first load is light', async () => {
  const { as } = world;
  const form = new FormData();
  form.append('file', new Blob([PNG], { type: 'image/png' }), 'p.png');
  const up = await fetch(world.url + '/api/v1/photos', { method: 'POST', body: form, headers: { Authorization: 'Bearer ' + as.convener } });
  const photo = await up.json();
  await topicAt(world, 'concluded', {
    opinion: { content: '村口排水沟堵塞', resident_name: RESIDENT.name, resident_phone: RESIDENT.phone, resident_consent: true, address: RESIDENT.address },
    topic: { title: '村口排水沟疏通' },
    activity: { place: '村口', summary: '排水沟被堵', attendees: { residents: ['孙大爷'] }, photo_ids: [photo.id] },
    meeting: { photo_ids: [] },
    outcome: { consensus: '一周内清运建筑垃圾', recommendations: [{ content: '清运建筑垃圾', unit: '村委会', contact: '刘主任 13600001111', due_on: '2030-01-01' }] },
  });
  await world.api.call('PUT', '/api/v1/photos/' + photo.id + '/public', { public: true, label: 'before' }, as.convener);

  const { ctx, page } = await world.phone();
  const bodies = [];
  let requests = 0;
  page.on('request', () => { requests += 1; });
  page.on('response', async (res) => {
    if (res.url().includes('/api/')) bodies.push(await res.text().catch(() => ''));
  });
  await page.goto(world.url + '/p/rooms/' + world.room.id);
  await page.getByRole('heading', { name: '东关村委员议事室' }).waitFor();
  await page.getByText('一周内清运建筑垃圾').first().waitFor();
  await page.getByText('整改前').first().waitFor();
  assert.equal(new URL(page.url()).pathname, '/p/rooms/' + world.room.id, 'no sign-in asked');
  // First load weight: every resource the page fetched, by its transfer size.
  const weight = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource');
    return { bytes: nav.transferSize + res.reduce((n, r) => n + r.transferSize, 0), decoded: nav.decodedBodySize + res.reduce((n, r) => n + r.decodedBodySize, 0), requests: res.length + 1 };
  });
  console.log(`public room page first load: ${(weight.bytes / 1024).toFixed(1)} KB transferred (${(weight.decoded / 1024).toFixed(1)} KB decoded) in ${weight.requests} requests (${requests} seen by the page)`);
  assert.ok(weight.bytes < 80 * 1024, 'first load over 80 KB: ' + weight.bytes);

  const text = await page.locator('body').innerText();
  const html = await page.content();
  for (const leak of [RESIDENT.name, RESIDENT.phone, RESIDENT.address, '孙大爷', '刘主任', '13600001111', '李委员', '王召集人', '赵县审', '钱镇审',
    world.users.member.phone, world.users.convener.id, 'resident', 'collector', 'created_by']) {
    assert.ok(!text.includes(leak), 'page text shows ' + leak);
    assert.ok(!html.includes(leak), 'the DOM carries ' + leak);
    for (const b of bodies) assert.ok(!b.includes(leak), 'an API response carries ' + leak);
  }

  // The county page, and back; then offline.
  await page.goto(world.url + '/p/county');
  await page.getByText('东关村委员议事室').first().waitFor();
  await page.waitForFunction(() => navigator.serviceWorker && navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready.then(() => true));
  await page.evaluate(() => navigator.serviceWorker.ready);
  await ctx.setOffline(true);
  await page.goto(world.url + '/p/rooms/' + world.room.id);
  await page.getByRole('heading', { name: '东关村委员议事室' }).waitFor();
  await page.getByText('离线').first().waitFor();
  await page.getByText('一周内清运建筑垃圾').first().waitFor();
  await ctx.setOffline(false);

  // The door plate carries the QR code of the page.
  await page.goto(world.url + '/p/rooms/' + world.room.id + '/plate');
  await page.getByTestId('door-plate').locator('svg.qr').waitFor();
  await ctx.close();
});

test('the convener marks an activity photo public as 整改后 in the app and the room\'s public page shows it; a member gets no such choice', async () => {
  const { as } = world;
  const upload = async () => {
    const form = new FormData();
    form.append('file', new Blob([PNG], { type: 'image/png' }), 'p.png');
    const res = await fetch(world.url + '/api/v1/photos', { method: 'POST', body: form, headers: { Authorization: 'Bearer ' + as.convener } });
    return (await res.json()).id;
  };
  const [researchPhoto, visitPhoto] = [await upload(), await upload()];
  const { topic } = await topicAt(world, 'researched', { topic: { title: '东关桥头路灯' }, activity: { place: '桥头', summary: '路灯不亮', photo_ids: [researchPhoto] } });
  await world.api.call('POST', '/api/v1/rooms/' + world.room.id + '/activities',
    { kind: 'visit', held_at: new Date().toISOString(), place: '桥头', summary: '走访路灯', photo_ids: [visitPhoto] }, as.convener);
  const publicLabels = async () => {
    const r = await world.api.call('GET', '/api/v1/public/rooms/' + world.room.id);
    return new Map([...r.photos, ...r.topics.flatMap((t) => t.photos)].map((p) => [p.id, p.label]));
  };
  assert.equal((await publicLabels()).has(researchPhoto), false);

  // On the topic screen, the research photo: 整改后.
  const { ctx, page } = await world.signedIn(world.users.convener);
  await page.goto(world.url + '/topics/' + topic.id);
  const choice = page.getByRole('combobox', { name: '调研照片 1是否公开' });
  await choice.and(page.locator(':enabled')).waitFor();
  assert.equal(await choice.inputValue(), '', 'not public yet');
  await choice.selectOption({ label: '公开为整改后' });
  await page.getByText('已在公开页展示为“整改后”照片').waitFor();
  assert.equal((await publicLabels()).get(researchPhoto), 'after');
  // On the room's activity list, the visit's photo: 整改前.
  await page.goto(world.url + '/rooms/' + world.room.id);
  const visitChoice = page.getByTestId('activities').getByRole('listitem').filter({ hasText: '走访路灯' }).getByRole('combobox', { name: '活动照片 1是否公开' });
  await visitChoice.and(page.locator(':enabled')).waitFor();
  await visitChoice.selectOption({ label: '公开为整改前' });
  await page.getByText('已在公开页展示为“整改前”照片').waitFor();
  assert.equal((await publicLabels()).get(visitPhoto), 'before');
  // Back on the topic screen, the choice shows what the public sees.
  await page.goto(world.url + '/topics/' + topic.id);
  await choice.and(page.locator(':enabled')).waitFor();
  assert.equal(await choice.inputValue(), 'after');
  await ctx.close();

  // The public page, without signing in, shows the photo as 整改后 under its topic.
  const { ctx: pub, page: p } = await world.phone();
  await p.goto(world.url + '/p/rooms/' + world.room.id);
  const card = p.locator('li.card').filter({ hasText: '东关桥头路灯' });
  await card.locator('figure.public-photo').filter({ hasText: '整改后' }).locator('img').waitFor();
  await p.locator('figure.public-photo').filter({ hasText: '整改前' }).first().waitFor();
  await pub.close();

  // A member of the room sees the photos but gets no choice.
  const { ctx: mctx, page: m } = await world.signedIn(world.users.member);
  await m.goto(world.url + '/topics/' + topic.id);
  await m.getByRole('img', { name: '调研照片 1' }).waitFor();
  assert.equal(await m.getByTestId('photo-public').count(), 0, 'a member is offered the public choice');
  await mctx.close();
});
