// The receipt page: a resident follows their opinion by its code, without signing in, and
// sees nothing that names or locates anyone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUpWorld, screenshot, topicAt } from './helpers.mjs';

const world = setUpWorld();

const RESIDENT = { name: '周阿姨', phone: '13712345678', address: '东关村三组18号' };

// concluded takes a topic fed by one opinion that names a resident through both reviews, the
// plan, research, the meeting and the outcome, through the API.
async function concluded() {
  return topicAt(world, 'concluded', {
    opinion: {
      content: '村口排水沟堵塞，雨天积水',
      resident_name: RESIDENT.name, resident_phone: RESIDENT.phone, resident_consent: true, address: RESIDENT.address,
    },
    topic: { title: '村口排水沟疏通' },
    activity: { place: '村口', summary: '排水沟被建筑垃圾堵塞' },
    meeting: { summary: '村委会负责清运，镇城建办指导' },
    outcome: { consensus: '一周内清运建筑垃圾并加装盖板', recommendations: [{ content: '清运建筑垃圾', unit: '村委会', due_on: '2030-01-01' }] },
  });
}

test('a resident opens the receipt page without signing in and sees progress, not people', async () => {
  const { op } = await concluded();
  assert.match(op.receipt_code, /^[2-9A-HJKMNP-Z]{8}$/);

  const { ctx, page } = await world.phone();
  const bodies = [];
  page.on('response', async (res) => {
    if (res.url().includes('/api/')) bodies.push(await res.text().catch(() => ''));
  });
  await page.goto(world.url + '/r/' + op.receipt_code.toLowerCase());
  await page.getByRole('heading', { name: '民意回执' }).waitFor();
  await page.getByText('村口排水沟疏通').waitFor();
  await page.getByText('一周内清运建筑垃圾并加装盖板').waitFor();
  await page.getByText('已形成成果').waitFor();
  assert.equal(new URL(page.url()).pathname, '/r/' + op.receipt_code.toLowerCase(), 'the page must not send the resident to sign-in');
  await screenshot(page, '30-receipt');

  const text = await page.locator('body').innerText();
  assert.ok(bodies.length > 0, 'the page asked the API');
  for (const leak of [RESIDENT.name, RESIDENT.phone, RESIDENT.address, '李委员', 'resident', 'collector', '/files/', 'X-Amz']) {
    assert.ok(!text.includes(leak), 'page text shows ' + leak);
    for (const b of bodies) assert.ok(!b.includes(leak), 'an API response carries ' + leak);
  }

  await page.goto(world.url + '/r/ZZZZZZZZ');
  await page.getByRole('alert').filter({ hasText: '没有找到回执码' }).waitFor();
  await ctx.close();
});

test('the collector finds the receipt code on their opinion and it opens the receipt page', async () => {
  const { ctx, page } = await world.signedIn(world.users.member);
  await page.goto(world.url + '/opinions');
  const link = page.locator('a.receipt-link').first();
  await link.waitFor();
  const code = (await link.innerText()).trim();
  assert.match(code, /^[2-9A-HJKMNP-Z]{8}$/);
  await link.click();
  await page.getByRole('heading', { name: '民意回执' }).waitFor();
  await page.getByText(code).first().waitFor();
  await ctx.close();
});
