package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"frontline/hub"
	"frontline/internal/testenv"
	"frontline/models"
	"frontline/uploads"

	"github.com/labstack/echo/v4"
)

// harness runs the full Echo stack, middleware included, on a real store.
type harness struct {
	t      testing.TB
	e      *echo.Echo
	srv    *Server
	store  *models.Store
	photos *uploads.Store
	// base is the harness a view was taken from (see on), whose clock the view reads and
	// moves; nil for a harness of its own.
	base *harness

	mu  sync.Mutex
	now time.Time
}

const testPassword = "violet-harbour-42"

var testSecret = []byte("test-secret-test-secret-test-secret!")

func newHarness(t testing.TB) *harness {
	t.Helper()
	h := &harness{t: t, store: testenv.Store(t), photos: testenv.Photos(t, testSecret), now: time.Now().UTC()}
	h.store.RefreshKey = []byte("test-refresh-key")
	hb := hub.New(h.store, hub.Options{SessionsEnded: h.store.SessionsEnded})
	h.store.OnEventsStored(hb.Wake)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { defer close(ran); _ = hb.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-ran })
	h.e, h.srv = New(Options{Store: h.store, Photos: h.photos, Hub: hb, Secret: testSecret, Version: "test", Now: h.clock, PushKey: testVAPID.Public, Logger: testLogger()})
	return h
}

// on returns a view of h that reports failures on t: the same server, store, photo store
// and clock, with nothing of h changed, so each subtest takes its own view and subtests
// may run in parallel.
func (h *harness) on(t testing.TB) *harness {
	base := h
	if h.base != nil {
		base = h.base
	}
	return &harness{t: t, e: h.e, srv: h.srv, store: h.store, photos: h.photos, base: base}
}

func (h *harness) clock() time.Time {
	if h.base != nil {
		return h.base.clock()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

func (h *harness) advance(d time.Duration) {
	if h.base != nil {
		h.base.advance(d)
		return
	}
	h.mu.Lock()
	h.now = h.now.Add(d)
	h.mu.Unlock()
}

var phoneSeq atomic.Int64

func nextPhone() string {
	return fmt.Sprintf("139%08d", phoneSeq.Add(1))
}

// actor is a user with a live access token.
type actor struct {
	*models.User
	token   string
	refresh string
}

// user creates a user with role (and review body) directly in the store and signs them in
// through the API.
func (h *harness) user(role, body string) *actor {
	h.t.Helper()
	u, err := h.store.CreateUser(ctxb(), models.NewUser{Phone: nextPhone(), Name: "用户" + role, Password: testPassword, Role: role, ReviewBody: body})
	if err != nil {
		h.t.Fatalf("create user: %v", err)
	}
	return h.login(u)
}

func (h *harness) login(u *models.User) *actor {
	h.t.Helper()
	rec := h.do("POST", "/api/v1/auth/login", "", map[string]string{"phone": u.Phone, "password": testPassword})
	if rec.Code != http.StatusOK {
		h.t.Fatalf("login %s: %d %s", u.Phone, rec.Code, rec.Body)
	}
	var p tokenPair
	mustDecode(h.t, rec, &p)
	return &actor{User: u, token: p.AccessToken, refresh: p.RefreshToken}
}

func (h *harness) room(name string) *models.Room {
	h.t.Helper()
	r, err := h.store.CreateRoom(ctxb(), models.RoomInput{Name: name, Level: models.LevelVillage, Address: "东街1号", HasDoorPlate: true, Rules: "每月议事一次"})
	if err != nil {
		h.t.Fatalf("create room: %v", err)
	}
	return r
}

func (h *harness) join(r *models.Room, a *actor, role string) {
	h.t.Helper()
	if _, err := h.store.SetMembership(ctxb(), r.ID, a.ID, role); err != nil {
		h.t.Fatalf("membership: %v", err)
	}
}

// do sends a request through the whole stack. body may be nil, a string (sent as is) or a
// value sent as JSON.
func (h *harness) do(method, path, token string, body any) *httptest.ResponseRecorder {
	h.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		r = bytes.NewReader(buf)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.e.ServeHTTP(rec, req)
	return rec
}

func ctxb() context.Context { return context.Background() }

func mustDecode(t testing.TB, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %q: %v", rec.Body.String(), err)
	}
}

// expect fails the test unless the response has status; it returns the body for more checks.
func expect(t testing.TB, rec *httptest.ResponseRecorder, status int) []byte {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body)
	}
	return rec.Body.Bytes()
}

// expectError checks the status and the error shape, and returns the error detail.
func expectError(t testing.TB, rec *httptest.ResponseRecorder, status int, code string) errorDetail {
	t.Helper()
	expect(t, rec, status)
	var b errorBody
	mustDecode(t, rec, &b)
	if b.Error.Code == "" || b.Error.Message == "" {
		t.Fatalf("error body lacks code or message: %s", rec.Body)
	}
	if code != "" && b.Error.Code != code {
		t.Fatalf("error code %q, want %q: %s", b.Error.Code, code, rec.Body)
	}
	return b.Error
}

func newRawRequest(method, path, body, contentType, token string) *http.Request {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

func (h *harness) serve(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.e.ServeHTTP(rec, req)
	return rec
}

// oneCreated sends the same create n times at once: exactly one must answer 201, the
// others 200 (the stored record), and nothing else.
func oneCreated(t *testing.T, n int, send func() int) {
	t.Helper()
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			codes[i] = send()
		}(i)
	}
	wg.Wait()
	created := 0
	for _, c := range codes {
		switch c {
		case http.StatusCreated:
			created++
		case http.StatusOK:
		default:
			t.Fatalf("codes %v", codes)
		}
	}
	if created != 1 {
		t.Fatalf("codes %v: want exactly one 201", codes)
	}
}

// viewerOf is u as a request of theirs sees them (their room roles read now), for the tests
// that call the store directly in place of a request.
func viewerOf(t testing.TB, st *models.Store, u *models.User) *models.Viewer {
	t.Helper()
	v, err := st.Viewer(ctxb(), u)
	if err != nil {
		t.Fatalf("viewer: %v", err)
	}
	return v
}

// testLogger shows the server's log on standard error when FRONTLINE_TEST_LOG is set, to
// read what a 500 logged; otherwise it is discarded.
func testLogger() *slog.Logger {
	if os.Getenv("FRONTLINE_TEST_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
