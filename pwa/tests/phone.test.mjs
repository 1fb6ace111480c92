// What the phone does when things go wrong: storage during a sync with photos, a full
// phone, a lost answer and a busy server, refusals in words a member understands, an outbox
// written by an older version of the app, Background Sync with a page open whose attempt
// fails, and toasts that never cover a form's buttons.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUpWorld, signIn, serviceWorkerReady, photo, mine, fillOpinion } from './helpers.mjs';

const world = setUpWorld();

// idb reads every row of a store of the app's database.
const idb = (page, store) => page.evaluate(async (store) => {
  const req = indexedDB.open('frontline');
  const db = await new Promise((r) => { req.onsuccess = () => r(req.result); });
  const rows = await new Promise((r) => { const q = db.transaction(store).objectStore(store).getAll(); q.onsuccess = () => r(q.result); });
  db.close();
  return rows.map((x) => ({ ...x, blob: x.blob ? x.blob.size : null }));
}, store);

const usage = (page) => page.evaluate(async () => (await navigator.storage.estimate()).usage);

// opinionPosts routes the page's POST /api/v1/opinions through fn(route, n), n counting from 0.
async function opinionPosts(page, fn) {
  let n = 0;
  const times = [];
  await page.route((url) => url.pathname === '/api/v1/opinions', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    times.push(Date.now());
    return fn(route, n++);
  });
  return times;
}

const latin = /[A-Za-z]/;

test('photos: once uploaded the phone keeps no copy of the image, and never uploads it again', async () => {
  // No worker: the page's own requests are the ones counted.
  const { ctx: context, page } = await world.signedIn(world.users.member, { serviceWorkers: 'block' });
  await page.goto(world.url + '/opinions/new');
  await page.getByRole('heading', { name: '新建民意' }).waitFor();
  const files = [];
  for (let i = 0; i < 4; i++) files.push(await photo(page, 1600, 1200, 20 + i));
  let uploads = 0;
  await page.route((url) => url.pathname === '/api/v1/photos', (route) => { uploads++; return route.continue(); });
  // The server is busy the first time the opinion itself comes: the photos are up, it is not.
  const posts = await opinionPosts(page, (route, n) => (n === 0
    ? route.fulfill({ status: 503, headers: { 'Retry-After': '1' }, contentType: 'application/json', body: '{"error":{"code":"unavailable","message":"busy"}}' })
    : route.continue()));
  const signedIn = await usage(page);
  await context.setOffline(true);
  await fillOpinion(page, '菜市场门口积水严重', files);
  const queued = await usage(page);
  const stored = (await idb(page, 'photos')).reduce((n, p) => n + (p.blob || 0), 0);
  await context.setOffline(false);
  for (let i = 0; i < 100 && posts.length < 1; i++) await page.waitForTimeout(100);
  await page.waitForTimeout(300);
  const during = await idb(page, 'photos');
  const peak = await usage(page);
  const card = page.locator('[data-testid=opinions] li').filter({ hasText: '菜市场门口积水严重' });
  await card.and(page.locator('[data-sync=synced]')).waitFor({ timeout: 20000 });
  const done = await usage(page);
  const kb = (n) => (n / 1024).toFixed(0) + ' KB';
  console.log(`storage (navigator.storage.estimate): signed in ${kb(signedIn)}, 4 photos queued ${kb(queued)} ` +
    `(images ${kb(stored)}), after uploading while the opinion waits ${kb(peak)}, synced ${kb(done)}`);
  assert.equal(during.length, 4);
  for (const p of during) {
    assert.equal(p.blob, null, 'an uploaded photo keeps no image on the phone');
    assert.ok(p.uploaded && p.uploaded.id === p.id, 'it keeps the server id');
  }
  assert.equal(uploads, 4, 'each photo went up once, the retry sent only the opinion');
  assert.equal(posts.length, 2);
  assert.ok(posts[1] - posts[0] >= 900, 'Retry-After was waited for');
  const it = (await mine(world.api, world.users.member)).find((o) => o.content === '菜市场门口积水严重');
  assert.equal(it.photos.length, 4);
  await context.close();
});

test('a full phone is told in Chinese', async () => {
  const context = await world.browser.newContext();
  await context.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (...args) {
      if (window.__full && this.name === 'outbox') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    };
  });
  const page = await context.newPage();
  await signIn(page, world.url, world.users.member);
  await page.goto(world.url + '/opinions/new');
  await page.getByLabel('类别').selectOption('教育');
  await page.getByLabel('居民反映的内容').fill('学校门口缺少斑马线');
  await page.evaluate(() => { window.__full = true; });
  await page.getByRole('button', { name: '保存' }).click();
  const alert = page.getByRole('alert').filter({ hasText: '保存失败' });
  await alert.waitFor();
  const text = await alert.innerText();
  assert.match(text, /存储空间不足/);
  assert.doesNotMatch(text, latin, 'no English: ' + text);
  await context.close();
});

test('a lost answer is tried again within 10 s', async () => {
  const { ctx: context, page } = await world.phone({ serviceWorkers: 'block' });
  const posts = await opinionPosts(page, (route, n) => (n === 0 ? route.abort('connectionreset') : route.continue()));
  await signIn(page, world.url, world.users.member);
  await page.goto(world.url + '/opinions/new');
  await page.getByLabel('类别').selectOption('其他');
  await page.getByLabel('居民反映的内容').fill('公交站没有遮雨棚');
  await page.getByRole('button', { name: '保存' }).click();
  const card = page.locator('[data-testid=opinions] li').filter({ hasText: '公交站没有遮雨棚' });
  await card.and(page.locator('[data-sync=synced]')).waitFor({ timeout: 12000 });
  assert.equal(posts.length, 2);
  const gap = posts[1] - posts[0];
  console.log(`lost answer → retried after ${gap} ms`);
  assert.ok(gap < 10000, `retried after ${gap} ms`);
  await context.close();
});

test('refused records are counted apart and told in words a member understands', async () => {
  const { ctx: context, page } = await world.phone({ serviceWorkers: 'block' });
  await opinionPosts(page, (route, n) => (n === 0
    ? route.fulfill({ status: 422, contentType: 'application/json', body: JSON.stringify({ error: { code: 'invalid', message: 'validation failed', fields: { collected_at: 'is in the future', x_internal: 'bad' } } }) })
    : route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":{"code":"not_found","message":"not found"}}' })));
  await signIn(page, world.url, world.users.member);
  for (const content of ['路灯不亮', '井盖松动']) {
    await page.goto(world.url + '/opinions/new');
    await page.getByLabel('类别').selectOption('其他');
    await page.getByLabel('居民反映的内容').fill(content);
    await page.getByRole('button', { name: '保存' }).click();
    await page.locator('[data-testid=opinions] li').filter({ hasText: content }).and(page.locator('[data-sync=failed]')).waitFor({ timeout: 10000 });
  }
  const reason = async (content) => page.locator('[data-testid=opinions] li').filter({ hasText: content }).locator('.error').innerText();
  const r422 = await reason('路灯不亮');
  const r404 = await reason('井盖松动');
  assert.match(r422, /收集时间/);
  for (const r of [r422, r404]) {
    assert.doesNotMatch(r, latin, 'no field names or codes: ' + r);
    assert.doesNotMatch(r, /\d{3}/, 'no status codes: ' + r);
  }
  await page.getByTestId('refused').filter({ hasText: '2 条未能提交' }).waitFor();
  assert.equal(await page.getByTestId('waiting').count(), 0, 'nothing counted as 待同步');
  await page.getByRole('link', { name: '首页', exact: true }).click();
  await page.getByTestId('refused-card').filter({ hasText: '2 条民意或记录' }).waitFor();
  assert.doesNotMatch(await page.locator('main').innerText(), /等待同步/);
  await context.close();
});

test('an opinion stored by the older app (version 1 of the database) is sent after the upgrade', async () => {
  const { ctx: context, page } = await world.phone();
  const pair = await (await fetch(world.url + '/api/v1/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ phone: world.users.member.phone, password: world.users.member.password }),
  })).json();
  const pic = await photo(page, 800, 600, 30);
  // A page of the same origin that does not start the app: write the database as version 1 did.
  await page.goto(world.url + '/healthz');
  const id = await page.evaluate(async ({ user, refresh, room, jpeg }) => {
    const req = indexedDB.open('frontline', 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      db.createObjectStore('kv');
      db.createObjectStore('outbox', { keyPath: 'id' }).createIndex('user', 'user_id');
      db.createObjectStore('photos', { keyPath: 'id' }).createIndex('opinion', 'opinion_id');
      db.createObjectStore('cache');
    };
    const db = await new Promise((r) => { req.onsuccess = () => r(req.result); });
    const id = crypto.randomUUID();
    const pid = crypto.randomUUID();
    const blob = new Blob([Uint8Array.from(atob(jpeg), (c) => c.charCodeAt(0))], { type: 'image/jpeg' });
    const tx = db.transaction(['kv', 'outbox', 'photos'], 'readwrite');
    tx.objectStore('kv').put({ user, refresh_token: refresh }, 'session');
    tx.objectStore('outbox').put({
      id, user_id: user.id, fields: { room_id: room, channel: 'door_to_door', category: '环境卫生', content: '旧版本保存的民意', want_location: true, collected_at: new Date().toISOString() },
      photo_ids: [pid], state: 'pending', attempts: 1, next_at: 0, error: '网络不可用', created_at: new Date().toISOString(),
    });
    tx.objectStore('photos').put({ id: pid, opinion_id: id, user_id: user.id, blob, name: 'old.jpg', uploaded: null });
    await new Promise((r) => { tx.oncomplete = r; });
    db.close();
    return id;
  }, { user: pair.user, refresh: pair.refresh_token, room: world.room.id, jpeg: pic.buffer.toString('base64') });
  await page.goto(world.url + '/opinions');
  const card = page.locator(`[data-testid=opinions] li[data-id="${id}"]`);
  await card.and(page.locator('[data-sync=synced]')).waitFor({ timeout: 15000 });
  const it = (await mine(world.api, world.users.member)).find((o) => o.id === id);
  assert.equal(it.content, '旧版本保存的民意');
  assert.equal(it.photos.length, 1);
  const [item] = (await idb(page, 'outbox')).filter((x) => x.id === id);
  assert.equal(item.kind, 'opinion');
  assert.equal(item.fields, undefined, 'stored in the one shape now');
  await context.close();
});

test('Background Sync with a page open whose attempt fails: the worker sends the opinion itself', async () => {
  const { ctx: context, page } = await world.signedIn(world.users.member);
  await serviceWorkerReady(page);
  // The page cannot reach the opinions route (its own attempts fail); the worker can.
  const posts = await opinionPosts(page, (route) => route.abort('connectionreset'));
  await page.goto(world.url + '/opinions/new');
  await page.getByLabel('类别').selectOption('其他');
  await page.getByLabel('居民反映的内容').fill('垃圾桶太少');
  await page.getByRole('button', { name: '保存' }).click();
  const card = page.locator('[data-testid=opinions] li').filter({ hasText: '垃圾桶太少' });
  await card.and(page.locator('[data-sync=pending]')).waitFor();
  for (let i = 0; i < 50 && posts.length < 1; i++) await page.waitForTimeout(100);
  assert.ok(posts.length >= 1, 'the page tried and failed');
  // The browser wakes the worker (as it does when the network returns).
  const cdp = await context.newCDPSession(page);
  const registration = new Promise((resolve) => cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => {
    const r = e.registrations.find((x) => x.scopeURL.startsWith(world.url));
    if (r) resolve(r.registrationId);
  }));
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.dispatchSyncEvent', { origin: world.url, registrationId: await registration, tag: 'outbox', lastChance: false });
  await card.and(page.locator('[data-sync=synced]')).waitFor({ timeout: 30000 });
  assert.equal((await mine(world.api, world.users.member)).filter((o) => o.content === '垃圾桶太少').length, 1);
  await context.close();
});

test('a toast never covers the form’s buttons', async () => {
  const { ctx: context, page } = await world.signedIn(world.users.member);
  await page.goto(world.url + '/opinions/new');
  const save = page.getByRole('button', { name: '保存' });
  await save.waitFor();
  // Scroll so that 保存 stands just above the tab bar, where toasts used to appear.
  await page.evaluate(() => { document.querySelector('main').style.paddingBottom = '900px'; });
  await save.evaluate((b) => { const r = b.getBoundingClientRect(); window.scrollBy(0, r.top - (innerHeight - 150)); });
  const ui = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).find((n) => /\/assets\/ui\.[0-9a-f]+\.js$/.test(n)));
  await page.evaluate(async (ui) => { (await import(ui)).toast('已保存在手机上，联网后自动同步', { kind: 'ok' }); }, ui);
  const toast = page.locator('.toast', { hasText: '已保存在手机上' });
  await toast.waitFor();
  await page.waitForTimeout(100);
  const covered = await page.evaluate(() => {
    const t = document.querySelector('.toast').getBoundingClientRect();
    const hit = (c) => { const r = c.getBoundingClientRect(); return r.width > 0 && t.left < r.right && r.left < t.right && t.top < r.bottom && r.top < t.bottom; };
    return [...document.querySelectorAll('main button, main input, main select, main textarea')].filter(hit).map((c) => c.textContent || c.name || c.type);
  });
  assert.deepEqual(covered, [], 'controls under the toast');
  await context.close();
});
