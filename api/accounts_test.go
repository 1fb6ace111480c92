package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"frontline/models"
)

func TestPasswordPolicy(t *testing.T) {
	h := newHarness(t)
	admin := h.user(models.RoleAdmin, "")
	phone := nextPhone()
	bad := map[string]string{
		"Short":           "violet-42",
		"Common":          "password123",
		"CommonUpperCase": "PassWord123",
		"CommonChinese":   "woaini1314",
		"CommonChinese2":  "123456789A",
		"IsThePhone":      phone,
		"HasThePhone":     "my" + phone,
	}
	for name, pw := range bad {
		t.Run("Create/"+name, func(t *testing.T) {
			d := expectError(t, h.do("POST", "/api/v1/users", admin.token, map[string]string{"phone": phone, "name": "新人", "password": pw, "role": "member"}), 422, "invalid")
			if d.Fields["password"] == "" {
				t.Fatalf("no fields.password: %+v", d)
			}
		})
	}
	m := h.user(models.RoleMember, "")
	t.Run("AdminReset", func(t *testing.T) {
		d := expectError(t, h.do("PATCH", "/api/v1/users/"+m.ID, admin.token, map[string]string{"password": "qwertyuiop123"}), 422, "invalid")
		if d.Fields["password"] == "" {
			t.Fatalf("no fields.password: %+v", d)
		}
	})
	t.Run("OwnChange", func(t *testing.T) {
		for _, pw := range []string{"zxcvbnm123", "A1234567890", "x" + m.Phone, "tiny"} {
			d := expectError(t, h.do("POST", "/api/v1/me/password", m.token, map[string]string{"old_password": testPassword, "new_password": pw}), 422, "invalid")
			if d.Fields["new_password"] == "" {
				t.Fatalf("%q: no fields.new_password: %+v", pw, d)
			}
		}
	})
	t.Run("Accepted", func(t *testing.T) {
		expect(t, h.do("POST", "/api/v1/users", admin.token, map[string]string{"phone": phone, "name": "新人", "password": "copper-kettle-19", "role": "member"}), 201)
	})
}

func TestChangePassword(t *testing.T) {
	h := newHarness(t)
	m := h.user(models.RoleMember, "")
	other := h.login(m.User)
	change := func(token, old, new string) *httptest.ResponseRecorder {
		return h.do("POST", "/api/v1/me/password", token, map[string]string{"old_password": old, "new_password": new})
	}
	expectError(t, change("", testPassword, "amber-meadow-88"), 401, "")
	d := expectError(t, change(m.token, "not-my-password", "amber-meadow-88"), 422, "invalid")
	if d.Fields["old_password"] == "" {
		t.Fatalf("wrong old password: no fields.old_password: %+v", d)
	}
	expectError(t, change(m.token, testPassword, testPassword), 422, "invalid")
	expect(t, change(m.token, testPassword, "amber-meadow-88"), 204)

	// This sign-in goes on; the other one has ended, refresh token included.
	expect(t, h.do("GET", "/api/v1/me", m.token, nil), 200)
	expect(t, h.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": m.refresh}), 200)
	expectError(t, h.do("GET", "/api/v1/me", other.token, nil), 401, "")
	expectError(t, h.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": other.refresh}), 401, "")

	expectError(t, h.do("POST", "/api/v1/auth/login", "", map[string]string{"phone": m.Phone, "password": testPassword}), 401, "")
	expect(t, h.do("POST", "/api/v1/auth/login", "", map[string]string{"phone": m.Phone, "password": "amber-meadow-88"}), 200)
}

func TestMustChangePassword(t *testing.T) {
	h := newHarness(t)
	admin := h.user(models.RoleAdmin, "")
	rec := h.do("POST", "/api/v1/users", admin.token, map[string]string{"phone": nextPhone(), "name": "新委员", "password": "first-given-55", "role": "member"})
	expect(t, rec, 201)
	var u models.User
	mustDecode(t, rec, &u)
	if !u.MustChangePassword {
		t.Fatal("a user created by an admin is not marked must_change_password")
	}
	rec = h.do("POST", "/api/v1/auth/login", "", map[string]string{"phone": u.Phone, "password": "first-given-55"})
	expect(t, rec, 200)
	var p tokenPair
	mustDecode(t, rec, &p)
	if !p.User.MustChangePassword {
		t.Fatal("login does not tell the app the password must change")
	}

	// Only the routes that lead to a new password answer.
	expectError(t, h.do("GET", "/api/v1/rooms", p.AccessToken, nil), 403, "password_change_required")
	expectError(t, h.do("POST", "/api/v1/events/ticket", p.AccessToken, nil), 403, "password_change_required")
	expectError(t, h.do("GET", "/api/v1/events", p.AccessToken, nil), 403, "password_change_required")
	expect(t, h.do("GET", "/api/v1/me", p.AccessToken, nil), 200)
	rec = h.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": p.RefreshToken})
	expect(t, rec, 200)
	mustDecode(t, rec, &p)

	expect(t, h.do("POST", "/api/v1/me/password", p.AccessToken, map[string]string{"old_password": "first-given-55", "new_password": "my-own-secret-77"}), 204)
	expect(t, h.do("GET", "/api/v1/rooms", p.AccessToken, nil), 200)
	var me models.User
	mustDecode(t, h.do("GET", "/api/v1/me", p.AccessToken, nil), &me)
	if me.MustChangePassword {
		t.Fatal("changing one's own password did not clear must_change_password")
	}

	t.Run("AdminResetMarksAgainAndEndsEverySignIn", func(t *testing.T) {
		rec := h.do("PATCH", "/api/v1/users/"+u.ID, admin.token, map[string]string{"password": "reset-by-admin-31"})
		expect(t, rec, 200)
		var got models.User
		mustDecode(t, rec, &got)
		if !got.MustChangePassword {
			t.Fatal("an admin's reset does not mark must_change_password")
		}
		expectError(t, h.do("GET", "/api/v1/me", p.AccessToken, nil), 401, "")
		expectError(t, h.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": p.RefreshToken}), 401, "")
	})
}

func TestLastAdmin(t *testing.T) {
	h := newHarness(t)
	a := h.user(models.RoleAdmin, "")
	expectError(t, h.do("PATCH", "/api/v1/users/"+a.ID, a.token, map[string]any{"active": false}), 409, "conflict")
	expectError(t, h.do("PATCH", "/api/v1/users/"+a.ID, a.token, map[string]any{"role": "member"}), 409, "conflict")
	expect(t, h.do("GET", "/api/v1/users", a.token, nil), 200)

	// A disabled admin does not count as the other one.
	b := h.user(models.RoleAdmin, "")
	expect(t, h.do("PATCH", "/api/v1/users/"+b.ID, a.token, map[string]any{"active": false}), 200)
	expectError(t, h.do("PATCH", "/api/v1/users/"+a.ID, a.token, map[string]any{"role": "member"}), 409, "conflict")

	// With another active admin, stepping down is fine.
	c := h.user(models.RoleAdmin, "")
	expect(t, h.do("PATCH", "/api/v1/users/"+a.ID, a.token, map[string]any{"role": "member"}), 200)
	expectError(t, h.do("PATCH", "/api/v1/users/"+c.ID, c.token, map[string]any{"active": false}), 409, "conflict")

	t.Run("EnsureAdminCountsActiveAdminsOnly", func(t *testing.T) {
		// Data from before the rule: the only admin left is disabled.
		if err := h.store.DB().Model(&models.User{}).Where("id = ?", c.ID).Update("active", false).Error; err != nil {
			t.Fatal(err)
		}
		created, err := h.store.EnsureAdmin(ctxb(), nextPhone(), "fresh-admin-pass-9")
		if err != nil || !created {
			t.Fatalf("no admin created while none is active: %v %v", created, err)
		}
		created, err = h.store.EnsureAdmin(ctxb(), nextPhone(), "fresh-admin-pass-9")
		if err != nil || created {
			t.Fatalf("a second admin created: %v %v", created, err)
		}
	})
}

func TestRefreshGrace(t *testing.T) {
	h := newHarness(t)
	h.store.Now = h.clock
	m := h.user(models.RoleMember, "")
	refresh := func(tok string) (*tokenPair, int) {
		rec := h.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": tok})
		if rec.Code != http.StatusOK {
			return nil, rec.Code
		}
		var p tokenPair
		mustDecode(t, rec, &p)
		return &p, rec.Code
	}
	mustRefresh := func(tok string) *tokenPair {
		t.Helper()
		p, code := refresh(tok)
		if p == nil {
			t.Fatalf("refresh answered %d", code)
		}
		return p
	}
	mustFail := func(tok string) {
		t.Helper()
		if p, _ := refresh(tok); p != nil {
			t.Fatal("a refresh token worked that should not")
		}
	}

	t.Run("LostAnswerWithinGrace", func(t *testing.T) {
		s := h.login(m.User)
		lost := mustRefresh(s.refresh)
		h.advance(59 * time.Second)
		again := mustRefresh(s.refresh)
		if again.RefreshToken != lost.RefreshToken {
			t.Fatal("the retried refresh got another refresh token")
		}
		expect(t, h.do("GET", "/api/v1/me", again.AccessToken, nil), 200)
		next := mustRefresh(again.RefreshToken)
		expect(t, h.do("GET", "/api/v1/me", next.AccessToken, nil), 200)
	})
	t.Run("AfterGraceRevokes", func(t *testing.T) {
		s := h.login(m.User)
		p := mustRefresh(s.refresh)
		h.advance(61 * time.Second)
		mustFail(s.refresh)
		mustFail(p.RefreshToken)
		expectError(t, h.do("GET", "/api/v1/me", p.AccessToken, nil), 401, "")
	})
	t.Run("OlderTokenRevokes", func(t *testing.T) {
		s := h.login(m.User)
		a := mustRefresh(s.refresh)
		b := mustRefresh(a.RefreshToken)
		c := mustRefresh(b.RefreshToken)
		mustFail(s.refresh)
		mustFail(c.RefreshToken)
	})
	t.Run("SuccessorUsedThenOldRevokes", func(t *testing.T) {
		s := h.login(m.User)
		a := mustRefresh(s.refresh)
		b := mustRefresh(a.RefreshToken)
		// s.refresh is within its minute, but its successor a has been spent since.
		mustFail(s.refresh)
		mustFail(b.RefreshToken)
	})
	t.Run("RaceGetsOnePair", func(t *testing.T) {
		s := h.login(m.User)
		var wg sync.WaitGroup
		got := make([]*tokenPair, 4)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], _ = refresh(s.refresh)
			}()
		}
		wg.Wait()
		for _, p := range got {
			if p == nil || p.RefreshToken != got[0].RefreshToken {
				t.Fatal("racing refreshes with one token did not all get the same pair")
			}
		}
		mustRefresh(got[0].RefreshToken)
	})
	t.Run("DisabledUserGetsNoGrace", func(t *testing.T) {
		admin := h.user(models.RoleAdmin, "")
		u := h.user(models.RoleMember, "")
		mustRefresh(u.refresh)
		expect(t, h.do("PATCH", "/api/v1/users/"+u.ID, admin.token, map[string]any{"active": false}), 200)
		mustFail(u.refresh)
	})
}

// TestPasswordChangeGuard walks the route table as a user whose password an admin chose: every
// signed-in route but the few that lead to a new password answers 403 password_change_required.
func TestPasswordChangeGuard(t *testing.T) {
	h := newHarness(t)
	u, err := h.store.CreateUser(ctxb(), models.NewUser{Phone: nextPhone(), Name: "新人", Password: testPassword, Role: models.RoleAdmin, MustChangePassword: true})
	if err != nil {
		t.Fatal(err)
	}
	a := h.login(u)
	open := map[string]bool{"GET /api/v1/me": true, "POST /api/v1/me/password": true}
	id := models.NewID()
	for _, r := range h.srv.Routes() {
		key := r.Method + " " + r.Path
		if r.Guard == public.name || open[key] {
			continue
		}
		path := regexp.MustCompile(`:[a-z_]+`).ReplaceAllString(r.Path, id)
		expectError(t, h.do(r.Method, path, a.token, map[string]string{}), 403, "password_change_required")
	}
	expect(t, h.do("GET", "/api/v1/me", a.token, nil), 200)
	expect(t, h.do("POST", "/api/v1/auth/refresh", "", map[string]string{"refresh_token": a.refresh}), 200)
	expect(t, h.do("POST", "/api/v1/auth/logout", "", map[string]string{"refresh_token": a.refresh}), 204)
}

// TestMeMay: /me tells the app what its user may do, and each answer agrees with what the
// server then lets that user do: the admin routes, the county's routes, reviewing the room's
// topics, collecting and convening in it, and keeping a duty record.
func TestMeMay(t *testing.T) {
	f := newFixture(t)
	room := f.room.ID
	type may struct {
		Administer     bool     `json:"administer"`
		SeeCounty      bool     `json:"see_county"`
		Review         bool     `json:"review"`
		ReviewAllRooms bool     `json:"review_all_rooms"`
		ReviewRooms    []string `json:"review_rooms"`
		CollectRooms   []string `json:"collect_rooms"`
		ConveneRooms   []string `json:"convene_rooms"`
		DutyRecord     bool     `json:"duty_record"`
	}
	want := map[string]may{
		"admin":    {Administer: true, SeeCounty: true, ReviewRooms: []string{}, CollectRooms: []string{}, ConveneRooms: []string{}},
		"county":   {SeeCounty: true, Review: true, ReviewAllRooms: true, ReviewRooms: []string{}, CollectRooms: []string{}, ConveneRooms: []string{}},
		"local":    {Review: true, ReviewRooms: []string{room}, CollectRooms: []string{}, ConveneRooms: []string{}},
		"member":   {ReviewRooms: []string{}, CollectRooms: []string{room}, ConveneRooms: []string{}, DutyRecord: true},
		"convener": {ReviewRooms: []string{}, CollectRooms: []string{room}, ConveneRooms: []string{room}, DutyRecord: true},
	}
	for role, w := range want {
		a := f.byRole[role]
		var got struct {
			May *may `json:"may"`
		}
		if err := json.Unmarshal(expect(t, f.h.do("GET", "/api/v1/me", a.token, nil), 200), &got); err != nil || got.May == nil {
			t.Fatalf("%s: /me without may (%v)", role, err)
		}
		if !reflect.DeepEqual(*got.May, w) {
			t.Errorf("%s: may %+v, want %+v", role, *got.May, w)
		}
		// What the server lets them do agrees.
		if code := f.h.do("GET", "/api/v1/users", a.token, nil).Code; (code == 200) != got.May.Administer {
			t.Errorf("%s: administer %v, but GET /users answers %d", role, got.May.Administer, code)
		}
		if code := f.h.do("GET", "/api/v1/stats", a.token, nil).Code; (code == 200) != got.May.SeeCounty {
			t.Errorf("%s: see_county %v, but GET /stats answers %d", role, got.May.SeeCounty, code)
		}
		v, err := f.h.store.Viewer(ctxb(), f.byRole[role].User)
		if err != nil {
			t.Fatal(err)
		}
		reviews := got.May.ReviewAllRooms || slices.Contains(got.May.ReviewRooms, room)
		if actor := v.TopicActor(room); reviews != (actor == models.ActorCounty || actor == models.ActorLocal) {
			t.Errorf("%s: reviews the room %v, but the topic flow sees them as %s", role, reviews, actor)
		}
		if slices.Contains(got.May.CollectRooms, room) != v.CollectsIn(room) || slices.Contains(got.May.ConveneRooms, room) != v.ConvenesRoom(room) {
			t.Errorf("%s: collect/convene rooms %v %v disagree with the policy", role, got.May.CollectRooms, got.May.ConveneRooms)
		}
	}
}
