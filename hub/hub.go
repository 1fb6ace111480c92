// Package hub delivers stored events to connected clients. Each instance tails the events
// table (the outbox), so an event committed on any instance reaches subscribers on all; the
// instance that committed it also hands it over at once (Published), and the tail then
// skips it.
package hub

import (
	"cmp"
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
	// QueueSize bounds the frames waiting for a stream (64): a stream written by its own
	// goroutine, or an attached connection whose socket's send buffer is full. A subscriber
	// whose queue is full is closed and catches up by Last-Event-ID on reconnect.
	QueueSize int
	// WriteBuffer, when positive, sets the socket send buffer of attached connections.
	WriteBuffer int
	// WriteTimeout bounds a write that waits for a slow client (10 s).
	WriteTimeout time.Duration
	// Retention is how long events are kept (180 days); PruneEvery is how often older ones
	// are deleted (1 h), starting at Run.
	Retention  time.Duration
	PruneEvery time.Duration
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

	// Guarded by mu: what has been delivered, so nothing goes out twice.
	mu       sync.Mutex
	cursor   int64               // every id up to here was seen by the tail; -1 before Run
	ahead    map[int64]struct{}  // ids above cursor that Published delivered
	gaps     map[int64]time.Time // ids up to cursor not seen yet, until when to look
	inflight map[uint64]int64    // lowest id of each fan-out in progress
	seq      uint64              // names fan-outs in inflight
	gapMin   int64               // lowest id in gaps, when !gapDirty
	gapDirty bool
	closed   bool
	lastWarn time.Time     // of the last logged tail failure
	ready    chan struct{} // closed once the tail has its starting point

	opened    atomic.Uint64 // subscriptions made, to order a sign-in's streams
	subs      atomic.Int64
	delivered atomic.Uint64
	dropped   atomic.Uint64
	expired   atomic.Uint64
}

// New returns a hub over store; Run starts tailing the outbox and the retention job.
func New(store *models.Store, opt Options) *Hub {
	if opt.Poll <= 0 {
		opt.Poll = 150 * time.Millisecond
	}
	if opt.GapGrace <= 0 {
		opt.GapGrace = 5 * time.Second
	}
	if opt.Heartbeat <= 0 {
		opt.Heartbeat = 15 * time.Second
	}
	if opt.QueueSize <= 0 {
		opt.QueueSize = 64
	}
	if opt.WriteTimeout <= 0 {
		opt.WriteTimeout = 10 * time.Second
	}
	if opt.Retention <= 0 {
		opt.Retention = 180 * 24 * time.Hour
	}
	if opt.PruneEvery <= 0 {
		opt.PruneEvery = time.Hour
	}
	if opt.Shards <= 0 {
		opt.Shards = 64
	}
	if opt.PerSession <= 0 {
		opt.PerSession = 5
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	h := &Hub{store: store, opt: opt, log: opt.Logger, wake: make(chan struct{}, 1), cursor: -1,
		ahead: map[int64]struct{}{}, gaps: map[int64]time.Time{}, inflight: map[uint64]int64{}, ready: make(chan struct{})}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.shards = make([]*shard, opt.Shards)
	for i := range h.shards {
		h.shards[i] = &shard{users: map[string][]*Subscription{}}
	}
	return h
}

// Ready is closed once Run has found where the outbox ends. Serve streams after it: an event
// committed before then, while no tail runs, would reach live streams only on reconnect.
func (h *Hub) Ready() <-chan struct{} { return h.ready }

// DirectWrites reports whether Attach can work on this platform.
func DirectWrites() bool { return directSupported }

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
// until Attach or Listen; a subscription made after Shutdown is closed already.
func (h *Hub) Subscribe(userID string, in Signin) *Subscription {
	s := &Subscription{hub: h, userID: userID, signin: in, done: make(chan struct{})}
	// The floor is read before the subscriber is visible: any fan-out that reaches it then
	// started later, or was in flight, and so carries ids at or above the floor.
	h.mu.Lock()
	s.floor = h.floorLocked()
	h.mu.Unlock()
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
	list := sh.users[userID]
	s.idx = len(list)
	sh.users[userID] = append(list, s)
	h.subs.Add(1)
	if in.Session != "" {
		var oldest *Subscription
		n := 0
		for _, o := range sh.users[userID] {
			if o.signin.Session == in.Session {
				n++
				if oldest == nil || o.opened < oldest.opened {
					oldest = o
				}
			}
		}
		if n > h.opt.PerSession {
			oldest.closeLocked(true)
		}
	}
	return s
}

// floorLocked is the lowest id that may still be delivered: the tail's next, the oldest
// missing id it still looks for, or the lowest of a fan-out in progress.
func (h *Hub) floorLocked() int64 {
	if h.cursor < 0 {
		return 0
	}
	f := h.cursor + 1
	if len(h.gaps) > 0 {
		if h.gapDirty {
			h.gapMin = f
			for id := range h.gaps {
				h.gapMin = min(h.gapMin, id)
			}
			h.gapDirty = false
		}
		f = min(f, h.gapMin)
	}
	for _, m := range h.inflight {
		f = min(f, m)
	}
	return f
}

func (h *Hub) addGapLocked(id int64, until time.Time) {
	if len(h.gaps) == 0 {
		h.gapMin, h.gapDirty = id, false
	} else if !h.gapDirty {
		h.gapMin = min(h.gapMin, id)
	}
	h.gaps[id] = until
}

func (h *Hub) dropGapLocked(id int64) {
	delete(h.gaps, id)
	if id == h.gapMin {
		h.gapDirty = true
	}
}

// Subscribers returns the number of open subscriptions.
func (h *Hub) Subscribers() int { return int(h.subs.Load()) }

// Published delivers events this instance has just committed, without waiting for the tail.
// Call it after the transaction that stored them committed, never inside it: an event must
// not be seen before it is stored.
func (h *Hub) Published(events []models.Event) {
	if len(events) == 0 {
		return
	}
	byID := func(a, b models.Event) int { return cmp.Compare(a.ID, b.ID) }
	if !slices.IsSortedFunc(events, byID) {
		events = slices.Clone(events)
		slices.SortFunc(events, byID)
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	var fresh []*models.Event
	for i := range events {
		ev := &events[i]
		if h.cursor >= 0 && ev.ID <= h.cursor {
			if _, missing := h.gaps[ev.ID]; !missing {
				continue // the tail delivered it already
			}
			h.dropGapLocked(ev.ID)
		} else {
			if _, done := h.ahead[ev.ID]; done {
				continue
			}
			h.ahead[ev.ID] = struct{}{}
		}
		fresh = append(fresh, ev)
	}
	tok := h.beginLocked(fresh)
	h.mu.Unlock()
	h.fanout(fresh, tok)
	// Let the tail move past these soon, so its bookkeeping stays small.
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// beginLocked records a fan-out in progress; endFanout forgets it.
func (h *Hub) beginLocked(evs []*models.Event) uint64 {
	if len(evs) == 0 {
		return 0
	}
	h.seq++
	h.inflight[h.seq] = evs[0].ID
	for _, ev := range evs {
		h.inflight[h.seq] = min(h.inflight[h.seq], ev.ID)
	}
	return h.seq
}

// fanout serialises each event once and gives the same bytes to every subscriber of it.
func (h *Hub) fanout(evs []*models.Event, tok uint64) {
	if len(evs) == 0 {
		return
	}
	w := newDirectWriter()
	for _, ev := range evs {
		if ev.Type == models.EventSessionEnded {
			h.endSessions(ev)
			continue
		}
		f := encode(ev)
		if f.recipient == "" {
			h.broadcast(f)
		} else {
			h.unicast(f, w)
		}
	}
	h.mu.Lock()
	delete(h.inflight, tok)
	h.mu.Unlock()
}

func (h *Hub) unicast(f *frame, w *directWriter) {
	sh := h.shardFor(f.recipient)
	sh.mu.Lock()
	n, slow, closing := deliver(sh.users[f.recipient], f, w, nil)
	for _, s := range closing {
		s.closeLocked(false)
	}
	sh.mu.Unlock()
	h.delivered.Add(uint64(n))
	h.dropped.Add(uint64(slow))
}

// broadcast gives f to every subscriber, shard after shard, on as many goroutines as there
// are processors: no lock is held for more than one shard.
func (h *Hub) broadcast(f *frame) {
	workers := min(runtime.GOMAXPROCS(0), len(h.shards))
	if h.subs.Load() < 512 {
		workers = 1
	}
	var next atomic.Int64
	work := func() {
		w := newDirectWriter()
		var closing []*Subscription
		for {
			i := int(next.Add(1) - 1)
			if i >= len(h.shards) {
				return
			}
			sh := h.shards[i]
			sh.mu.Lock()
			sent, slow := 0, 0
			closing = closing[:0]
			for _, subs := range sh.users {
				var k, l int
				k, l, closing = deliver(subs, f, w, closing)
				sent, slow = sent+k, slow+l
			}
			for _, s := range closing {
				s.closeLocked(false)
			}
			sh.mu.Unlock()
			h.delivered.Add(uint64(sent))
			h.dropped.Add(uint64(slow))
		}
	}
	var wg sync.WaitGroup
	for i := 1; i < workers; i++ {
		wg.Go(work)
	}
	work()
	wg.Wait()
}

// endSessions closes the streams of the sign-ins a session.ended event names, each with its
// final chunk: the client reconnects, and its ticket request tells it the sign-in is over.
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
			s.closeLocked(true)
		}
	}
}

// Shutdown ends every stream, each with its final chunk, and refuses new ones. Run calls it
// when its context ends; call it first when the HTTP server drains, so streams do not hold
// the drain up.
func (h *Hub) Shutdown() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	for _, sh := range h.shards {
		sh.mu.Lock()
		sh.closed = true
		var all []*Subscription
		for _, subs := range sh.users {
			all = append(all, subs...)
		}
		for _, s := range all {
			s.closeLocked(true)
		}
		sh.mu.Unlock()
	}
}

// Run tails the outbox until ctx ends, sends heartbeats and prunes old events; then it
// shuts the hub down. It returns nil: a failing database is logged and retried.
func (h *Hub) Run(ctx context.Context) error {
	defer h.Shutdown()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { h.heartbeats(ctx) })
	wg.Go(func() { h.retention(ctx) })

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
			h.warn("hub: reading the outbox failed; retrying", err)
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
func (h *Hub) warn(msg string, err error) {
	h.mu.Lock()
	now := h.opt.Now()
	quiet := now.Sub(h.lastWarn) < 30*time.Second
	if !quiet {
		h.lastWarn = now
	}
	h.mu.Unlock()
	if !quiet {
		h.log.Warn(msg, "err", err)
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
	present := make(map[int64]bool, len(evs))
	for _, ev := range evs {
		present[ev.ID] = true
	}
	until := h.opt.Now().Add(h.opt.GapGrace)
	h.mu.Lock()
	defer h.mu.Unlock()
	for id := lo + 1; id <= last; id++ {
		if _, done := h.ahead[id]; !present[id] && !done {
			h.addGapLocked(id, until)
		}
	}
	h.cursor = last
	for id := range h.ahead {
		if id <= last {
			delete(h.ahead, id)
		}
	}
	return nil
}

// poll delivers what was committed since the last poll, then looks for late commits.
func (h *Hub) poll(ctx context.Context) error {
	for range 10 {
		h.mu.Lock()
		after := h.cursor
		h.mu.Unlock()
		evs, err := h.store.EventsAfter(ctx, "", after, tailBatch)
		if err != nil {
			return err
		}
		fresh, tok := h.advance(after, evs)
		h.fanout(fresh, tok)
		if len(evs) < tailBatch {
			break
		}
	}
	return h.recheck(ctx)
}

// advance moves the tail over evs, read after id after: it returns those not delivered yet
// and records the ids skipped over as gaps.
func (h *Hub) advance(after int64, evs []models.Event) ([]*models.Event, uint64) {
	if len(evs) == 0 {
		return nil, 0
	}
	until := h.opt.Now().Add(h.opt.GapGrace)
	h.mu.Lock()
	defer h.mu.Unlock()
	var fresh []*models.Event
	prev := after
	for i := range evs {
		ev := &evs[i]
		for id := prev + 1; id < ev.ID && len(h.gaps) < maxGaps; id++ {
			if _, done := h.ahead[id]; !done {
				h.addGapLocked(id, until)
			}
		}
		prev = ev.ID
		if _, done := h.ahead[ev.ID]; done {
			continue
		}
		fresh = append(fresh, ev)
	}
	h.cursor = prev
	for id := range h.ahead {
		if id <= prev {
			delete(h.ahead, id)
		}
	}
	return fresh, h.beginLocked(fresh)
}

// recheck looks for the missing ids again and delivers those that have been committed since;
// ids missing for longer than GapGrace are given up (history still has them if they come).
func (h *Hub) recheck(ctx context.Context) error {
	now := h.opt.Now()
	h.mu.Lock()
	ids := make([]int64, 0, len(h.gaps))
	for id, until := range h.gaps {
		if now.After(until) {
			h.dropGapLocked(id)
			h.expired.Add(1)
			continue
		}
		ids = append(ids, id)
	}
	h.mu.Unlock()
	slices.Sort(ids)
	for len(ids) > 0 {
		n := min(len(ids), recheckSize)
		evs, err := h.store.EventsByID(ctx, ids[:n])
		if err != nil {
			return err
		}
		ids = ids[n:]
		if len(evs) == 0 {
			continue
		}
		h.mu.Lock()
		var fresh []*models.Event
		for i := range evs {
			if _, missing := h.gaps[evs[i].ID]; missing {
				h.dropGapLocked(evs[i].ID)
				fresh = append(fresh, &evs[i])
			}
		}
		tok := h.beginLocked(fresh)
		h.mu.Unlock()
		h.fanout(fresh, tok)
	}
	return nil
}

// heartbeats visits one shard at a time, so that every stream hears from the server at
// least once per Heartbeat and the writes are spread over the interval.
func (h *Hub) heartbeats(ctx context.Context) {
	every := max(h.opt.Heartbeat/time.Duration(len(h.shards)), time.Millisecond)
	tick := time.NewTicker(every)
	defer tick.Stop()
	w := newDirectWriter()
	var closing, expired []*Subscription
	for i := 0; ; i = (i + 1) % len(h.shards) {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := h.opt.Now()
		sh := h.shards[i]
		sh.mu.Lock()
		closing, expired = closing[:0], expired[:0]
		for _, subs := range sh.users {
			for _, s := range subs {
				if !s.signin.Until.IsZero() && !now.Before(s.signin.Until) {
					expired = append(expired, s)
					continue
				}
				// A stream with frames on their way needs no heartbeat.
				idle := s.state == stateDirect && !s.backlog || s.state == stateQueued && len(s.queue) == 0
				if idle && s.offer(heartbeat, w) != offerSent {
					closing = append(closing, s)
				}
			}
		}
		for _, s := range closing {
			s.closeLocked(false)
		}
		for _, s := range expired {
			s.closeLocked(true)
		}
		sh.mu.Unlock()
	}
}

// retention deletes events older than Retention, and spent event tickets, at start and every
// PruneEvery. Several instances may do it at once: deleting is idempotent.
func (h *Hub) retention(ctx context.Context) {
	tick := time.NewTicker(h.opt.PruneEvery)
	defer tick.Stop()
	for {
		now := h.opt.Now()
		n, err := h.store.PruneEvents(ctx, now.Add(-h.opt.Retention))
		if err != nil && ctx.Err() == nil {
			h.log.Warn("hub: pruning old events failed", "err", err)
		} else if n > 0 {
			h.log.Info("hub: pruned old events", "count", n)
		}
		if _, err := h.store.PruneEventTickets(ctx, now); err != nil && ctx.Err() == nil {
			h.log.Warn("hub: pruning event tickets failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
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
