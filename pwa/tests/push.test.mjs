// Web Push in real headless Chromium: the app asks for permission only when the user taps
// 开启推送 on the settings screen, saves the kinds chosen, the server pushes a decision
// (encrypted for the browser, signed with its VAPID key) to the subscription's push service,
// the service worker shows it in Chinese and opens its page on a tap, and signing out or an
// ended sign-in drops the subscription.
//
// Headless Chromium here reaches no push service: pushManager.subscribe fails ("Registration
// failed"). So the page's PushManager hands the app a subscription the test made instead —
// a P-256 key pair and an auth secret, with its endpoint on a push service the test runs on
// this machine (allowed by FRONTLINE_PUSH_ALLOW_HOSTS). The server's real push arrives there
// and is decrypted here (RFC 8291); the service worker is then given that message through
// the DevTools protocol, as a push service would give it.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import { setUpWorld, signIn, serviceWorkerReady, sleep, checkScreen, PASSWORD } from './helpers.mjs';

let service;
let ctx;
let page;

// pushService is the push service the test runs: it keeps every request it gets.
function pushService() {
  const got = [];
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      got.push({ method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(201).end();
    });
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => {
    const host = '127.0.0.1:' + srv.address().port;
    resolve({ host, url: 'http://' + host, got, close: () => new Promise((r) => srv.close(r)) });
  }));
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');

// device is the browser's side of a subscription: its key pair and auth secret.
function device(endpoint) {
  const ecdh = crypto.createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = crypto.randomBytes(16);
  return {
    endpoint,
    json: { endpoint, expirationTime: null, keys: { p256dh: b64url(ecdh.getPublicKey()), auth: b64url(auth) } },
    // decrypt opens an aes128gcm body (RFC 8188) encrypted for this device (RFC 8291).
    decrypt(body) {
      const salt = body.subarray(0, 16);
      const idlen = body[20];
      const asPublic = body.subarray(21, 21 + idlen);
      const ciphertext = body.subarray(21 + idlen);
      const shared = ecdh.computeSecret(asPublic);
      const info = Buffer.concat([Buffer.from('WebPush: info\0'), ecdh.getPublicKey(), asPublic]);
      const ikm = Buffer.from(crypto.hkdfSync('sha256', shared, auth, info, 32));
      const cek = Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
      const nonce = Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
      const d = crypto.createDecipheriv('aes-128-gcm', cek, nonce);
      d.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
      let plain = Buffer.concat([d.update(ciphertext.subarray(0, ciphertext.length - 16)), d.final()]);
      let end = plain.length;
      while (end > 0 && plain[end - 1] === 0) end--;
      assert.equal(plain[end - 1], 2, 'the last record ends with the delimiter 0x02');
      plain = plain.subarray(0, end - 1);
      return JSON.parse(plain.toString('utf8'));
    },
  };
}

// checkVAPID verifies the request's Authorization: a JWT (ES256) signed with the server's
// public key, for this push service's origin.
function checkVAPID(header, publicKey, audience) {
  const m = /^vapid t=([^,]+), k=(.+)$/.exec(header || '');
  assert.ok(m, 'a VAPID Authorization header: ' + header);
  assert.equal(m[2], publicKey, 'the header names the server key');
  const [h, p, sig] = m[1].split('.');
  const raw = Buffer.from(publicKey, 'base64url');
  const key = crypto.createPublicKey({ format: 'jwk', key: { kty: 'EC', crv: 'P-256', x: b64url(raw.subarray(1, 33)), y: b64url(raw.subarray(33)) } });
  const ok = crypto.verify('sha256', Buffer.from(h + '.' + p), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'));
  assert.ok(ok, 'the VAPID token is signed with the server key');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  assert.equal(claims.aud, audience);
  assert.ok(claims.exp * 1000 > Date.now());
}

async function waitFor(what, fn, ms = 15000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error('timed out waiting for ' + what);
    await sleep(100);
  }
}

// The page's record of what the app asked of the browser (kept in localStorage, so it
// survives page loads).
const record = () => page.evaluate(() => ({
  asked: Number(localStorage.getItem('test-asked') || 0),
  subscribed: Number(localStorage.getItem('test-subscribed') || 0),
  unsubscribed: Number(localStorage.getItem('test-unsubscribed') || 0),
  realSubscribe: localStorage.getItem('test-real-subscribe'),
  permission: Notification.permission,
  kinds: localStorage.getItem('fl-push-kinds'),
}));

let devices = 0;
let current; // the device the page's PushManager hands out now

const world = setUpWorld({
  // The push service starts first: the server is told its host.
  async env() {
    service = await pushService();
    return { FRONTLINE_PUSH_ALLOW_HOSTS: service.host };
  },
  async setup() {
    ctx = await world.browser.newContext({ bypassCSP: true }); // axe is injected as a script
    // Each new subscription gets a new device (endpoint and keys); the page asks for it.
    await ctx.exposeFunction('testDevice', () => {
      current = device(service.url + '/push/d' + ++devices);
      return current.json;
    });
    await ctx.addInitScript(() => {
      const count = (k) => localStorage.setItem(k, String(Number(localStorage.getItem(k) || 0) + 1));
      const ask = Notification.requestPermission.bind(Notification);
      Notification.requestPermission = (...a) => { count('test-asked'); return ask(...a); };
      const proto = PushManager.prototype;
      const subscribe = proto.subscribe;
      const standIn = (json) => ({
        endpoint: json.endpoint,
        expirationTime: null,
        toJSON: () => json,
        unsubscribe: async () => { localStorage.removeItem('test-sub'); count('test-unsubscribed'); return true; },
      });
      proto.subscribe = async function (options) {
        count('test-subscribed');
        try {
          const real = await subscribe.call(this, options);
          localStorage.setItem('test-real-subscribe', 'ok');
          await real.unsubscribe();
        } catch (e) {
          localStorage.setItem('test-real-subscribe', e.name + ': ' + e.message);
        }
        const json = await window.testDevice();
        localStorage.setItem('test-sub', JSON.stringify(json));
        return standIn(json);
      };
      proto.getSubscription = async function () {
        const kept = localStorage.getItem('test-sub');
        return kept ? standIn(JSON.parse(kept)) : null;
      };
    });
    page = await ctx.newPage();
  },
});

after(async () => { await service?.close(); });

test('the app asks for notifications only when 开启推送 is tapped, and saves the kinds chosen', async (t) => {
  await signIn(page, world.url, world.users.convener);
  await serviceWorkerReady(page);
  // The first screens: 首页, 议题, 消息, 我的. Nothing asks.
  for (const [tab, path] of [['议题', '/topics'], ['我的', '/me'], ['消息', '/notices']]) {
    await page.locator('#tabs').getByRole('link', { name: tab }).click();
    await page.waitForURL(world.url + path);
    await page.locator('main h2').first().waitFor();
  }
  let r = await record();
  assert.equal(r.asked, 0, 'Notification.requestPermission was called at first start');
  assert.equal(r.subscribed, 0, 'pushManager.subscribe was called at first start');
  assert.equal(r.permission, 'default');

  await page.getByTestId('push-link').click();
  await page.getByRole('heading', { name: '推送设置' }).waitFor();
  await page.getByTestId('push-state').getByText('本机未开启推送。').waitFor();
  assert.equal((await record()).asked, 0, 'the settings screen asked before the tap');
  const all = await page.locator('[data-kind]').evaluateAll((els) => els.map((e) => [e.value, e.checked]));
  assert.ok(all.length >= 5 && all.every(([, on]) => on), 'every kind is ticked at first: ' + JSON.stringify(all));
  await page.locator('[data-kind="announcement"]').uncheck();
  const want = all.map(([k]) => k).filter((k) => k !== 'announcement');

  // The user taps 开启推送 and the browser grants the permission.
  await ctx.grantPermissions(['notifications'], { origin: world.url });
  const [req, res] = await Promise.all([
    page.waitForRequest((q) => q.url().endsWith('/api/v1/push/subscriptions') && q.method() === 'POST'),
    page.waitForResponse((q) => q.url().endsWith('/api/v1/push/subscriptions') && q.request().method() === 'POST'),
    page.getByTestId('push-on').click(),
  ]);
  assert.equal(res.status(), 201);
  assert.deepEqual(req.postDataJSON().keys, current.json.keys, 'the app posts the browser subscription');
  const stored = await res.json();
  assert.equal(stored.endpoint, current.endpoint);
  assert.deepEqual(stored.kinds, want, 'the server keeps the kinds chosen');
  await page.getByTestId('push-state').getByText('本机已开启推送').waitFor();
  assert.deepEqual(await checkScreen(page, 'push-settings'), []);
  r = await record();
  assert.equal(r.asked, 1, 'asked once, on the tap');
  assert.equal(r.permission, 'granted');
  if (r.realSubscribe === 'ok') t.diagnostic('pushManager.subscribe worked here; the test still uses its own push service');
  else t.diagnostic('pushManager.subscribe cannot work in headless Chromium here: ' + r.realSubscribe);

  // Changing the kinds and saving updates the same subscription on the server.
  await page.locator('[data-kind="topic.submitted"]').uncheck();
  const [saved] = await Promise.all([
    page.waitForResponse((q) => q.url().endsWith('/api/v1/push/subscriptions') && q.request().method() === 'POST'),
    page.getByTestId('push-save').click(),
  ]);
  assert.equal(saved.status(), 200);
  assert.deepEqual((await saved.json()).kinds, want.filter((k) => k !== 'topic.submitted'));
  // A fresh load of the screen shows what was chosen.
  await page.reload();
  await page.getByTestId('push-state').getByText('本机已开启推送').waitFor();
  assert.equal(await page.locator('[data-kind="announcement"]').isChecked(), false);
  assert.equal(await page.locator('[data-kind="review.decided"]').isChecked(), true);
});

test('a decision is pushed to the browser; the service worker shows it and opens its page on a tap', async () => {
  const { api, room, admin, as } = world;
  const key = (await api.call('GET', '/api/v1/push/key', undefined, as.convener)).public_key;
  const path = new URL(current.endpoint).pathname;
  // An announcement, a kind the user did not choose, then a decision on the user's topic.
  await api.call('POST', '/api/v1/announcements', { title: '周五例会', body: '请准时参加' }, admin);
  const memberToken = await api.login(world.users.member.phone, PASSWORD);
  const op = await api.call('POST', '/api/v1/opinions', { room_id: room.id, channel: 'door_to_door', category: '环境卫生', content: '东街路灯坏了' }, memberToken);
  const topic = await api.call('POST', '/api/v1/topics', { room_id: room.id, title: '东街路灯维修', source: 'collected', category: '环境卫生', opinion_ids: [op.id] }, as.convener);
  await api.call('POST', '/api/v1/topics/' + topic.id + '/submit', undefined, as.convener);
  await api.call('POST', '/api/v1/topics/' + topic.id + '/reviews', { decision: 'approve' }, as.county);

  const mine = () => service.got.filter((g) => g.path === path);
  await waitFor('the decision pushed', () => mine().some((g) => current.decrypt(g.body).kind === 'review.decided'));
  await sleep(1000); // anything else the worker would send has gone by now
  const got = mine();
  // The submission (议题进展) and the decision, both chosen; not the announcement.
  assert.deepEqual(got.map((g) => current.decrypt(g.body).kind), ['topic.status_changed', 'review.decided']);
  for (const msg of got) {
    assert.equal(msg.method, 'POST');
    assert.equal(msg.headers['content-encoding'], 'aes128gcm');
    assert.ok(Number(msg.headers.ttl) > 0, 'a TTL');
    checkVAPID(msg.headers.authorization, key, service.url);
  }
  const payload = current.decrypt(got[1].body);
  assert.equal(payload.title, '审核结果');
  assert.equal(payload.body, '议题「东街路灯维修」：县政协党组同意');
  assert.equal(payload.url, '/topics/' + topic.id);

  // The service worker gets the message as the push service would hand it over.
  const cdp = await ctx.newCDPSession(page);
  const regs = [];
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => regs.push(...e.registrations));
  await cdp.send('ServiceWorker.enable');
  const reg = await waitFor('the registration', () => regs.find((x) => !x.isDeleted && x.scopeURL === world.url + '/'));
  // A worker still being activated drops a message, as a push service would retry it, the
  // test hands it over again every 2 s until it shows (one tag per notice: never twice).
  const deliver = () => cdp.send('ServiceWorker.deliverPushMessage', { origin: world.url, registrationId: reg.registrationId, data: JSON.stringify(payload) });
  await deliver();
  let polls = 0;
  const shown = await waitFor('the notification', async () => {
    if (++polls % 20 === 0) await deliver();
    return page.evaluate(async () => {
      const ns = await (await navigator.serviceWorker.ready).getNotifications();
      return ns.length && ns.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data }));
    });
  });
  assert.deepEqual(shown, [{ title: '审核结果', body: '议题「东街路灯维修」：县政协党组同意', tag: 'notice-' + payload.id, data: { url: '/topics/' + topic.id } }]);

  // A tap: headless Chromium has no notification centre to tap on, so the click event is
  // dispatched in the service worker with the very notification it showed.
  const [sw] = ctx.serviceWorkers();
  assert.ok(sw, 'the service worker');
  await sw.evaluate(async () => {
    const [n] = await self.registration.getNotifications();
    self.dispatchEvent(new NotificationEvent('notificationclick', { notification: n }));
  });
  await page.waitForURL(world.url + '/topics/' + topic.id);
  await page.getByRole('heading', { name: '东街路灯维修' }).waitFor();
  assert.equal(await page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).length), 0, 'the tapped notification closed');
  await cdp.detach();
});

test('signing out drops the push subscription on the server and in the browser', async () => {
  const endpoint = current.endpoint;
  const before = await record();
  const calls = [];
  const seen = (q) => { if (q.url().includes('/api/v1/push/') || q.url().includes('/api/v1/auth/logout')) calls.push(q.method() + ' ' + decodeURIComponent(new URL(q.url()).pathname + new URL(q.url()).search)); };
  page.on('request', seen);
  page.once('dialog', (d) => d.accept());
  await page.locator('#tabs').getByRole('link', { name: '我的' }).click();
  const [res] = await Promise.all([
    page.waitForResponse((q) => q.url().includes('/api/v1/push/subscriptions?endpoint=') && q.request().method() === 'DELETE'),
    page.getByRole('button', { name: '退出登录' }).click(),
  ]);
  assert.equal(res.status(), 204);
  await page.getByRole('button', { name: '登录', exact: true }).waitFor();
  page.off('request', seen);
  assert.deepEqual(calls, ['DELETE /api/v1/push/subscriptions?endpoint=' + endpoint, 'POST /api/v1/auth/logout'],
    'the subscription is dropped on the server while the sign-in holds, then the sign-in ends');
  const r = await record();
  assert.equal(r.unsubscribed, before.unsubscribed + 1, 'subscription.unsubscribe() was called');
  assert.equal(r.kinds, null, 'the kinds chosen are forgotten');
  assert.equal(await page.evaluate(async () => (await (await navigator.serviceWorker.ready).pushManager.getSubscription()) === null), true);
});

test('an ended sign-in drops the browser push subscription', async () => {
  await page.evaluate(() => localStorage.removeItem('test-sub')); // whatever the test before left
  await signIn(page, world.url, world.users.convener);
  await page.goto(world.url + '/push');
  await page.getByTestId('push-state').getByText('本机未开启推送。').waitFor();
  const [res] = await Promise.all([
    page.waitForResponse((q) => q.url().endsWith('/api/v1/push/subscriptions') && q.request().method() === 'POST'),
    page.getByTestId('push-on').click(),
  ]);
  assert.equal(res.status(), 201);
  await page.getByTestId('push-state').getByText('本机已开启推送').waitFor();
  const before = await record();

  // The user changes the password on another device: every other sign-in ends.
  const other = await world.api.login(world.users.convener.phone, PASSWORD);
  await world.api.call('POST', '/api/v1/me/password', { old_password: PASSWORD, new_password: 'another-pass-2025' }, other);
  await page.getByText('登录已失效').waitFor({ timeout: 20000 });
  await page.getByRole('button', { name: '登录', exact: true }).waitFor();
  await waitFor('the unsubscribe', async () => (await record()).unsubscribed === before.unsubscribed + 1);
  const r = await record();
  assert.equal(r.kinds, null, 'the kinds chosen are forgotten');
  assert.equal(await page.evaluate(async () => (await (await navigator.serviceWorker.ready).pushManager.getSubscription()) === null), true);
});
