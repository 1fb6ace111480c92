package api

import (
	"net/http"
	"strings"
	"testing"

	"frontline/models"
)

func TestUsers(t *testing.T) {
	h := newHarness(t)
	admin := h.user(models.RoleAdmin, "")

	t.Run("CreateAndRead", func(t *testing.T) {
		rec := h.do("POST", "/api/v1/users", admin.token, map[string]string{"phone": "13612345678", "name": "张委员", "password": "longenough", "role": "reviewer", "review_body": "local"})
		expect(t, rec, http.StatusCreated)
		var u models.User
		mustDecode(t, rec, &u)
		if u.ID == "" || u.Role != "reviewer" || u.ReviewBody != "local" || !u.Active || strings.Contains(rec.Body.String(), `"password`) {
			t.Fatalf("bad user: %s", rec.Body)
		}
		expect(t, h.do("GET", "/api/v1/users/"+u.ID, admin.token, nil), 200)
		expectError(t, h.do("POST", "/api/v1/users", admin.token, map[string]string{"phone": "13612345678", "name": "重复", "password": "longenough", "role": "member"}), 409, "conflict")
	})
	t.Run("Validation", func(t *testing.T) {
		d := expectError(t, h.do("POST", "/api/v1/users", admin.token, map[string]string{"phone": "12345", "name": "", "password": "short", "role": "boss"}), 422, "invalid")
		for _, f := range []string{"phone", "name", "password", "role"} {
			if d.Fields[f] == "" {
				t.Errorf("no message for field %s: %v", f, d.Fields)
			}
		}
		d = expectError(t, h.do("POST", "/api/v1/users", admin.token, map[string]string{"phone": "13612345000", "name": "审核", "password": "longenough", "role": "reviewer"}), 422, "invalid")
		if d.Fields["review_body"] == "" {
			t.Fatalf("a reviewer without a body was accepted: %v", d.Fields)
		}
	})
	t.Run("UnknownUser", func(t *testing.T) {
		expectError(t, h.do("GET", "/api/v1/users/00000000-0000-0000-0000-000000000000", admin.token, nil), 404, "not_found")
		expectError(t, h.do("PATCH", "/api/v1/users/nope", admin.token, map[string]string{"name": "x"}), 404, "not_found")
	})
	t.Run("ListPages", func(t *testing.T) {
		for i := 0; i < 5; i++ {
			h.user(models.RoleMember, "")
		}
		seen := map[string]bool{}
		cursor := ""
		pages := 0
		for {
			rec := h.do("GET", "/api/v1/users?limit=2&cursor="+cursor, admin.token, nil)
			expect(t, rec, 200)
			var l list[models.User]
			mustDecode(t, rec, &l)
			pages++
			for _, u := range l.Items {
				if seen[u.ID] {
					t.Fatalf("user %s listed twice", u.ID)
				}
				seen[u.ID] = true
			}
			if l.NextCursor == "" {
				if len(l.Items) == 0 && pages > 1 {
					t.Fatal("an empty last page: next_cursor was set on a full last page")
				}
				break
			}
			cursor = l.NextCursor
		}
		var total int64
		h.store.DB().Model(&models.User{}).Count(&total)
		if int64(len(seen)) != total {
			t.Fatalf("pages listed %d users, store has %d", len(seen), total)
		}
		expectError(t, h.do("GET", "/api/v1/users?limit=500", admin.token, nil), 422, "invalid")
		expectError(t, h.do("GET", "/api/v1/users?cursor=bm9wZQ", admin.token, nil), 422, "invalid")
	})
	t.Run("ChangePasswordEndsSessions", func(t *testing.T) {
		m := h.user(models.RoleMember, "")
		expect(t, h.do("PATCH", "/api/v1/users/"+m.ID, admin.token, map[string]string{"password": "brand-new-pass"}), 200)
		expectError(t, h.do("GET", "/api/v1/me", m.token, nil), 401, "")
	})
}

func TestRooms(t *testing.T) {
	f := newFixture(t)
	h := f.h
	t.Run("CreateValidates", func(t *testing.T) {
		d := expectError(t, h.do("POST", "/api/v1/rooms", f.admin.token, map[string]any{"name": "", "level": "castle", "lat": 200, "lng": 10}), 422, "invalid")
		for _, k := range []string{"name", "level", "lat"} {
			if d.Fields[k] == "" {
				t.Errorf("no message for %s: %v", k, d.Fields)
			}
		}
	})
	t.Run("ChecklistFollowsTheData", func(t *testing.T) {
		rec := h.do("POST", "/api/v1/rooms", f.admin.token, map[string]any{"name": "南村议事室", "level": "village", "address": "南村村委会", "has_door_plate": false, "rules": ""})
		expect(t, rec, 201)
		var r models.Room
		mustDecode(t, rec, &r)
		if r.Checklist == nil || *r.Checklist != (models.Checklist{Venue: true}) || r.ActivitiesThisYear == nil || *r.ActivitiesThisYear != 0 {
			t.Fatalf("new room checklist: %s", rec.Body)
		}
		expect(t, h.do("PUT", "/api/v1/rooms/"+r.ID+"/members/"+f.convener.ID, f.admin.token, map[string]string{"role": "convener"}), 200)
		expect(t, h.do("PUT", "/api/v1/rooms/"+r.ID+"/members/"+f.member.ID, f.admin.token, map[string]string{"role": "member"}), 200)
		rec = h.do("GET", "/api/v1/rooms/"+r.ID, f.admin.token, nil)
		mustDecode(t, rec, &r)
		if !r.Checklist.Convener || !r.Checklist.Members || r.Checklist.DoorPlate || len(r.Members) != 2 {
			t.Fatalf("checklist after members: %s", rec.Body)
		}
	})
	t.Run("MembershipRules", func(t *testing.T) {
		expectError(t, h.do("PUT", "/api/v1/rooms/"+f.room.ID+"/members/"+f.member.ID, f.admin.token, map[string]string{"role": "boss"}), 422, "invalid")
		expectError(t, h.do("PUT", "/api/v1/rooms/"+f.room.ID+"/members/"+f.county.ID, f.admin.token, map[string]string{"role": "local_reviewer"}), 422, "invalid")
		expectError(t, h.do("PUT", "/api/v1/rooms/"+f.room.ID+"/members/"+f.local.ID, f.admin.token, map[string]string{"role": "convener"}), 422, "invalid")
		expectError(t, h.do("DELETE", "/api/v1/rooms/"+f.room.ID+"/members/"+f.target.ID, f.admin.token, nil), 404, "not_found")
	})
	t.Run("VisibilityIsScoped", func(t *testing.T) {
		outsider := h.user(models.RoleMember, "")
		expectError(t, h.do("GET", "/api/v1/rooms/"+f.room.ID, outsider.token, nil), 404, "not_found")
		var l list[models.Room]
		mustDecode(t, h.do("GET", "/api/v1/rooms", outsider.token, nil), &l)
		if len(l.Items) != 0 {
			t.Fatalf("outsider sees %d rooms", len(l.Items))
		}
		fresh := h.user(models.RoleMember, "")
		h.join(f.room, fresh, models.RoomMember)
		mustDecode(t, h.do("GET", "/api/v1/rooms", fresh.token, nil), &l)
		if len(l.Items) != 1 || l.Items[0].ID != f.room.ID {
			t.Fatalf("member sees %v", l.Items)
		}
		mustDecode(t, h.do("GET", "/api/v1/rooms", f.county.token, nil), &l)
		if len(l.Items) < 2 {
			t.Fatalf("county reviewer sees only %d rooms", len(l.Items))
		}
	})
	t.Run("MeListsMemberships", func(t *testing.T) {
		var me struct {
			Memberships []membershipRef `json:"memberships"`
		}
		mustDecode(t, h.do("GET", "/api/v1/me", f.convener.token, nil), &me)
		found := false
		for _, m := range me.Memberships {
			found = found || (m.RoomID == f.room.ID && m.Role == "convener")
		}
		if !found {
			t.Fatalf("me memberships: %v", me.Memberships)
		}
	})
}

func TestCategories(t *testing.T) {
	h := newHarness(t)
	admin := h.user(models.RoleAdmin, "")
	var l list[models.Category]
	mustDecode(t, h.do("GET", "/api/v1/categories", admin.token, nil), &l)
	if len(l.Items) != len(models.DefaultCategories) || l.Items[0].Name != "环境卫生" {
		t.Fatalf("categories: %v", l.Items)
	}
	expect(t, h.do("POST", "/api/v1/categories", admin.token, map[string]string{"name": "物业管理"}), 201)
	expectError(t, h.do("POST", "/api/v1/categories", admin.token, map[string]string{"name": "物业管理"}), 409, "conflict")
	expectError(t, h.do("POST", "/api/v1/categories", admin.token, map[string]string{"name": " "}), 422, "invalid")
	mustDecode(t, h.do("GET", "/api/v1/categories", admin.token, nil), &l)
	if l.Items[len(l.Items)-1].Name != "物业管理" {
		t.Fatalf("new category not last: %v", l.Items)
	}
}
