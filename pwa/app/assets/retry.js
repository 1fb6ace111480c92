// When the outbox tries again after a failure that retrying may fix. A lost answer or an
// unreachable server is tried again within seconds; after that the waits grow, each with a
// random part so that phones that lost the network together do not come back together; a
// server that says when to come back (Retry-After on 429 or 503) is believed. No imports:
// the pages, the service worker and the tests read it alike.

// FIRST_MS is the shortest first wait, JITTER_MS the random part added to it: the first
// retry comes 2–5 s after the failure.
export const FIRST_MS = 2000;
export const JITTER_MS = 3000;
// CAP_MS is the longest wait between two tries of one item.
export const CAP_MS = 5 * 60000;
// AFTER_MAX_MS bounds a server's Retry-After, so a wrong header cannot park an item for days.
export const AFTER_MAX_MS = 60 * 60000;

// retryDelay is how long to wait before try number attempts+1 of an item that failed
// attempts times, the last time with e. random is Math.random unless a test fixes it.
export function retryDelay(attempts, e, random = Math.random) {
  if (e && e.retryAfter != null) return Math.min(Math.max(e.retryAfter, 1000), AFTER_MAX_MS);
  if (attempts <= 1) return FIRST_MS + random() * JITTER_MS;
  // "Equal jitter": half of the exponential wait for sure, the other half at random.
  const ceil = Math.min(CAP_MS, 5000 * 2 ** Math.min(attempts - 1, 10));
  return ceil / 2 + random() * (ceil / 2);
}

// parseRetryAfter reads a Retry-After header (seconds, or an HTTP date) as milliseconds
// from now, or null when there is none or it cannot be read.
export function parseRetryAfter(value, now = Date.now()) {
  if (value == null || value === '') return null;
  const v = String(value).trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
