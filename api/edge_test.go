package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"frontline/internal/testenv"
	"frontline/models"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// edgeHarness is newHarness with its log kept, and options of the test's choosing.
func edgeHarness(t testing.TB, set func(*Options)) (*harness, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	h := &harness{t: t, store: testenv.Store(t), photos: testenv.Photos(t, testSecret), now: time.Now().UTC()}
	opt := Options{Store: h.store, Photos: h.photos, Secret: testSecret, Version: "test", Now: h.clock,
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	if set != nil {
		set(&opt)
	}
	h.e, h.srv = New(opt)
	return h, logs
}

// from sends a request as if from the socket address remote, with extra headers.
func (h *harness) from(remote, method, path string, body any, hdr map[string]string) *httptest.ResponseRecorder {
	h.t.Helper()
	var req *http.Request
	switch b := body.(type) {
	case nil:
		req = httptest.NewRequest(method, path, nil)
	case string:
		req = newRawRequest(method, path, b, "application/json", "")
	default:
		panic("from: body is nil or a JSON string")
	}
	req.RemoteAddr = remote
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return h.serve(req)
}

func loginBody(phone, password string) string {
	return fmt.Sprintf(`{"phone": %q, "password": %q}`, phone, password)
}

func scrape(t testing.TB, h *harness) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("metrics: %d", rec.Code)
	}
	return rec.Body.String()
}

// TestUnknownMethods: a made-up method is refused in the API's error shape before it is
// counted or logged, so it can grow neither the metrics nor the log.
func TestUnknownMethods(t *testing.T) {
	h, logs := edgeHarness(t, nil)
	method := "X" + strings.Repeat("Y", 30<<10)
	for i := range 20 {
		rec := h.from("192.0.2.1:1234", method+fmt.Sprint(i), "/api/v1/me", nil, nil)
		expectError(t, rec, http.StatusNotImplemented, "")
		rec = h.from("192.0.2.1:1234", method+fmt.Sprint(i), "/nowhere", nil, nil)
		expectError(t, rec, http.StatusNotImplemented, "")
	}
	expect(t, h.do("GET", "/api/v1/openapi.json", "", nil), http.StatusOK)
	body := scrape(t, h)
	if strings.Contains(body, "XYY") || len(body) > 200<<10 {
		t.Fatalf("made-up methods reached the metrics (%d bytes)", len(body))
	}
	if !strings.Contains(body, `frontline_http_requests_total{method="GET",route="/api/v1/openapi.json",status="200"} 1`) {
		t.Errorf("known method not counted by route: %s", body)
	}
	if strings.Contains(logs.String(), "XYY") {
		t.Fatal("made-up methods reached the log")
	}
	if methodLabel("BREW") != "other" || methodLabel("PATCH") != "PATCH" {
		t.Fatal("methodLabel")
	}
}

// TestLoginLimiterKeys: what the client writes is never kept as a limiter key as it came.
func TestLoginLimiterKeys(t *testing.T) {
	t.Run("MalformedPhoneKeepsNoKey", func(t *testing.T) {
		h, _ := edgeHarness(t, nil)
		huge := strings.Repeat("1", 1000*1000-100) // just under the body limit
		expectError(t, h.from("192.0.2.1:1", "POST", "/api/v1/auth/login", loginBody(huge, "x"), nil), http.StatusUnauthorized, models.CodeUnauthorized)
		expectError(t, h.from("192.0.2.1:1", "POST", "/api/v1/auth/login", loginBody("not a phone", "x"), nil), http.StatusUnauthorized, models.CodeUnauthorized)
		l := h.srv.loginLimit
		if len(l.pairs) != 0 || len(l.phones) != 0 {
			t.Fatalf("a malformed phone was kept: %d pair keys, %d phone keys", len(l.pairs), len(l.phones))
		}
		for k := range l.sources {
			if len(k) > maxKeyLen {
				t.Fatalf("source key of %d bytes", len(k))
			}
		}
	})
	t.Run("IPv6SourceIsItsSlash64", func(t *testing.T) {
		h, _ := edgeHarness(t, nil)
		for i := range sourceMax {
			rec := h.from(fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1), "POST", "/api/v1/auth/login", loginBody("bad", "x"), nil)
			expect(t, rec, http.StatusUnauthorized)
		}
		rec := h.from("[2001:db8:1:2:ffff::9]:443", "POST", "/api/v1/auth/login", loginBody("bad", "x"), nil)
		expectError(t, rec, http.StatusTooManyRequests, models.CodeRateLimited)
		expect(t, h.from("[2001:db8:1:3::1]:443", "POST", "/api/v1/auth/login", loginBody("bad", "x"), nil), http.StatusUnauthorized)
		if got := sourceKey("::ffff:192.0.2.7"); got != "192.0.2.7" {
			t.Errorf("mapped IPv4 key %q", got)
		}
		if got := sourceKey(strings.Repeat("z", 5000)); got != "unknown" {
			t.Errorf("unparsable address key %q", got)
		}
	})
	t.Run("ExpiredKeysAreSwept", func(t *testing.T) {
		h, _ := edgeHarness(t, nil)
		l := h.srv.loginLimit
		for i := range 2000 {
			ip := fmt.Sprintf("198.51.%d.%d", i/250, i%250)
			if err := l.check(fmt.Sprintf("139%08d", i), ip); err != nil {
				t.Fatal(err)
			}
			l.fail(fmt.Sprintf("139%08d", i), ip)
		}
		if l.size() < 2000 {
			t.Fatalf("only %d keys", l.size())
		}
		h.advance(loginWindow + time.Minute)
		_ = l.check("13900000000", "192.0.2.1")
		if n := l.size(); n != 0 {
			t.Fatalf("%d expired keys kept", n)
		}

		r := h.srv.receiptLimit
		for i := range 2000 {
			_ = r.allow(fmt.Sprintf("198.51.%d.%d", i/250, i%250))
		}
		h.advance(2 * time.Minute)
		_ = r.allow("192.0.2.1")
		if n := r.size(); n != 1 {
			t.Fatalf("receipt limiter kept %d keys, want 1", n)
		}
	})
	t.Run("ReceiptLimiterOnIPv6Slash64", func(t *testing.T) {
		h, _ := edgeHarness(t, nil)
		for i := range 30 {
			h.from(fmt.Sprintf("[2001:db8:9:9::%x]:443", i+1), "GET", "/api/v1/receipts/NOSUCHCODE", nil, nil)
		}
		rec := h.from("[2001:db8:9:9:1::1]:443", "GET", "/api/v1/receipts/NOSUCHCODE", nil, nil)
		expectError(t, rec, http.StatusTooManyRequests, models.CodeRateLimited)
		if rec.Header().Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
	})
}

// TestLoginLockout: guessing from one place delays that place, with growing waits, and
// never locks the owner out from another.
func TestLoginLockout(t *testing.T) {
	h, _ := edgeHarness(t, nil)
	u, err := h.store.CreateUser(ctxb(), models.NewUser{Phone: nextPhone(), Name: "管理员", Password: testPassword, Role: models.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	const attacker, owner = "203.0.113.66:5000", "198.51.100.7:6000"
	login := func(remote, password string) *httptest.ResponseRecorder {
		return h.from(remote, "POST", "/api/v1/auth/login", loginBody(u.Phone, password), nil)
	}
	for range pairFreeTries {
		expectError(t, login(attacker, "wrong-password"), http.StatusUnauthorized, models.CodeUnauthorized)
	}
	rec := login(attacker, testPassword)
	expectError(t, rec, http.StatusTooManyRequests, models.CodeRateLimited)
	if got := rec.Header().Get("Retry-After"); got != "60" {
		t.Fatalf("Retry-After %q after %d failures, want 60", got, pairFreeTries)
	}
	expect(t, login(owner, testPassword), http.StatusOK)

	// The wait grows with each further failure: 1 min, 2, 4 … up to 15.
	wait := time.Minute
	for _, want := range []time.Duration{2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 15 * time.Minute, 15 * time.Minute} {
		h.advance(wait)
		expectError(t, login(attacker, "wrong-password"), http.StatusUnauthorized, models.CodeUnauthorized)
		if got := login(attacker, testPassword).Header().Get("Retry-After"); got != fmt.Sprint(int(want.Seconds())) {
			t.Fatalf("Retry-After %q, want %v", got, want)
		}
		wait = want
	}
	expect(t, login(owner, testPassword), http.StatusOK)
	// Once the wait has passed, the right password works from there too and clears it.
	h.advance(pairMaxDelay)
	expect(t, login(attacker, testPassword), http.StatusOK)
	expectError(t, login(attacker, "wrong-password"), http.StatusUnauthorized, models.CodeUnauthorized)
}

// TestLoginCountyAlarm: failures for one phone from many places, each below its own limit,
// raise one warning and a metric, and still do not lock the owner out.
func TestLoginCountyAlarm(t *testing.T) {
	h, logs := edgeHarness(t, nil)
	u, err := h.store.CreateUser(ctxb(), models.NewUser{Phone: nextPhone(), Name: "管理员", Password: testPassword, Role: models.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	for i := range phoneAlarmAt + 10 {
		remote := fmt.Sprintf("203.0.%d.%d:1", i/2/200, i/2%200+1) // two tries from each
		expect(t, h.from(remote, "POST", "/api/v1/auth/login", loginBody(u.Phone, "wrong-password"), nil), http.StatusUnauthorized)
	}
	if n := strings.Count(logs.String(), "many failed sign-ins"); n != 1 {
		t.Fatalf("%d warnings, want 1:\n%s", n, logs)
	}
	if strings.Contains(logs.String(), u.Phone) {
		t.Error("the phone is logged in full")
	}
	if !strings.Contains(scrape(t, h), `frontline_login_alarms_total{signal="one_phone"} 1`) {
		t.Error("no alarm metric")
	}
	expect(t, h.from("198.51.100.7:1", "POST", "/api/v1/auth/login", loginBody(u.Phone, testPassword), nil), http.StatusOK)

	// All phones: a unit check, with its own alarm.
	var signals []string
	l := newLoginLimiter(h.clock, func(signal, _ string, _ int) { signals = append(signals, signal) })
	for i := range countyAlarmAt + 5 {
		l.fail(fmt.Sprintf("139%08d", i), fmt.Sprintf("10.%d.%d.1", i/200, i%200))
	}
	if len(signals) != 1 || signals[0] != alarmAllPhones {
		t.Fatalf("alarms %v", signals)
	}
}

// TestForwardedFor: X-Forwarded-For is believed only from a trusted proxy, and then its
// right-most entry that is not one.
func TestForwardedFor(t *testing.T) {
	t.Run("UntrustedSocketCannotRotate", func(t *testing.T) {
		h, _ := edgeHarness(t, nil)
		for i := range sourceMax {
			rec := h.from("192.0.2.1:1", "POST", "/api/v1/auth/login", loginBody(fmt.Sprintf("138%08d", i), "x"),
				map[string]string{"X-Forwarded-For": fmt.Sprintf("10.9.%d.%d", i/200, i%200+1)})
			expect(t, rec, http.StatusUnauthorized)
		}
		rec := h.from("192.0.2.1:1", "POST", "/api/v1/auth/login", loginBody("13899999999", "x"),
			map[string]string{"X-Forwarded-For": "10.8.8.8", "X-Real-IP": "10.7.7.7"})
		expectError(t, rec, http.StatusTooManyRequests, models.CodeRateLimited)

		for i := range 30 {
			h.from("192.0.2.1:1", "GET", "/api/v1/receipts/NOSUCHCODE", nil, map[string]string{"X-Forwarded-For": fmt.Sprintf("10.9.0.%d", i+1)})
		}
		rec = h.from("192.0.2.1:1", "GET", "/api/v1/receipts/NOSUCHCODE", nil, map[string]string{"X-Forwarded-For": "10.9.1.1"})
		expectError(t, rec, http.StatusTooManyRequests, models.CodeRateLimited)
	})
	t.Run("TrustedProxy", func(t *testing.T) {
		_, proxies, _ := net.ParseCIDR("10.0.0.0/8")
		extract := ipExtractor([]*net.IPNet{proxies})
		ask := func(remote, xff string) string {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = remote
			if xff != "" {
				r.Header.Set("X-Forwarded-For", xff)
			}
			return extract(r)
		}
		for _, c := range []struct{ remote, xff, want string }{
			{"10.0.0.5:1", "forged, 203.0.113.9", "203.0.113.9"},
			{"10.0.0.5:1", "203.0.113.9, 10.0.0.4", "203.0.113.9"},
			{"10.0.0.5:1", "", "10.0.0.5"},
			{"192.0.2.1:1", "203.0.113.9", "192.0.2.1"},
			{"127.0.0.1:1", "203.0.113.9", "127.0.0.1"}, // loopback is not trusted unless listed
		} {
			if got := ask(c.remote, c.xff); got != c.want {
				t.Errorf("from %s with X-Forwarded-For %q: %s, want %s", c.remote, c.xff, got, c.want)
			}
		}
		if got := ipExtractor(nil); got == nil || got(httptest.NewRequest("GET", "/", nil)) != "192.0.2.1" {
			t.Error("without proxies the socket's address is the client")
		}

		// Behind the proxy each client has its own count; a forged left entry changes nothing.
		h, _ := edgeHarness(t, func(o *Options) { o.TrustedProxies = []*net.IPNet{proxies} })
		for i := range 30 {
			h.from("10.0.0.5:1", "GET", "/api/v1/receipts/NOSUCHCODE", nil, map[string]string{"X-Forwarded-For": fmt.Sprintf("10.1.1.%d, 203.0.113.9", i)})
		}
		rec := h.from("10.0.0.5:1", "GET", "/api/v1/receipts/NOSUCHCODE", nil, map[string]string{"X-Forwarded-For": "forged, 203.0.113.9"})
		expectError(t, rec, http.StatusTooManyRequests, models.CodeRateLimited)
		rec = h.from("10.0.0.5:1", "GET", "/api/v1/receipts/NOSUCHCODE", nil, map[string]string{"X-Forwarded-For": "203.0.113.10"})
		expectError(t, rec, http.StatusNotFound, models.CodeNotFound)
	})
}

// TestOpsNotPublic: metrics are not on the public handler, and /readyz says only what is
// down, never why.
func TestOpsNotPublic(t *testing.T) {
	h, logs := edgeHarness(t, nil)
	rec := h.do("GET", "/metrics", "", nil)
	if rec.Code == http.StatusOK || strings.Contains(rec.Body.String(), "go_goroutines") {
		t.Fatalf("the public handler serves metrics: %d", rec.Code)
	}
	if !strings.Contains(scrape(t, h), "go_goroutines") {
		t.Fatal("MetricsHandler lacks go_goroutines")
	}

	h.srv.probes = map[string]func(context.Context) error{"photos": func(context.Context) error {
		return errors.New("dial tcp 10.1.2.3:9000: connect: connection refused")
	}}
	for range 3 {
		rec = h.do("GET", "/readyz", "", nil)
		expect(t, rec, http.StatusServiceUnavailable)
		if b := rec.Body.String(); strings.Contains(b, "10.1.2.3") || strings.Contains(b, "refused") {
			t.Fatalf("/readyz shows the error: %s", b)
		}
		var body struct {
			Status string            `json:"status"`
			Checks map[string]string `json:"checks"`
		}
		mustDecode(t, rec, &body)
		if body.Status != "unavailable" || body.Checks["photos"] != "down" || body.Checks["database"] != "ok" || len(body.Checks) != 2 {
			t.Fatalf("/readyz: %s", rec.Body)
		}
	}
	if n := strings.Count(logs.String(), "10.1.2.3:9000"); n != 1 {
		t.Fatalf("the failure is logged %d times over three probes, want 1", n)
	}
	h.srv.probes = map[string]func(context.Context) error{"photos": func(context.Context) error { return nil }}
	expect(t, h.do("GET", "/readyz", "", nil), http.StatusOK)
	if !strings.Contains(logs.String(), "dependency back") {
		t.Error("recovery not logged")
	}
}

// TestAPIHeaders: every API answer, errors included, is neither cached nor sniffed; request
// ids are the server's own; the log holds route patterns, not paths.
func TestAPIHeaders(t *testing.T) {
	h, logs := edgeHarness(t, nil)
	admin := h.user(models.RoleAdmin, "")
	for _, rec := range []*httptest.ResponseRecorder{
		h.do("GET", "/api/v1/openapi.json", "", nil),
		h.do("GET", "/api/v1/me", admin.token, nil),
		h.do("GET", "/api/v1/me", "", nil),
		h.do("GET", "/api/v1/nothing/here", "", nil),
		h.do("POST", "/api/v1/auth/login", "", `{"phone":`),
		h.from("192.0.2.1:1", "BREW", "/api/v1/me", nil, nil),
	} {
		if rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%d answer: Cache-Control %q, X-Content-Type-Options %q", rec.Code,
				rec.Header().Get("Cache-Control"), rec.Header().Get("X-Content-Type-Options"))
		}
	}

	rec := h.from("192.0.2.1:1", "GET", "/api/v1/openapi.json", nil, map[string]string{"X-Request-ID": "forged-id\nlevel=error"})
	if id := rec.Header().Get("X-Request-ID"); id == "" || strings.Contains(id, "forged") {
		t.Fatalf("request id %q", id)
	}
	if strings.Contains(logs.String(), "forged") {
		t.Fatal("the client's request id reached the log")
	}

	h.do("GET", "/api/v1/receipts/SECRETCODE42", "", nil)
	h.do("GET", "/api/v1/SECRETPATH/x", "", nil)
	if strings.Contains(logs.String(), "SECRET") {
		t.Fatalf("raw paths in the log:\n%s", logs)
	}
	if !strings.Contains(logs.String(), `"route":"/api/v1/receipts/:code"`) {
		t.Error("the receipt lookup is not logged by its route")
	}
}
