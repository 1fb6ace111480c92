package api

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"frontline/models"

	"github.com/golang-jwt/jwt/v5"
)

// expiredToken is an access token of a's sign-in that expired a minute ago.
func expiredToken(t testing.TB, h *harness, a *actor) string {
	t.Helper()
	cl, err := h.srv.parseAccess(a.token)
	if err != nil {
		t.Fatal(err)
	}
	now := h.clock()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": a.ID, "role": a.Role, "sid": cl.SID,
		"iat": now.Add(-time.Hour).Unix(), "exp": now.Add(-time.Minute).Unix(), "jti": models.NewID()}).SignedString(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestBadBearerOnPublicRoute: a phone holding a stale or broken token can still sign in,
// refresh, sign out and read a receipt, because those routes ignore a bearer that names
// nobody; a route that needs a user still answers 401, and says so when the sign-in ended.
func TestBadBearerOnPublicRoute(t *testing.T) {
	h := newHarness(t)
	m := h.user(models.RoleMember, "")
	ended := h.login(m.User)
	expect(t, h.do("POST", "/api/v1/auth/logout", "", map[string]string{"refresh_token": ended.refresh}), http.StatusNoContent)
	headers := map[string]string{
		"Expired":      "Bearer " + expiredToken(t, h, m),
		"Garbage":      "Bearer not-a-token",
		"EmptyBearer":  "Bearer ",
		"OtherScheme":  "Basic " + base64.StdEncoding.EncodeToString([]byte("a:b")),
		"NoScheme":     "x",
		"SignInEnded":  "Bearer " + ended.token,
		"ControlChars": "Bearer \x01\x02",
	}
	for name, header := range headers {
		t.Run(name, func(t *testing.T) {
			send := func(method, path string, body any) int {
				t.Helper()
				req := newRawRequest(method, path, "", "application/json", "")
				if body != nil {
					req = newRawRequest(method, path, mustJSON(t, body), "application/json", "")
				}
				req.Header.Set("Authorization", header)
				return h.serve(req).Code
			}
			if code := send("POST", "/api/v1/auth/login", map[string]string{"phone": m.Phone, "password": testPassword}); code != http.StatusOK {
				t.Errorf("login: %d", code)
			}
			if code := send("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": h.login(m.User).refresh}); code != http.StatusOK {
				t.Errorf("refresh: %d", code)
			}
			if code := send("POST", "/api/v1/auth/logout", map[string]string{"refresh_token": h.login(m.User).refresh}); code != http.StatusNoContent {
				t.Errorf("logout: %d", code)
			}
			if code := send("GET", "/api/v1/openapi.json", nil); code != http.StatusOK {
				t.Errorf("openapi: %d", code)
			}
			if code := send("GET", "/api/v1/receipts/NOSUCHCODE", nil); code != http.StatusNotFound {
				t.Errorf("receipt: %d, want 404", code)
			}
			if code := send("GET", "/api/v1/me", nil); code != http.StatusUnauthorized {
				t.Errorf("me: %d, want 401", code)
			}
		})
	}
	t.Run("SignInEndedIsSaid", func(t *testing.T) {
		d := expectError(t, h.do("GET", "/api/v1/me", ended.token, nil), http.StatusUnauthorized, models.CodeUnauthorized)
		if !strings.Contains(d.Message, "sign-in has ended") {
			t.Fatalf("message %q does not say the sign-in ended", d.Message)
		}
	})
}
