package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"frontline/models"
)

// concluded takes a topic fed by the member's opinion to concluded through the store, with
// the given recommendations' units, and returns the topic, the opinion and the
// recommendation ids in order.
func (f *topicFixture) concluded(t *testing.T, units ...string) (models.Topic, *models.Opinion, []string) {
	t.Helper()
	tp, op := f.approvedTopic(t)
	st, conv := f.h.store, f.convener.User
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := st.SavePlan(ctxb(), viewerOf(t, st, conv), tp.ID, models.Plan{Theme: "方案", Content: "内容", Lead: "召集人"})
	must(err)
	act := models.ActivityInput{HeldAt: time.Now().UTC(), Summary: "记录"}
	_, _, err = st.AddResearch(ctxb(), viewerOf(t, st, conv), tp.ID, act)
	must(err)
	_, _, err = st.HoldMeeting(ctxb(), viewerOf(t, st, conv), tp.ID, act)
	must(err)
	var recs []map[string]string
	for _, u := range units {
		recs = append(recs, map[string]string{"content": "请" + u + "办理", "unit": u, "due_on": "2030-01-01"})
	}
	b, _ := json.Marshal(map[string]any{"consensus": "共识", "recommendations": recs})
	var in models.OutcomeInput
	must(json.Unmarshal(b, &in))
	o, _, err := st.PublishOutcome(ctxb(), viewerOf(t, st, conv), tp.ID, in)
	must(err)
	ids := make([]string, len(o.Recommendations))
	for i, r := range o.Recommendations {
		ids[i] = r.ID
	}
	return tp, op, ids
}

// link issues a unit link for rec as the convener and returns its token.
func (f *topicFixture) link(t *testing.T, rec string) string {
	t.Helper()
	var l unitLinkAnswer
	mustDecode(t, expectRec201(t, f.h.do("POST", "/api/v1/recommendations/"+rec+"/unit-link", f.convener.token, nil)), &l)
	if !strings.HasPrefix(l.URL, "/u/") || l.ExpiresAt.IsZero() {
		t.Fatalf("link %+v", l)
	}
	return strings.TrimPrefix(l.URL, "/u/")
}

func reply(status, note string) map[string]any {
	return map[string]any{"id": models.NewID(), "status": status, "note": note}
}

// TestUnitLinks: a convener gives a recommendation's unit a link; only a hash of its token
// is stored; reissuing and revoking end the old link; settling ends it for replies.
func TestUnitLinks(t *testing.T) {
	f := newTopicFixture(t)
	h := f.h
	h.store.Now = h.clock
	_, _, recs := f.concluded(t, "住建局", "交通局")

	t.Run("OnlyTheConvener", func(t *testing.T) {
		expectError(t, h.do("POST", "/api/v1/recommendations/"+recs[0]+"/unit-link", f.member.token, nil), 403, "forbidden")
		expectError(t, h.do("POST", "/api/v1/recommendations/"+recs[0]+"/unit-link", f.county.token, nil), 403, "forbidden")
		expectError(t, h.do("POST", "/api/v1/recommendations/"+models.NewID()+"/unit-link", f.convener.token, nil), 404, "not_found")
	})

	t.Run("UnguessableAndHashOnly", func(t *testing.T) {
		a, b := f.link(t, recs[0]), f.link(t, recs[1])
		if a == b || len(a) < 43 {
			t.Fatalf("tokens %q %q", a, b)
		}
		var rows []models.UnitLink
		if err := h.store.DB().Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.TokenHash == a || r.TokenHash == b || strings.Contains(r.TokenHash, a[:20]) {
				t.Fatalf("a token is stored as is: %+v", r)
			}
		}
		if r, err := h.store.UnitLinkByToken(ctxb(), a); err != nil || r.TokenHash != models.HashUnitToken(a) {
			t.Fatalf("by token: %v %v", r, err)
		}
		// A near miss opens nothing.
		near := a[:len(a)-1] + "A"
		if near == a {
			near = a[:len(a)-1] + "B"
		}
		expectError(t, h.do("GET", "/api/v1/unit-replies/"+near, "", nil), 404, "not_found")
	})

	t.Run("ReissueKillsOld", func(t *testing.T) {
		old := f.link(t, recs[0])
		expect(t, h.do("GET", "/api/v1/unit-replies/"+old, "", nil), 200)
		fresh := f.link(t, recs[0])
		expectError(t, h.do("GET", "/api/v1/unit-replies/"+old, "", nil), 404, "not_found")
		expectError(t, h.do("POST", "/api/v1/unit-replies/"+old, "", reply("accepted", "")), 404, "not_found")
		expect(t, h.do("GET", "/api/v1/unit-replies/"+fresh, "", nil), 200)
	})

	t.Run("Revoke", func(t *testing.T) {
		tok := f.link(t, recs[1])
		expectError(t, h.do("DELETE", "/api/v1/recommendations/"+recs[1]+"/unit-link", f.member.token, nil), 403, "forbidden")
		expect(t, h.do("DELETE", "/api/v1/recommendations/"+recs[1]+"/unit-link", f.convener.token, nil), 204)
		expectError(t, h.do("GET", "/api/v1/unit-replies/"+tok, "", nil), 404, "not_found")
		expect(t, h.do("DELETE", "/api/v1/recommendations/"+recs[1]+"/unit-link", f.convener.token, nil), 204)
	})

	t.Run("Audited", func(t *testing.T) {
		// Giving out and taking back a link are in the audit trail, by the convener, for the
		// recommendation; a refused one is not.
		for action, want := range map[string]int{models.AuditUnitLinkIssue: 1, models.AuditUnitLinkRevoke: 1} {
			var page struct {
				Items []models.AuditEntry `json:"items"`
			}
			mustDecode(t, expectRec(t, h.do("GET", "/api/v1/audit?action="+action, f.admin.token, nil)), &page)
			n := 0
			for _, e := range page.Items {
				if e.TargetID == recs[1] && e.TargetKind == models.AuditKindRecommendation && e.ActorID == f.convener.ID {
					n++
				}
			}
			if n < want {
				t.Fatalf("%s: %d rows by the convener for the recommendation: %+v", action, n, page.Items)
			}
		}
	})

	t.Run("ExpiresOnSettle", func(t *testing.T) {
		tok := f.link(t, recs[1])
		expect(t, h.do("POST", "/api/v1/recommendations/"+recs[1]+"/progress", f.convener.token,
			map[string]string{"status": "not_adopted", "note": "不可行", "reason": "无预算"}), 201)
		var v map[string]any
		mustDecode(t, expectRec(t, h.do("GET", "/api/v1/unit-replies/"+tok, "", nil)), &v)
		if v["open"] != false {
			t.Fatalf("a settled recommendation's link is still open: %v", v)
		}
		expectError(t, h.do("POST", "/api/v1/unit-replies/"+tok, "", reply("done", "办好了")), 409, "invalid_state")
		body, ct := multipartPhoto(t, "", pngBytes(t, 10, 10))
		expectError(t, h.serve(newRawRequest("POST", "/api/v1/unit-replies/"+tok+"/photos", string(body), ct, "")), 409, "invalid_state")
		expectError(t, h.do("POST", "/api/v1/recommendations/"+recs[1]+"/unit-link", f.convener.token, nil), 409, "invalid_state")
	})

	t.Run("ExpiresInTime", func(t *testing.T) {
		tok := f.link(t, recs[0])
		h.advance(models.UnitLinkLife + time.Hour)
		defer h.advance(-models.UnitLinkLife - time.Hour)
		expectError(t, h.do("POST", "/api/v1/unit-replies/"+tok, "", reply("accepted", "")), 409, "invalid_state")
	})
}

// TestUnitReplies: a unit answers through its link with photos (by the photo rules, on the
// link's quota); a retry is safe; the reply moves the recommendation as a convener's note
// would, is marked as the unit's, and reaches the conveners and the county as a notice.
func TestUnitReplies(t *testing.T) {
	f := newTopicFixture(t)
	h := f.h
	tp, _, recs := f.concluded(t, "住建局")
	tok := f.link(t, recs[0])
	base := "/api/v1/unit-replies/" + tok

	var page map[string]any
	mustDecode(t, expectRec(t, h.do("GET", base, "", nil)), &page)
	rec := page["recommendation"].(map[string]any)
	if page["topic_title"] != tp.Title || rec["unit"] != "住建局" || rec["due_on"] != "2030-01-01" || page["open"] != true {
		t.Fatalf("unit page %v", page)
	}
	for _, leak := range []string{f.convener.ID, f.member.ID, f.convener.Phone, "resident", "collector", "room_id", "created_by"} {
		if strings.Contains(fmt.Sprint(page), leak) {
			t.Fatalf("the unit page shows %q: %v", leak, page)
		}
	}

	// Photos: the same pipeline (content sniffed), owned by the link.
	body, ct := multipartPhoto(t, "", []byte("not an image at all"))
	expectError(t, h.serve(newRawRequest("POST", base+"/photos", string(body), ct, "")), 415, "unsupported")
	photoID := models.NewID()
	body, ct = multipartPhoto(t, photoID, pngBytes(t, 30, 20))
	expect(t, h.serve(newRawRequest("POST", base+"/photos", string(body), ct, "")), 201)
	expect(t, h.serve(newRawRequest("POST", base+"/photos", string(body), ct, "")), 200) // a retry
	p, err := h.store.FindPhoto(ctxb(), photoID)
	if err != nil || p.UploaderID != "" || p.UnitLinkID == nil {
		t.Fatalf("unit photo %+v %v", p, err)
	}
	// A member cannot take the link's photo for their own record, nor its id.
	mine := h.uploadPhoto(f.convener, "", pngBytes(t, 12, 12))
	body, ct = multipartPhoto(t, photoID, pngBytes(t, 30, 20))
	expectError(t, h.serve(newRawRequest("POST", "/api/v1/photos", string(body), ct, f.convener.token)), 409, "conflict")

	// Validation.
	d := expectError(t, h.do("POST", base, "", map[string]any{"id": models.NewID(), "status": "rejected"}), 422, "invalid")
	if d.Fields["note"] == "" {
		t.Fatalf("a rejection without a reason: %v", d.Fields)
	}
	d = expectError(t, h.do("POST", base, "", map[string]any{"id": models.NewID(), "status": "maybe", "expected_on": "3000-01-01"}), 422, "invalid")
	if d.Fields["status"] == "" || d.Fields["expected_on"] == "" {
		t.Fatalf("fields %v", d.Fields)
	}
	d = expectError(t, h.do("POST", base, "", map[string]any{"id": models.NewID(), "status": "accepted", "photo_ids": []string{mine.ID}}), 422, "invalid")
	if d.Fields["photo_ids"] == "" {
		t.Fatalf("a member's photo through the link: %v", d.Fields)
	}

	// The reply, and its retry.
	r := map[string]any{"id": models.NewID(), "status": "in_progress", "note": "已进场施工", "photo_ids": []string{photoID}, "expected_on": "2029-06-30"}
	var got map[string]any
	mustDecode(t, expectRec201(t, h.do("POST", base, "", r)), &got)
	if got["from_unit"] != true || got["unit_status"] != "in_progress" || got["expected_on"] != "2029-06-30" || len(got["photos"].([]any)) != 1 {
		t.Fatalf("reply %v", got)
	}
	expect(t, h.do("POST", base, "", r), 200)
	var out outcomeView
	mustDecode(t, expectRec(t, h.do("GET", "/api/v1/topics/"+tp.ID+"/outcome", f.member.token, nil)), &out)
	if n := len(out.Recommendations[0].Progress); n != 1 || out.Recommendations[0].Status != "in_progress" || !out.Recommendations[0].Progress[0].FromUnit {
		t.Fatalf("after the reply and its retry: %+v", out.Recommendations[0])
	}
	expect(t, h.do("GET", "/api/v1/photos/"+photoID, f.member.token, nil), 302) // room members see the unit's photo
	// The same id through the convener's route is someone else's.
	expectError(t, h.do("POST", "/api/v1/recommendations/"+recs[0]+"/progress", f.convener.token, map[string]any{"id": r["id"], "note": "x"}), 409, "conflict")

	// Notices, once per reply, to the conveners and the county reviewers.
	for _, a := range []*actor{f.convener, f.county, f.county2} {
		if n := countType(f.eventsFor(t, a), models.EventUnitReplied); n != 1 {
			t.Fatalf("%s got %d unit notices", a.Role, n)
		}
	}
	if n := countType(f.eventsFor(t, f.member), models.EventUnitReplied); n != 0 {
		t.Fatalf("a member got %d unit notices", n)
	}

	// Done by the unit settles the recommendation and, the last, closes the topic.
	expect(t, h.do("POST", base, "", reply("done", "已完工")), 201)
	if st := f.status(t, tp.ID); st != "closed" {
		t.Fatalf("after the unit's done: %s", st)
	}
	expectError(t, h.do("POST", base, "", reply("in_progress", "再开")), 409, "invalid_state")
}

// TestUnitLinkPhotoQuota: photos through a link count on the link's own quota.
func TestUnitLinkPhotoQuota(t *testing.T) {
	f := newTopicFixture(t)
	h := f.h
	_, _, recs := f.concluded(t, "住建局")
	h.srv.linkPhotoQuota = models.PhotoQuota{PerMinute: 2}
	tok := f.link(t, recs[0])
	for i := 0; i < 2; i++ {
		body, ct := multipartPhoto(t, "", pngBytes(t, 10+i, 10))
		expect(t, h.serve(newRawRequest("POST", "/api/v1/unit-replies/"+tok+"/photos", string(body), ct, "")), 201)
	}
	body, ct := multipartPhoto(t, "", pngBytes(t, 14, 10))
	rec := h.serve(newRawRequest("POST", "/api/v1/unit-replies/"+tok+"/photos", string(body), ct, ""))
	expectError(t, rec, 429, "rate_limited")
	if rec.Header().Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	// The convener's own quota is untouched.
	h.uploadPhoto(f.convener, "", pngBytes(t, 10, 10))
}

// TestUnitLinkRateLimits: the unit routes are limited per address, and per link whatever
// the address.
func TestUnitLinkRateLimits(t *testing.T) {
	t.Run("PerAddress", func(t *testing.T) {
		h := newHarness(t)
		for i := 0; i < 30; i++ {
			expectError(t, h.from("198.51.100.7:1", "GET", fmt.Sprintf("/api/v1/unit-replies/%043d", i), nil, nil), 404, "not_found")
		}
		expectError(t, h.from("198.51.100.7:1", "GET", "/api/v1/unit-replies/"+strings.Repeat("y", 43), nil, nil), 429, "rate_limited")
		expectError(t, h.from("198.51.100.8:1", "GET", "/api/v1/unit-replies/"+strings.Repeat("y", 43), nil, nil), 404, "not_found")
	})
	t.Run("PerLink", func(t *testing.T) {
		f := newTopicFixture(t)
		_, _, recs := f.concluded(t, "住建局")
		tok := f.link(t, recs[0])
		for i := 0; i < 20; i++ {
			expect(t, f.h.from(fmt.Sprintf("203.0.113.%d:1", i+1), "GET", "/api/v1/unit-replies/"+tok, nil, nil), 200)
		}
		expectError(t, f.h.from("203.0.113.200:1", "GET", "/api/v1/unit-replies/"+tok, nil, nil), 429, "rate_limited")
	})
}

// TestReceiptRating: a resident gives a verdict by their receipt code once the topic is
// closed; it may be changed for 30 days; an unsatisfied verdict reaches the conveners and
// the county; the receipt shows the whole path without personal data.
func TestReceiptRating(t *testing.T) {
	f := newTopicFixture(t)
	h := f.h
	h.store.Now = h.clock
	tp, op, recs := f.concluded(t, "住建局")
	code := op.ReceiptCode
	rate := func(body any) *httptestRec { return h.do("POST", "/api/v1/receipts/"+code+"/rating", "", body) }

	expectError(t, rate(map[string]string{"rating": "satisfied"}), 409, "invalid_state")
	tok := f.link(t, recs[0])
	expect(t, h.do("POST", "/api/v1/unit-replies/"+tok, "", reply("done", "路灯已修复")), 201)
	if st := f.status(t, tp.ID); st != "closed" {
		t.Fatalf("topic %s", st)
	}
	d := expectError(t, rate(map[string]string{"rating": "great"}), 422, "invalid")
	if d.Fields["rating"] == "" {
		t.Fatalf("fields %v", d.Fields)
	}
	expectError(t, h.do("POST", "/api/v1/receipts/AAAAAAAA/rating", "", map[string]string{"rating": "satisfied"}), 404, "not_found")

	expect(t, rate(map[string]string{"rating": "satisfied"}), 201)
	if n := countType(f.eventsFor(t, f.convener), models.EventRatingUnsatisfied); n != 0 {
		t.Fatalf("a satisfied verdict raised %d notices", n)
	}
	expect(t, rate(map[string]string{"rating": "unsatisfied", "comment": "晚上还是黑"}), 200)
	expect(t, rate(map[string]string{"rating": "unsatisfied", "comment": "还是黑"}), 200)
	for _, a := range []*actor{f.convener, f.county} {
		if n := countType(f.eventsFor(t, a), models.EventRatingUnsatisfied); n != 1 {
			t.Fatalf("%s got %d unsatisfied notices", a.Role, n)
		}
	}
	if n := countType(f.eventsFor(t, f.member), models.EventRatingUnsatisfied); n != 0 {
		t.Fatalf("the collector got %d unsatisfied notices", n)
	}

	// The receipt: the whole path, the unit's reply, the verdict, nothing personal.
	rec := h.do("GET", "/api/v1/receipts/"+code, "", nil)
	var r models.Receipt
	mustDecode(t, expectRec(t, rec), &r)
	var steps []string
	for _, s := range r.Path {
		steps = append(steps, s.Step)
		if s.On == "" {
			t.Fatalf("step without a day: %+v", s)
		}
	}
	if got := strings.Join(steps, ","); got != "received,in_topic,approved,researched,consulted,recommendations,closed" {
		t.Fatalf("path %s", got)
	}
	if len(r.Recommendations) != 1 || len(r.Recommendations[0].Replies) != 1 || r.Recommendations[0].Replies[0].Note != "路灯已修复" ||
		r.Rating == nil || r.Rating.Rating != "unsatisfied" || !r.CanRate {
		t.Fatalf("receipt %s", rec.Body)
	}
	for _, leak := range []string{"resident", "phone", "name", "address", "lat", "lng", "photo", "collector", "room", "comment", "还是黑",
		f.member.ID, f.convener.ID, tok} {
		if strings.Contains(rec.Body.String(), leak) {
			t.Errorf("receipt leaks %q: %s", leak, rec.Body)
		}
	}

	// The dashboard counts it, for the county and the room.
	var st models.Stats
	mustDecode(t, expectRec(t, h.do("GET", "/api/v1/stats", f.county.token, nil)), &st)
	if r := st.Totals.Ratings; r.Total != 1 || r.Unsatisfied != 1 || r.Rate == nil || *r.Rate != 0 {
		t.Fatalf("county ratings %+v", r)
	}
	for _, room := range st.Rooms {
		if room.ID == f.room.ID && (room.Ratings.Total != 1 || room.Ratings.Unsatisfied != 1) {
			t.Fatalf("room ratings %+v", room.Ratings)
		}
	}

	// The ledgers show it, for the topic and the room.
	for _, l := range []struct{ path, title string }{{"/api/v1/exports/topics.csv", tp.Title}, {"/api/v1/exports/rooms.csv", f.room.Name}} {
		found := false
		for _, row := range readCSV(t, expect(t, h.do("GET", l.path, f.admin.token, nil), 200)) {
			if slices.Contains(row, l.title) {
				found = true
				if got := row[len(row)-1]; got != "满意 0，基本满意 0，不满意 1；满意率 0%" {
					t.Errorf("%s: the verdicts read %q", l.path, got)
				}
			}
		}
		if !found {
			t.Errorf("%s has no row for %s", l.path, l.title)
		}
	}

	// After 30 days the verdict stands.
	h.advance(models.RatingWindow + time.Minute)
	defer h.advance(-models.RatingWindow - time.Minute)
	expectError(t, rate(map[string]string{"rating": "satisfied"}), 409, "invalid_state")
	mustDecode(t, expectRec(t, h.do("GET", "/api/v1/receipts/"+code, "", nil)), &r)
	if r.CanRate || r.Rating.Rating != "unsatisfied" {
		t.Fatalf("after the window: %+v", r)
	}

	// The comment is the resident's words: retention erases it, the verdict stays.
	if _, err := h.store.EraseResidents(ctxb(), h.clock().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	var kept models.Rating
	if err := h.store.DB().Where("opinion_id = ?", op.ID).Take(&kept).Error; err != nil || kept.Comment != "" || kept.Rating != "unsatisfied" {
		t.Fatalf("after retention: %+v %v", kept, err)
	}
}

// TestRatingLimited: verdicts share the receipt lookups' limit per address.
func TestRatingLimited(t *testing.T) {
	h := newHarness(t)
	for i := 0; i < 30; i++ {
		expectError(t, h.do("POST", "/api/v1/receipts/ZZZZZZZZ/rating", "", map[string]string{"rating": "satisfied"}), 404, "not_found")
	}
	expectError(t, h.do("GET", "/api/v1/receipts/ZZZZZZZZ", "", nil), 429, "rate_limited")
	expect(t, h.do("GET", "/healthz", "", nil), http.StatusOK)
}

// unitToken returns a live unit link's token for a recommendation of its own topic, made
// once per view of the fixture (issuing another for the same recommendation would end it).
func (f *fixture) unitToken() string {
	if tok := f.extra["unit_token"]; tok != "" {
		return tok
	}
	tp := f.topicAt(models.TopicConcluded, true)
	out, err := f.h.store.FindOutcome(ctxb(), models.NewViewer(f.admin.User, nil), tp.ID)
	if err != nil {
		f.h.t.Fatal(err)
	}
	l, err := f.h.store.IssueUnitLink(ctxb(), viewerOf(f.h.t, f.h.store, f.convener.User), out.Recommendations[0].ID)
	if err != nil {
		f.h.t.Fatal(err)
	}
	f.extra["unit_token"] = l.Token
	return l.Token
}

// closedReceipt returns the receipt code of an opinion whose topic is closed, made once per
// view of the fixture.
func (f *fixture) closedReceipt() string {
	if code := f.extra["receipt_closed"]; code != "" {
		return code
	}
	t, st := f.h.t, f.h.store
	op := f.opinion(f.member)
	title, source, cat := "西街积水", models.SourceCollected, "城市更新"
	tp, err := st.CreateTopic(ctxb(), viewerOf(t, st, f.convener.User), models.TopicInput{RoomID: f.room.ID, Title: &title, Source: &source, Category: &cat, OpinionIDs: &[]string{op.ID}})
	if err != nil {
		t.Fatal(err)
	}
	steps := []func() error{
		func() error { _, err := st.SubmitTopic(ctxb(), viewerOf(t, st, f.convener.User), tp.ID); return err },
		func() error {
			_, err := st.ReviewTopic(ctxb(), viewerOf(t, st, f.county.User), tp.ID, models.ReviewInput{Decision: models.DecisionApprove})
			return err
		},
		func() error {
			_, err := st.ReviewTopic(ctxb(), viewerOf(t, st, f.local.User), tp.ID, models.ReviewInput{Decision: models.DecisionApprove})
			return err
		},
		func() error {
			_, err := st.SavePlan(ctxb(), viewerOf(t, st, f.convener.User), tp.ID, models.Plan{Theme: "方案", Content: "内容", Lead: "召集人"})
			return err
		},
		func() error {
			_, _, err := st.AddResearch(ctxb(), viewerOf(t, st, f.convener.User), tp.ID, models.ActivityInput{HeldAt: time.Now().UTC(), Summary: "调研"})
			return err
		},
		func() error {
			_, _, err := st.HoldMeeting(ctxb(), viewerOf(t, st, f.convener.User), tp.ID, models.ActivityInput{HeldAt: time.Now().UTC(), Summary: "纪要"})
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	var in models.OutcomeInput
	if err := json.Unmarshal([]byte(`{"consensus":"共识","recommendations":[{"content":"疏通","unit":"城管局","due_on":"2030-01-01"}]}`), &in); err != nil {
		t.Fatal(err)
	}
	o, _, err := st.PublishOutcome(ctxb(), viewerOf(t, st, f.convener.User), tp.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.AddProgress(ctxb(), viewerOf(t, st, f.convener.User), o.Recommendations[0].ID, models.ProgressInput{Status: models.RecDone, Note: "已疏通"}); err != nil {
		t.Fatal(err)
	}
	f.extra["receipt_closed"] = op.ReceiptCode
	return op.ReceiptCode
}
