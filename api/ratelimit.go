package api

import (
	"math"
	"sync"
	"time"

	"frontline/models"
)

// loginLimiter slows password guessing: after too many failures for one phone, or from one
// address, further attempts answer 429 until the window has passed. It is per instance; behind
// a load balancer each instance keeps its own count, which still bounds guessing.
type loginLimiter struct {
	mu       sync.Mutex
	now      func() time.Time
	window   time.Duration
	perPhone int
	perIP    int
	phones   map[string]*failures
	ips      map[string]*failures
}

type failures struct {
	count int
	first time.Time
}

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{now: now, window: 15 * time.Minute, perPhone: 5, perIP: 30,
		phones: map[string]*failures{}, ips: map[string]*failures{}}
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

func (l *loginLimiter) check(phone, ip string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	wait := time.Duration(0)
	for _, c := range []struct {
		f   *failures
		max int
	}{{l.phones[phone], l.perPhone}, {l.ips[ip], l.perIP}} {
		if c.f == nil || now.Sub(c.f.first) >= l.window || c.f.count < c.max {
			continue
		}
		if w := l.window - now.Sub(c.f.first); w > wait {
			wait = w
		}
	}
	if wait > 0 {
		return &rateLimited{err: models.Errorf(models.CodeRateLimited, "too many failed sign-ins; try again later"), retryAfter: wait}
	}
	return nil
}

func (l *loginLimiter) fail(phone, ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	bump(l.phones, phone, now, l.window)
	bump(l.ips, ip, now, l.window)
	if len(l.phones)+len(l.ips) > 100_000 {
		l.sweep(now)
	}
}

func (l *loginLimiter) succeed(phone string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.phones, phone)
}

func bump(m map[string]*failures, key string, now time.Time, window time.Duration) {
	f := m[key]
	if f == nil || now.Sub(f.first) >= window {
		m[key] = &failures{count: 1, first: now}
		return
	}
	f.count++
}

// sweep drops expired entries so a flood of distinct phones cannot grow memory without bound.
func (l *loginLimiter) sweep(now time.Time) {
	for _, m := range []map[string]*failures{l.phones, l.ips} {
		for k, f := range m {
			if now.Sub(f.first) >= l.window {
				delete(m, k)
			}
		}
	}
}

// windowLimiter allows at most max calls per key in each fixed window.
type windowLimiter struct {
	mu     sync.Mutex
	now    func() time.Time
	window time.Duration
	max    int
	counts map[string]*failures
}

func newWindowLimiter(now func() time.Time, window time.Duration, max int) *windowLimiter {
	return &windowLimiter{now: now, window: window, max: max, counts: map[string]*failures{}}
}

func (l *windowLimiter) allow(key string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	f := l.counts[key]
	if f == nil || now.Sub(f.first) >= l.window {
		if len(l.counts) > 100_000 {
			for k, v := range l.counts {
				if now.Sub(v.first) >= l.window {
					delete(l.counts, k)
				}
			}
		}
		l.counts[key] = &failures{count: 1, first: now}
		return nil
	}
	if f.count >= l.max {
		return &rateLimited{err: models.Errorf(models.CodeRateLimited, "too many lookups; try again later"), retryAfter: l.window - now.Sub(f.first)}
	}
	f.count++
	return nil
}
