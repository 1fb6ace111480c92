package api

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"frontline/models"
	"frontline/notify"

	"github.com/golang-jwt/jwt/v5"
)

// testVAPID is the push key pair of the test servers.
var testVAPID = func() notify.VAPID {
	priv, pub, err := notify.GenerateVAPID()
	if err != nil {
		panic(err)
	}
	return notify.VAPID{Public: pub, Private: priv, Subject: "mailto:ops@example.org"}
}()

// device is a browser's side of a subscription: its key pair and auth secret, as
// PushManager.subscribe makes them, so the test can read what the server pushed.
type device struct {
	key      *ecdh.PrivateKey
	auth     []byte
	endpoint string
}

func newDevice(t testing.TB, endpoint string) *device {
	t.Helper()
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	rand.Read(auth)
	return &device{key: k, auth: auth, endpoint: endpoint}
}

// subscription is the JSON a browser posts, with the kinds (nil: none given).
func (d *device) subscription(kinds []string) map[string]any {
	b := base64.RawURLEncoding.EncodeToString
	m := map[string]any{"endpoint": d.endpoint, "expirationTime": nil,
		"keys": map[string]string{"p256dh": b(d.key.PublicKey().Bytes()), "auth": b(d.auth)}}
	if kinds != nil {
		m["kinds"] = kinds
	}
	return m
}

// decrypt opens an aes128gcm Web Push body (RFC 8291, RFC 8188) with the device's keys.
func (d *device) decrypt(t testing.TB, body []byte) []byte {
	t.Helper()
	if len(body) < 21 {
		t.Fatalf("push body too short: %d", len(body))
	}
	salt, idlen := body[:16], int(body[20])
	rs := binary.BigEndian.Uint32(body[16:20])
	if rs < 18 || len(body) < 21+idlen {
		t.Fatalf("bad push header")
	}
	asPublic, ciphertext := body[21:21+idlen], body[21+idlen:]
	pub, err := ecdh.P256().NewPublicKey(asPublic)
	if err != nil {
		t.Fatalf("server key: %v", err)
	}
	shared, err := d.key.ECDH(pub)
	if err != nil {
		t.Fatal(err)
	}
	info := append(append([]byte("WebPush: info\x00"), d.key.PublicKey().Bytes()...), asPublic...)
	ikm, err := hkdf.Key(sha256.New, shared, d.auth, string(info), 32)
	if err != nil {
		t.Fatal(err)
	}
	cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	plain, err := gcm.Open(nil, nonce, ciphertext, nil)
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	plain = []byte(strings.TrimRight(string(plain), "\x00"))
	if len(plain) == 0 || plain[len(plain)-1] != 2 {
		t.Fatalf("no last-record delimiter")
	}
	return plain[:len(plain)-1]
}

// pushService is a push service the test runs: it keeps what each endpoint received and
// answers with the statuses queued for it (then 201), each after delay (a slow service).
type pushService struct {
	*httptest.Server
	t      testing.TB
	delay  atomic.Int64 // nanoseconds
	mu     sync.Mutex
	got    map[string][][]byte
	answer map[string][]int
	auth   map[string]string
}

func newPushService(t testing.TB) *pushService {
	p := &pushService{t: t, got: map[string][][]byte{}, answer: map[string][]int{}, auth: map[string]string{}}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		time.Sleep(time.Duration(p.delay.Load()))
		p.mu.Lock()
		defer p.mu.Unlock()
		if r.Header.Get("Content-Encoding") != "aes128gcm" || r.Header.Get("TTL") == "" {
			w.WriteHeader(400)
			return
		}
		p.auth[r.URL.Path] = r.Header.Get("Authorization")
		if q := p.answer[r.URL.Path]; len(q) > 0 {
			p.answer[r.URL.Path] = q[1:]
			w.WriteHeader(q[0])
			return
		}
		p.got[r.URL.Path] = append(p.got[r.URL.Path], body)
		w.WriteHeader(201)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *pushService) endpoint(name string) string { return p.URL + "/push/" + name }

func (p *pushService) received(name string) [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([][]byte(nil), p.got["/push/"+name]...)
}

func (p *pushService) queue(name string, statuses ...int) {
	p.mu.Lock()
	p.answer["/push/"+name] = append(p.answer["/push/"+name], statuses...)
	p.mu.Unlock()
}

func (p *pushService) host() string { u, _ := url.Parse(p.URL); return u.Host }

// pushWorld is a harness whose server accepts the test push service's endpoints, with a
// worker that sends to it.
type pushWorld struct {
	h       *harness
	service *pushService
	worker  *notify.Worker
}

func newPushWorld(t *testing.T) *pushWorld {
	h := newHarness(t)
	ps := newPushService(t)
	h.e, h.srv = New(Options{Store: h.store, Photos: h.photos, Hub: h.srv.hub, Secret: testSecret, Version: "test", Now: h.clock,
		PushKey: testVAPID.Public, PushAllowHosts: []string{ps.host()}})
	return &pushWorld{h: h, service: ps, worker: ps.worker(h.store, nil)}
}

func (p *pushService) worker(st *models.Store, opt *notify.Options) *notify.Worker {
	o := notify.Options{}
	if opt != nil {
		o = *opt
	}
	o.Pusher = notify.NewPusher(testVAPID, []string{p.host()})
	if o.Backoff == nil {
		o.Backoff = func(int) time.Duration { return 0 }
	}
	return notify.NewWorker(st, o)
}

func (w *pushWorld) pass() {
	w.h.t.Helper()
	if err := w.worker.Pass(ctxb()); err != nil {
		w.h.t.Fatalf("pass: %v", err)
	}
}

// subscribe posts d's subscription as a and expects status.
func (w *pushWorld) subscribe(a *actor, d *device, kinds []string, status int) {
	w.h.t.Helper()
	expect(w.h.t, w.h.do("POST", "/api/v1/push/subscriptions", a.token, d.subscription(kinds)), status)
}

// payloads decrypts what the device received.
func (w *pushWorld) payloads(d *device, name string) []notify.PushPayload {
	w.h.t.Helper()
	var out []notify.PushPayload
	for _, b := range w.service.received(name) {
		var p notify.PushPayload
		if err := json.Unmarshal(d.decrypt(w.h.t, b), &p); err != nil {
			w.h.t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// reviewWorld is a room with a convener, both reviewers and a topic in review.
func (w *pushWorld) reviewWorld() (convener, county *actor, topicID string) {
	h := w.h
	room := h.room(fmt.Sprintf("推送议事室%d", unique()))
	convener = h.user(models.RoleMember, "")
	county = h.user(models.RoleReviewer, models.BodyCounty)
	h.join(room, convener, models.RoomConvener)
	title, source, cat := "东街污水", models.SourceCollected, "环境卫生"
	tp, err := h.store.CreateTopic(ctxb(), viewerOf(h.t, h.store, convener.User), models.TopicInput{RoomID: room.ID, Title: &title, Source: &source, Category: &cat})
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.store.SubmitTopic(ctxb(), viewerOf(h.t, h.store, convener.User), tp.ID); err != nil {
		h.t.Fatal(err)
	}
	return convener, county, tp.ID
}

// A decision on a topic reaches the convener's closed app: the push service gets one
// message, encrypted for the device, signed with the server's key, that the device opens
// to the notice's title, text and page.
func TestPushDelivery(t *testing.T) {
	w := newPushWorld(t)
	convener, county, topicID := w.reviewWorld()
	d := newDevice(t, w.service.endpoint("convener"))

	var key pushKeyResponse
	mustDecode(t, w.h.do("GET", "/api/v1/push/key", convener.token, nil), &key)
	if key.PublicKey != testVAPID.Public {
		t.Fatalf("public key %q", key.PublicKey)
	}
	w.subscribe(convener, d, nil, http.StatusCreated)
	w.subscribe(convener, d, nil, http.StatusOK) // the same browser again
	w.pass()
	if n := len(w.service.received("convener")); n != 0 {
		t.Fatalf("pushed %d before anything happened", n)
	}
	expect(t, w.h.do("POST", "/api/v1/topics/"+topicID+"/reviews", county.token, map[string]string{"decision": "approve"}), http.StatusCreated)
	w.pass()
	w.pass()
	got := w.payloads(d, "convener")
	if len(got) != 1 {
		t.Fatalf("pushed %d messages, want 1: %+v", len(got), got)
	}
	p := got[0]
	if p.Kind != models.EventReviewDecided || p.Title != "审核结果" || !strings.Contains(p.Body, "「东街污水」") ||
		!strings.Contains(p.Body, "县政协党组同意") || p.URL != "/topics/"+topicID {
		t.Fatalf("payload %+v", p)
	}
	// The VAPID header names the server's key and is signed with it, for this push service.
	auth := w.service.auth["/push/convener"]
	tok, k, ok := strings.Cut(strings.TrimPrefix(auth, "vapid t="), ", k=")
	if !ok || k != testVAPID.Public {
		t.Fatalf("authorization %q", auth)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(k)
	x, y := elliptic.Unmarshal(elliptic.P256(), raw)
	pk := &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).Set(x), Y: y}
	claims := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return pk, nil }, jwt.WithValidMethods([]string{"ES256"})); err != nil {
		t.Fatalf("vapid token: %v", err)
	}
	if claims["aud"] != w.service.URL || claims["sub"] != "mailto:ops@example.org" {
		t.Fatalf("vapid claims %v", claims)
	}
}

// Each event reaches each device once although two workers (two instances) race for it,
// and it is tried again after a 500 and gone after a 410.
func TestPushOncePerDevice(t *testing.T) {
	w := newPushWorld(t)
	admin := w.h.user(models.RoleAdmin, "")
	var devs []*device
	var users []*actor
	for i := range 3 {
		u := w.h.user(models.RoleMember, "")
		d := newDevice(t, w.service.endpoint(fmt.Sprintf("d%d", i)))
		w.subscribe(u, d, []string{models.EventAnnouncement}, http.StatusCreated)
		devs, users = append(devs, d), append(users, u)
	}
	for i := range 5 {
		expect(t, w.h.do("POST", "/api/v1/announcements", admin.token, map[string]string{"title": fmt.Sprintf("通知%d", i), "body": "周五议事"}), http.StatusCreated)
	}
	other := w.service.worker(w.h.store, nil)
	var wg sync.WaitGroup
	for _, wk := range []*notify.Worker{w.worker, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				if err := wk.Pass(ctxb()); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	w.pass()
	for i, d := range devs {
		got := w.payloads(d, fmt.Sprintf("d%d", i))
		seen := map[int64]bool{}
		for _, p := range got {
			if seen[p.ID] {
				t.Fatalf("device %d got event %d twice", i, p.ID)
			}
			seen[p.ID] = true
		}
		if len(got) != 5 {
			t.Fatalf("device %d got %d messages, want 5", i, len(got))
		}
	}
	_ = users

	t.Run("RetriedAfter500", func(t *testing.T) {
		w.service.queue("d0", 500, 503)
		expect(t, w.h.do("POST", "/api/v1/announcements", admin.token, map[string]string{"title": "重试", "body": "x"}), http.StatusCreated)
		w.pass() // 500
		w.pass() // 503
		if n := len(w.service.received("d0")); n != 5 {
			t.Fatalf("delivered through a failure: %d", n)
		}
		w.pass()
		got := w.payloads(devs[0], "d0")
		if len(got) != 6 || got[5].Body != "重试。x" {
			t.Fatalf("after the failures: %d messages, last %+v", len(got), got[len(got)-1])
		}
	})
	t.Run("GoneAfter410", func(t *testing.T) {
		before := len(w.service.received("d1"))
		w.service.queue("d1", 410)
		expect(t, w.h.do("POST", "/api/v1/announcements", admin.token, map[string]string{"title": "再见", "body": "x"}), http.StatusCreated)
		w.pass()
		var n int64
		w.h.store.DB().Model(&models.PushSubscription{}).Where("user_id = ?", users[1].ID).Count(&n)
		if n != 0 {
			t.Fatalf("the gone subscription stays")
		}
		w.pass()
		if len(w.service.received("d1")) != before {
			t.Fatalf("pushed to a gone subscription")
		}
	})
}

// Of instances racing for one device, one holds it: a second claim fails while the first
// one's lease runs, a claim made with a watermark read before the first one sent and moved
// it fails too, so nothing already sent goes again, and a device waiting for a retry after a
// failure is claimed by nobody before then.
func TestPushClaimIsExclusive(t *testing.T) {
	w := newPushWorld(t)
	u := w.h.user(models.RoleMember, "")
	w.subscribe(u, newDevice(t, w.service.endpoint("c")), nil, http.StatusCreated)
	admin := w.h.user(models.RoleAdmin, "")
	expect(t, w.h.do("POST", "/api/v1/announcements", admin.token, map[string]string{"title": "抢", "body": "x"}), http.StatusCreated)
	st := w.h.store
	due := func() models.PushSubscription {
		subs, err := st.DuePushSubscriptions(ctxb())
		if err != nil || len(subs) != 1 {
			t.Fatalf("due: %v %v", subs, err)
		}
		return subs[0]
	}
	// Both instances read the device, free, with the same watermark.
	a, b := due(), due()
	la, err := st.ClaimPushSubscription(ctxb(), a.ID, a.AfterID, "instance-a", time.Minute)
	if err != nil || la == nil {
		t.Fatalf("the first claim failed: %v", err)
	}
	lb, err := st.ClaimPushSubscription(ctxb(), b.ID, b.AfterID, "instance-b", time.Minute)
	if err != nil || lb != nil {
		t.Fatalf("a second instance took a device another holds: %v %v", lb, err)
	}
	// a sends the event, moves the watermark and lets go; b's reading is now stale.
	evs, err := st.PendingPushEvents(ctxb(), &a, st.Now(), 10)
	if err != nil || len(evs) != 1 {
		t.Fatalf("pending: %v %v", evs, err)
	}
	if ok, err := st.Advance(ctxb(), la, evs[0].ID); !ok || err != nil {
		t.Fatalf("advance: %v %v", ok, err)
	}
	if err := st.Release(ctxb(), la); err != nil {
		t.Fatal(err)
	}
	if lb, err := st.ClaimPushSubscription(ctxb(), b.ID, b.AfterID, "instance-b", time.Minute); err != nil || lb != nil {
		t.Fatalf("a claim with a stale watermark succeeded: %v %v", lb, err)
	}
	// With the watermark read again, the device is free to claim.
	after := due().AfterID
	lb, err = st.ClaimPushSubscription(ctxb(), b.ID, after, "instance-b", time.Minute)
	if err != nil || lb == nil {
		t.Fatalf("a free device could not be claimed: %v", err)
	}
	// After a failure, nobody claims it before the retry is due.
	if _, err := st.Fail(ctxb(), lb, st.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.Release(ctxb(), lb); err != nil {
		t.Fatal(err)
	}
	if l, err := st.ClaimPushSubscription(ctxb(), b.ID, after, "instance-a", time.Minute); err != nil || l != nil {
		t.Fatalf("a device waiting for its retry was claimed: %v %v", l, err)
	}
}

// Instances whose passes start together, with a slow push service, push each event to each
// device once: what the endpoint receives is counted per message id.
func TestPushRaceSendsOnce(t *testing.T) {
	w := newPushWorld(t)
	w.service.delay.Store(int64(40 * time.Millisecond))
	admin := w.h.user(models.RoleAdmin, "")
	const devices, workers, rounds, per = 8, 4, 15, 1
	var devs []*device
	for i := range devices {
		d := newDevice(t, w.service.endpoint(fmt.Sprintf("r%d", i)))
		w.subscribe(w.h.user(models.RoleMember, ""), d, []string{models.EventAnnouncement}, http.StatusCreated)
		devs = append(devs, d)
	}
	wks := []*notify.Worker{w.worker}
	for len(wks) < workers {
		wks = append(wks, w.service.worker(w.h.store, nil))
	}
	for r := range rounds {
		for i := range per {
			expect(t, w.h.do("POST", "/api/v1/announcements", admin.token, map[string]string{"title": fmt.Sprintf("第%d轮%d", r, i), "body": "x"}), http.StatusCreated)
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		for _, wk := range wks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if err := wk.Pass(ctxb()); err != nil {
					t.Error(err)
				}
			}()
		}
		close(start)
		wg.Wait()
	}
	w.pass() // whatever a pass left for the next
	for i, d := range devs {
		count := map[int64]int{}
		for _, p := range w.payloads(d, fmt.Sprintf("r%d", i)) {
			count[p.ID]++
		}
		for id, n := range count {
			if n != 1 {
				t.Errorf("device %d got event %d %d times", i, id, n)
			}
		}
		if len(count) != rounds*per {
			t.Errorf("device %d got %d of %d events", i, len(count), rounds*per)
		}
	}
}

// A device gets only the kinds its user chose, and changing them takes effect.
func TestPushKinds(t *testing.T) {
	w := newPushWorld(t)
	convener, county, topicID := w.reviewWorld()
	admin := w.h.user(models.RoleAdmin, "")
	d := newDevice(t, w.service.endpoint("k"))
	w.subscribe(convener, d, []string{models.EventAnnouncement}, http.StatusCreated)
	expect(t, w.h.do("POST", "/api/v1/topics/"+topicID+"/reviews", county.token, map[string]string{"decision": "return", "comment": "补充调研"}), http.StatusCreated)
	expect(t, w.h.do("POST", "/api/v1/announcements", admin.token, map[string]string{"title": "全体", "body": "周五"}), http.StatusCreated)
	w.pass()
	got := w.payloads(d, "k")
	if len(got) != 1 || got[0].Kind != models.EventAnnouncement {
		t.Fatalf("got %+v, want only the announcement", got)
	}
	w.subscribe(convener, d, []string{models.EventReviewDecided, models.EventReviewDecided}, http.StatusOK)
	expect(t, w.h.do("POST", "/api/v1/announcements", admin.token, map[string]string{"title": "全体2", "body": "周五"}), http.StatusCreated)
	w.pass()
	if got := w.payloads(d, "k"); len(got) != 1 {
		t.Fatalf("an unchosen kind was pushed: %+v", got)
	}
	expectError(t, w.h.do("POST", "/api/v1/push/subscriptions", convener.token, d.subscription([]string{"session.ended"})), 422, "invalid")
}

// Endpoints inside the network, or not https on 443, are refused; keys must be real.
func TestPushEndpointRules(t *testing.T) {
	w := newPushWorld(t)
	u := w.h.user(models.RoleMember, "")
	for _, ep := range []string{"http://push.example.com/x", "https://127.0.0.1/x", "https://10.1.2.3/x", "https://192.168.0.9/x",
		"https://169.254.169.254/latest", "https://[::1]/x", "https://[fd00::1]/x", "https://localhost/x", "https://metadata/x",
		"https://printer.local/x", "https://push.example.com:8443/x", "https://user:pw@push.example.com/x", "ftp://push.example.com/x",
		"https://[::ffff:10.0.0.1]/x", "https://100.64.0.1/x", "https://0.0.0.0/x", "/relative", "https://push.example.com/" + strings.Repeat("a", 1100)} {
		d := newDevice(t, ep)
		e := expectError(t, w.h.do("POST", "/api/v1/push/subscriptions", u.token, d.subscription(nil)), 422, "invalid")
		if e.Fields["endpoint"] == "" {
			t.Fatalf("%s: %v", ep, e.Fields)
		}
	}
	d := newDevice(t, "https://fcm.googleapis.com/fcm/send/abc")
	sub := d.subscription(nil)
	sub["keys"] = map[string]string{"p256dh": base64.RawURLEncoding.EncodeToString(make([]byte, 65)), "auth": "short"}
	e := expectError(t, w.h.do("POST", "/api/v1/push/subscriptions", u.token, sub), 422, "invalid")
	if e.Fields["keys.p256dh"] == "" || e.Fields["keys.auth"] == "" {
		t.Fatalf("keys: %v", e.Fields)
	}
	w.subscribe(u, d, nil, http.StatusCreated)
}

// A user has at most MaxPushSubscriptions devices; one user cannot drop another's; a
// sign-in that ends takes its devices' notices with it.
func TestPushSubscriptionsBelongToTheirSignIn(t *testing.T) {
	w := newPushWorld(t)
	a, b := w.h.user(models.RoleMember, ""), w.h.user(models.RoleMember, "")
	for i := range models.MaxPushSubscriptions {
		w.subscribe(a, newDevice(t, fmt.Sprintf("https://push.example.com/a%d", i)), nil, http.StatusCreated)
	}
	expectError(t, w.h.do("POST", "/api/v1/push/subscriptions", a.token, newDevice(t, "https://push.example.com/more").subscription(nil)), 409, "conflict")
	count := func(u *actor) (n int64) {
		w.h.store.DB().Model(&models.PushSubscription{}).Where("user_id = ?", u.ID).Count(&n)
		return n
	}
	ep := url.QueryEscape("https://push.example.com/a0")
	expect(t, w.h.do("DELETE", "/api/v1/push/subscriptions?endpoint="+ep, b.token, nil), http.StatusNoContent)
	if count(a) != int64(models.MaxPushSubscriptions) {
		t.Fatalf("another user dropped a's device")
	}
	expect(t, w.h.do("DELETE", "/api/v1/push/subscriptions?endpoint="+ep, a.token, nil), http.StatusNoContent)
	expect(t, w.h.do("DELETE", "/api/v1/push/subscriptions?endpoint="+ep, a.token, nil), http.StatusNoContent)
	if count(a) != int64(models.MaxPushSubscriptions-1) {
		t.Fatalf("delete did not drop the device")
	}
	expectError(t, w.h.do("DELETE", "/api/v1/push/subscriptions", a.token, nil), 422, "invalid")

	d := newDevice(t, w.service.endpoint("b"))
	w.subscribe(b, d, nil, http.StatusCreated)
	expect(t, w.h.do("POST", "/api/v1/auth/logout", b.token, map[string]string{"refresh_token": b.refresh}), http.StatusNoContent)
	admin := w.h.user(models.RoleAdmin, "")
	expect(t, w.h.do("POST", "/api/v1/announcements", admin.token, map[string]string{"title": "走后", "body": "x"}), http.StatusCreated)
	w.pass()
	if n := len(w.service.received("b")); n != 0 || count(b) != 0 {
		t.Fatalf("after logout: %d pushed, %d kept", n, count(b))
	}
}

// recordingChannel is the outside channel's test double: it keeps what was sent and fails
// the first calls when told to.
type recordingChannel struct {
	mu   sync.Mutex
	sent []notify.Message
	fail int
}

func (c *recordingChannel) Send(_ context.Context, m notify.Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail > 0 {
		c.fail--
		return errors.New("gateway down")
	}
	c.sent = append(c.sent, m)
	return nil
}

// The three notices that matter most outside the app go through the channel to the user
// they concern, with the user's phone, once, retried after a failure; others do not.
func TestOutsideChannel(t *testing.T) {
	w := newPushWorld(t)
	convener, county, topicID := w.reviewWorld()
	ch := &recordingChannel{fail: 1}
	wk := notify.NewWorker(w.h.store, notify.Options{Channel: ch, Backoff: func(int) time.Duration { return 0 }})
	if err := wk.Pass(ctxb()); err != nil { // the cursor starts at the newest event
		t.Fatal(err)
	}
	expect(t, w.h.do("POST", "/api/v1/topics/"+topicID+"/reviews", county.token, map[string]string{"decision": "approve"}), http.StatusCreated)
	admin := w.h.user(models.RoleAdmin, "")
	expect(t, w.h.do("POST", "/api/v1/announcements", admin.token, map[string]string{"title": "不经渠道", "body": "x"}), http.StatusCreated)
	if _, err := w.h.store.AddEvents(ctxb(),
		models.Notice{Type: models.EventActivityReminder, Data: map[string]string{"activity_id": "a1", "title": "东街协商会"}, Recipients: []string{convener.ID}},
		models.Notice{Type: models.EventRecommendationDue, Data: map[string]string{"topic_id": topicID, "title": "东街污水"}, Recipients: []string{convener.ID}}); err != nil {
		t.Fatal(err)
	}
	if err := wk.Pass(ctxb()); err != nil { // the gateway is down
		t.Fatal(err)
	}
	if len(ch.sent) != 0 {
		t.Fatalf("sent through a failure: %+v", ch.sent)
	}
	for range 3 {
		if err := wk.Pass(ctxb()); err != nil {
			t.Fatal(err)
		}
	}
	var kinds []string
	for _, m := range ch.sent {
		if m.UserID != convener.ID || m.Phone != convener.Phone || m.Title == "" || m.Body == "" {
			t.Fatalf("message %+v", m)
		}
		kinds = append(kinds, m.Kind)
	}
	want := []string{models.EventReviewDecided, models.EventActivityReminder, models.EventRecommendationDue}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Fatalf("sent %v, want %v", kinds, want)
	}
}
