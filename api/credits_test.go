package api

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"frontline/models"
)

// dutyWorld is a fixture whose member collected two opinions, one adopted into a topic the
// convener led to approval; who was present at the topic's research and meeting, on leave
// at a room activity and absent at another; and whose convener saw a recommendation done.
type dutyWorld struct {
	*fixture
	research, meeting, visit, forum *models.Activity
	adopted, plain                  *models.Opinion
	led                             *models.Topic
	rec                             string
}

func newDutyWorld(t *testing.T) *dutyWorld {
	f := newFixture(t)
	w := &dutyWorld{fixture: f}
	st := f.h.store
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// newFixture's member opinion and topics earn too: count from a clean slate of this
	// world's own by reading the member's and convener's items, not the table.
	w.adopted, w.plain = f.opinion(f.member), f.opinion(f.member)
	title, source, cat := "东街污水", models.SourceCollected, "环境卫生"
	ids := []string{w.adopted.ID}
	tp, err := st.CreateTopic(ctxb(), viewerOf(t, st, f.convener.User), models.TopicInput{RoomID: f.room.ID, Title: &title, Source: &source, Category: &cat, OpinionIDs: &ids})
	must(err)
	_, err = st.SubmitTopic(ctxb(), viewerOf(t, st, f.convener.User), tp.ID)
	must(err)
	for _, r := range []*actor{f.county, f.local} {
		_, err = st.ReviewTopic(ctxb(), viewerOf(t, st, r.User), tp.ID, models.ReviewInput{Decision: models.DecisionApprove})
		must(err)
	}
	w.led = tp
	_, err = st.SavePlan(ctxb(), viewerOf(t, st, f.convener.User), tp.ID, models.Plan{Theme: "方案", Content: "内容", Lead: "召集人"})
	must(err)
	at := time.Now().UTC()
	w.research, _, err = st.AddResearch(ctxb(), viewerOf(t, st, f.convener.User), tp.ID, models.ActivityInput{HeldAt: at, Summary: "调研东街"})
	must(err)
	w.meeting, _, err = st.HoldMeeting(ctxb(), viewerOf(t, st, f.convener.User), tp.ID, models.ActivityInput{HeldAt: at, Summary: "协商会纪要"})
	must(err)
	w.visit, _, err = st.CreateActivity(ctxb(), viewerOf(t, st, f.convener.User), f.room.ID, models.ActivityInput{Kind: models.KindVisit, HeldAt: at, Summary: "走访"})
	must(err)
	w.forum, _, err = st.CreateActivity(ctxb(), viewerOf(t, st, f.convener.User), f.room.ID, models.ActivityInput{Kind: models.KindForum, HeldAt: at, Summary: "座谈"})
	must(err)
	w.attend(w.research.ID, f.member.ID, "present")
	w.attend(w.meeting.ID, f.member.ID, "present")
	w.attend(w.visit.ID, f.member.ID, "leave")
	w.attend(w.forum.ID, f.member.ID, "absent")
	must(st.DB().Exec("UPDATE users SET name = ? WHERE id = ?", "张委员", f.member.ID).Error)
	f.member.Name = "张委员"
	w.rec = f.extra["recommendation"]
	_, _, err = st.AddProgress(ctxb(), viewerOf(t, st, f.convener.User), w.rec, models.ProgressInput{Status: models.RecDone, Note: "已修好"})
	must(err)
	return w
}

// attend writes an attendance row directly, as the attendance routes would.
func (w *dutyWorld) attend(activityID, userID, status string) {
	now := time.Now().UTC()
	err := w.h.store.DB().Exec("INSERT INTO attendance (activity_id, user_id, status, via, reason, marked_at, updated_at) VALUES (?, ?, ?, 'convener', '', ?, ?)",
		activityID, userID, status, now, now).Error
	if err != nil {
		w.h.t.Fatal(err)
	}
}

// creditsOf reads a user's credits of this year through the API, keyed kind|source_id.
func (w *dutyWorld) creditsOf(t *testing.T, a *actor) (models.CreditYear, map[string]int) {
	t.Helper()
	var cy models.CreditYear
	mustDecode(t, w.h.on(t).do("GET", "/api/v1/me/credits", a.token, nil), &cy)
	byKey := map[string]int{}
	for _, it := range cy.Items {
		byKey[it.Kind+"|"+it.SourceID] += it.Points
	}
	return cy, byKey
}

func (w *dutyWorld) creditRows(t *testing.T) int64 {
	var n int64
	if err := w.h.store.DB().Model(&models.Credit{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCreditsEarnedOnce: each record earns its kind once for its user, whatever number of
// fills run, at once or in turn; leave and absence earn nothing.
func TestCreditsEarnedOnce(t *testing.T) {
	w := newDutyWorld(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = w.h.store.FillCredits(ctxb()) }()
	}
	wg.Wait()
	if _, err := w.h.store.FillCredits(ctxb()); err != nil {
		t.Fatal(err)
	}
	rows := w.creditRows(t)
	if n, err := w.h.store.FillCredits(ctxb()); err != nil || n != 0 {
		t.Fatalf("a fill with nothing new added %d (%v)", n, err)
	}
	cy, got := w.creditsOf(t, w.member)
	def := models.DefaultCreditRule(cy.Year).Points
	want := map[string]int{
		models.CreditOpinionCollected + "|" + w.adopted.ID:  def[models.CreditOpinionCollected],
		models.CreditOpinionCollected + "|" + w.plain.ID:    def[models.CreditOpinionCollected],
		models.CreditOpinionAdopted + "|" + w.adopted.ID:    def[models.CreditOpinionAdopted],
		models.CreditResearchAttended + "|" + w.research.ID: def[models.CreditResearchAttended],
		models.CreditMeetingAttended + "|" + w.meeting.ID:   def[models.CreditMeetingAttended],
	}
	for k, p := range want {
		if got[k] != p {
			t.Errorf("%s: %d points, want %d (items %v)", k, got[k], p, got)
		}
	}
	for _, a := range []*models.Activity{w.visit, w.forum} {
		for k := range got {
			if k == models.CreditActivityAttended+"|"+a.ID {
				t.Errorf("leave or absence earned %s", k)
			}
		}
	}
	for _, it := range cy.Items {
		if it.SourceID == w.plain.ID && (it.Title != "东街污水外溢" || it.TopicID != "") {
			t.Errorf("the opinion's title is %q, its topic %q", it.Title, it.TopicID)
		}
		if it.SourceID == w.meeting.ID && (it.TopicID != w.led.ID || it.Title != "协商会 协商会纪要") {
			t.Errorf("the meeting's title is %q, its topic %q", it.Title, it.TopicID)
		}
	}
	if cy.Line != models.DefaultCreditRule(cy.Year).Line {
		t.Errorf("line %d", cy.Line)
	}
	_, conv := w.creditsOf(t, w.convener)
	if conv[models.CreditTopicLed+"|"+w.led.ID] != def[models.CreditTopicLed] || conv[models.CreditRecommendationDone+"|"+w.rec] != def[models.CreditRecommendationDone] {
		t.Errorf("convener's credits %v", conv)
	}
	if w.creditRows(t) != rows {
		t.Fatalf("reading credits added rows: %d, then %d", rows, w.creditRows(t))
	}
	// A record that earns later (attendance marked after the fact) is added, once.
	w.attend(w.visit.ID, w.convener.ID, "present")
	if n, err := w.h.store.FillCredits(ctxb()); err != nil || n != 1 {
		t.Fatalf("the new attendance added %d rows (%v), want 1", n, err)
	}
}

// TestCreditRuleChange: a changed rule scores new records by the new points and leaves the
// rows already given as they were, until the admin rescores the year, which appends
// corrections (rows are never changed), is audited, and is a no-op when repeated.
func TestCreditRuleChange(t *testing.T) {
	w := newDutyWorld(t)
	h := w.h.on(t)
	if _, err := h.store.FillCredits(ctxb()); err != nil {
		t.Fatal(err)
	}
	year := h.clock().Year()
	before, _ := w.creditsOf(t, w.member)
	body := map[string]any{"year": year, "line": 50, "points": map[string]int{models.CreditOpinionCollected: 4}}
	var r models.CreditRule
	mustDecode(t, h.do("PUT", "/api/v1/credit-rules", w.admin.token, body), &r)
	if r.Version != 1 || r.Line != 50 || r.Points[models.CreditOpinionCollected] != 4 || r.Points[models.CreditTopicLed] != models.DefaultCreditRule(year).Points[models.CreditTopicLed] {
		t.Fatalf("rule after PUT: %+v", r)
	}
	mustDecode(t, h.do("GET", fmt.Sprintf("/api/v1/credit-rules?year=%d", year), w.admin.token, nil), &r)
	if r.Version != 1 || r.Points[models.CreditOpinionCollected] != 4 {
		t.Fatalf("rule read back: %+v", r)
	}
	after, items := w.creditsOf(t, w.member)
	if after.Total != before.Total || after.Line != 50 {
		t.Fatalf("a rule change rescored past rows: total %d → %d, line %d", before.Total, after.Total, after.Line)
	}
	fresh := w.opinion(w.member)
	_, items = w.creditsOf(t, w.member)
	if items[models.CreditOpinionCollected+"|"+fresh.ID] != 4 {
		t.Fatalf("a new record is scored %d under the new rule, want 4", items[models.CreditOpinionCollected+"|"+fresh.ID])
	}
	rows := w.creditRows(t)
	var rs models.Rescore
	mustDecode(t, h.do("POST", fmt.Sprintf("/api/v1/credit-rules/%d/rescore", year), w.admin.token, nil), &rs)
	if rs.RuleVersion != 1 || rs.Corrections == 0 {
		t.Fatalf("rescore: %+v", rs)
	}
	if got := w.creditRows(t); got != rows+int64(rs.Corrections) {
		t.Fatalf("rows %d → %d with %d corrections: rows were changed, not appended", rows, got, rs.Corrections)
	}
	_, items = w.creditsOf(t, w.member)
	for k, p := range items {
		if len(k) > len(models.CreditOpinionCollected) && k[:len(models.CreditOpinionCollected)] == models.CreditOpinionCollected && p != 4 {
			t.Errorf("%s has %d points after the rescore, want 4", k, p)
		}
	}
	mustDecode(t, h.do("POST", fmt.Sprintf("/api/v1/credit-rules/%d/rescore", year), w.admin.token, nil), &rs)
	if rs.Corrections != 0 {
		t.Fatalf("a second rescore under the same rule appended %d", rs.Corrections)
	}
	for _, action := range []string{models.AuditCreditRules, models.AuditCreditRescore} {
		var page list[models.AuditEntry]
		mustDecode(t, h.do("GET", "/api/v1/audit?action="+action, w.admin.token, nil), &page)
		if len(page.Items) == 0 || page.Items[0].ActorID != w.admin.ID || page.Items[0].TargetID != strconv.Itoa(year) {
			t.Fatalf("audit of %s: %+v", action, page.Items)
		}
	}
	// A stored rule changes again: its version goes on.
	mustDecode(t, h.do("PUT", "/api/v1/credit-rules", w.admin.token, map[string]any{"year": year, "line": 10}), &r)
	if r.Version != 2 || r.Line != 10 || r.Points[models.CreditOpinionCollected] != 4 {
		t.Fatalf("rule after a second PUT: %+v", r)
	}
	// A bad rule is a 422 naming the field.
	for _, bad := range []map[string]any{{"year": 1999}, {"year": year, "line": -1}, {"year": year, "points": map[string]int{"nap": 1}},
		{"year": year, "points": map[string]int{models.CreditTopicLed: 1001}}} {
		expectError(t, h.do("PUT", "/api/v1/credit-rules", w.admin.token, bad), 422, "invalid")
	}
}

// TestCreditsAccess: a member's file is theirs and the county's; to another member or a
// local reviewer it does not exist. The county list flags members below the line and
// filters by sector and room.
func TestCreditsAccess(t *testing.T) {
	w := newDutyWorld(t)
	h := w.h.on(t)
	path := "/api/v1/members/" + w.member.ID + "/file"
	for role, code := range map[string]int{"member": 200, "admin": 200, "county": 200, "convener": 404, "local": 404} {
		rec := h.do("GET", path, w.byRole[role].token, nil)
		if rec.Code != code {
			t.Errorf("file as %s: %d, want %d", role, rec.Code, code)
		}
	}
	var file models.MemberFile
	mustDecode(t, h.do("GET", path, w.member.token, nil), &file)
	if file.User.ID != w.member.ID || len(file.Rooms) != 1 || file.Rooms[0].ID != w.room.ID || len(file.Attendance) != 4 ||
		file.Credits.ByKind[models.CreditMeetingAttended] == 0 || len(file.Years) != 1 || file.Years[0].Total != file.Credits.Total {
		t.Fatalf("file: %+v", file)
	}
	parts := map[string]string{}
	for _, tp := range file.Topics {
		parts[tp.ID] = tp.Role
	}
	if parts[w.led.ID] != models.TopicPartParticipant {
		t.Errorf("the member's part in the topic: %v", parts)
	}
	expectError(t, h.do("GET", path+"?year=abc", w.member.token, nil), 422, "invalid")

	if err := h.store.DB().Exec("UPDATE users SET sector = ? WHERE id = ?", "教育界", w.member.ID).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.FillCredits(ctxb()); err != nil {
		t.Fatal(err)
	}
	var all models.CountyCredits
	mustDecode(t, h.do("GET", "/api/v1/credits", w.county.token, nil), &all)
	rowOf := func(l models.CountyCredits, id string) *models.MemberCredits {
		for i := range l.Items {
			if l.Items[i].UserID == id {
				return &l.Items[i]
			}
		}
		return nil
	}
	m, target := rowOf(all, w.member.ID), rowOf(all, w.target.ID)
	if m == nil || target == nil || m.Total == 0 || !target.Below || target.Total != 0 || m.Below != (m.Total < all.Line) {
		t.Fatalf("county list: %+v", all)
	}
	if all.Items[0].Total > all.Items[len(all.Items)-1].Total {
		t.Errorf("the list is not lowest first by default")
	}
	var bySector models.CountyCredits
	mustDecode(t, h.do("GET", "/api/v1/credits?sector=%E6%95%99%E8%82%B2%E7%95%8C", w.admin.token, nil), &bySector)
	if len(bySector.Items) != 1 || bySector.Items[0].UserID != w.member.ID || bySector.Items[0].Sector != "教育界" {
		t.Fatalf("by sector: %+v", bySector.Items)
	}
	var byRoom models.CountyCredits
	mustDecode(t, h.do("GET", "/api/v1/credits?sort=-total&room_id="+w.room.ID, w.admin.token, nil), &byRoom)
	if rowOf(byRoom, w.target.ID) != nil || rowOf(byRoom, w.member.ID) == nil || byRoom.Items[0].Total < byRoom.Items[len(byRoom.Items)-1].Total {
		t.Fatalf("by room, highest first: %+v", byRoom.Items)
	}
	expectError(t, h.do("GET", "/api/v1/credits?sort=rank", w.admin.token, nil), 422, "invalid")
	expectError(t, h.do("GET", "/api/v1/credits?year=1999", w.admin.token, nil), 422, "invalid")
}

// TestDutyXLSX: the duty ledger has a row per member with a column per kind and the totals,
// as the county list says.
func TestDutyXLSX(t *testing.T) {
	w := newDutyWorld(t)
	h := w.h.on(t)
	if _, err := h.store.FillCredits(ctxb()); err != nil {
		t.Fatal(err)
	}
	rec := h.do("GET", "/api/v1/exports/duty.xlsx", w.county.token, nil)
	body := expect(t, rec, http.StatusOK)
	_, rows := readXLSX(t, body, "履职积分台账")
	headers := rows[0]
	col := func(name string) int {
		for i, h := range headers {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s in %v", name, headers)
		return -1
	}
	var list models.CountyCredits
	mustDecode(t, h.do("GET", "/api/v1/credits", w.admin.token, nil), &list)
	if len(rows) != len(list.Items)+1 {
		t.Fatalf("%d rows for %d members", len(rows)-1, len(list.Items))
	}
	found := false
	for _, r := range rows[1:] {
		if r[col("姓名")] != w.member.Name {
			continue
		}
		for _, m := range list.Items {
			if m.UserID != w.member.ID {
				continue
			}
			found = true
			if r[col("合计")] != strconv.Itoa(m.Total) || r[col("参加协商会")] != strconv.Itoa(m.ByKind[models.CreditMeetingAttended]) ||
				r[col("收集民意")] != strconv.Itoa(m.ByKind[models.CreditOpinionCollected]) || r[col("议事室")] != w.room.Name {
				t.Fatalf("row %v for %+v", r, m)
			}
		}
	}
	if !found {
		t.Fatalf("no row for the member in %v", rows)
	}
	expectError(t, h.do("GET", "/api/v1/exports/duty.xlsx?year=0", w.admin.token, nil), 422, "invalid")
}
