package api

import (
	"math"
	"net/netip"
	"sync"
	"time"

	"frontline/models"
)

// Limiter keys come from the client, so each is bounded: an address is parsed (an IPv6
// client is its /64, which one subscriber usually holds whole), a phone must have the
// shape of one, and whatever else is cut to maxKeyLen.
const (
	maxKeyLen  = 64
	sweepEvery = time.Minute
)

// sourceKey turns the client's address into a limiter key: the address itself for IPv4, its
// /64 for IPv6, and one shared key for anything that does not parse.
func sourceKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "unknown"
	}
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

func capKey(k string) string {
	if len(k) > maxKeyLen {
		return k[:maxKeyLen]
	}
	return k
}

// Login limits. Locks are per (phone, source), so someone guessing a password from one place
// cannot lock the owner out from another; a source that fails with many phones is stopped as
// a whole. Failures across the county only raise an alarm: the numbers behind it are the
// attacker's to choose, so they never lock anyone out.
const (
	loginWindow     = 15 * time.Minute
	pairFreeTries   = 5                // failures for one phone from one source before a delay
	pairFirstDelay  = time.Minute      // the first delay; each further failure doubles it
	pairMaxDelay    = 15 * time.Minute // ... up to this
	sourceMax       = 30               // failures from one source, any phones, per window
	phoneAlarmAt    = 50               // failures for one phone from all sources, per window
	countyAlarmAt   = 500              // failures for all phones from all sources, per window
	alarmOnePhone   = "one_phone"
	alarmAllPhones  = "all_phones"
	errLoginLimited = "too many failed sign-ins; try again later"
)

// loginLimiter slows password guessing. It is per instance; behind a load balancer each
// instance keeps its own count, which still bounds guessing.
type loginLimiter struct {
	mu        sync.Mutex
	now       func() time.Time
	pairs     map[string]*pairFailures // phone + " " + source
	sources   map[string]*failures
	phones    map[string]*failures // failures for a phone from all sources: a signal only
	county    failures
	lastSweep time.Time
	// alarm is told once per window when failures for one phone, or for all, pass their mark.
	alarm func(signal, phone string, count int)
	// failed is told of every failure (a metric); nil: nothing.
	failed func()
}

type failures struct {
	count int
	first time.Time
}

// pairFailures are one phone's failures from one source, and how long it must wait.
type pairFailures struct {
	count       int
	last        time.Time
	lockedUntil time.Time
}

func newLoginLimiter(now func() time.Time, alarm func(signal, phone string, count int)) *loginLimiter {
	if alarm == nil {
		alarm = func(string, string, int) {}
	}
	return &loginLimiter{now: now, alarm: alarm, pairs: map[string]*pairFailures{},
		sources: map[string]*failures{}, phones: map[string]*failures{}}
}

// rateLimited is a 429 that knows when to try again.
type rateLimited struct {
	err        *models.Error
	retryAfter time.Duration
}

func (r *rateLimited) Error() string { return r.err.Error() }
func (r *rateLimited) Unwrap() error { return r.err }

func (r *rateLimited) retryAfterSeconds() int {
	return int(math.Max(1, math.Ceil(r.retryAfter.Seconds())))
}

func limited(msg string, wait time.Duration) error {
	return &rateLimited{err: models.Errorf(models.CodeRateLimited, "%s", msg), retryAfter: wait}
}

// check says whether a sign-in for phone from ip may be tried now. phone is "" when it is
// not a phone number at all; only the source is checked then.
// quiet says whether no failure nor wait has been seen for a window: the pair starts over.
// Counting from the end of the wait keeps a patient guesser at the longest delay.
func (p *pairFailures) quiet(now time.Time) bool {
	return now.Sub(p.last) >= loginWindow && now.Sub(p.lockedUntil) >= loginWindow
}

func (l *loginLimiter) check(phone, ip string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.maybeSweep(now)
	src := sourceKey(ip)
	wait := time.Duration(0)
	if f := l.sources[src]; f != nil && now.Sub(f.first) < loginWindow && f.count >= sourceMax {
		wait = loginWindow - now.Sub(f.first)
	}
	if p := l.pairs[pairKey(phone, src)]; phone != "" && p != nil && p.lockedUntil.After(now) {
		wait = max(wait, p.lockedUntil.Sub(now))
	}
	if wait > 0 {
		return limited(errLoginLimited, wait)
	}
	return nil
}

// fail counts a failed sign-in. A phone that is not one ("") counts against the source only.
func (l *loginLimiter) fail(phone, ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	src := sourceKey(ip)
	if l.failed != nil {
		l.failed()
	}
	bump(l.sources, src, now)
	if l.county.count == 0 || now.Sub(l.county.first) >= loginWindow {
		l.county = failures{first: now}
	}
	if l.county.count++; l.county.count == countyAlarmAt {
		l.alarm(alarmAllPhones, "", l.county.count)
	}
	if phone == "" {
		return
	}
	if n := bump(l.phones, phone, now); n == phoneAlarmAt {
		l.alarm(alarmOnePhone, phone, n)
	}
	key := pairKey(phone, src)
	p := l.pairs[key]
	if p == nil || p.quiet(now) {
		p = &pairFailures{}
		l.pairs[key] = p
	}
	p.count++
	p.last = now
	if p.count >= pairFreeTries {
		delay := pairMaxDelay
		if n := p.count - pairFreeTries; n < 8 {
			delay = min(pairFirstDelay<<n, pairMaxDelay)
		}
		p.lockedUntil = now.Add(delay)
	}
}

// succeed forgets the failures of phone from ip: the owner got in from there.
func (l *loginLimiter) succeed(phone, ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.pairs, pairKey(phone, sourceKey(ip)))
}

func pairKey(phone, src string) string { return capKey(phone) + " " + src }

// bump counts one more in key's window and returns the count.
func bump(m map[string]*failures, key string, now time.Time) int {
	key = capKey(key)
	f := m[key]
	if f == nil || now.Sub(f.first) >= loginWindow {
		f = &failures{first: now}
		m[key] = f
	}
	f.count++
	return f.count
}

// maybeSweep drops expired entries at most once a minute, so keys that are never seen again
// do not stay in memory.
func (l *loginLimiter) maybeSweep(now time.Time) {
	if now.Sub(l.lastSweep) < sweepEvery {
		return
	}
	l.lastSweep = now
	for _, m := range []map[string]*failures{l.sources, l.phones} {
		for k, f := range m {
			if now.Sub(f.first) >= loginWindow {
				delete(m, k)
			}
		}
	}
	for k, p := range l.pairs {
		if p.quiet(now) {
			delete(l.pairs, k)
		}
	}
}

// size is the number of keys held, for tests.
func (l *loginLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pairs) + len(l.sources) + len(l.phones)
}

// windowLimiter allows at most max calls per client address in each fixed window.
type windowLimiter struct {
	mu        sync.Mutex
	now       func() time.Time
	window    time.Duration
	max       int
	counts    map[string]*failures
	lastSweep time.Time
}

func newWindowLimiter(now func() time.Time, window time.Duration, max int) *windowLimiter {
	return &windowLimiter{now: now, window: window, max: max, counts: map[string]*failures{}}
}

// allow counts a call from the client address ip.
func (l *windowLimiter) allow(ip string) error { return l.allowKey(sourceKey(ip)) }

// allowKey counts a call under key, which the caller has bounded (an address's key, a hash).
func (l *windowLimiter) allowKey(key string) error {
	key = capKey(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.lastSweep) >= sweepEvery {
		l.lastSweep = now
		for k, v := range l.counts {
			if now.Sub(v.first) >= l.window {
				delete(l.counts, k)
			}
		}
	}
	f := l.counts[key]
	if f == nil || now.Sub(f.first) >= l.window {
		l.counts[key] = &failures{count: 1, first: now}
		return nil
	}
	if f.count >= l.max {
		return limited("too many requests; try again later", l.window-now.Sub(f.first))
	}
	f.count++
	return nil
}

func (l *windowLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.counts)
}
