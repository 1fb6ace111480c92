// The app shell: installable, opens with no network after one visit, and small.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setUpWorld, launch, signIn, serviceWorkerReady } from './helpers.mjs';

const world = setUpWorld({ browser: false });

test('installable: Chromium reports no installability errors', async () => {
  const b = await launch({ persistent: true });
  try {
    const page = b.context.pages()[0] || await b.context.newPage();
    await page.goto(world.url + '/');
    await serviceWorkerReady(page);
    const cdp = await b.context.newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    await cdp.detach();
    assert.deepEqual(installabilityErrors, [], JSON.stringify(installabilityErrors));
    const manifest = await page.evaluate(() => fetch('/manifest.webmanifest').then((r) => r.json()));
    assert.equal(manifest.name, '协商在一线');
    assert.equal(manifest.display, 'standalone');
  } finally {
    await b.close();
  }
});

test('the shell opens offline after one online visit, with the last known data', async () => {
  const b = await launch();
  try {
    const context = await b.newContext();
    const page = await context.newPage();
    await signIn(page, world.url, world.users.member);
    await page.getByRole('link', { name: /东关村委员议事室/ }).waitFor();
    await serviceWorkerReady(page);
    await context.setOffline(true);
    await page.reload();
    await page.getByRole('heading', { name: '你好，李委员' }).waitFor({ timeout: 10000 });
    assert.equal(await page.evaluate(() => navigator.onLine), false);
    await page.getByText('离线', { exact: true }).waitFor();
    // The rooms list comes from the phone's copy, marked as such.
    await page.getByRole('link', { name: /东关村委员议事室/ }).waitFor();
    await page.getByText(/^离线：显示的是/).waitFor();
    // Another route of the app opens offline too.
    await page.goto(world.url + '/opinions/new');
    await page.getByRole('heading', { name: '新建民意' }).waitFor();
    await context.close();
  } finally {
    await b.close();
  }
});

test('first load of the shell is at most 150 KB transferred', async () => {
  const b = await launch();
  try {
    const context = await b.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    let bytes = 0;
    const urls = new Map();
    cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, e.response.url));
    cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
    await page.goto(world.url + '/login', { waitUntil: 'networkidle' });
    await page.getByRole('button', { name: '登录', exact: true }).waitFor();
    await cdp.detach();
    assert.ok(urls.size >= 5, 'the page loaded its modules');
    // The worker then stores the shell for offline use; what it fetches beyond the page's
    // own requests is at most every precached file once more.
    const sw = await (await fetch(world.url + '/sw.js')).text();
    const precache = JSON.parse(/const PRECACHE = (\[.*\]);/.exec(sw)[1]);
    let precacheBytes = 0;
    for (const u of precache) {
      const res = await fetch(world.url + u, { headers: { 'Accept-Encoding': 'gzip' } });
      precacheBytes += Number(res.headers.get('content-length'));
      await res.arrayBuffer();
    }
    console.log(`first load: page ${(bytes / 1024).toFixed(1)} KB transferred (${urls.size} requests); ` +
      `precache ${(precacheBytes / 1024).toFixed(1)} KB gzip (${precache.length} files)`);
    assert.ok(bytes <= 150 * 1024, `page load ${bytes} bytes`);
    assert.ok(precacheBytes <= 150 * 1024, `precache ${precacheBytes} bytes`);
    await context.close();
  } finally {
    await b.close();
  }
});

test('two tabs restarting at once both stay signed in (refresh tokens are spent once, in turn)', async () => {
  const b = await launch();
  try {
    const context = await b.newContext();
    const rooms = (p) => p.getByRole('link', { name: /东关村委员议事室/ }).waitFor();
    const one = await context.newPage();
    await signIn(one, world.url, world.users.member);
    await rooms(one);
    const two = await context.newPage();
    await two.goto(world.url + '/');
    await rooms(two);
    // Each reload starts without an access token, so both refresh at the same moment; a
    // refresh token spent twice would end the sign-in of both.
    await Promise.all([one.reload(), two.reload()]);
    for (const p of [one, two]) {
      await rooms(p);
      await p.getByRole('link', { name: '议题' }).click();
      await p.getByText('没有议题。').waitFor();
      assert.equal(new URL(p.url()).pathname, '/topics', 'not sent back to sign-in');
    }
    await context.close();
  } finally {
    await b.close();
  }
});

test('a new version: the banner offers it, and reloading switches to it', async () => {
  const b = await launch();
  try {
    const context = await b.newContext();
    const page = await context.newPage();
    await page.goto(world.url + '/login');
    await serviceWorkerReady(page);
    assert.equal(await page.getByText('有新版本').isVisible(), false);
    // A new worker script for the same scope, as a new build brings: it installs and waits.
    await page.evaluate(() => navigator.serviceWorker.register('/sw.js?build=next', { type: 'module', scope: '/' }));
    await page.getByText('有新版本').waitFor({ timeout: 10000 });
    assert.match(await page.evaluate(() => navigator.serviceWorker.controller.scriptURL), /\/sw\.js$/, 'the old worker still serves until asked');
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: '立即更新' }).click()]);
    await page.getByRole('button', { name: '登录', exact: true }).waitFor();
    // The page was reloaded under the new worker. (The app then registers /sw.js again,
    // a different script URL here, so it may well offer that one next.)
    assert.match(await page.evaluate(() => navigator.serviceWorker.controller.scriptURL), /build=next$/);
    await context.close();
  } finally {
    await b.close();
  }
});
