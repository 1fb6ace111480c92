package api

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"

	"frontline/internal/testenv"
	"frontline/models"

	"golang.org/x/crypto/bcrypt"
)

// TestFaultDatabaseDown cuts the database away from a running server: every request that
// needs it answers 503 unavailable in the error shape, not 500. On MariaDB the store talks
// to the server through a TCP proxy that the test cuts; on SQLite the store's pool is closed.
func TestFaultDatabaseDown(t *testing.T) {
	st, cut := cuttableStore(t)
	h := &harness{t: t, store: st, photos: testenv.Photos(t, testSecret)}
	h.now = st.Now().UTC()
	h.e, h.srv = New(Options{Store: st, Photos: h.photos, Secret: testSecret, Version: "test", Now: h.clock})
	room, member := newCollector(h)
	expect(t, h.do("GET", "/api/v1/me", member.token, nil), http.StatusOK)

	cut()
	for _, r := range []struct {
		method, path, token string
		body                any
	}{
		{"GET", "/api/v1/me", member.token, nil},
		{"GET", "/api/v1/opinions", member.token, nil},
		{"POST", "/api/v1/opinions", member.token, opinionRequest(room, models.NewID())},
		{"GET", "/api/v1/rooms/" + room.ID, member.token, nil},
		{"POST", "/api/v1/auth/login", "", map[string]string{"phone": member.Phone, "password": testPassword}},
		{"GET", "/api/v1/receipts/ABCDEFGH", "", nil},
	} {
		rec := h.do(r.method, r.path, r.token, r.body)
		if rec.Code != http.StatusServiceUnavailable {
			t.Errorf("%s %s with the database down: %d %s", r.method, r.path, rec.Code, rec.Body)
			continue
		}
		expectError(t, rec, http.StatusServiceUnavailable, models.CodeUnavailable)
	}
}

// cuttableStore opens a store on the selected backend together with a function that takes
// the database away from it for good.
func cuttableStore(t *testing.T) (*models.Store, func()) {
	t.Helper()
	ctx := context.Background()
	if testenv.Backend() != "services" {
		st, err := models.OpenSQLite(ctx, filepath.Join(t.TempDir(), "test.db"))
		if err != nil {
			t.Fatal(err)
		}
		st.PasswordCost = bcrypt.MinCost
		return st, func() {
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	cfg, err := models.ParseMySQLDSN(testenv.MySQLDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, cfg.Addr)
	cfg.Addr = p.addr()
	st, err := models.OpenMySQL(ctx, cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	st.PasswordCost = bcrypt.MinCost
	t.Cleanup(func() { st.Close() })
	return st, p.cut
}

// tcpProxy passes connections through to a server until it is cut: then it closes every
// connection and accepts no more, as a dead network or a stopped server would.
type tcpProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
}

func startProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(p.cut)
	return p
}

func (p *tcpProxy) addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(out, in); out.Close() }()
		go func() { _, _ = io.Copy(in, out); in.Close() }()
	}
}

func (p *tcpProxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
