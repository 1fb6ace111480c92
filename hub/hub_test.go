package hub_test

import (
	"context"
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

// collect reads frames from a listening subscription until want arrived or timeout.
func collect(t *testing.T, sub *hub.Subscription, want int, timeout time.Duration) []string {
	t.Helper()
	var got []string
	deadline := time.After(timeout)
	for len(got) < want {
		select {
		case <-sub.Ready():
			for _, b := range sub.Next(nil, false) {
				if s := string(b); !strings.HasPrefix(s, ":") {
					got = append(got, s)
				}
			}
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

// An event handed over by Published is not delivered again by the tail, and one only the
// tail sees is delivered once.
func TestPublishedAndTailDeliverOnce(t *testing.T) {
	s := testenv.Store(t)
	h := startHub(t, s, hub.Options{Poll: 10 * time.Millisecond})
	sub := h.Subscribe("u1", hub.Signin{})
	sub.Listen(nil)
	a := add(t, s, models.Notice{Type: "x", Data: 1, Recipients: []string{"u1"}})
	h.Published(a)
	h.Published(a) // twice by mistake: still once
	add(t, s, models.Notice{Type: "x", Data: 2, Everyone: true})
	add(t, s, models.Notice{Type: "x", Data: 3, Recipients: []string{"u2"}})
	got := collect(t, sub, 3, time.Second)
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
	h := startHub(t, s, hub.Options{})
	sub := h.Subscribe("u1", hub.Signin{})
	floor := sub.Floor()
	a := add(t, s, models.Notice{Type: "x", Data: 1, Recipients: []string{"u1"}})
	b := add(t, s, models.Notice{Type: "x", Data: 2, Recipients: []string{"u1"}})
	if a[0].ID < floor {
		t.Fatalf("new event %d below the floor %d", a[0].ID, floor)
	}
	h.Published(a) // held: the stream is "replaying"
	sub.Listen([]int64{a[0].ID, b[0].ID})
	h.Published(b)
	c := add(t, s, models.Notice{Type: "x", Data: 3, Recipients: []string{"u1"}})
	h.Published(c)
	got := collect(t, sub, 1, time.Second)
	if len(got) != 1 || !strings.Contains(got[0], "data: 3\n") {
		t.Fatalf("got %q, want only the third event", got)
	}
}

func TestQueueOverflowClosesOnlyTheSlow(t *testing.T) {
	s := testenv.Store(t)
	h := startHub(t, s, hub.Options{QueueSize: 4})
	slow, fast := h.Subscribe("u1", hub.Signin{}), h.Subscribe("u1", hub.Signin{})
	slow.Listen(nil)
	fast.Listen(nil)
	for i := range 6 {
		h.Published(add(t, s, models.Notice{Type: "x", Data: i, Recipients: []string{"u1"}}))
		collect(t, fast, 1, time.Second)
	}
	select {
	case <-slow.Done():
	default:
		t.Fatal("a subscriber with a full queue stays open")
	}
	select {
	case <-fast.Done():
		t.Fatal("the fast subscriber was closed")
	default:
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
	for _, sub := range []*hub.Subscription{a1, a1b, a2, b} {
		sub.Listen(nil)
	}
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
	for _, sub := range []*hub.Subscription{short, long, forever} {
		sub.Listen(nil)
	}
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
	b.Listen(nil)
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

func TestRetentionPrunesAtStart(t *testing.T) {
	s := testenv.Store(t)
	old := time.Now().Add(-48 * time.Hour)
	s.Now = func() time.Time { return old }
	add(t, s, models.Notice{Type: "x", Data: 1, Everyone: true})
	s.Now = time.Now
	kept := add(t, s, models.Notice{Type: "x", Data: 2, Everyone: true})
	startHub(t, s, hub.Options{Retention: 24 * time.Hour})
	deadline := time.Now().Add(5 * time.Second)
	for {
		oldest, err := s.OldestEventID(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if oldest == kept[0].ID {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("oldest %d, want %d", oldest, kept[0].ID)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
