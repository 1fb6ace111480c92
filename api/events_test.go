package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"frontline/hub"
	"frontline/internal/testenv"
	"frontline/models"
)

// liveServer is the whole stack with a running hub, behind a real HTTP server: streams need
// a real connection.
type liveServer struct {
	*harness
	hub  *hub.Hub
	ts   *httptest.Server
	url  string
	stop func()
}

func newLiveServer(t testing.TB, store *models.Store, opt hub.Options) *liveServer {
	t.Helper()
	return newLiveServerWith(t, store, opt, nil)
}

// newLiveServerWith wraps the handler when wrap is not nil.
func newLiveServerWith(t testing.TB, store *models.Store, opt hub.Options, wrap func(http.Handler) http.Handler) *liveServer {
	t.Helper()
	if opt.SessionsEnded == nil {
		opt.SessionsEnded = store.SessionsEnded // as the server wires it
	}
	hb := hub.New(store, opt)
	store.OnEventsStored(hb.Wake)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		_ = hb.Run(ctx)
	}()
	h := &harness{t: t, store: store, now: time.Now().UTC()}
	if store.RefreshKey == nil {
		store.RefreshKey = []byte("test-refresh-key")
	}
	h.e, h.srv = New(Options{Store: store, Hub: hb, Secret: testSecret, Version: "test", Now: h.clock})
	var handler http.Handler = h.e
	if wrap != nil {
		handler = wrap(handler)
	}
	ts := httptest.NewServer(handler)
	select {
	case <-hb.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("hub did not start")
	}
	ls := &liveServer{harness: h, hub: hb, ts: ts, url: ts.URL}
	ls.stop = sync.OnceFunc(func() {
		cancel()
		<-ran
		ts.Close()
	})
	t.Cleanup(ls.stop)
	return ls
}

// sseEvent is one thing read from a stream: an event, a comment or a retry hint.
type sseEvent struct {
	ID, Type, Data string
	Comment        string
	IsComment      bool
	Retry          string
}

type sseClient struct {
	t      testing.TB
	resp   *http.Response
	items  chan sseEvent
	ended  chan struct{}
	cancel context.CancelFunc
	opened time.Time
}

// streamRequest opens GET /events with the given query and headers, returning the response
// (the caller checks the status).
func streamRequest(t testing.TB, base, query string, hdr map[string]string, dial func(ctx context.Context, network, addr string) (net.Conn, error)) (*http.Response, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/events"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	tr := &http.Transport{DisableCompression: true, DisableKeepAlives: true}
	if dial != nil {
		tr.DialContext = dial
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		cancel()
		t.Fatalf("open stream: %v", err)
	}
	return resp, cancel
}

// openStream opens a stream that must answer 200 and starts reading it.
func openStream(t testing.TB, base, query string, hdr map[string]string) *sseClient {
	t.Helper()
	return openStreamDial(t, base, query, hdr, nil)
}

func openStreamDial(t testing.TB, base, query string, hdr map[string]string, dial func(ctx context.Context, network, addr string) (net.Conn, error)) *sseClient {
	t.Helper()
	resp, cancel := streamRequest(t, base, query, hdr, dial)
	if resp.StatusCode != http.StatusOK {
		var b strings.Builder
		_, _ = bufio.NewReader(resp.Body).WriteTo(&b)
		resp.Body.Close()
		cancel()
		t.Fatalf("stream status %d: %s", resp.StatusCode, b.String())
	}
	c := &sseClient{t: t, resp: resp, items: make(chan sseEvent, 100000), ended: make(chan struct{}), cancel: cancel, opened: time.Now()}
	go c.read()
	t.Cleanup(c.close)
	return c
}

func bearer(a *actor) map[string]string {
	return map[string]string{"Authorization": "Bearer " + a.token}
}

func (c *sseClient) close() {
	c.cancel()
	c.resp.Body.Close()
}

// read parses the stream: comments as they come, fields until the blank line.
func (c *sseClient) read() {
	defer close(c.ended)
	r := bufio.NewReader(c.resp.Body)
	var cur sseEvent
	has := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if has {
				c.items <- cur
			}
			cur, has = sseEvent{}, false
		case strings.HasPrefix(line, ":"):
			c.items <- sseEvent{IsComment: true, Comment: strings.TrimSpace(line[1:])}
		default:
			k, v, _ := strings.Cut(line, ":")
			v = strings.TrimPrefix(v, " ")
			switch k {
			case "id":
				cur.ID = v
			case "event":
				cur.Type = v
			case "data":
				cur.Data = v
			case "retry":
				cur.Retry = v
			}
			has = true
		}
	}
}

// nextAny returns the next item, comment or not.
func (c *sseClient) nextAny(timeout time.Duration) (sseEvent, bool) {
	select {
	case ev := <-c.items:
		return ev, true
	case <-time.After(timeout):
		return sseEvent{}, false
	}
}

// next returns the next event, skipping comments and retry hints; it fails after timeout.
func (c *sseClient) next(timeout time.Duration) sseEvent {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		select {
		case ev := <-c.items:
			if ev.IsComment || (ev.Type == "" && ev.Data == "") {
				continue
			}
			return ev
		case <-c.ended:
			select {
			case ev := <-c.items:
				if !ev.IsComment && ev.Type != "" {
					return ev
				}
				continue
			default:
			}
			c.t.Fatalf("stream ended while waiting for an event")
		case <-time.After(time.Until(deadline)):
			c.t.Fatalf("no event within %s", timeout)
		}
	}
}

// quiet fails if an event (not a comment) arrives within d.
func (c *sseClient) quiet(d time.Duration) {
	c.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev := <-c.items:
			if !ev.IsComment && ev.Type != "" {
				c.t.Fatalf("unexpected event %+v", ev)
			}
		case <-deadline:
			return
		}
	}
}

// waitEnd waits for the server to end the stream.
func (c *sseClient) waitEnd(timeout time.Duration) {
	c.t.Helper()
	select {
	case <-c.ended:
	case <-time.After(timeout):
		c.t.Fatalf("stream still open after %s", timeout)
	}
}

func (ev sseEvent) id(t testing.TB) int64 {
	t.Helper()
	n, err := strconv.ParseInt(ev.ID, 10, 64)
	if err != nil {
		t.Fatalf("event without a numeric id: %+v", ev)
	}
	return n
}

// addEvents stores n test events for userID ("" = everyone) in one transaction and, when
// publish is set, hands them to the hub as a handler does.
func addEvents(t testing.TB, store *models.Store, hb *hub.Hub, userID string, n int, publish bool) []models.Event {
	t.Helper()
	notices := make([]models.Notice, n)
	for i := range notices {
		notices[i] = models.Notice{Type: "test.ping", Data: map[string]int{"n": i}}
		if userID == "" {
			notices[i].Everyone = true
		} else {
			notices[i].Recipients = []string{userID}
		}
	}
	rows, err := store.AddEvents(ctxb(), notices...)
	if err != nil {
		t.Fatal(err)
	}
	if publish && hb != nil {
		hb.Wake()
	}
	return rows
}

func ids(evs []models.Event) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

func TestSSEProtocol(t *testing.T) {
	ls := newLiveServer(t, testenv.Store(t), hub.Options{Heartbeat: 300 * time.Millisecond})
	u := ls.user(models.RoleMember, "")

	t.Run("HeadersAndFirstComment", func(t *testing.T) {
		c := openStream(t, ls.url, "", bearer(u))
		for k, want := range map[string]string{"Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no"} {
			if got := c.resp.Header.Get(k); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
		first, ok := c.nextAny(time.Second)
		if !ok || !first.IsComment {
			t.Fatalf("first item %+v, want a comment at once", first)
		}
		retry, ok := c.nextAny(time.Second)
		if !ok || retry.Retry != "3000" {
			t.Fatalf("second item %+v, want retry: 3000", retry)
		}
	})

	t.Run("Heartbeat", func(t *testing.T) {
		c := openStream(t, ls.url, "", bearer(u))
		c.nextAny(time.Second) // opening comment
		c.nextAny(time.Second) // retry
		for {
			it, ok := c.nextAny(2 * time.Second)
			if !ok {
				t.Fatal("no heartbeat within 2 s with a 300 ms interval")
			}
			if it.IsComment {
				return
			}
		}
	})

	t.Run("BearerLiveEvent", func(t *testing.T) {
		c := openStream(t, ls.url, "", bearer(u))
		waitSubscribed(t, ls.hub, 1)
		rows := addEvents(t, ls.store, ls.hub, u.ID, 1, true)
		ev := c.next(time.Second)
		if ev.id(t) != rows[0].ID || ev.Type != "test.ping" || ev.Data != `{"n":0}` {
			t.Fatalf("got %+v, want id %d", ev, rows[0].ID)
		}
	})

	t.Run("NoCredentials", func(t *testing.T) {
		resp, cancel := streamRequest(t, ls.url, "", nil, nil)
		defer cancel()
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", resp.StatusCode)
		}
	})

	t.Run("BadLastEventID", func(t *testing.T) {
		resp, cancel := streamRequest(t, ls.url, "?last_event_id=abc", bearer(u), nil)
		defer cancel()
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("status %d, want 400", resp.StatusCode)
		}
	})
}

// waitSubscribed waits until the hub holds at least n streams: a stream is live only once
// its handler subscribed, a moment after the response headers went out.
func waitSubscribed(t testing.TB, hb *hub.Hub, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for hb.Subscribers() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscribers, want %d", hb.Subscribers(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestEventTicket(t *testing.T) {
	ls := newLiveServer(t, testenv.Store(t), hub.Options{})
	u := ls.user(models.RoleMember, "")
	ticket := func(a *actor) string {
		t.Helper()
		rec := ls.do("POST", "/api/v1/events/ticket", a.token, nil)
		var out struct {
			Ticket    string `json:"ticket"`
			ExpiresIn int    `json:"expires_in"`
		}
		if err := json.Unmarshal(expect(t, rec, http.StatusOK), &out); err != nil {
			t.Fatal(err)
		}
		if out.Ticket == "" || out.ExpiresIn != 60 {
			t.Fatalf("ticket answer %s", rec.Body)
		}
		return out.Ticket
	}
	status := func(query string) int {
		t.Helper()
		resp, cancel := streamRequest(t, ls.url, query, nil, nil)
		defer cancel()
		resp.Body.Close()
		return resp.StatusCode
	}

	t.Run("SingleUse", func(t *testing.T) {
		tk := ticket(u)
		c := openStream(t, ls.url, "?ticket="+tk, nil)
		waitSubscribed(t, ls.hub, 1)
		rows := addEvents(t, ls.store, ls.hub, u.ID, 1, true)
		if ev := c.next(time.Second); ev.id(t) != rows[0].ID {
			t.Fatalf("got %+v", ev)
		}
		if got := status("?ticket=" + tk); got != http.StatusUnauthorized {
			t.Fatalf("second use: %d, want 401", got)
		}
	})
	t.Run("Expired", func(t *testing.T) {
		tk := ticket(u)
		ls.advance(61 * time.Second)
		defer ls.advance(-61 * time.Second)
		if got := status("?ticket=" + tk); got != http.StatusUnauthorized {
			t.Fatalf("expired ticket: %d, want 401", got)
		}
	})
	t.Run("Forged", func(t *testing.T) {
		tk := ticket(u)
		payload, mac, _ := strings.Cut(tk, ".")
		other := ticket(ls.user(models.RoleMember, ""))
		_, otherMAC, _ := strings.Cut(other, ".")
		for _, bad := range []string{"x", payload + "." + otherMAC, payload + "." + mac[:len(mac)-2] + "AA", "." + mac} {
			if got := status("?ticket=" + bad); got != http.StatusUnauthorized {
				t.Fatalf("ticket %q: %d, want 401", bad, got)
			}
		}
		if got := status("?ticket=" + tk); got != http.StatusOK {
			t.Fatalf("the genuine ticket after forgeries: %d, want 200", got)
		}
	})
	t.Run("SignedOutUser", func(t *testing.T) {
		v := ls.user(models.RoleMember, "")
		tk := ticket(v)
		expect(t, ls.do("POST", "/api/v1/auth/logout", "", map[string]string{"refresh_token": v.refresh}), http.StatusNoContent)
		if got := status("?ticket=" + tk); got != http.StatusUnauthorized {
			t.Fatalf("ticket after logout: %d, want 401", got)
		}
	})
	t.Run("NeedsBearer", func(t *testing.T) {
		expectError(t, ls.do("POST", "/api/v1/events/ticket", "", nil), http.StatusUnauthorized, "unauthorized")
	})
}

func TestEventReplayExact(t *testing.T) {
	ls := newLiveServer(t, testenv.Store(t), hub.Options{})
	u := ls.user(models.RoleMember, "")
	other := ls.user(models.RoleMember, "")
	var all []int64
	for i := range 6 {
		all = append(all, ids(addEvents(t, ls.store, nil, u.ID, 2, false))...)
		addEvents(t, ls.store, nil, other.ID, 1, false) // not u's: never replayed to u
		if i == 3 {
			all = append(all, ids(addEvents(t, ls.store, nil, "", 1, false))...) // for everyone
		}
	}
	// Every starting point: before the first event, after each one, and after the last.
	starts := append([]int64{0}, all...)
	for i, k := range starts {
		t.Run(fmt.Sprintf("After%d", k), func(t *testing.T) {
			hdr := bearer(u)
			query := ""
			if i%2 == 0 {
				hdr["Last-Event-ID"] = strconv.FormatInt(k, 10)
			} else {
				query = "?last_event_id=" + strconv.FormatInt(k, 10)
			}
			c := openStream(t, ls.url, query, hdr)
			for _, want := range all {
				if want <= k {
					continue
				}
				if got := c.next(2 * time.Second).id(t); got != want {
					t.Fatalf("replay after %d: got id %d, want %d", k, got, want)
				}
			}
			waitSubscribed(t, ls.hub, 1)
			live := addEvents(t, ls.store, ls.hub, u.ID, 1, i%2 == 0) // woken by the commit, or found by the poll
			if got := c.next(2 * time.Second).id(t); got != live[0].ID {
				t.Fatalf("live after replay: got %d, want %d", got, live[0].ID)
			}
			c.quiet(300 * time.Millisecond)
			c.close()
			waitSubscribed(t, ls.hub, 0)
			all = append(all, live[0].ID)
		})
	}
}

// TestEventReplayRace connects clients while events are being committed, some handed to the
// hub at once and some left to the tail: each client must get every event after its
// Last-Event-ID exactly once.
func TestEventReplayRace(t *testing.T) {
	ls := newLiveServer(t, testenv.Store(t), hub.Options{Poll: 20 * time.Millisecond})
	u := ls.user(models.RoleMember, "")
	const total = 120
	var (
		mu        sync.Mutex
		committed []int64
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range total {
			rows := addEvents(t, ls.store, ls.hub, u.ID, 1, i%3 != 0)
			mu.Lock()
			committed = append(committed, rows[0].ID)
			mu.Unlock()
			time.Sleep(3 * time.Millisecond)
		}
	}()
	type conn struct {
		c    *sseClient
		from int64
	}
	var conns []conn
	for len(conns) < 8 {
		time.Sleep(25 * time.Millisecond)
		mu.Lock()
		var from int64
		if n := len(committed); n > 0 {
			from = committed[n/2]
		}
		mu.Unlock()
		// A sign-in each: one sign-in holds at most five streams.
		hdr := bearer(ls.login(u.User))
		hdr["Last-Event-ID"] = strconv.FormatInt(from, 10)
		conns = append(conns, conn{openStream(t, ls.url, "", hdr), from})
	}
	<-done
	for i, cn := range conns {
		var want []int64
		for _, id := range committed {
			if id > cn.from {
				want = append(want, id)
			}
		}
		var got []int64
		for range want {
			got = append(got, cn.c.next(3*time.Second).id(t))
		}
		cn.c.quiet(200 * time.Millisecond)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("client %d after %d: got %v, want %v", i, cn.from, got, want)
		}
	}
}

func TestEventResyncAfterPruning(t *testing.T) {
	store := testenv.Store(t)
	ls := newLiveServer(t, store, hub.Options{})
	u := ls.user(models.RoleMember, "")
	old := addEvents(t, store, nil, u.ID, 3, false)
	if _, err := store.PruneEvents(ctxb(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	kept := addEvents(t, store, nil, u.ID, 1, false)
	hdr := bearer(u)
	hdr["Last-Event-ID"] = strconv.FormatInt(old[0].ID, 10)
	c := openStream(t, ls.url, "", hdr)
	ev := c.next(2 * time.Second)
	if ev.Type != "resync" || ev.Data != "{}" {
		t.Fatalf("first event %+v, want resync", ev)
	}
	if ev.id(t) < kept[0].ID {
		t.Fatalf("resync id %d below the newest event %d: the client would resync again", ev.id(t), kept[0].ID)
	}
	waitSubscribed(t, ls.hub, 1)
	live := addEvents(t, store, ls.hub, u.ID, 1, true)
	if got := c.next(2 * time.Second).id(t); got != live[0].ID {
		t.Fatalf("live after resync: %d, want %d", got, live[0].ID)
	}

	// A client just behind the oldest stored event replays normally.
	hdr["Last-Event-ID"] = strconv.FormatInt(kept[0].ID-1, 10)
	c2 := openStream(t, ls.url, "", hdr)
	if ev := c2.next(2 * time.Second); ev.Type == "resync" || ev.id(t) != kept[0].ID {
		t.Fatalf("got %+v, want a replay of %d", ev, kept[0].ID)
	}
}

func TestEventFailedTransactionSendsNothing(t *testing.T) {
	store := testenv.Store(t)
	ls := newLiveServer(t, store, hub.Options{Poll: 20 * time.Millisecond})
	u := ls.user(models.RoleMember, "")
	c := openStream(t, ls.url, "", bearer(u))
	waitSubscribed(t, ls.hub, 1)
	before, _ := store.LastEventID(ctxb())
	boom := errors.New("boom")
	err := store.Tx(ctxb(), func(tx *models.Store) error {
		if _, err := tx.AddEvents(ctxb(), models.Notice{Type: "test.ping", Recipients: []string{u.ID}, Data: "lost"},
			models.Notice{Type: "test.ping", Everyone: true, Data: "lost"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("tx: %v", err)
	}
	c.quiet(300 * time.Millisecond)
	stored, err := store.EventsAfter(ctxb(), "", before, 10)
	if err != nil || len(stored) != 0 {
		t.Fatalf("rolled-back events stored: %v %v", stored, err)
	}
	marker := addEvents(t, store, nil, u.ID, 1, false)
	if ev := c.next(2 * time.Second); ev.id(t) != marker[0].ID {
		t.Fatalf("got %+v, want only the marker %d", ev, marker[0].ID)
	}
}

func TestEventRestartLosesNothing(t *testing.T) {
	store := testenv.Store(t)
	ls := newLiveServer(t, store, hub.Options{})
	u := ls.user(models.RoleMember, "")
	c := openStream(t, ls.url, "", bearer(u))
	waitSubscribed(t, ls.hub, 1)
	first := addEvents(t, store, ls.hub, u.ID, 1, true)
	if got := c.next(2 * time.Second).id(t); got != first[0].ID {
		t.Fatalf("got %d, want %d", got, first[0].ID)
	}
	ls.stop()
	c.waitEnd(2 * time.Second) // the shutdown ends the stream

	// Events raised while no server runs, then a new server on the same database.
	down := addEvents(t, store, nil, u.ID, 3, false)
	ls2 := newLiveServer(t, store, hub.Options{})
	tok := ls2.login(u.User).token
	c2 := openStream(t, ls2.url, "", map[string]string{"Authorization": "Bearer " + tok, "Last-Event-ID": strconv.FormatInt(first[0].ID, 10)})
	for _, want := range ids(down) {
		if got := c2.next(2 * time.Second).id(t); got != want {
			t.Fatalf("after restart: got %d, want %d", got, want)
		}
	}
	waitSubscribed(t, ls2.hub, 1)
	live := addEvents(t, store, nil, u.ID, 1, false)
	if got := c2.next(2 * time.Second).id(t); got != live[0].ID {
		t.Fatalf("live after restart: got %d, want %d", got, live[0].ID)
	}
}

func TestEventStreamOfDisabledUserCloses(t *testing.T) {
	ls := newLiveServer(t, testenv.Store(t), hub.Options{})
	admin := ls.user(models.RoleAdmin, "")
	u := ls.user(models.RoleMember, "")
	other := ls.user(models.RoleMember, "")
	c1 := openStream(t, ls.url, "", bearer(u))
	c2 := openStream(t, ls.url, "", bearer(u))
	keep := openStream(t, ls.url, "", bearer(other))
	waitSubscribed(t, ls.hub, 3)
	expect(t, ls.do("PATCH", "/api/v1/users/"+u.ID, admin.token, map[string]any{"active": false}), http.StatusOK)
	c1.waitEnd(2 * time.Second)
	c2.waitEnd(2 * time.Second)
	rows := addEvents(t, ls.store, ls.hub, other.ID, 1, true)
	if got := keep.next(time.Second).id(t); got != rows[0].ID {
		t.Fatalf("other user's stream: %d, want %d", got, rows[0].ID)
	}
	resp, cancel := streamRequest(t, ls.url, "", bearer(u), nil)
	defer cancel()
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("disabled user reconnecting: %d, want 401", resp.StatusCode)
	}
}

// TestEventStreamsEndWithTheirSignIn: each way a sign-in ends closes that sign-in's streams,
// by ticket or by bearer, and leaves the user's other sign-ins streaming.
func TestEventStreamsEndWithTheirSignIn(t *testing.T) {
	ls := newLiveServer(t, testenv.Store(t), hub.Options{Poll: 20 * time.Millisecond})
	ls.store.Now = ls.clock // so a reuse can come after the grace for a lost answer
	admin := ls.user(models.RoleAdmin, "")
	viaTicket := func(a *actor) *sseClient {
		rec := ls.do("POST", "/api/v1/events/ticket", a.token, nil)
		expect(t, rec, http.StatusOK)
		var tk ticketResponse
		mustDecode(t, rec, &tk)
		return openStream(t, ls.url, "?ticket="+url.QueryEscape(tk.Ticket), nil)
	}
	cases := []struct {
		name string
		end  func(u *models.User, ending, other *actor)
		// whole says every sign-in of the user ends, not only the one used.
		whole bool
	}{
		{"logout", func(_ *models.User, ending, _ *actor) {
			expect(t, ls.do("POST", "/api/v1/auth/logout", "", map[string]string{"refresh_token": ending.refresh}), http.StatusNoContent)
		}, false},
		{"refresh token reused", func(_ *models.User, ending, _ *actor) {
			expect(t, ls.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": ending.refresh}), http.StatusOK)
			ls.advance(2 * time.Minute) // past any grace for a lost answer
			ls.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": ending.refresh})
		}, false},
		{"password reset by the admin", func(u *models.User, _, _ *actor) {
			expect(t, ls.do("PATCH", "/api/v1/users/"+u.ID, admin.token, map[string]any{"password": "a-new-password-2026"}), http.StatusOK)
		}, true},
		{"role change", func(u *models.User, _, _ *actor) {
			expect(t, ls.do("PATCH", "/api/v1/users/"+u.ID, admin.token, map[string]any{"role": models.RoleReviewer, "review_body": models.BodyCounty}), http.StatusOK)
		}, true},
		{"disabled", func(u *models.User, _, _ *actor) {
			expect(t, ls.do("PATCH", "/api/v1/users/"+u.ID, admin.token, map[string]any{"active": false}), http.StatusOK)
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := ls.user(models.RoleMember, "")
			ending, other := ls.login(u.User), ls.login(u.User)
			byBearer, byTicket := openStream(t, ls.url, "", bearer(ending)), viaTicket(ending)
			otherStream := openStream(t, ls.url, "", bearer(other))
			bystander := ls.user(models.RoleMember, "")
			watch := openStream(t, ls.url, "", bearer(bystander))
			waitSubscribers(t, ls.hub, 4)
			tc.end(u.User, ending, other)
			start := time.Now()
			byBearer.waitEnd(time.Second)
			byTicket.waitEnd(time.Second)
			if tc.whole {
				otherStream.waitEnd(time.Second)
			}
			t.Logf("streams closed %s after the sign-in ended", time.Since(start))
			if !tc.whole {
				rows := addEvents(t, ls.store, ls.hub, u.ID, 1, true)
				if got := otherStream.next(time.Second).id(t); got != rows[0].ID {
					t.Fatalf("the user's other sign-in: got %d, want %d", got, rows[0].ID)
				}
				otherStream.close()
			}
			rows := addEvents(t, ls.store, ls.hub, bystander.ID, 1, true)
			if got := watch.next(time.Second).id(t); got != rows[0].ID {
				t.Fatalf("another user's stream: got %d, want %d", got, rows[0].ID)
			}
			watch.close()
			waitSubscribers(t, ls.hub, 0)
			// A new stream of the ended sign-in is refused.
			resp, cancel := streamRequest(t, ls.url, "", bearer(ending), nil)
			resp.Body.Close()
			cancel()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("ended sign-in opening a stream: %d, want 401", resp.StatusCode)
			}
		})
	}
}

// TestEventStreamEndsWithItsAccess: a stream lasts no longer than the access token it was
// opened with (directly or through a ticket); the client reconnects with a fresh ticket.
func TestEventStreamEndsWithItsAccess(t *testing.T) {
	var mu sync.Mutex
	now := time.Now().UTC()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ls := newLiveServer(t, testenv.Store(t), hub.Options{Heartbeat: 64 * time.Millisecond, Now: clock})
	ls.now = now
	u := ls.user(models.RoleMember, "")
	rec := ls.do("POST", "/api/v1/events/ticket", u.token, nil)
	expect(t, rec, http.StatusOK)
	var tk ticketResponse
	mustDecode(t, rec, &tk)
	byTicket := openStream(t, ls.url, "?ticket="+url.QueryEscape(tk.Ticket), nil)
	byBearer := openStream(t, ls.url, "", bearer(u))
	waitSubscribers(t, ls.hub, 2)
	byTicket.quiet(200 * time.Millisecond)
	mu.Lock()
	now = now.Add(AccessTTL + time.Second)
	mu.Unlock()
	byTicket.waitEnd(2 * time.Second)
	byBearer.waitEnd(2 * time.Second)
}

// TestEventStreamEndsOnEveryInstance: two instances on one database; a sign-in ended
// through A closes its stream on B within a second.
func TestEventStreamEndsOnEveryInstance(t *testing.T) {
	storeA, storeB := sharedStores(t)
	a := newLiveServer(t, storeA, hub.Options{})
	b := newLiveServer(t, storeB, hub.Options{})
	admin := a.user(models.RoleAdmin, "")
	for _, end := range []string{"logout", "disable"} {
		t.Run(end, func(t *testing.T) {
			u := a.user(models.RoleMember, "")
			signin := b.login(u.User)
			onB := openStream(t, b.url, "", bearer(signin))
			waitSubscribed(t, b.hub, 1)
			start := time.Now()
			if end == "logout" {
				expect(t, a.do("POST", "/api/v1/auth/logout", "", map[string]string{"refresh_token": signin.refresh}), http.StatusNoContent)
			} else {
				expect(t, a.do("PATCH", "/api/v1/users/"+u.ID, admin.token, map[string]any{"active": false}), http.StatusOK)
			}
			onB.waitEnd(time.Second)
			t.Logf("closed on the other instance after %s", time.Since(start))
			waitSubscribers(t, b.hub, 0)
		})
	}
}

func TestEventSlowSubscriberIsDropped(t *testing.T) {
	ls := newLiveServer(t, testenv.Store(t), hub.Options{WriteBuffer: 4096})
	u := ls.user(models.RoleMember, "")
	// The slow client reads nothing, through a small receive buffer.
	slowDial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if tc, ok := conn.(*net.TCPConn); ok && err == nil {
			_ = tc.SetReadBuffer(4096)
		}
		return conn, err
	}
	slowResp, cancel := streamRequest(t, ls.url, "", bearer(u), slowDial)
	defer cancel()
	defer slowResp.Body.Close()
	fast := openStream(t, ls.url, "", bearer(u))
	waitSubscribed(t, ls.hub, 2)

	// 200 events of about 4 KB, in bursts of 10: the slow client's socket fills, then its
	// queue of 64; the fast one keeps up.
	big := strings.Repeat("数据", 700)
	var want []int64
	start := time.Now()
	for range 20 {
		notices := make([]models.Notice, 10)
		for i := range notices {
			notices[i] = models.Notice{Type: "test.big", Everyone: true, Data: map[string]any{"n": i, "pad": big}}
		}
		rows, err := ls.store.AddEvents(ctxb(), notices...)
		if err != nil {
			t.Fatal(err)
		}
		ls.hub.Wake()
		want = append(want, ids(rows)...)
		time.Sleep(10 * time.Millisecond)
	}
	for _, id := range want {
		if got := fast.next(5 * time.Second).id(t); got != id {
			t.Fatalf("fast client: got %d, want %d", got, id)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("fast client took %s: the slow one held it up", d)
	}
	waitSubscribers(t, ls.hub, 1)
}

// waitSubscribers waits until the hub holds exactly n streams.
func waitSubscribers(t testing.TB, hb *hub.Hub, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for hb.Subscribers() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscribers, want %d", hb.Subscribers(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// noHijack hides the connection from the handler, as an HTTP/2 server would: the stream is
// then written by its own goroutine through the response.
type noHijack struct{ w http.ResponseWriter }

func (n noHijack) Header() http.Header         { return n.w.Header() }
func (n noHijack) Write(b []byte) (int, error) { return n.w.Write(b) }
func (n noHijack) WriteHeader(code int)        { n.w.WriteHeader(code) }
func (n noHijack) Flush()                      { n.w.(http.Flusher).Flush() }

// TestEventStreamWithoutHijack: the hub writes every stream itself, on a connection taken
// over from the HTTP server; one that cannot be taken over (HTTP/2, a wrapper that hides it)
// is told so plainly, before anything is subscribed.
func TestEventStreamWithoutHijack(t *testing.T) {
	store := testenv.Store(t)
	ls := newLiveServerWith(t, store, hub.Options{}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { next.ServeHTTP(noHijack{w}, r) })
	})
	u := ls.user(models.RoleMember, "")
	resp, cancel := streamRequest(t, ls.url, "", bearer(u), nil)
	defer cancel()
	var body errorBody
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusHTTPVersionNotSupported || !strings.Contains(body.Error.Message, "HTTP/1.1") {
		t.Fatalf("status %d %+v, want 505 naming HTTP/1.1", resp.StatusCode, body)
	}
	if n := ls.hub.Subscribers(); n != 0 {
		t.Fatalf("subscribers %d, want 0", n)
	}
}

func TestAnnouncements(t *testing.T) {
	ls := newLiveServer(t, testenv.Store(t), hub.Options{})
	admin := ls.user(models.RoleAdmin, "")
	inRoom := ls.user(models.RoleMember, "")
	reviewer := ls.user(models.RoleReviewer, models.BodyLocal)
	outside := ls.user(models.RoleMember, "")
	room := ls.room("南村议事室")
	ls.join(room, inRoom, models.RoomMember)
	ls.join(room, reviewer, models.RoomLocalReviewer)
	streams := map[string]*sseClient{}
	for name, a := range map[string]*actor{"admin": admin, "inRoom": inRoom, "reviewer": reviewer, "outside": outside} {
		streams[name] = openStream(t, ls.url, "", bearer(a))
	}
	waitSubscribed(t, ls.hub, 4)

	type ann struct {
		ID     string  `json:"id"`
		Title  string  `json:"title"`
		Body   string  `json:"body"`
		RoomID *string `json:"room_id"`
	}
	post := func(body any) ann {
		t.Helper()
		var a ann
		if err := json.Unmarshal(expect(t, ls.do("POST", "/api/v1/announcements", admin.token, body), http.StatusCreated), &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	check := func(ev sseEvent, want ann) {
		t.Helper()
		var got ann
		if ev.Type != models.EventAnnouncement || json.Unmarshal([]byte(ev.Data), &got) != nil {
			t.Fatalf("event %+v, want an announcement", ev)
		}
		if got.ID != want.ID || got.Title != want.Title || got.Body != want.Body || (got.RoomID == nil) != (want.RoomID == nil) {
			t.Fatalf("announcement %+v, want %+v", got, want)
		}
	}

	all := post(map[string]any{"title": " 全体通知 ", "body": "下周一开会"})
	if all.ID == "" || all.Title != "全体通知" || all.RoomID != nil {
		t.Fatalf("answer %+v", all)
	}
	for _, c := range streams {
		check(c.next(2*time.Second), all)
	}

	one := post(map[string]any{"title": "议事室通知", "body": "周三议事", "room_id": room.ID})
	if one.RoomID == nil || *one.RoomID != room.ID {
		t.Fatalf("answer %+v", one)
	}
	check(streams["inRoom"].next(2*time.Second), one)
	check(streams["reviewer"].next(2*time.Second), one)
	streams["outside"].quiet(300 * time.Millisecond)
	streams["admin"].quiet(10 * time.Millisecond)

	// Stored like any event: the notices list has them.
	var page struct {
		Items []struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		} `json:"items"`
	}
	mustDecode(t, ls.do("GET", "/api/v1/notifications", outside.token, nil), &page)
	if len(page.Items) != 1 || page.Items[0].Type != models.EventAnnouncement {
		t.Fatalf("outside's notices: %+v", page.Items)
	}

	t.Run("Validation", func(t *testing.T) {
		long := strings.Repeat("长", 101)
		for _, body := range []map[string]any{
			{"title": "", "body": "x"}, {"title": long, "body": "x"}, {"title": "t", "body": " "},
			{"title": "t", "body": strings.Repeat("字", 5001)},
		} {
			expectError(t, ls.do("POST", "/api/v1/announcements", admin.token, body), http.StatusUnprocessableEntity, "invalid")
		}
		expectError(t, ls.do("POST", "/api/v1/announcements", admin.token, map[string]any{"title": "t", "body": "b", "room_id": models.NewID()}), http.StatusNotFound, "not_found")
		expectError(t, ls.do("POST", "/api/v1/announcements", inRoom.token, map[string]any{"title": "t", "body": "b"}), http.StatusForbidden, "forbidden")
		expectError(t, ls.do("POST", "/api/v1/announcements", admin.token, `{"title": 1}`), http.StatusBadRequest, "bad_request")
		longest := map[string]any{"title": strings.Repeat("题", 100), "body": strings.Repeat("字", 5000), "room_id": room.ID}
		expect(t, ls.do("POST", "/api/v1/announcements", admin.token, longest), http.StatusCreated)
	})
}

func TestNotifications(t *testing.T) {
	ls := newLiveServer(t, testenv.Store(t), hub.Options{})
	u := ls.user(models.RoleMember, "")
	other := ls.user(models.RoleMember, "")
	mine := addEvents(t, ls.store, nil, u.ID, 5, false)
	addEvents(t, ls.store, nil, other.ID, 2, false)
	mine = append(mine, addEvents(t, ls.store, nil, "", 1, false)...)

	type item struct {
		ID        int64           `json:"id"`
		Type      string          `json:"type"`
		Data      json.RawMessage `json:"data"`
		CreatedAt time.Time       `json:"created_at"`
		Read      bool            `json:"read"`
	}
	type page struct {
		Items      []item `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	get := func(query string) page {
		t.Helper()
		var p page
		if err := json.Unmarshal(expect(t, ls.do("GET", "/api/v1/notifications"+query, u.token, nil), http.StatusOK), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Newest first, in pages of 4 then 2; a full last page would have no cursor either.
	p1 := get("?limit=4")
	if len(p1.Items) != 4 || p1.NextCursor == "" || p1.Items[0].ID != mine[5].ID || p1.Items[3].ID != mine[2].ID {
		t.Fatalf("page 1: %+v", p1)
	}
	if p1.Items[0].Type != "test.ping" || p1.Items[0].CreatedAt.IsZero() || string(p1.Items[1].Data) != `{"n":4}` {
		t.Fatalf("item shape: %+v", p1.Items[:2])
	}
	p2 := get("?limit=4&cursor=" + p1.NextCursor)
	if len(p2.Items) != 2 || p2.NextCursor != "" || p2.Items[1].ID != mine[0].ID {
		t.Fatalf("page 2: %+v", p2)
	}
	if p := get("?limit=6"); len(p.Items) != 6 || p.NextCursor != "" {
		t.Fatalf("full single page: %d items, cursor %q", len(p.Items), p.NextCursor)
	}

	expect(t, ls.do("POST", "/api/v1/notifications/read", u.token, map[string]int64{"up_to_id": mine[2].ID}), http.StatusNoContent)
	unread := get("?unread=true")
	if len(unread.Items) != 3 || unread.Items[2].ID != mine[3].ID || unread.Items[0].Read {
		t.Fatalf("unread: %+v", unread.Items)
	}
	if all := get(""); !all.Items[3].Read || all.Items[2].Read {
		t.Fatalf("read flags: %+v", all.Items)
	}
	// The watermark never moves back.
	expect(t, ls.do("POST", "/api/v1/notifications/read", u.token, map[string]int64{"up_to_id": mine[0].ID}), http.StatusNoContent)
	if n := len(get("?unread=true").Items); n != 3 {
		t.Fatalf("unread after an older mark: %d, want 3", n)
	}
	// The other user's notices are untouched.
	var op page
	mustDecode(t, ls.do("GET", "/api/v1/notifications?unread=true", other.token, nil), &op)
	if len(op.Items) != 3 {
		t.Fatalf("other user's unread: %d, want 3", len(op.Items))
	}

	for _, q := range []string{"?limit=0", "?limit=201", "?limit=x", "?cursor=abc", "?unread=maybe"} {
		expectError(t, ls.do("GET", "/api/v1/notifications"+q, u.token, nil), http.StatusUnprocessableEntity, "invalid")
	}
	expectError(t, ls.do("POST", "/api/v1/notifications/read", u.token, map[string]any{}), http.StatusUnprocessableEntity, "invalid")
	expectError(t, ls.do("POST", "/api/v1/notifications/read", u.token, map[string]any{"up_to_id": -1}), http.StatusUnprocessableEntity, "invalid")
	expectError(t, ls.do("GET", "/api/v1/notifications", "", nil), http.StatusUnauthorized, "unauthorized")
}

// sharedStores opens two stores on one database, as two server processes would.
func sharedStores(t testing.TB) (*models.Store, *models.Store) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	open := func() (*models.Store, error) { return models.OpenSQLite(ctx, path) }
	if testenv.Backend() == "services" {
		dsn := testenv.MySQLDSN(t)
		open = func() (*models.Store, error) { return models.OpenMySQL(ctx, dsn) }
	}
	a, err := open()
	if err != nil {
		t.Fatal(err)
	}
	b, err := open()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*models.Store{a, b} {
		t.Cleanup(func() { s.Close() })
	}
	return a, b
}

func TestEventsTwoInstances(t *testing.T) {
	storeA, storeB := sharedStores(t)
	a := newLiveServer(t, storeA, hub.Options{})
	b := newLiveServer(t, storeB, hub.Options{})
	admin := a.user(models.RoleAdmin, "")
	member := a.user(models.RoleMember, "")
	room := a.room("两实例议事室")
	a.join(room, member, models.RoomMember)
	onB := openStream(t, b.url, "", map[string]string{"Authorization": "Bearer " + b.login(member.User).token})
	onA := openStream(t, a.url, "", bearer(member))
	waitSubscribed(t, b.hub, 1)
	waitSubscribed(t, a.hub, 1)

	for _, body := range []map[string]any{{"title": "全体", "body": "A 上发布"}, {"title": "本室", "body": "A 上发布", "room_id": room.ID}} {
		start := time.Now()
		rec := a.do("POST", "/api/v1/announcements", admin.token, body)
		expect(t, rec, http.StatusCreated)
		evB := onB.next(time.Second)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("B got it after %s", d)
		}
		evA := onA.next(time.Second)
		if evA.ID != evB.ID || evA.Data != evB.Data {
			t.Fatalf("A got %+v, B got %+v", evA, evB)
		}
	}
	// And the other way: committed through B, received on A, nothing twice.
	rows := addEvents(t, storeB, b.hub, member.ID, 3, true)
	for _, want := range ids(rows) {
		if got := onA.next(time.Second).id(t); got != want {
			t.Fatalf("A: got %d, want %d", got, want)
		}
		if got := onB.next(time.Second).id(t); got != want {
			t.Fatalf("B: got %d, want %d", got, want)
		}
	}
	onA.quiet(300 * time.Millisecond)
	onB.quiet(10 * time.Millisecond)
}

// TestEventOutOfOrderCommit: on MySQL a transaction can take id N, another N+1 and commit
// first. The tail passes N+1 while N is still open; N must still be delivered when it
// commits, whether this instance hands it over or only the tail sees it.
func TestEventOutOfOrderCommit(t *testing.T) {
	if testenv.Backend() != "services" {
		t.Skip("SQLite serialises writers: commits cannot come out of id order")
	}
	store := testenv.Store(t)
	ls := newLiveServer(t, store, hub.Options{Poll: 50 * time.Millisecond})
	u := ls.user(models.RoleMember, "")
	c := openStream(t, ls.url, "", bearer(u))
	waitSubscribed(t, ls.hub, 1)

	type held struct {
		id      chan int64
		release func()
		done    chan error
	}
	hold := func(t *testing.T) *held {
		rel := make(chan struct{})
		h := &held{id: make(chan int64, 1), release: sync.OnceFunc(func() { close(rel) }), done: make(chan error, 1)}
		t.Cleanup(h.release) // never leave a transaction open
		go func() {
			h.done <- store.Tx(ctxb(), func(tx *models.Store) error {
				rows, err := tx.AddEvents(ctxb(), models.Notice{Type: "test.ping", Recipients: []string{u.ID}, Data: "x"})
				if err != nil {
					return err
				}
				h.id <- rows[0].ID
				<-rel
				return nil
			})
		}()
		return h
	}
	for _, publish := range []bool{false, true} {
		t.Run(fmt.Sprintf("Woken=%v", publish), func(t *testing.T) {
			// Woken: the commits wake the tail, as in the server; else only the poll finds them.
			if publish {
				store.OnEventsStored(ls.hub.Wake)
			} else {
				store.OnEventsStored(nil)
			}
			first := hold(t)
			lo := <-first.id
			second := hold(t)
			hi := <-second.id
			if lo >= hi {
				t.Fatalf("ids %d, %d", lo, hi)
			}
			second.release()
			if err := <-second.done; err != nil {
				t.Fatal(err)
			}
			if got := c.next(2 * time.Second).id(t); got != hi {
				t.Fatalf("got %d, want %d first", got, hi)
			}
			time.Sleep(200 * time.Millisecond) // the tail moves past hi
			first.release()
			if err := <-first.done; err != nil {
				t.Fatal(err)
			}
			if got := c.next(2 * time.Second).id(t); got != lo {
				t.Fatalf("got %d, want the late commit %d", got, lo)
			}
			c.quiet(300 * time.Millisecond)
		})
	}
}
