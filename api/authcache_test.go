package api

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"frontline/hub"
	"frontline/models"

	"github.com/golang-jwt/jwt/v5"
)

// The sign-in cache: a sign-in that ends, or a user that changes, is never served from it
// on the instance that made the change, and other instances forget it within a second.
func TestSignInCache(t *testing.T) {
	h := newHarness(t)
	admin := h.user(models.RoleAdmin, "")
	ends := map[string]func(u *actor){
		"Logout": func(u *actor) {
			expect(t, h.do("POST", "/api/v1/auth/logout", "", map[string]string{"refresh_token": u.refresh}), http.StatusNoContent)
		},
		"Disable": func(u *actor) {
			expect(t, h.do("PATCH", "/api/v1/users/"+u.ID, admin.token, map[string]any{"active": false}), http.StatusOK)
		},
		"RoleChange": func(u *actor) {
			expect(t, h.do("PATCH", "/api/v1/users/"+u.ID, admin.token, map[string]any{"role": models.RoleAdmin}), http.StatusOK)
		},
		"OtherSignInChangesPassword": func(u *actor) {
			other := h.login(u.User)
			expect(t, h.do("POST", "/api/v1/me/password", other.token,
				map[string]string{"old_password": testPassword, "new_password": "amber-lantern-77"}), http.StatusNoContent)
		},
	}
	for name, end := range ends {
		t.Run("RefusedAtOnce/"+name, func(t *testing.T) {
			u := h.user(models.RoleMember, "")
			expect(t, h.do("GET", "/api/v1/me", u.token, nil), http.StatusOK) // now cached
			end(u)
			expectError(t, h.do("GET", "/api/v1/me", u.token, nil), http.StatusUnauthorized, models.CodeUnauthorized)
		})
	}
	t.Run("NewNameAtOnce", func(t *testing.T) {
		u := h.user(models.RoleMember, "")
		expect(t, h.do("GET", "/api/v1/me", u.token, nil), http.StatusOK)
		expect(t, h.do("PATCH", "/api/v1/users/"+u.ID, admin.token, map[string]any{"name": "新名字"}), http.StatusOK)
		var me models.User
		mustDecode(t, h.do("GET", "/api/v1/me", u.token, nil), &me)
		if me.Name != "新名字" {
			t.Fatalf("name %q after the change, want 新名字", me.Name)
		}
	})
	t.Run("OwnPasswordChangeLiftsTheBlockAtOnce", func(t *testing.T) {
		created, err := h.store.CreateUser(ctxb(), models.NewUser{Phone: nextPhone(), Name: "新人", Password: testPassword,
			Role: models.RoleMember, MustChangePassword: true})
		if err != nil {
			t.Fatal(err)
		}
		u := h.login(created)
		expectError(t, h.do("GET", "/api/v1/opinions", u.token, nil), http.StatusForbidden, models.CodePasswordChangeRequired)
		expect(t, h.do("POST", "/api/v1/me/password", u.token,
			map[string]string{"old_password": testPassword, "new_password": "amber-lantern-77"}), http.StatusNoContent)
		expect(t, h.do("GET", "/api/v1/opinions", u.token, nil), http.StatusOK)
	})
}

// TestSignInCacheTwoInstances: a sign-in cached on instance B and ended through instance A
// is refused on B within a second, sooner than the cache's TTL: B's hub reads the
// session.ended event from the shared outbox.
func TestSignInCacheTwoInstances(t *testing.T) {
	if models.AuthCacheTTL <= time.Second {
		t.Fatalf("the TTL (%s) would hide whether the hub tells the cache", models.AuthCacheTTL)
	}
	storeA, storeB := sharedStores(t)
	a := newLiveServer(t, storeA, hub.Options{})
	b := newLiveServer(t, storeB, hub.Options{})
	admin := a.user(models.RoleAdmin, "")
	for _, end := range []string{"logout", "disable"} {
		t.Run(end, func(t *testing.T) {
			u := a.user(models.RoleMember, "")
			onB := b.login(u.User)
			expect(t, b.do("GET", "/api/v1/me", onB.token, nil), http.StatusOK)
			if storeB.CachedSignIns() == 0 {
				t.Fatal("B did not cache the sign-in")
			}
			start := time.Now()
			if end == "logout" {
				expect(t, a.do("POST", "/api/v1/auth/logout", "", map[string]string{"refresh_token": onB.refresh}), http.StatusNoContent)
			} else {
				expect(t, a.do("PATCH", "/api/v1/users/"+u.ID, admin.token, map[string]any{"active": false}), http.StatusOK)
			}
			for b.do("GET", "/api/v1/me", onB.token, nil).Code != http.StatusUnauthorized {
				if time.Since(start) > time.Second {
					t.Fatal("B still takes the ended sign-in after a second")
				}
				time.Sleep(10 * time.Millisecond)
			}
			t.Logf("refused on the other instance after %s", time.Since(start))
		})
	}
}

// TestSignInCacheBounded: the cache holds at most its size, and requests that do not carry
// a live sign-in, however many, add nothing to it.
func TestSignInCacheBounded(t *testing.T) {
	h := newHarness(t)
	h.store.CacheSignIns(3, time.Minute)
	var users []*actor
	for range 5 {
		u := h.user(models.RoleMember, "")
		users = append(users, u)
		expect(t, h.do("GET", "/api/v1/me", u.token, nil), http.StatusOK)
	}
	for _, u := range users { // evicted or not, every one still gets in
		expect(t, h.do("GET", "/api/v1/me", u.token, nil), http.StatusOK)
	}
	if n := h.store.CachedSignIns(); n != 3 {
		t.Fatalf("%d sign-ins cached, want the size 3", n)
	}

	h.store.CacheSignIns(models.AuthCacheSize, time.Minute)
	ended := h.user(models.RoleMember, "")
	expect(t, h.do("POST", "/api/v1/auth/logout", "", map[string]string{"refresh_token": ended.refresh}), http.StatusNoContent)
	for i := range 300 {
		forged, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims{Role: models.RoleAdmin, SID: models.NewID(),
			RegisteredClaims: jwt.RegisteredClaims{Subject: models.NewID(), IssuedAt: jwt.NewNumericDate(time.Now()),
				ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Minute))}}).SignedString([]byte("not the server's secret"))
		if err != nil {
			t.Fatal(err)
		}
		// Signed by the server, for a user and session that do not exist.
		unknown, err := h.srv.issueAccess(&models.User{ID: models.NewID(), Role: models.RoleMember}, models.NewID())
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{"", fmt.Sprintf("garbage-%d", i), forged, unknown, ended.token} {
			h.do("GET", "/api/v1/opinions", tok, nil)
			h.do("GET", "/api/v1/categories", tok, nil)
		}
	}
	if n := h.store.CachedSignIns(); n != 0 {
		t.Fatalf("%d sign-ins cached by requests without a live one", n)
	}
}

// TestSignInCacheGivesBack: sign-ins past the TTL are dropped when the cache is next written
// after a while, so an idle server does not keep them.
func TestSignInCacheGivesBack(t *testing.T) {
	h := newHarness(t)
	h.store.CacheSignIns(models.AuthCacheSize, 20*time.Millisecond)
	for range 5 {
		u := h.user(models.RoleMember, "")
		expect(t, h.do("GET", "/api/v1/me", u.token, nil), http.StatusOK)
	}
	if n := h.store.CachedSignIns(); n != 5 {
		t.Fatalf("%d sign-ins cached, want 5", n)
	}
	time.Sleep(250 * time.Millisecond) // past ten TTLs
	last := h.user(models.RoleMember, "")
	expect(t, h.do("GET", "/api/v1/me", last.token, nil), http.StatusOK)
	if n := h.store.CachedSignIns(); n != 1 {
		t.Fatalf("%d sign-ins cached after the others expired, want 1", n)
	}
}
