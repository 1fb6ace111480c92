package api

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"

	"frontline/internal/testenv"
	"frontline/internal/testenv/proxy"
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
	p := proxy.Start(t, cfg.Addr)
	cfg.Addr = p.Addr()
	st, err := models.OpenMySQL(ctx, cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	st.PasswordCost = bcrypt.MinCost
	t.Cleanup(func() { st.Close() })
	return st, p.Cut
}
