package hub_test

import (
	"context"
	"strconv"
	"strings"
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
	sub := h.Subscribe("u1")
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
	sub := h.Subscribe("u1")
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
	slow, fast := h.Subscribe("u1"), h.Subscribe("u1")
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

func TestDisconnectAndShutdown(t *testing.T) {
	s := testenv.Store(t)
	h := startHub(t, s, hub.Options{})
	a1, a2, b := h.Subscribe("a"), h.Subscribe("a"), h.Subscribe("b")
	b.Listen(nil)
	h.DisconnectUser("a")
	for _, sub := range []*hub.Subscription{a1, a2} {
		select {
		case <-sub.Done():
		default:
			t.Fatal("stream of a disconnected user open")
		}
	}
	if h.Subscribers() != 1 {
		t.Fatalf("subscribers %d, want 1", h.Subscribers())
	}
	h.Shutdown()
	<-b.Done()
	late := h.Subscribe("c")
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
