package api

import (
	"testing"
	"time"

	"frontline/models"
)

// TestSetupFirstAdmin: the one-time link the server logs at a start without an admin
// creates the first admin and signs them in; it works once, expires after an hour, and
// nothing is made or taken once an admin exists.
func TestSetupFirstAdmin(t *testing.T) {
	setup := func(h *harness, token, phone string) int {
		return h.do("POST", "/api/v1/setup", "", map[string]string{"token": token, "name": "县政协办公室", "phone": phone, "password": testPassword}).Code
	}
	t.Run("CreatesAndSignsIn", func(t *testing.T) {
		h := newHarness(t)
		h.store.Now = h.clock
		token, expires, err := h.store.NewSetupToken(ctxb())
		if err != nil || token == "" || expires.Sub(h.clock()).Round(time.Second) != time.Hour {
			t.Fatalf("token %q %v %v", token, expires, err)
		}
		expectError(t, h.do("POST", "/api/v1/setup", "", map[string]string{"token": "wrong", "name": "办公室", "phone": nextPhone(), "password": testPassword}), 404, "not_found")
		d := expectError(t, h.do("POST", "/api/v1/setup", "", map[string]string{"token": token, "name": "办公室", "phone": nextPhone(), "password": "12345678"}), 422, "invalid")
		if d.Fields["password"] == "" {
			t.Fatalf("weak password: %+v", d)
		}
		phone := nextPhone()
		rec := h.do("POST", "/api/v1/setup", "", map[string]string{"token": token, "name": "办公室", "phone": phone, "password": testPassword})
		expect(t, rec, 201)
		var p tokenPair
		mustDecode(t, rec, &p)
		if p.User.Role != models.RoleAdmin || p.User.MustChangePassword || p.AccessToken == "" || p.RefreshToken == "" {
			t.Fatalf("first admin %+v", p)
		}
		expect(t, h.do("GET", "/api/v1/users", p.AccessToken, nil), 200)
		// Used once: the same link again, or any link, finds an admin.
		if code := setup(h, token, nextPhone()); code != 409 {
			t.Fatalf("second use: %d", code)
		}
		if token, _, _ := h.store.NewSetupToken(ctxb()); token != "" {
			t.Fatal("a setup token was made while an admin exists")
		}
		var n int64
		h.store.DB().Model(&models.SetupToken{}).Count(&n)
		if n != 0 {
			t.Fatalf("%d setup tokens left", n)
		}
	})
	t.Run("Expires", func(t *testing.T) {
		h := newHarness(t)
		h.store.Now = h.clock
		token, _, _ := h.store.NewSetupToken(ctxb())
		h.advance(time.Hour + time.Second)
		if code := setup(h, token, nextPhone()); code != 404 {
			t.Fatalf("expired link: %d", code)
		}
	})
	t.Run("SingleUseAcrossInstances", func(t *testing.T) {
		// Two instances started without an admin: each logged a link of its own; the first
		// used spends both.
		h := newHarness(t)
		a, _, _ := h.store.NewSetupToken(ctxb())
		b, _, _ := h.store.NewSetupToken(ctxb())
		if a == b {
			t.Fatal("the same token twice")
		}
		if code := setup(h, b, nextPhone()); code != 201 {
			t.Fatalf("first: %d", code)
		}
		if code := setup(h, a, nextPhone()); code != 409 {
			t.Fatalf("the other link after: %d", code)
		}
	})
	t.Run("RefusedOnceAnAdminExists", func(t *testing.T) {
		h := newHarness(t)
		token, _, _ := h.store.NewSetupToken(ctxb())
		h.user(models.RoleAdmin, "") // configured at a later start, or made otherwise
		if code := setup(h, token, nextPhone()); code != 409 {
			t.Fatalf("with an admin: %d", code)
		}
	})
	t.Run("AdminDisabledLater", func(t *testing.T) {
		// Only an active admin counts: a server whose only admin was disabled in the
		// database offers the link again.
		h := newHarness(t)
		admin := h.user(models.RoleAdmin, "")
		h.store.DB().Model(&models.User{}).Where("id = ?", admin.ID).Update("active", false)
		token, _, _ := h.store.NewSetupToken(ctxb())
		if token == "" {
			t.Fatal("no link without an active admin")
		}
		if code := setup(h, token, nextPhone()); code != 201 {
			t.Fatalf("%d", code)
		}
	})
}
