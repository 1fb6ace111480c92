// Photos on the phone: made smaller before they are stored, sent quickly when the network
// returns, and where they were taken kept for the server to read.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUpWorld, signIn, serviceWorkerReady, photo, withGPS, mine, fillOpinion } from './helpers.mjs';

const world = setUpWorld();

test('timing: online to synced for one opinion with 3 photos', async () => {
  const { ctx: context, page } = await world.signedIn(world.users.member);
  await serviceWorkerReady(page);
  await page.goto(world.url + '/opinions/new');
  await page.getByRole('heading', { name: '新建民意' }).waitFor();
  // Phone-camera sized pictures: the app makes them at most 2048 px before storing them.
  const files = [await photo(page, 4000, 3000, 3), await photo(page, 4000, 3000, 4), await photo(page, 3000, 4000, 5)];
  const sizes = files.map((f) => f.buffer.length);
  await context.setOffline(true);
  await fillOpinion(page, '老街路灯坏了三盏，晚上出行不便', files);
  const card = page.locator('[data-testid=opinions] li').filter({ hasText: '老街路灯坏了三盏' });
  await card.and(page.locator('[data-sync=pending]')).waitFor();
  const stored = await page.evaluate(async (id) => {
    const req = indexedDB.open('frontline');
    const db = await new Promise((r) => { req.onsuccess = () => r(req.result); });
    const all = await new Promise((r) => { const q = db.transaction('photos').objectStore('photos').getAll(); q.onsuccess = () => r(q.result); });
    const mineNow = all.filter((p) => p.opinion_id === id && p.blob);
    const dims = await Promise.all(mineNow.map(async (p) => { const b = await createImageBitmap(p.blob); return Math.max(b.width, b.height); }));
    return { sizes: mineNow.map((p) => p.blob.size), dims };
  }, await card.getAttribute('data-id'));
  assert.equal(stored.dims.length, 3);
  for (const d of stored.dims) assert.ok(d <= 2048, `stored photo is ${d} px`);

  const t0 = Date.now();
  await context.setOffline(false);
  await card.and(page.locator('[data-sync=synced]')).waitFor({ timeout: 30000 });
  const ms = Date.now() - t0;
  const kb = (n) => (n / 1024).toFixed(0);
  console.log(`online → synced, 1 opinion with 3 photos: ${ms} ms ` +
    `(photos ${sizes.map(kb).join('/')} KB as taken, ${stored.sizes.map(kb).join('/')} KB as sent)`);
  const items = await mine(world.api, world.users.member);
  const it = items.find((o) => o.content.startsWith('老街路灯'));
  assert.equal(it.photos.length, 3);
  assert.ok(it.photos.every((p) => Math.max(p.width, p.height) <= 2048));
  await context.close();
});

test('location: the phone position when allowed, else the GPS of a photo (kept through downscaling)', async () => {
  // Allowed: the phone's position.
  let context = await world.browser.newContext({ permissions: ['geolocation'], geolocation: { latitude: 34.2655, longitude: 108.9542, accuracy: 12 } });
  let page = await context.newPage();
  await signIn(page, world.url, world.users.member);
  await page.goto(world.url + '/opinions/new');
  await page.getByLabel('类别').selectOption('交通出行');
  await page.getByLabel('居民反映的内容').fill('桥头护栏松动');
  await page.getByRole('button', { name: '使用我的位置' }).click();
  await page.getByText(/^已定位：34.2655, 108.9542/).waitFor();
  await page.getByRole('button', { name: '保存' }).click();
  await page.locator('[data-testid=opinions] li').filter({ hasText: '桥头护栏松动' }).and(page.locator('[data-sync=synced]')).waitFor({ timeout: 15000 });
  await context.close();

  // Refused: the position comes from the first photo's EXIF, read by the server.
  context = await world.browser.newContext();
  await context.clearPermissions();
  page = await context.newPage();
  await signIn(page, world.url, world.users.member);
  await page.goto(world.url + '/opinions/new');
  await page.getByLabel('类别').selectOption('环境卫生');
  await page.getByLabel('居民反映的内容').fill('河边垃圾堆积');
  await page.getByRole('button', { name: '使用我的位置' }).click();
  await page.getByText(/无法定位|不能定位/).waitFor();
  await page.locator('#photos').setInputFiles([withGPS(await photo(page, 3000, 2000, 9), 31.2304, 121.4737)]);
  await page.getByRole('img', { name: '照片 1' }).waitFor();
  await page.getByRole('button', { name: '保存' }).click();
  await page.locator('[data-testid=opinions] li').filter({ hasText: '河边垃圾堆积' }).and(page.locator('[data-sync=synced]')).waitFor({ timeout: 15000 });
  await context.close();

  const items = await mine(world.api, world.users.member);
  const byText = (t) => items.find((o) => o.content === t);
  assert.ok(Math.abs(byText('桥头护栏松动').lat - 34.2655) < 1e-4 && Math.abs(byText('桥头护栏松动').lng - 108.9542) < 1e-4, 'phone position');
  const fromPhoto = byText('河边垃圾堆积');
  assert.ok(Math.abs(fromPhoto.lat - 31.2304) < 1e-3 && Math.abs(fromPhoto.lng - 121.4737) < 1e-3, `photo position, got ${fromPhoto.lat}, ${fromPhoto.lng}`);
  assert.ok(Math.max(fromPhoto.photos[0].width, fromPhoto.photos[0].height) <= 2048, 'the photo was made smaller');
});

test('a photo the phone cannot convert and the server would refuse (HEIC) is turned away when picked, not at sync', async () => {
  const { ctx: context, page } = await world.signedIn(world.users.member);
  await page.goto(world.url + '/opinions/new');
  await page.getByRole('heading', { name: '新建民意' }).waitFor();
  // An HEIC file's opening bytes: Chromium does not decode it.
  const heic = { name: 'IMG_0001.HEIC', mimeType: 'image/heic', buffer: Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic'), Buffer.alloc(64)]) };
  await page.locator('#photos').setInputFiles([heic, await photo(page, 800, 600, 6)]);
  await page.locator('.toast', { hasText: '格式（image/heic）无法上传' }).waitFor();
  await page.getByRole('img', { name: '现场照片 1' }).waitFor();
  assert.equal(await page.locator('.previews img').count(), 1, 'only the JPEG is kept');
  await context.close();
});
