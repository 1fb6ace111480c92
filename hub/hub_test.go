package hub_test

import (
	"bufio"
	"context"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"frontline/hub"
	"frontline/internal/testenv"
	"frontline/models"

	"github.com/prometheus/client_golang/prometheus"
)

func startHub(t *testing.T, store *models.Store, opt hub.Options) *hub.Hub {
	t.Helper()
	h := hub.New(store, opt)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = h.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-h.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("hub not ready")
	}
	return h
}

func add(t *testing.T, s *models.Store, n models.Notice) []models.Event {
	t.Helper()
	rows, err := s.AddEvents(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// client is the far end of a stream's connection: it reads what the hub writes.
type client struct {
	frames chan string
	ended  chan struct{}
}

// attach hands sub a real loopback connection, as the server does, and reads its events.
func attach(t *testing.T, sub *hub.Subscription, skip []int64) *client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	far, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { far.Close() })
	near := <-accepted
	if err := sub.Attach(near, skip); err != nil {
		t.Fatal(err)
	}
	c := &client{frames: make(chan string, 1000), ended: make(chan struct{})}
	go func() {
		defer close(c.ended)
		r := bufio.NewReader(far)
		var ev strings.Builder
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			ev.WriteString(line)
			if line == "\n" {
				if f := ev.String(); !strings.HasPrefix(f, ":") {
					c.frames <- f
				}
				ev.Reset()
			}
		}
	}()
	return c
}

// collect reads up to want frames, waiting at most timeout.
func (c *client) collect(want int, timeout time.Duration) []string {
	var got []string
	deadline := time.After(timeout)
	for len(got) < want {
		select {
		case f := <-c.frames:
			got = append(got, f)
		case <-deadline:
			return got
		}
	}
	return got
}

func TestFormat(t *testing.T) {
	ev := &models.Event{ID: 42, Type: "review.decided", Payload: []byte("{\n  \"a\": \"x\\ny\"\n}")}
	want := "id: 42\nevent: review.decided\ndata: {\"a\":\"x\\ny\"}\n\n"
	if got := string(hub.Format(ev)); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// A commit wakes the tail: with a poll of an hour, events still arrive at once, each once,
// to their recipient and everyone's.
func TestCommitWakesTheTail(t *testing.T) {
	s := testenv.Store(t)
	testenv.NamedUsers(t, s, "u1", "u2")
	h := startHub(t, s, hub.Options{Poll: time.Hour})
	s.OnEventsStored(h.Wake)
	c := attach(t, h.Subscribe("u1", hub.Signin{}), nil)
	a := add(t, s, models.Notice{Type: "x", Data: 1, Recipients: []string{"u1"}})
	if err := s.Tx(context.Background(), func(tx *models.Store) error {
		_, err := tx.AddEvents(context.Background(), models.Notice{Type: "x", Data: 2, Everyone: true})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	add(t, s, models.Notice{Type: "x", Data: 3, Recipients: []string{"u2"}})
	got := c.collect(3, time.Second)
	if len(got) != 2 {
		t.Fatalf("got %d frames, want 2: %q", len(got), got)
	}
	if !strings.HasPrefix(got[0], "id: "+itoa(a[0].ID)+"\n") || !strings.Contains(got[1], "data: 2\n") {
		t.Fatalf("frames %q", got)
	}
	if h.Subscribers() != 1 {
		t.Fatalf("subscribers %d", h.Subscribers())
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Replayed ids at or above the floor are skipped live; frames held during the replay are
// filtered the same way.
func TestSkipReplayed(t *testing.T) {
	s := testenv.Store(t)
	testenv.NamedUsers(t, s, "u1")
	h := startHub(t, s, hub.Options{Poll: 10 * time.Millisecond})
	sub := h.Subscribe("u1", hub.Signin{})
	floor := sub.Floor()
	a := add(t, s, models.Notice{Type: "x", Data: 1, Recipients: []string{"u1"}})
	b := add(t, s, models.Notice{Type: "x", Data: 2, Recipients: []string{"u1"}})
	if a[0].ID < floor {
		t.Fatalf("new event %d below the floor %d", a[0].ID, floor)
	}
	time.Sleep(50 * time.Millisecond) // held: the stream is "replaying"
	c := attach(t, sub, []int64{a[0].ID, b[0].ID})
	add(t, s, models.Notice{Type: "x", Data: 3, Recipients: []string{"u1"}})
	got := c.collect(2, 500*time.Millisecond)
	if len(got) != 1 || !strings.Contains(got[0], "data: 3\n") {
		t.Fatalf("got %q, want only the third event", got)
	}
}

// A stream that cannot take its frames (here: still replaying, so they queue) is closed
// when its queue is full, and counted; the others go on.
func TestQueueOverflowClosesOnlyTheSlow(t *testing.T) {
	s := testenv.Store(t)
	testenv.NamedUsers(t, s, "u1")
	h := startHub(t, s, hub.Options{QueueSize: 4, Poll: 10 * time.Millisecond})
	slow := h.Subscribe("u1", hub.Signin{})
	fast := attach(t, h.Subscribe("u1", hub.Signin{}), nil)
	for i := range 6 {
		add(t, s, models.Notice{Type: "x", Data: i, Recipients: []string{"u1"}})
		if got := fast.collect(1, time.Second); len(got) != 1 {
			t.Fatalf("event %d: the fast stream got %q", i, got)
		}
	}
	select {
	case <-slow.Done():
	default:
		t.Fatal("a subscriber with a full queue stays open")
	}
	if h.Subscribers() != 1 {
		t.Fatalf("subscribers %d, want 1", h.Subscribers())
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(h.Collectors()...)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var dropped float64
	for _, mf := range mfs {
		if mf.GetName() == "frontline_sse_dropped_total" {
			dropped = mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	if dropped != 1 {
		t.Fatalf("dropped counter %v, want 1", dropped)
	}
}

// waitDone fails unless sub ends within d.
func waitDone(t *testing.T, sub *hub.Subscription, d time.Duration, what string) {
	t.Helper()
	select {
	case <-sub.Done():
	case <-time.After(d):
		t.Fatalf("%s: stream still open after %s", what, d)
	}
}

func isOpen(sub *hub.Subscription) bool {
	select {
	case <-sub.Done():
		return false
	default:
		return true
	}
}

// TestSessionEndedClosesItsStreams: revoking a sign-in stores a control event; the hub reads
// it from the outbox, as every instance would, and closes that sign-in's streams alone.
func TestSessionEndedClosesItsStreams(t *testing.T) {
	s := testenv.Store(t)
	testenv.NamedUsers(t, s, "a")
	told := make(chan []string, 10)
	h := startHub(t, s, hub.Options{Poll: 20 * time.Millisecond, SessionsEnded: func(userID string, ids []string) {
		told <- append([]string{userID}, ids...)
	}})
	ctx := context.Background()
	one, _, err := s.StartSession(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	two, _, err := s.StartSession(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	a1, a1b := h.Subscribe("a", hub.Signin{Session: one.ID}), h.Subscribe("a", hub.Signin{Session: one.ID})
	a2 := h.Subscribe("a", hub.Signin{Session: two.ID})
	b := h.Subscribe("b", hub.Signin{Session: one.ID}) // another user naming the same id is not touched
	if err := s.RevokeSession(ctx, one.ID); err != nil {
		t.Fatal(err)
	}
	waitDone(t, a1, 2*time.Second, "revoked sign-in")
	if got := <-told; !slices.Equal(got, []string{"a", one.ID}) {
		t.Fatalf("SessionsEnded told %v, want [a %s]", got, one.ID)
	}
	waitDone(t, a1b, 2*time.Second, "revoked sign-in, second stream")
	if !isOpen(a2) || !isOpen(b) {
		t.Fatal("a stream of another sign-in was closed")
	}
	// The control event is nobody's notice and is never replayed.
	if n, err := s.UnreadCount(ctx, "a"); err != nil || n != 0 {
		t.Fatalf("unread %d (%v), want 0", n, err)
	}
	if evs, err := s.EventsAfter(ctx, "a", 0, 10); err != nil || len(evs) != 0 {
		t.Fatalf("replay of a: %v (%v), want nothing", evs, err)
	}
	// Revoking again raises nothing more; ending every other sign-in reaches the second.
	if err := s.RevokeSession(ctx, one.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeOtherSessions(ctx, "a", "none"); err != nil {
		t.Fatal(err)
	}
	waitDone(t, a2, 2*time.Second, "other sign-ins ended")
	if !isOpen(b) {
		t.Fatal("b closed")
	}
	if h.Subscribers() != 1 {
		t.Fatalf("subscribers %d, want 1", h.Subscribers())
	}
}

// TestStreamsPerSessionAreCapped: a sixth stream of one sign-in closes its oldest.
func TestStreamsPerSessionAreCapped(t *testing.T) {
	h := startHub(t, testenv.Store(t), hub.Options{})
	var subs []*hub.Subscription
	for range 6 {
		subs = append(subs, h.Subscribe("a", hub.Signin{Session: "s1"}))
	}
	other := h.Subscribe("a", hub.Signin{Session: "s2"})
	if isOpen(subs[0]) {
		t.Fatal("the oldest of six streams of one sign-in is still open")
	}
	for i, sub := range append(subs[1:], other) {
		if !isOpen(sub) {
			t.Fatalf("stream %d closed", i+1)
		}
	}
	if h.Subscribers() != 6 {
		t.Fatalf("subscribers %d, want 6", h.Subscribers())
	}
}

// TestStreamEndsWhenAccessRunsOut: a stream lives no longer than the access it was opened
// with; the client comes back with a fresh ticket.
func TestStreamEndsWhenAccessRunsOut(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h := startHub(t, testenv.Store(t), hub.Options{Now: clock, Heartbeat: 64 * time.Millisecond})
	short := h.Subscribe("a", hub.Signin{Session: "s1", Until: now.Add(time.Minute)})
	long := h.Subscribe("a", hub.Signin{Session: "s2", Until: now.Add(time.Hour)})
	forever := h.Subscribe("b", hub.Signin{})
	time.Sleep(200 * time.Millisecond)
	if !isOpen(short) {
		t.Fatal("closed before its access ran out")
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	waitDone(t, short, 2*time.Second, "access ran out")
	if !isOpen(long) || !isOpen(forever) {
		t.Fatal("a stream with access left was closed")
	}
}

func TestShutdown(t *testing.T) {
	s := testenv.Store(t)
	h := startHub(t, s, hub.Options{})
	b := h.Subscribe("b", hub.Signin{})
	h.Shutdown()
	<-b.Done()
	late := h.Subscribe("c", hub.Signin{})
	select {
	case <-late.Done():
	default:
		t.Fatal("subscribed after shutdown")
	}
	if h.Subscribers() != 0 {
		t.Fatalf("subscribers %d after shutdown", h.Subscribers())
	}
}
