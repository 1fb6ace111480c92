// The outbox's retry policy, without a browser: a lost answer is tried again within
// seconds, later waits grow with a random part, and a server's Retry-After is believed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryDelay, parseRetryAfter, CAP_MS } from '../app/assets/retry.js';

test('a network failure is tried again within 10 s, whatever the random part', () => {
  for (const r of [0, 0.5, 0.999]) {
    const d = retryDelay(1, new Error('network'), () => r);
    assert.ok(d >= 1000 && d < 10000, `first retry after ${d} ms`);
  }
});

test('later waits grow, with jitter, up to the cap', () => {
  const low = (n) => retryDelay(n, null, () => 0);
  const high = (n) => retryDelay(n, null, () => 0.999);
  for (let n = 2; n < 8; n++) {
    assert.ok(high(n) > low(n), `attempt ${n}: a random part`);
    assert.ok(low(n + 1) >= low(n), `attempt ${n}: waits do not shrink`);
  }
  assert.ok(high(40) <= CAP_MS);
  assert.ok(low(40) >= CAP_MS / 2);
});

test('Retry-After on 429 and 503 is honoured, in seconds or as a date', () => {
  assert.equal(parseRetryAfter('7'), 7000);
  assert.equal(parseRetryAfter(new Date(10000 + 30000).toUTCString(), 10000), 30000);
  assert.equal(parseRetryAfter(null), null);
  assert.equal(parseRetryAfter('soon'), null);
  assert.equal(retryDelay(1, { status: 503, retryAfter: 30000 }, () => 0), 30000);
  assert.equal(retryDelay(6, { status: 429, retryAfter: 2000 }, () => 0.9), 2000);
});
