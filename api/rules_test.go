package api

import (
	"strings"
	"testing"

	"frontline/models"
)

// TestRoomRouteRefusesTopicSteps: a topic's research and meeting are recorded only through
// the topic's own routes, which check its state; the room's activity route refuses them,
// so research recorded against a draft cannot later open the way to a meeting.
func TestRoomRouteRefusesTopicSteps(t *testing.T) {
	f := newTopicFixture(t)
	h := f.h
	draft := f.draft(t)
	path := "/api/v1/rooms/" + f.room.ID + "/activities"
	for _, kind := range []string{"research", "consultation"} {
		a := activity("调研")
		a["kind"], a["topic_id"] = kind, draft.ID
		d := expectError(t, h.do("POST", path, f.convener.token, a), 422, "invalid")
		if d.Fields["topic_id"] == "" {
			t.Fatalf("%s: fields %v", kind, d.Fields)
		}
	}
	var acts list[activityView]
	mustDecode(t, expectRec(t, h.do("GET", "/api/v1/topics/"+draft.ID+"/activities", f.convener.token, nil)), &acts)
	if len(acts.Items) != 0 {
		t.Fatalf("the draft has %d activities", len(acts.Items))
	}

	// Room research without a topic, and other kinds linked to a topic, still go.
	a := activity("村内调研")
	a["kind"] = "research"
	expect(t, h.do("POST", path, f.convener.token, a), 201)
	a = activity("入户走访")
	a["kind"], a["topic_id"] = "visit", draft.ID
	expect(t, h.do("POST", path, f.convener.token, a), 201)

	// The draft, once approved and planned, still needs research of its own.
	tp, _ := f.approvedTopic(t)
	a = activity("调研")
	a["kind"], a["topic_id"] = "research", tp.ID
	expectError(t, h.do("POST", path, f.convener.token, a), 422, "invalid")
	expect(t, h.do("PUT", "/api/v1/topics/"+tp.ID+"/plan", f.convener.token, validPlan()), 200)
	expectError(t, h.do("POST", "/api/v1/topics/"+tp.ID+"/meeting", f.convener.token, activity("纪要")), 409, "invalid_state")
}

// TestPlanParticipantsMustSeeTheTopic: participants are told the topic's title, so they
// must be people of its room or its reviewers; anyone else, existing or not, gets one answer.
func TestPlanParticipantsMustSeeTheTopic(t *testing.T) {
	f := newTopicFixture(t)
	h := f.h
	tp, _ := f.approvedTopic(t)
	path := "/api/v1/topics/" + tp.ID + "/plan"

	outsider := h.user(models.RoleMember, "")
	otherRoom := h.room("西村议事室")
	h.join(otherRoom, outsider, models.RoomConvener)
	otherLocal := h.user(models.RoleReviewer, models.BodyLocal)
	h.join(otherRoom, otherLocal, models.RoomLocalReviewer)
	admin := h.user(models.RoleAdmin, "")
	var messages []string
	for _, id := range []string{outsider.ID, otherLocal.ID, admin.ID, models.NewID()} {
		d := expectError(t, h.do("PUT", path, f.convener.token, validPlan(f.member2.ID, id)), 422, "invalid")
		if d.Fields["participants"] == "" {
			t.Fatalf("fields %v", d.Fields)
		}
		messages = append(messages, d.Fields["participants"])
	}
	for _, m := range messages[1:] {
		if m != messages[0] {
			t.Fatalf("the answers differ, telling which ids exist: %q", messages)
		}
	}
	for _, a := range []*actor{outsider, otherLocal, admin} {
		if n := countType(f.eventsFor(t, a), models.EventPlanPublished); n != 0 {
			t.Fatalf("%s was told of the plan", a.Role)
		}
	}

	// The room's people, whatever their room role, and its reviewers may take part.
	expect(t, h.do("PUT", path, f.convener.token, validPlan(f.member.ID, f.member2.ID, f.convener.ID, f.local.ID, f.county.ID, f.county2.ID)), 200)
	for _, a := range []*actor{f.member2, f.local, f.county2} {
		if n := countType(f.eventsFor(t, a), models.EventPlanPublished); n != 1 {
			t.Fatalf("%s %s told %d times", a.Role, a.ReviewBody, n)
		}
	}
}

// TestReceiptShowsTitleFromApproval: the public receipt names the topic an opinion feeds
// only once both bodies approved it; before, only its status shows.
func TestReceiptShowsTitleFromApproval(t *testing.T) {
	f := newTopicFixture(t)
	h := f.h
	op := f.opinion(f.member)
	tp := f.draft(t, op.ID)
	receipt := func() map[string]any {
		t.Helper()
		var r map[string]any
		mustDecode(t, expectRec(t, h.do("GET", "/api/v1/receipts/"+op.ReceiptCode, "", nil)), &r)
		return r
	}
	hidden := func(want string) {
		t.Helper()
		r := receipt()
		if r["topic_status"] != want || r["topic_title"] != nil {
			t.Fatalf("receipt while %s: %v", want, r)
		}
	}
	hidden("draft")
	expect(t, h.do("POST", "/api/v1/topics/"+tp.ID+"/submit", f.convener.token, nil), 200)
	hidden("in_review")
	expect(t, f.review(t, f.county, tp.ID, "return", "补充材料"), 201)
	hidden("returned")
	expect(t, h.do("POST", "/api/v1/topics/"+tp.ID+"/submit", f.convener.token, nil), 200)
	expect(t, f.review(t, f.county, tp.ID, "approve", ""), 201)
	hidden("in_review")
	expect(t, f.review(t, f.local, tp.ID, "approve", ""), 201)
	if r := receipt(); r["topic_status"] != "approved" || r["topic_title"] != tp.Title {
		t.Fatalf("receipt once approved: %v", r)
	}

	op2 := f.opinion(f.member)
	rejected := f.draft(t, op2.ID)
	expect(t, h.do("POST", "/api/v1/topics/"+rejected.ID+"/submit", f.convener.token, nil), 200)
	expect(t, f.review(t, f.county, rejected.ID, "reject", "不属于议事范围"), 201)
	var r map[string]any
	mustDecode(t, expectRec(t, h.do("GET", "/api/v1/receipts/"+op2.ReceiptCode, "", nil)), &r)
	if r["topic_status"] != "rejected" || r["topic_title"] != nil {
		t.Fatalf("receipt of a rejected topic: %v", r)
	}
}

// TestResidentPlaceMaskedWithPhone: whoever sees the resident's phone masked sees the
// address without its house number and the position rounded to about a kilometre.
func TestResidentPlaceMaskedWithPhone(t *testing.T) {
	f := newFixture(t)
	h := f.h
	var o opinionView
	mustDecode(t, expectRec201(t, h.do("POST", "/api/v1/opinions", f.member.token, map[string]any{
		"room_id": f.room.ID, "channel": "door_to_door", "category": "环境卫生", "content": "楼道堆物",
		"resident_name": "王大妈", "resident_phone": "13812345678", "resident_consent": true,
		"address": "东街12号3单元401", "lat": 30.123456, "lng": 120.987654})), &o)
	for _, who := range []*actor{f.member, f.convener, f.admin} {
		var got opinionView
		mustDecode(t, expectRec(t, h.do("GET", "/api/v1/opinions/"+o.ID, who.token, nil)), &got)
		if got.Address != "东街12号3单元401" || *got.Lat != 30.123456 || *got.Lng != 120.987654 {
			t.Fatalf("%s sees %q %v %v", who.Role, got.Address, *got.Lat, *got.Lng)
		}
	}
	check := func(got opinionView) {
		t.Helper()
		if !strings.Contains(got.ResidentPhone, "*") {
			t.Fatalf("phone not masked: %q", got.ResidentPhone)
		}
		if got.Address != "东街" || *got.Lat != 30.12 || *got.Lng != 120.99 {
			t.Fatalf("county reviewer sees %q %v %v", got.Address, *got.Lat, *got.Lng)
		}
	}
	var got opinionView
	mustDecode(t, expectRec(t, h.do("GET", "/api/v1/opinions/"+o.ID, f.county.token, nil)), &got)
	check(got)
	var l list[opinionView]
	mustDecode(t, expectRec(t, h.do("GET", "/api/v1/opinions?room_id="+f.room.ID+"&limit=200", f.county.token, nil)), &l)
	found := false
	for _, it := range l.Items {
		if it.ID == o.ID {
			found = true
			check(it)
		}
	}
	if !found {
		t.Fatal("the opinion is not in the county reviewer's list")
	}
}

func TestCoarseAddress(t *testing.T) {
	for in, want := range map[string]string{
		"东街12号3单元401":    "东街",
		"城关镇东街 12号":      "城关镇东街",
		"城关镇东街，１２号":      "城关镇东街",
		"东村老槐树下王家院子":     "东村老槐树下",
		"东街":             "东街",
		"":               "",
		"88 Main Street": "",
	} {
		if got := models.CoarseAddress(in); got != want {
			t.Errorf("CoarseAddress(%q) = %q, want %q", in, got, want)
		}
	}
}
