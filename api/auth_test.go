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

func TestLogin(t *testing.T) {
	h := newHarness(t)
	m := h.user(models.RoleMember, "")

	t.Run("ReturnsTokensAndUser", func(t *testing.T) {
		rec := h.do("POST", "/api/v1/auth/login", "", map[string]string{"phone": m.Phone, "password": testPassword})
		expect(t, rec, http.StatusOK)
		var p struct {
			AccessToken  string         `json:"access_token"`
			RefreshToken string         `json:"refresh_token"`
			TokenType    string         `json:"token_type"`
			ExpiresIn    int            `json:"expires_in"`
			User         map[string]any `json:"user"`
		}
		mustDecode(t, rec, &p)
		if p.TokenType != "Bearer" || p.ExpiresIn != 900 || p.User["id"] != m.ID {
			t.Fatalf("unexpected login answer: %s", rec.Body)
		}
		if strings.Contains(rec.Body.String(), `"password`) || strings.Contains(rec.Body.String(), "$2a$") {
			t.Fatalf("login answer leaks a password hash: %s", rec.Body)
		}
	})
	t.Run("WrongPasswordAndUnknownPhoneLookTheSame", func(t *testing.T) {
		a := expectError(t, h.do("POST", "/api/v1/auth/login", "", map[string]string{"phone": m.Phone, "password": "wrong-password"}), 401, "unauthorized")
		b := expectError(t, h.do("POST", "/api/v1/auth/login", "", map[string]string{"phone": "13711112222", "password": testPassword}), 401, "unauthorized")
		if a.Message != b.Message {
			t.Fatalf("messages differ: %q vs %q", a.Message, b.Message)
		}
	})
	t.Run("MalformedBody", func(t *testing.T) {
		expectError(t, h.do("POST", "/api/v1/auth/login", "", `{"phone":`), 400, "bad_request")
		expectError(t, h.do("POST", "/api/v1/auth/login", "", `{"phone": 13800000000}`), 400, "bad_request")
	})
	t.Run("RepeatedFailuresAreLimited", func(t *testing.T) {
		victim := h.user(models.RoleMember, "")
		for i := 0; i < 5; i++ {
			expectError(t, h.do("POST", "/api/v1/auth/login", "", map[string]string{"phone": victim.Phone, "password": "nope-nope"}), 401, "")
		}
		rec := h.do("POST", "/api/v1/auth/login", "", map[string]string{"phone": victim.Phone, "password": testPassword})
		expectError(t, rec, 429, "rate_limited")
		if rec.Header().Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
		h.advance(16 * time.Minute)
		expect(t, h.do("POST", "/api/v1/auth/login", "", map[string]string{"phone": victim.Phone, "password": testPassword}), 200)
	})
}

func TestAccessToken(t *testing.T) {
	h := newHarness(t)
	m := h.user(models.RoleMember, "")
	expect(t, h.do("GET", "/api/v1/me", m.token, nil), 200)

	parts := strings.Split(m.token, ".")
	claimsJSON, _ := base64.RawURLEncoding.DecodeString(parts[1])
	sign := func(method jwt.SigningMethod, key any, cl jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(method, cl).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	base := func() jwt.MapClaims {
		return jwt.MapClaims{"sub": m.ID, "role": m.Role, "sid": sidOf(t, h, m.token), "iat": h.clock().Unix(), "exp": h.clock().Add(time.Minute).Unix(), "jti": "x"}
	}
	expired := base()
	expired["iat"], expired["exp"] = h.clock().Add(-time.Hour).Unix(), h.clock().Add(-time.Minute).Unix()
	tampered := strings.ReplaceAll(string(claimsJSON), `"member"`, `"admin"`)

	cases := []struct {
		name  string
		token string
	}{
		{"AlgNone", sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, base())},
		{"AlgHS512", sign(jwt.SigningMethodHS512, testSecret, base())},
		{"BadSignature", sign(jwt.SigningMethodHS256, []byte("another-secret-another-secret-12345"), base())},
		{"TamperedPayload", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(tampered)) + "." + parts[2]},
		{"Expired", sign(jwt.SigningMethodHS256, testSecret, expired)},
		{"Garbage", "not-a-token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectError(t, h.do("GET", "/api/v1/me", tc.token, nil), 401, "unauthorized")
		})
	}
	t.Run("ValidHandMadeTokenWorks", func(t *testing.T) {
		// Guards against the cases above passing for the wrong reason.
		expect(t, h.do("GET", "/api/v1/me", sign(jwt.SigningMethodHS256, testSecret, base()), nil), 200)
	})
	t.Run("DisabledUser", func(t *testing.T) {
		admin := h.user(models.RoleAdmin, "")
		victim := h.user(models.RoleMember, "")
		expect(t, h.do("GET", "/api/v1/me", victim.token, nil), 200)
		expect(t, h.do("PATCH", "/api/v1/users/"+victim.ID, admin.token, map[string]any{"active": false}), 200)
		expectError(t, h.do("GET", "/api/v1/me", victim.token, nil), 401, "unauthorized")
		expectError(t, h.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": victim.refresh}), 401, "")
		expectError(t, h.do("POST", "/api/v1/auth/login", "", map[string]string{"phone": victim.Phone, "password": testPassword}), 401, "")
	})
}

func sidOf(t *testing.T, h *harness, token string) string {
	cl, err := h.srv.parseAccess(token)
	if err != nil {
		t.Fatal(err)
	}
	return cl.SID
}

func TestRefresh(t *testing.T) {
	h := newHarness(t)
	m := h.user(models.RoleMember, "")
	refresh := func(tok string) *tokenPair {
		rec := h.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": tok})
		if rec.Code != 200 {
			return nil
		}
		var p tokenPair
		mustDecode(t, rec, &p)
		return &p
	}
	first := refresh(m.refresh)
	if first == nil || first.RefreshToken == m.refresh {
		t.Fatal("refresh did not rotate the token")
	}
	expect(t, h.do("GET", "/api/v1/me", first.AccessToken, nil), 200)

	t.Run("SpentTokenRevokesTheLogin", func(t *testing.T) {
		second := refresh(first.RefreshToken)
		if second == nil {
			t.Fatal("the rotated token did not refresh")
		}
		// m.refresh is no longer the last token spent: no grace for it.
		if refresh(m.refresh) != nil {
			t.Fatal("a spent refresh token worked again")
		}
		if refresh(second.RefreshToken) != nil {
			t.Fatal("the newer sibling survived reuse of a spent token")
		}
		expectError(t, h.do("GET", "/api/v1/me", second.AccessToken, nil), 401, "")
	})
	t.Run("OtherLoginsSurvive", func(t *testing.T) {
		other := h.login(m.User)
		expect(t, h.do("GET", "/api/v1/me", other.token, nil), 200)
	})
	t.Run("Logout", func(t *testing.T) {
		s := h.login(m.User)
		expect(t, h.do("POST", "/api/v1/auth/logout", "", map[string]string{"refresh_token": s.refresh}), 204)
		expectError(t, h.do("GET", "/api/v1/me", s.token, nil), 401, "")
		if refresh(s.refresh) != nil {
			t.Fatal("refresh after logout worked")
		}
	})
	t.Run("UnknownToken", func(t *testing.T) {
		expectError(t, h.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": "nope"}), 401, "")
		expectError(t, h.do("POST", "/api/v1/auth/refresh", "", map[string]string{}), 422, "invalid")
	})
}
