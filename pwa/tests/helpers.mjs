// Shared helpers of the browser tests: a real server process on a free port with its own
// data folder, seed data made through the API, and Chromium set up like a phone. A test file
// gets all three from setUpWorld.
//
// Run: make build, then in pwa/tests: npm ci && FRONTLINE_BIN=../../bin/frontline node --test
// (CHROMIUM_PATH defaults to /usr/bin/chromium). Screenshots go to test-output/.

import { before, after } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export const OUT = join(dirname(fileURLToPath(import.meta.url)), 'test-output');
export const ADMIN = { phone: '13800000000', password: 'admin-secret-2024' };
export const PASSWORD = 'field-pass-2024';
// GIVEN is the password an admin gives a new user; the user must replace it at first sign-in.
export const GIVEN = 'given-by-admin-2024';

// PHONE is a mid-size Android phone.
const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
};

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// startServer runs the frontline binary named by FRONTLINE_BIN until stop(). Without admin,
// no admin is configured: the server starts as on a newcomer's first run. env adds to the
// server's configuration.
async function startServer({ admin = true, env = {} } = {}) {
  const bin = process.env.FRONTLINE_BIN;
  if (!bin) throw new Error('FRONTLINE_BIN is not set: build the server (make build) and point it at bin/frontline');
  const dir = await mkdtemp(join(tmpdir(), 'frontline-pwa-'));
  const port = await freePort();
  const url = 'http://127.0.0.1:' + port;
  let logs = '';
  const proc = spawn(bin, [], {
    env: {
      ...process.env,
      FRONTLINE_ADDR: '127.0.0.1:' + port,
      FRONTLINE_DATA_DIR: dir,
      FRONTLINE_ADMIN_PHONE: admin ? ADMIN.phone : '',
      FRONTLINE_ADMIN_PASSWORD: admin ? ADMIN.password : '',
      FRONTLINE_MYSQL_DSN: '',
      FRONTLINE_MINIO_ENDPOINT: '',
      FRONTLINE_METRICS_ADDR: 'off', // several servers at once: no shared metrics port
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout.on('data', (d) => { logs += d; });
  proc.stderr.on('data', (d) => { logs += d; });
  let exited = null;
  const done = new Promise((resolve) => proc.on('exit', (code) => { exited = code; resolve(); }));
  const deadline = Date.now() + 20000;
  for (;;) {
    if (exited !== null) throw new Error('server exited with ' + exited + ':\n' + logs);
    try {
      const res = await fetch(url + '/healthz');
      if (res.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error('server did not answer /healthz:\n' + logs); }
    await sleep(100);
  }
  return {
    url,
    logs: () => logs,
    async stop() {
      if (exited === null) {
        proc.kill('SIGTERM');
        await Promise.race([done, sleep(5000)]);
        if (exited === null) { proc.kill('SIGKILL'); await done; }
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// client calls the server as a test client, outside the browser.
function client(base) {
  const call = async (method, path, body, token) => {
    const headers = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = 'Bearer ' + token;
    const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = text; }
    if (!res.ok) {
      const err = new Error(method + ' ' + path + ' → ' + res.status + ' ' + text);
      err.status = res.status;
      throw err;
    }
    return data;
  };
  return {
    call,
    async login(phone, password) {
      return (await call('POST', '/api/v1/auth/login', { phone, password })).access_token;
    },
    // ownPassword signs in a user an admin just made and replaces the given password.
    async ownPassword(phone, given, password) {
      const token = await this.login(phone, given);
      await call('POST', '/api/v1/me/password', { old_password: given, new_password: password }, token);
    },
  };
}

// seed makes one village room with a member who collects, a convener, a local reviewer
// who holds the room's local_reviewer role, and a county reviewer.
async function seed(api) {
  const admin = await api.login(ADMIN.phone, ADMIN.password);
  const mk = async (phone, name, role, review_body) => {
    const u = await api.call('POST', '/api/v1/users', { phone, name, password: GIVEN, role, ...(review_body ? { review_body } : {}) }, admin);
    await api.ownPassword(phone, GIVEN, PASSWORD);
    return { ...u, must_change_password: false };
  };
  const users = {
    member: await mk('13900000001', '李委员', 'member'),
    convener: await mk('13900000002', '王召集人', 'member'),
    county: await mk('13900000003', '赵县审', 'reviewer', 'county'),
    local: await mk('13900000004', '钱镇审', 'reviewer', 'local'),
  };
  const room = await api.call('POST', '/api/v1/rooms', {
    name: '东关村委员议事室', level: 'village', address: '东关村村委会二楼', has_door_plate: true, rules: '每月第一周议事',
  }, admin);
  const put = (u, role) => api.call('PUT', '/api/v1/rooms/' + room.id + '/members/' + u.id, { role }, admin);
  await put(users.member, 'member');
  await put(users.convener, 'convener');
  await put(users.local, 'local_reviewer');
  for (const u of Object.values(users)) u.password = PASSWORD;
  return { admin, room, users };
}

// setUpWorld sets up the world of a test file, in one before hook and one after hook of
// node:test (a file's top-level hooks run side by side, so whatever else the file's tests
// share is made by setup(), which runs last in the world's hook). It starts a server (env
// adds to its configuration; a function, perhaps async, is called when the server starts),
// seeds it unless seed is false, launches Chromium unless browser is false, and after the
// tests stops both. Without admin no admin is configured, as on a newcomer's first run (and
// nothing can be seeded). When the tests run the world holds url, server, api (a client of
// the server), browser and, when seeded, admin (the admin's token), room, users (by role:
// member, convener, county, local) and as (their tokens by role). phone() opens a new phone,
// a browser context with one page: { ctx, page }; signedIn(user) opens one signed in as user.
export function setUpWorld({ seed: seeded = true, admin = true, browser = true, env = {}, setup } = {}) {
  const world = {
    async phone(opts = {}) {
      const ctx = await world.browser.newContext(opts);
      return { ctx, page: await ctx.newPage() };
    },
    async signedIn(user, opts = {}) {
      const phone = await world.phone(opts);
      await signIn(phone.page, world.url, user);
      return phone;
    },
  };
  before(async () => {
    world.server = await startServer({ admin, env: typeof env === 'function' ? await env() : env });
    world.url = world.server.url;
    world.api = client(world.url);
    if (seeded) {
      Object.assign(world, await seed(world.api));
      world.as = {};
      for (const [k, u] of Object.entries(world.users)) world.as[k] = await world.api.login(u.phone, u.password);
    }
    if (browser) world.browser = await launch();
    await setup?.();
  });
  after(async () => {
    await world.browser?.close();
    await world.server?.stop();
  });
  return world;
}

// launch starts Chromium; a persistent context (a real profile, as an installed app has)
// when persistent is true.
export async function launch({ persistent = false } = {}) {
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (persistent) {
    const profile = await mkdtemp(join(tmpdir(), 'frontline-profile-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath, args: FLAGS, headless: true, ...PHONE });
    return { context, async close() { await context.close(); await rm(profile, { recursive: true, force: true }); } };
  }
  const browser = await chromium.launch({ executablePath, args: FLAGS, headless: true });
  return {
    browser,
    newContext: (opts = {}) => browser.newContext({ ...PHONE, ...opts }),
    async close() { await browser.close(); },
  };
}

// signIn signs in through the login screen and waits for the home screen.
export async function signIn(page, base, user) {
  await page.goto(base + '/login');
  await page.getByLabel('手机号').fill(user.phone);
  await page.getByLabel('密码').fill(user.password);
  await page.getByRole('button', { name: '登录', exact: true }).click();
  await page.getByRole('heading', { name: /^你好/ }).waitFor();
}

// serviceWorkerReady waits until a service worker controls the page.
export async function serviceWorkerReady(page) {
  await page.waitForFunction(async () => {
    await navigator.serviceWorker.ready;
    return !!navigator.serviceWorker.controller;
  }, null, { timeout: 15000 });
}

// photo draws a noisy test picture in the page and returns it as JPEG file bytes.
export async function photo(page, width, height, seed = 1) {
  const b64 = await page.evaluate(async ({ width, height, seed }) => {
    const c = new OffscreenCanvas(width, height);
    const g = c.getContext('2d');
    const grad = g.createLinearGradient(0, 0, width, height);
    grad.addColorStop(0, `hsl(${seed * 70 % 360} 60% 55%)`);
    grad.addColorStop(1, `hsl(${(seed * 70 + 120) % 360} 60% 35%)`);
    g.fillStyle = grad;
    g.fillRect(0, 0, width, height);
    // Noise, so the JPEG has the weight of a real photo.
    const img = g.getImageData(0, 0, width, height);
    let x = seed * 9301 + 49297;
    for (let i = 0; i < img.data.length; i += 4) {
      x = (x * 9301 + 49297) % 233280;
      const n = (x / 233280 - 0.5) * 60;
      img.data[i] += n; img.data[i + 1] += n; img.data[i + 2] += n;
    }
    g.putImageData(img, 0, 0);
    const blob = await c.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, { width, height, seed });
  return { name: `现场-${seed}.jpg`, mimeType: 'image/jpeg', buffer: Buffer.from(b64, 'base64') };
}

export async function screenshot(page, name) {
  await mkdir(OUT, { recursive: true });
  await page.screenshot({ path: join(OUT, name + '.png'), fullPage: false });
}

export { sleep };

// withGPS returns a copy of a JPEG file with an EXIF block that places it at lat, lng
// (north and east), as a phone camera writes it.
export function withGPS(file, lat, lng) {
  const tiff = Buffer.alloc(128);
  tiff.write('II', 0, 'latin1');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4);
  // IFD0: one entry, the pointer to the GPS IFD.
  tiff.writeUInt16LE(1, 8);
  tiff.writeUInt16LE(0x8825, 10); tiff.writeUInt16LE(4, 12); tiff.writeUInt32LE(1, 14); tiff.writeUInt32LE(26, 18);
  tiff.writeUInt32LE(0, 22);
  // GPS IFD at 26: LatRef, Lat, LngRef, Lng.
  const entry = (i, tag, type, count, value) => {
    const o = 28 + i * 12;
    tiff.writeUInt16LE(tag, o); tiff.writeUInt16LE(type, o + 2); tiff.writeUInt32LE(count, o + 4);
    if (typeof value === 'string') tiff.write(value, o + 8, 'latin1'); else tiff.writeUInt32LE(value, o + 8);
  };
  tiff.writeUInt16LE(4, 26);
  entry(0, 1, 2, 2, 'N\0');
  entry(1, 2, 5, 3, 80);
  entry(2, 3, 2, 2, 'E\0');
  entry(3, 4, 5, 3, 104);
  tiff.writeUInt32LE(0, 76);
  const dms = (v, at) => {
    const d = Math.floor(v);
    const m = Math.floor((v - d) * 60);
    const s = Math.round(((v - d) * 60 - m) * 60 * 10000);
    [[d, 1], [m, 1], [s, 10000]].forEach(([n, den], k) => { tiff.writeUInt32LE(n, at + k * 8); tiff.writeUInt32LE(den, at + k * 8 + 4); });
  };
  dms(lat, 80);
  dms(lng, 104);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const head = Buffer.from([0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]);
  const jpeg = file.buffer;
  return { ...file, buffer: Buffer.concat([jpeg.subarray(0, 2), head, payload, jpeg.subarray(2)]) };
}

// mine lists the opinions a user collected, as the API holds them.
export async function mine(api, user) {
  const token = await api.login(user.phone, user.password);
  return (await api.call('GET', '/api/v1/opinions?mine=true', undefined, token)).items;
}

// fillOpinion fills the new-opinion form with photos and saves it.
export async function fillOpinion(page, content, files) {
  await page.getByLabel('类别').selectOption('环境卫生');
  await page.getByLabel('居民反映的内容').fill(content);
  await page.getByLabel('地址').fill('东关村三组 12 号');
  await page.locator('#photos').setInputFiles(files);
  await page.getByRole('img', { name: `照片 ${files.length}` }).waitFor();
  await page.getByRole('button', { name: '保存' }).click();
  await page.getByRole('heading', { name: '我的民意' }).waitFor();
}

// checkScreen waits for the screen to load, saves its screenshot, and returns what is wrong
// with it: a raw value shown (null, undefined, NaN, [object …]) or a serious or critical
// accessibility violation found by axe-core.
export async function checkScreen(page, name) {
  const problems = [];
  // (Not 'networkidle': the live event stream keeps the network busy for good.)
  await page.locator('main .loading').first().waitFor({ state: 'detached', timeout: 5000 });
  await page.evaluate(() => Promise.all([...document.images].map((i) => (i.complete ? null : new Promise((r) => { i.onload = i.onerror = r; })))));
  await screenshot(page, name);
  const text = await page.locator('main').innerText();
  const raw = text.match(/.{0,20}\b(null|undefined|NaN|\[object)\b.{0,20}/);
  if (raw) problems.push(`${name}: raw value shown: ${raw[0]}`);
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  for (const v of result.violations) {
    if (v.impact === 'serious' || v.impact === 'critical') {
      problems.push(`${name}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
    }
  }
  return problems;
}

const STAGES = ['approved', 'planned', 'researched', 'consulted', 'concluded'];

// topicAt makes a topic of the world's room, fed by a new opinion of its member, and takes it
// through the API to stage: approved (both reviews), planned, researched (planned with one
// research record), consulted or concluded. Fields given override the defaults of the
// opinion, the topic, the plan, the research/meeting record and the outcome. It returns the
// opinion, the topic and the topic's API path.
export async function topicAt(world, stage, { opinion = {}, topic = {}, plan = {}, activity = {}, meeting = {}, outcome = {} } = {}) {
  const { api, room, as } = world;
  const upTo = STAGES.indexOf(stage);
  if (upTo < 0) throw new Error('unknown stage ' + stage);
  const op = await api.call('POST', '/api/v1/opinions', { room_id: room.id, channel: 'door_to_door', category: '环境卫生', content: '居民反映的问题', ...opinion }, as.member);
  const t = await api.call('POST', '/api/v1/topics', { room_id: room.id, title: '议题', source: 'collected', category: op.category, opinion_ids: [op.id], ...topic }, as.convener);
  const base = '/api/v1/topics/' + t.id;
  await api.call('POST', base + '/submit', undefined, as.convener);
  await api.call('POST', base + '/reviews', { decision: 'approve' }, as.county);
  await api.call('POST', base + '/reviews', { decision: 'approve' }, as.local);
  const act = { held_at: new Date().toISOString(), place: '现场', summary: '调研发现', ...activity };
  const steps = [
    () => api.call('PUT', base + '/plan', { theme: t.title + '工作方案', content: '调研后协商', lead: '王召集人', ...plan }, as.convener),
    () => api.call('POST', base + '/research', act, as.convener),
    () => api.call('POST', base + '/meeting', { ...act, summary: '会议纪要', ...meeting }, as.convener),
    () => api.call('POST', base + '/outcome', { consensus: '协商共识', recommendations: [{ content: '办理建议', unit: '村委会', due_on: '2030-01-01' }], ...outcome }, as.convener),
  ];
  for (const step of steps.slice(0, upTo)) await step();
  return { op, topic: t, base };
}
