// Package hub delivers stored events to connected clients. Every instance tails the events
// table (the outbox), so an event committed on any instance reaches subscribers on all. The
// tail is the only way an event goes out: a commit on this instance just wakes it.
package hub

import (
	"context"
	"encoding/json"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"frontline/models"

	"github.com/prometheus/client_golang/prometheus"
)

// Options tune a hub; the zero value of each field picks its default.
type Options struct {
	// Poll is how often the outbox is read for events committed elsewhere (150 ms).
	Poll time.Duration
	// GapGrace is how long an id missing below the newest one seen is looked for again (5 s).
	// On MySQL a transaction may take id 10, another 11 and commit first; 10 then shows up
	// late. A rolled-back transaction leaves a gap that never fills.
	GapGrace time.Duration
	// Heartbeat is the longest a stream goes without a byte; a comment is sent then (15 s).
	Heartbeat time.Duration
	// QueueSize bounds the frames waiting for a stream that is replaying or whose socket is
	// full (64); past it the stream is closed and catches up by Last-Event-ID on reconnect.
	QueueSize int
	// WriteBuffer, when positive, sets the socket send buffer of attached connections.
	WriteBuffer int
	// Shards is the number of lock shards of the subscriber sets (64).
	Shards int
	// PerSession is the most streams one sign-in may hold open (5); a further one closes
	// the oldest, so a client that leaks connections cannot pile them up.
	PerSession int
	// SessionsEnded, when set, is told of every session.ended event the hub reads, on every
	// instance, so caches of sign-in state can forget those sign-ins.
	SessionsEnded func(userID string, sessionIDs []string)
	Logger        *slog.Logger
	// Now replaces the clock in tests.
	Now func() time.Time
}

const (
	tailBatch   = 1000  // events read per query of the tail
	startScan   = 256   // ids below the newest checked for in-flight transactions at start
	maxGaps     = 10000 // ids missing below the tail tracked at once
	recheckSize = 500   // ids per query when looking for late commits
)

// Hub fans stored events out to per-user subscribers.
type Hub struct {
	store  *models.Store
	opt    Options
	log    *slog.Logger
	shards []*shard
	wake   chan struct{}
	ready  chan struct{} // closed once the tail has its starting point
	closed atomic.Bool

	// floor is the lowest id the tail may still deliver: every id below it has been fanned
	// out or given up. The tail raises it only after a fan-out ends, so a stream that
	// subscribes meanwhile counts the ids in flight as still to come, and its replay skips
	// them rather than sending them twice.
	floor atomic.Int64

	// The tail's own state, touched by Run's goroutine alone.
	cursor   int64               // the newest id read
	gaps     map[int64]time.Time // ids below cursor not seen yet, until when to look
	lastWarn time.Time

	opened    atomic.Uint64 // subscriptions made, to order a sign-in's streams
	subs      atomic.Int64
	delivered atomic.Uint64
	dropped   atomic.Uint64
	expired   atomic.Uint64
}

// New returns a hub over store; Run starts tailing the outbox.
func New(store *models.Store, opt Options) *Hub {
	defaults := []struct {
		v *time.Duration
		d time.Duration
	}{{&opt.Poll, 150 * time.Millisecond}, {&opt.GapGrace, 5 * time.Second}, {&opt.Heartbeat, 15 * time.Second}}
	for _, d := range defaults {
		if *d.v <= 0 {
			*d.v = d.d
		}
	}
	opt.QueueSize = cmpOr(opt.QueueSize, 64)
	opt.Shards = cmpOr(opt.Shards, 64)
	opt.PerSession = cmpOr(opt.PerSession, 5)
	if opt.Now == nil {
		opt.Now = time.Now
	}
	h := &Hub{store: store, opt: opt, log: opt.Logger, wake: make(chan struct{}, 1), ready: make(chan struct{}), gaps: map[int64]time.Time{}}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.shards = make([]*shard, opt.Shards)
	for i := range h.shards {
		h.shards[i] = &shard{users: map[string][]*Subscription{}}
	}
	return h
}

func cmpOr(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}

// Ready is closed once Run has found where the outbox ends. Serve streams after it: an event
// committed before then, while no tail runs, would reach live streams only on reconnect.
func (h *Hub) Ready() <-chan struct{} { return h.ready }

// DirectWrites reports whether streams can be served on this platform.
func DirectWrites() bool { return directSupported }

// Wake makes the tail read the outbox now. The store calls it after a commit that stored
// events, which is what keeps delivery on this instance well under the poll interval.
func (h *Hub) Wake() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

func (h *Hub) shardFor(userID string) *shard {
	// FNV-1a: cheap, no allocation, spreads UUIDs well.
	var x uint32 = 2166136261
	for i := 0; i < len(userID); i++ {
		x ^= uint32(userID[i])
		x *= 16777619
	}
	return h.shards[x%uint32(len(h.shards))]
}

// Signin is the sign-in a stream belongs to: its session, which ends the stream when it
// ends, and the time the stream's access runs out (zero: never), when the client must come
// back with a fresh ticket.
type Signin struct {
	Session string
	Until   time.Time
}

// Subscribe opens a subscription for a user's events and those for everyone. Frames wait
// until Attach; a subscription made after Shutdown is closed already.
func (h *Hub) Subscribe(userID string, in Signin) *Subscription {
	s := &Subscription{hub: h, userID: userID, signin: in, done: make(chan struct{})}
	// The floor is read before the subscriber is visible: any fan-out that reaches it then
	// carries ids at or above the floor.
	s.floor = h.floor.Load()
	s.opened = h.opened.Add(1)
	sh := h.shardFor(userID)
	s.sh = sh
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.closed {
		s.state = stateClosed
		close(s.done)
		return s
	}
	list := append(sh.users[userID], s)
	s.idx = len(list) - 1
	sh.users[userID] = list
	h.subs.Add(1)
	if in.Session == "" {
		return s
	}
	var oldest *Subscription
	n := 0
	for _, o := range list {
		if o.signin.Session == in.Session {
			n++
			if oldest == nil || o.opened < oldest.opened {
				oldest = o
			}
		}
	}
	if n > h.opt.PerSession {
		oldest.closeLocked()
	}
	return s
}

// Subscribers returns the number of open subscriptions.
func (h *Hub) Subscribers() int { return int(h.subs.Load()) }

// fanout serialises each event once and gives the same bytes to every subscriber of it.
func (h *Hub) fanout(evs []models.Event) {
	w := newDirectWriter()
	var closing []*Subscription
	for i := range evs {
		ev := &evs[i]
		if ev.Type == models.EventSessionEnded {
			h.endSessions(ev)
			continue
		}
		f := encode(ev)
		if f.recipient == "" {
			h.broadcast(f)
			continue
		}
		sh := h.shardFor(f.recipient)
		sh.mu.Lock()
		closing = h.deliver(sh.users[f.recipient], f, w, closing[:0])
		closeAll(closing)
		sh.mu.Unlock()
	}
}

// deliver offers f to subs, of a shard whose lock is held, and returns those to close
// appended to closing: the caller closes them when it is done going over the shard.
func (h *Hub) deliver(subs []*Subscription, f *frame, w *directWriter, closing []*Subscription) []*Subscription {
	sent := 0
	for _, s := range subs {
		switch s.offer(f, w) {
		case offerSent:
			sent++
		case offerSlow:
			h.dropped.Add(1)
			closing = append(closing, s)
		case offerGone:
			closing = append(closing, s)
		}
	}
	if f.id != 0 { // heartbeats are not events
		h.delivered.Add(uint64(sent))
	}
	return closing
}

func closeAll(subs []*Subscription) {
	for _, s := range subs {
		s.closeLocked()
	}
}

// broadcast gives f to every subscriber, shard after shard, on as many goroutines as there
// are processors: no lock is held for more than one shard. The workers buy the figure of an
// announcement reaching ~20,000 streams within 250 ms on two cores.
func (h *Hub) broadcast(f *frame) {
	workers := min(runtime.GOMAXPROCS(0), len(h.shards))
	if h.subs.Load() < 512 {
		workers = 1
	}
	var next atomic.Int64
	work := func() {
		w := newDirectWriter()
		var closing []*Subscription
		for i := int(next.Add(1) - 1); i < len(h.shards); i = int(next.Add(1) - 1) {
			sh := h.shards[i]
			sh.mu.Lock()
			closing = closing[:0]
			for _, subs := range sh.users {
				closing = h.deliver(subs, f, w, closing)
			}
			closeAll(closing)
			sh.mu.Unlock()
		}
	}
	var wg sync.WaitGroup
	for i := 1; i < workers; i++ {
		wg.Go(work)
	}
	work()
	wg.Wait()
}

// endSessions closes the streams of the sign-ins a session.ended event names: the client
// reconnects, and its ticket request tells it the sign-in is over.
func (h *Hub) endSessions(ev *models.Event) {
	var data models.SessionEnded
	if ev.RecipientID == nil || json.Unmarshal(ev.Payload, &data) != nil {
		h.log.Warn("hub: malformed session.ended event", "id", ev.ID)
		return
	}
	if h.opt.SessionsEnded != nil {
		h.opt.SessionsEnded(*ev.RecipientID, data.SessionIDs)
	}
	sh := h.shardFor(*ev.RecipientID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for _, s := range slices.Clone(sh.users[*ev.RecipientID]) {
		if slices.Contains(data.SessionIDs, s.signin.Session) {
			s.closeLocked()
		}
	}
}

// Shutdown ends every stream and refuses new ones. Run calls it
// when its context ends; call it first when the HTTP server drains, so streams do not hold
// the drain up.
func (h *Hub) Shutdown() {
	h.closed.Store(true)
	for _, sh := range h.shards {
		sh.mu.Lock()
		sh.closed = true
		var all []*Subscription
		for _, subs := range sh.users {
			all = append(all, subs...)
		}
		for _, s := range all {
			s.closeLocked()
		}
		sh.mu.Unlock()
	}
}

// Run tails the outbox until ctx ends and sends heartbeats; then it shuts the hub down. It
// returns nil: a failing database is logged and retried.
func (h *Hub) Run(ctx context.Context) error {
	defer h.Shutdown()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { h.heartbeats(ctx) })

	tick := time.NewTicker(h.opt.Poll)
	defer tick.Stop()
	started := false
	for {
		var err error
		if !started {
			if err = h.start(ctx); err == nil {
				started = true
				close(h.ready)
			}
		} else {
			err = h.poll(ctx)
		}
		if err != nil && ctx.Err() == nil {
			h.warn(err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-h.wake:
		}
	}
}

// warn logs a tail failure at most every 30 s: the database may be down for a while.
func (h *Hub) warn(err error) {
	if now := h.opt.Now(); now.Sub(h.lastWarn) >= 30*time.Second {
		h.lastWarn = now
		h.log.Warn("hub: reading the outbox failed; retrying", "err", err)
	}
}

// start places the tail at the newest event. Events before it are history, replayed on
// request; but ids just below it may belong to transactions still in flight, so the ones
// missing there are looked for like any gap.
func (h *Hub) start(ctx context.Context) error {
	last, err := h.store.LastEventID(ctx)
	if err != nil {
		return err
	}
	lo := max(0, last-startScan)
	evs, err := h.store.EventsAfter(ctx, "", lo, startScan)
	if err != nil {
		return err
	}
	h.cursor = lo
	h.skipTo(evs, last)
	h.cursor = last
	h.raiseFloor()
	return nil
}

// poll delivers what was committed since the last poll, then looks for late commits.
func (h *Hub) poll(ctx context.Context) error {
	defer h.raiseFloor()
	for range 10 {
		evs, err := h.store.EventsAfter(ctx, "", h.cursor, tailBatch)
		if err != nil {
			return err
		}
		if len(evs) > 0 {
			h.skipTo(evs, evs[len(evs)-1].ID)
			h.fanout(evs)
		}
		if len(evs) < tailBatch {
			break
		}
	}
	return h.recheck(ctx)
}

// skipTo moves the cursor to last over evs, read after it, recording the ids between them
// that are missing as gaps.
func (h *Hub) skipTo(evs []models.Event, last int64) {
	until := h.opt.Now().Add(h.opt.GapGrace)
	prev := h.cursor
	for _, ev := range append(evs, models.Event{ID: last + 1}) {
		for id := prev + 1; id < ev.ID && len(h.gaps) < maxGaps; id++ {
			h.gaps[id] = until
		}
		prev = ev.ID
	}
	h.cursor = last
}

// recheck looks for the missing ids again and delivers those that have been committed since;
// ids missing for longer than GapGrace are given up (history still has them if they come).
func (h *Hub) recheck(ctx context.Context) error {
	now := h.opt.Now()
	ids := make([]int64, 0, len(h.gaps))
	for id, until := range h.gaps {
		if now.After(until) {
			delete(h.gaps, id)
			h.expired.Add(1)
			continue
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for chunk := range slices.Chunk(ids, recheckSize) {
		evs, err := h.store.EventsByID(ctx, chunk)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			delete(h.gaps, ev.ID)
		}
		h.fanout(evs)
	}
	return nil
}

// raiseFloor publishes the lowest id still to come: the tail's next, or the oldest missing
// id it still looks for.
func (h *Hub) raiseFloor() {
	f := h.cursor + 1
	for id := range h.gaps {
		f = min(f, id)
	}
	h.floor.Store(f)
}

// heartbeats visits one shard at a time, so that every stream hears from the server at
// least once per Heartbeat and the writes are spread over the interval; a stream whose
// access has run out is ended on the way.
func (h *Hub) heartbeats(ctx context.Context) {
	tick := time.NewTicker(max(h.opt.Heartbeat/time.Duration(len(h.shards)), time.Millisecond))
	defer tick.Stop()
	w := newDirectWriter()
	var idle, expired []*Subscription
	for i := 0; ; i = (i + 1) % len(h.shards) {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := h.opt.Now()
		sh := h.shards[i]
		sh.mu.Lock()
		idle, expired = idle[:0], expired[:0]
		for _, subs := range sh.users {
			for _, s := range subs {
				if !s.signin.Until.IsZero() && !now.Before(s.signin.Until) {
					expired = append(expired, s)
				} else if s.state == stateDirect && !s.backlog {
					idle = append(idle, s) // a stream with frames on their way needs no heartbeat
				}
			}
		}
		closeAll(h.deliver(idle, heartbeat, w, nil))
		for _, s := range expired {
			s.closeLocked()
		}
		sh.mu.Unlock()
	}
}

// Collectors returns the hub's metrics for a Prometheus registry.
func (h *Hub) Collectors() []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "frontline_sse_subscribers", Help: "Open event streams on this instance.",
		}, func() float64 { return float64(h.subs.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "frontline_sse_delivered_total", Help: "Events handed to streams.",
		}, func() float64 { return float64(h.delivered.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "frontline_sse_dropped_total", Help: "Streams closed because the client did not keep up.",
		}, func() float64 { return float64(h.dropped.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "frontline_sse_gaps_expired_total", Help: "Missing event ids given up after the grace period.",
		}, func() float64 { return float64(h.expired.Load()) }),
	}
}
