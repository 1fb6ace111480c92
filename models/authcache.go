package models

import (
	"context"
	"sync"
	"time"
)

// Every authenticated request needs its user and whether its sign-in is live. Read from the
// database, that is two queries per request, about as many as the request's own work on a
// list page; kept here, a busy phone's requests cost none. The cache is per instance and
// forgets a sign-in as soon as it ends: at once on the instance that ended it (the Store
// methods that end sign-ins or change users say so after they commit), and on every other
// instance when its event hub reads the session.ended event from the outbox (SessionsEnded).
// The TTL is the safety net for what has no event (a user's new name on another instance)
// and for a hub that is behind.
const (
	// AuthCacheTTL is how long a sign-in's state is served without reading it again.
	AuthCacheTTL = 2 * time.Second
	// AuthCacheSize bounds the sign-ins kept; past it an arbitrary one is dropped. Only a
	// token this server signed, for a live sign-in, gets in, so requests without one cannot
	// grow the cache.
	AuthCacheSize = 10000
)

type authKey struct{ user, session string }

type authEntry struct {
	user           User
	sessionExpires time.Time
	loaded         time.Time // monotonic: the TTL does not follow the injected clock
}

// authCache keeps live sign-ins. epoch counts invalidations: a state read from the database
// is kept only if no invalidation came while it was read, so a read that raced with the end
// of a sign-in cannot put the ended sign-in back.
type authCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	size    int
	epoch   uint64
	swept   time.Time // when expired entries were last dropped
	entries map[authKey]*authEntry
}

func newAuthCache(size int, ttl time.Duration) *authCache {
	return &authCache{ttl: ttl, size: size, entries: make(map[authKey]*authEntry)}
}

// CacheSignIns replaces the store's cache of sign-in state with one of size entries kept
// for ttl; size 0 turns the cache off.
func (s *Store) CacheSignIns(size int, ttl time.Duration) {
	if size <= 0 {
		s.auth = nil
		return
	}
	s.auth = newAuthCache(size, ttl)
}

// CachedSignIns is how many sign-ins the cache holds.
func (s *Store) CachedSignIns() int {
	if s.auth == nil {
		return 0
	}
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	return len(s.auth.entries)
}

// AuthState is LoadAuthState through the cache: a live sign-in read within the TTL is
// served from memory. Only live sign-ins of active users are kept; anything else is read
// from the database each time.
func (s *Store) AuthState(ctx context.Context, userID, sessionID string) (*AuthState, error) {
	c := s.auth
	if c == nil {
		return s.LoadAuthState(ctx, userID, sessionID)
	}
	key := authKey{userID, sessionID}
	c.mu.Lock()
	e, ok := c.entries[key]
	epoch := c.epoch
	c.mu.Unlock()
	if ok && time.Since(e.loaded) < c.ttl && e.sessionExpires.After(s.now()) {
		u := e.user
		return &AuthState{User: &u, SessionOK: true}, nil
	}
	st, expires, err := s.loadAuthState(ctx, userID, sessionID)
	if err != nil || !st.SessionOK || !st.User.Active {
		return st, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch != epoch {
		return st, nil
	}
	if now := time.Now(); now.Sub(c.swept) > 10*c.ttl {
		// Entries past their TTL are of no use: an idle server gives their memory back.
		c.swept = now
		for k, e := range c.entries {
			if now.Sub(e.loaded) >= c.ttl {
				delete(c.entries, k)
			}
		}
	}
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.size {
		for k := range c.entries { // map order is arbitrary: one entry goes
			delete(c.entries, k)
			break
		}
	}
	c.entries[key] = &authEntry{user: *st.User, sessionExpires: expires, loaded: time.Now()}
	return st, nil
}

// SessionsEnded forgets the named sign-ins of a user. The event hub calls it for every
// session.ended event it reads, on every instance.
func (s *Store) SessionsEnded(userID string, sessionIDs []string) {
	c := s.auth
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	for _, sid := range sessionIDs {
		delete(c.entries, authKey{userID, sid})
	}
}

// forgetUsers forgets every sign-in of the users: their sessions ended or their record
// changed. Called after the change commits.
func (s *Store) forgetUsers(userIDs ...string) {
	c := s.auth
	if c == nil || len(userIDs) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	for k := range c.entries {
		for _, id := range userIDs {
			if k.user == id {
				delete(c.entries, k)
			}
		}
	}
}
