package api

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"frontline/models"
)

// fillOnce runs a pass of the credits job and returns the rows it added.
func fillOnce(t *testing.T, st *models.Store) int {
	t.Helper()
	n, err := st.FillCredits(ctxb())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// creditCount counts the credit rows of one record, kind and user.
func creditCount(t *testing.T, st *models.Store, kind, sourceID, userID string) int64 {
	t.Helper()
	var n int64
	if err := st.DB().Model(&models.Credit{}).Where("kind = ? AND source_id = ? AND user_id = ?", kind, sourceID, userID).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCreditsWatermark: a pass of the job reads only what changed since the last pass
// began, less CreditLag, and still finds what earned meanwhile: a topic approved after the
// pass (its lead and the opinions it adopted), attendance marked after the pass, and a
// record stamped before the pass began but committed after it (within the lag). A record
// stamped further back than the lag is outside the window, which its user's own read still
// fills. Marks never move back.
func TestCreditsWatermark(t *testing.T) {
	w := newDutyWorld(t)
	h := w.h.on(t)
	st := h.store
	h.advance(time.Second) // past the world's records, stamped on the real clock
	st.Now = h.clock
	late := w.opinion(w.member)
	title, source, cat := "西街路灯", models.SourceCollected, "城市更新"
	ids := []string{late.ID}
	tp, err := st.CreateTopic(ctxb(), viewerOf(t, st, w.convener.User), models.TopicInput{RoomID: w.room.ID, Title: &title, Source: &source, Category: &cat, OpinionIDs: &ids})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SubmitTopic(ctxb(), viewerOf(t, st, w.convener.User), tp.ID); err != nil {
		t.Fatal(err)
	}
	fillOnce(t, st)
	began := h.clock()
	if n := creditCount(t, st, models.CreditOpinionCollected, late.ID, w.member.ID); n != 1 {
		t.Fatalf("the first pass gave the opinion %d rows", n)
	}
	h.advance(5 * time.Minute)

	// Approved after the pass.
	for _, r := range []*actor{w.county, w.local} {
		if _, err := st.ReviewTopic(ctxb(), viewerOf(t, st, r.User), tp.ID, models.ReviewInput{Decision: models.DecisionApprove}); err != nil {
			t.Fatal(err)
		}
	}
	// Attendance marked after the pass: a new row, and leave changed to present.
	for _, a := range []*actor{w.convener, w.member} {
		rec := h.do("PUT", "/api/v1/activities/"+w.visit.ID+"/attendance/"+a.ID, w.convener.token, map[string]any{"status": "present"})
		if rec.Code != http.StatusOK {
			t.Fatalf("mark attendance: %d %s", rec.Code, rec.Body)
		}
	}
	// Stamped before the pass began, committed after it: within the lag.
	st.Now = func() time.Time { return began.Add(-models.CreditLag + time.Second) }
	ooo := w.opinion(w.member)
	// Stamped further back than the lag: outside the job's window.
	st.Now = func() time.Time { return began.Add(-2 * models.CreditLag) }
	old := w.opinion(w.member)
	st.Now = h.clock

	if n := fillOnce(t, st); n != 5 {
		t.Errorf("the second pass added %d rows, want 5", n)
	}
	for _, c := range []struct{ kind, source, user string }{
		{models.CreditOpinionAdopted, late.ID, w.member.ID},
		{models.CreditTopicLed, tp.ID, w.convener.ID},
		{models.CreditActivityAttended, w.visit.ID, w.member.ID},
		{models.CreditActivityAttended, w.visit.ID, w.convener.ID},
		{models.CreditOpinionCollected, ooo.ID, w.member.ID},
	} {
		if n := creditCount(t, st, c.kind, c.source, c.user); n != 1 {
			t.Errorf("%s of %s: %d rows, want 1", c.kind, c.source, n)
		}
	}
	if n := creditCount(t, st, models.CreditOpinionCollected, old.ID, w.member.ID); n != 0 {
		t.Fatalf("the job read a record older than its window: %d rows", n)
	}
	if n := fillOnce(t, st); n != 0 {
		t.Errorf("a pass with nothing new added %d rows", n)
	}
	if n, err := st.FillUserCredits(ctxb(), w.member.ID); err != nil || n != 1 {
		t.Fatalf("the member's own fill added %d (%v), want the old record's 1", n, err)
	}

	marks := func() map[string]time.Time {
		var rows []struct {
			Source string
			Mark   time.Time
		}
		if err := st.DB().Table("credit_marks").Select("source, mark").Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		out := map[string]time.Time{}
		for _, r := range rows {
			out[r.Source] = r.Mark.UTC()
		}
		return out
	}
	before := marks()
	if len(before) != 5 {
		t.Fatalf("marks: %v", before)
	}
	for src, m := range before {
		if want := h.clock().Truncate(time.Microsecond); !m.Equal(want) {
			t.Errorf("mark of %s is %v, want the last pass's start %v", src, m, want)
		}
	}
	// A slow pass of another instance that began earlier leaves the marks where they are.
	st.Now = func() time.Time { return h.clock().Add(-time.Minute) }
	fillOnce(t, st)
	st.Now = h.clock
	for src, m := range marks() {
		if !m.Equal(before[src]) {
			t.Errorf("mark of %s moved back: %v → %v", src, before[src], m)
		}
	}
}

// TestCreditsAttendanceReversed: attendance changed from present after it earned appends a
// reversal, whether the job or the member's own read finds it; present again earns again;
// the member's total, the county's list and a rescore agree, and no row is changed.
func TestCreditsAttendanceReversed(t *testing.T) {
	w := newDutyWorld(t)
	h := w.h.on(t)
	st := h.store
	fillOnce(t, st)
	base, got := w.creditsOf(t, w.member)
	key := models.CreditResearchAttended + "|" + w.research.ID
	pts := models.DefaultCreditRule(base.Year).Points[models.CreditResearchAttended]
	if got[key] != pts {
		t.Fatalf("research before: %d points, want %d", got[key], pts)
	}
	mark := func(status string) {
		t.Helper()
		rec := h.do("PUT", "/api/v1/activities/"+w.research.ID+"/attendance/"+w.member.ID, w.convener.token, map[string]any{"status": status, "reason": "有事"})
		if rec.Code != http.StatusOK {
			t.Fatalf("mark %s: %d %s", status, rec.Code, rec.Body)
		}
	}
	county := func() int {
		t.Helper()
		var list models.CountyCredits
		mustDecode(t, h.do("GET", "/api/v1/credits", w.admin.token, nil), &list)
		for _, m := range list.Items {
			if m.UserID == w.member.ID {
				return m.Total
			}
		}
		t.Fatal("the member is not in the county's list")
		return 0
	}
	check := func(step string, total int, listed bool) {
		t.Helper()
		cy, items := w.creditsOf(t, w.member)
		if cy.Total != total {
			t.Errorf("%s: total %d, want %d", step, cy.Total, total)
		}
		if _, ok := items[key]; ok != listed {
			t.Errorf("%s: research listed %v, want %v (items %v)", step, ok, listed, items)
		}
		if c := county(); c != total {
			t.Errorf("%s: the county's total %d, want %d", step, c, total)
		}
	}
	var first []models.Credit
	if err := st.DB().Where("source_id = ?", w.research.ID).Order("id").Find(&first).Error; err != nil {
		t.Fatal(err)
	}

	mark(models.AttendAbsent)
	if n := fillOnce(t, st); n != 1 {
		t.Fatalf("the change to absent added %d rows, want the reversal", n)
	}
	if n := fillOnce(t, st); n != 0 {
		t.Fatalf("a second pass added %d rows", n)
	}
	check("absent", base.Total-pts, false)

	mark(models.AttendPresent)
	if n := fillOnce(t, st); n != 1 {
		t.Fatalf("present again added %d rows, want 1", n)
	}
	check("present again", base.Total, true)

	// The member's own read reverses without waiting for the job.
	mark(models.AttendLeave)
	check("leave", base.Total-pts, false)
	if n := fillOnce(t, st); n != 0 {
		t.Fatalf("the job added %d rows after the member's read had reversed", n)
	}

	// Under a changed rule, a rescore corrects the open episode only, and a later reversal
	// takes back the corrected sum.
	mark(models.AttendPresent)
	fillOnce(t, st)
	year := base.Year
	rec := h.do("PUT", "/api/v1/credit-rules", w.admin.token, map[string]any{"year": year, "points": map[string]int{models.CreditResearchAttended: 7}})
	if rec.Code != http.StatusOK {
		t.Fatalf("rule: %d %s", rec.Code, rec.Body)
	}
	var rs models.Rescore
	mustDecode(t, h.do("POST", fmt.Sprintf("/api/v1/credit-rules/%d/rescore", year), w.admin.token, nil), &rs)
	if rs.Corrections != 1 {
		t.Fatalf("rescore appended %d corrections, want the open episode's 1", rs.Corrections)
	}
	check("rescored", base.Total-pts+7, true)
	mark(models.AttendAbsent)
	fillOnce(t, st)
	check("absent after the rescore", base.Total-pts, false)
	mustDecode(t, h.do("POST", fmt.Sprintf("/api/v1/credit-rules/%d/rescore", year), w.admin.token, nil), &rs)
	if rs.Corrections != 0 {
		t.Fatalf("a rescore gave a reversed attendance %d corrections", rs.Corrections)
	}
	check("rescored again", base.Total-pts, false)

	var rows []models.Credit
	if err := st.DB().Where("source_id = ?", w.research.ID).Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	for i, c := range first {
		if rows[i] != c {
			t.Errorf("row %d changed: %+v → %+v", i, c, rows[i])
		}
	}
	sum := 0
	for _, c := range rows {
		sum += c.Points
	}
	// Three episodes: earned and reversed, twice; then earned, corrected and reversed.
	if sum != 0 || len(rows) != 7 {
		t.Errorf("the research's rows sum to %d in %d rows, want 0 in 7: %+v", sum, len(rows), rows)
	}
}

// TestCreditsThatStay: the other records cannot stop earning. An approved topic's opinions
// cannot be taken off it (an opinion taken off a draft earns no adoption), and a done
// recommendation cannot be reopened; their credits stand.
func TestCreditsThatStay(t *testing.T) {
	w := newDutyWorld(t)
	h := w.h.on(t)
	st := h.store
	fillOnce(t, st)
	expectError(t, h.do("PATCH", "/api/v1/topics/"+w.led.ID, w.convener.token, map[string]any{"opinion_ids": []string{}}), 409, "invalid_state")
	expectError(t, h.do("POST", "/api/v1/recommendations/"+w.rec+"/progress", w.convener.token,
		map[string]any{"status": models.RecInProgress, "note": "重新跟进"}), 409, "invalid_state")

	kept, dropped := w.opinion(w.member), w.opinion(w.member)
	title, source, cat := "北街积水", models.SourceCollected, "环境卫生"
	ids := []string{kept.ID, dropped.ID}
	tp, err := st.CreateTopic(ctxb(), viewerOf(t, st, w.convener.User), models.TopicInput{RoomID: w.room.ID, Title: &title, Source: &source, Category: &cat, OpinionIDs: &ids})
	if err != nil {
		t.Fatal(err)
	}
	fillOnce(t, st)
	rec := h.do("PATCH", "/api/v1/topics/"+tp.ID, w.convener.token, map[string]any{"opinion_ids": []string{kept.ID}})
	if rec.Code != http.StatusOK {
		t.Fatalf("take an opinion off the draft: %d %s", rec.Code, rec.Body)
	}
	if _, err := st.SubmitTopic(ctxb(), viewerOf(t, st, w.convener.User), tp.ID); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*actor{w.county, w.local} {
		if _, err := st.ReviewTopic(ctxb(), viewerOf(t, st, r.User), tp.ID, models.ReviewInput{Decision: models.DecisionApprove}); err != nil {
			t.Fatal(err)
		}
	}
	fillOnce(t, st)
	_, items := w.creditsOf(t, w.member)
	def := models.DefaultCreditRule(h.clock().Year()).Points
	for k, want := range map[string]int{
		models.CreditOpinionAdopted + "|" + w.adopted.ID: def[models.CreditOpinionAdopted],
		models.CreditOpinionAdopted + "|" + kept.ID:      def[models.CreditOpinionAdopted],
		models.CreditOpinionAdopted + "|" + dropped.ID:   0,
	} {
		if items[k] != want {
			t.Errorf("%s: %d points, want %d", k, items[k], want)
		}
	}
	_, conv := w.creditsOf(t, w.convener)
	if conv[models.CreditRecommendationDone+"|"+w.rec] != def[models.CreditRecommendationDone] {
		t.Errorf("the done recommendation's credit: %v", conv)
	}
}

// TestCreditsUnitDone: a unit's reply through its link that marks a recommendation done
// has no user; it earns no one and does not stop the job.
func TestCreditsUnitDone(t *testing.T) {
	f := newTopicFixture(t)
	h := f.h
	h.store.Now = h.clock
	_, _, recs := f.concluded(t, "住建局")
	token := f.link(t, recs[0])
	expect(t, h.do("POST", "/api/v1/unit-replies/"+token, "", reply(models.UnitDone, "已完成")), 201)
	if _, err := h.store.FillCredits(ctxb()); err != nil {
		t.Fatalf("the job failed over a unit's note: %v", err)
	}
	var n int64
	if err := h.store.DB().Model(&models.Credit{}).Where("kind = ?", models.CreditRecommendationDone).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("a unit's done reply earned %d credits", n)
	}
}
