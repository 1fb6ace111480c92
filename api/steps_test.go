package api

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"frontline/models"
)

// approvedTopic takes a topic drafted from the member's opinion through both approvals.
func (f *topicFixture) approvedTopic(t *testing.T) (models.Topic, *models.Opinion) {
	t.Helper()
	op := f.opinion(f.member)
	tp := f.draft(t, op.ID)
	expect(t, f.h.do("POST", "/api/v1/topics/"+tp.ID+"/submit", f.convener.token, nil), 200)
	expect(t, f.review(t, f.county, tp.ID, "approve", ""), 201)
	expect(t, f.review(t, f.local, tp.ID, "approve", ""), 201)
	return tp, op
}

func (f *topicFixture) status(t *testing.T, id string) string {
	t.Helper()
	return f.topic(t, id).Status
}

func validPlan(participants ...string) map[string]any {
	return map[string]any{"theme": "东市场污水治理工作方案", "content": "调研污水来源，协商整改方案",
		"participants":   map[string]any{"user_ids": participants, "outside": []map[string]string{{"name": "李主任", "unit": "住建局"}}},
		"research_steps": "现场走访、座谈", "schedule": []map[string]string{{"date": "2026-12-01", "item": "现场调研"}},
		"meeting_procedure": "通报情况、各方发言、形成共识", "transformation": "形成建议报县政府", "lead": "张召集人"}
}

func activity(summary string) map[string]any {
	return map[string]any{"held_at": time.Now().UTC().Format(time.RFC3339), "place": "东市场", "summary": summary,
		"attendees": map[string][]string{"members": {"王委员"}, "residents": {"赵大爷"}, "units": {"住建局"}}}
}

// TestSevenStepsToClosed walks one topic from approval to closed through the API, the way
// the programme's steps go, and checks what residents and members hear along the way.
func TestSevenStepsToClosed(t *testing.T) {
	f := newTopicFixture(t)
	h := f.h
	tp, op := f.approvedTopic(t)
	base := "/api/v1/topics/" + tp.ID

	// 2. Work plan: conveners only; participants who are users are told.
	expectError(t, h.do("PUT", base+"/plan", f.member.token, validPlan()), 403, "forbidden")
	bad := validPlan()
	bad["theme"], bad["schedule"] = "", []map[string]string{{"date": "someday", "item": "x"}}
	d := expectError(t, h.do("PUT", base+"/plan", f.convener.token, bad), 422, "invalid")
	if d.Fields["theme"] == "" || d.Fields["schedule"] == "" {
		t.Fatalf("fields %v", d.Fields)
	}
	expect(t, h.do("PUT", base+"/plan", f.convener.token, validPlan(f.member2.ID)), 200)
	if st := f.status(t, tp.ID); st != "planned" {
		t.Fatalf("after plan: %s", st)
	}
	if countType(f.eventsFor(t, f.member2), models.EventPlanPublished) != 1 {
		t.Fatal("participant not told of the plan")
	}
	var plan models.Plan
	mustDecode(t, expectRec(t, h.do("GET", base+"/plan", f.member.token, nil)), &plan)
	if plan.Theme != "东市场污水治理工作方案" || len(plan.Participants.Outside) != 1 || plan.Schedule[0].Item != "现场调研" {
		t.Fatalf("plan: %+v", plan)
	}
	expect(t, h.do("PUT", base+"/plan", f.convener.token, validPlan(f.member2.ID)), 200) // revising keeps it planned

	// 3. No research, no consultation.
	expectError(t, h.do("POST", base+"/meeting", f.convener.token, activity("会议纪要")), 409, "invalid_state")
	photo := h.uploadPhoto(f.convener, "", pngBytes(t, 16, 16))
	research := activity("污水来自东侧餐馆")
	research["photo_ids"] = []string{photo.ID}
	rec := h.do("POST", base+"/research", f.convener.token, research)
	expect(t, rec, 201)
	var act activityView
	mustDecode(t, rec, &act)
	if act.Kind != "research" || len(act.Photos) != 1 || len(act.Attendees.Units) != 1 {
		t.Fatalf("research: %s", rec.Body)
	}
	expect(t, h.do("GET", "/api/v1/photos/"+photo.ID, f.member.token, nil), 302) // room members see research photos

	// 4. The consultation meeting.
	expect(t, h.do("POST", base+"/meeting", f.convener.token, activity("各方同意雨污分流改造")), 201)
	if st := f.status(t, tp.ID); st != "consulted" {
		t.Fatalf("after meeting: %s", st)
	}
	var acts list[activityView]
	mustDecode(t, expectRec(t, h.do("GET", base+"/activities", f.member.token, nil)), &acts)
	if len(acts.Items) != 2 {
		t.Fatalf("topic activities: %d", len(acts.Items))
	}

	// 5. Outcomes with recommendations, one already past due.
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02")
	nextMonth := time.Now().UTC().AddDate(0, 1, 0).Format("2006-01-02")
	outcome := map[string]any{"consensus": "实施雨污分流，餐馆加装隔油池", "recommendations": []map[string]string{
		{"content": "加装隔油池", "unit": "市场监管局", "due_on": yesterday, "contact": "刘科长"},
		{"content": "改造排水管网", "unit": "住建局", "due_on": nextMonth},
	}}
	expectError(t, h.do("POST", base+"/outcome", f.convener.token, map[string]any{"consensus": "x"}), 422, "invalid")
	rec = h.do("POST", base+"/outcome", f.convener.token, outcome)
	expect(t, rec, 201)
	var out outcomeView
	mustDecode(t, rec, &out)
	if len(out.Recommendations) != 2 || !out.Recommendations[0].Overdue || out.Recommendations[1].Overdue || out.Recommendations[0].Status != "pending" {
		t.Fatalf("outcome: %s", rec.Body)
	}
	if st := f.status(t, tp.ID); st != "concluded" {
		t.Fatalf("after outcome: %s", st)
	}
	expectError(t, h.do("POST", base+"/outcome", f.convener.token, outcome), 409, "invalid_state")

	// Overdue notices go out once, to conveners and county reviewers.
	evs, err := h.store.NotifyOverdue(ctxb())
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 {
		t.Fatal("no overdue notice")
	}
	if again, _ := h.store.NotifyOverdue(ctxb()); len(again) != 0 {
		t.Fatalf("overdue notified twice: %d", len(again))
	}
	for _, a := range []*actor{f.convener, f.county, f.county2} {
		if countType(f.eventsFor(t, a), models.EventRecommendationDue) != 1 {
			t.Fatalf("%s: overdue notices %v", a.Role, typesOf(f.eventsFor(t, a)))
		}
	}

	// 6–7. Follow-up until every recommendation is settled; then the topic closes and the
	// collector hears back.
	r1, r2 := out.Recommendations[0].ID, out.Recommendations[1].ID
	progress := func(id string, body map[string]any) *httptestRec {
		return h.do("POST", "/api/v1/recommendations/"+id+"/progress", f.convener.token, body)
	}
	expectError(t, h.do("POST", "/api/v1/recommendations/"+r1+"/progress", f.member.token, map[string]any{"note": "x"}), 403, "forbidden")
	expect(t, progress(r1, map[string]any{"status": "in_progress", "note": "已通知商户"}), 201)
	expectError(t, progress(r1, map[string]any{"status": "pending", "note": "倒退"}), 422, "invalid")
	expect(t, progress(r1, map[string]any{"status": "done", "note": "隔油池已安装"}), 201)
	expectError(t, progress(r1, map[string]any{"status": "in_progress", "note": "再开"}), 409, "invalid_state")
	expectError(t, progress(r2, map[string]any{"status": "not_adopted", "note": "资金不足"}), 422, "invalid")
	if st := f.status(t, tp.ID); st != "concluded" {
		t.Fatalf("closed too early: %s", st)
	}
	expect(t, progress(r2, map[string]any{"status": "not_adopted", "note": "纳入明年计划", "reason": "今年资金已用完"}), 201)
	if st := f.status(t, tp.ID); st != "closed" {
		t.Fatalf("after all settled: %s", st)
	}
	closed := f.eventsFor(t, f.member)
	if countType(closed, models.EventTopicClosed) != 1 {
		t.Fatalf("collector not told of the close: %v", typesOf(closed))
	}
	var data map[string]any
	json.Unmarshal(closed[len(closed)-1].Payload, &data)
	if data["recommendations_done"] != float64(1) {
		t.Fatalf("topic.closed data %v", data)
	}
	mustDecode(t, expectRec(t, h.do("GET", base+"/outcome", f.member.token, nil)), &out)
	if len(out.Recommendations[0].Progress) != 2 || out.Recommendations[0].Overdue {
		t.Fatalf("progress: %+v", out.Recommendations[0])
	}

	// The whole way is in the history.
	var actions []string
	for _, hi := range f.topic(t, tp.ID).History {
		actions = append(actions, hi.Action)
	}
	if got := strings.Join(actions, ","); got != "create,submit,approve_one,approve_both,plan,plan,meet,conclude,close" {
		t.Fatalf("history %s", got)
	}

	// The resident follows it by the receipt code, without signing in, and sees nothing
	// that names or locates anyone.
	var full models.Opinion
	mustDecode(t, expectRec(t, h.do("GET", "/api/v1/opinions/"+op.ID, f.member.token, nil)), &full)
	rec = h.do("GET", "/api/v1/receipts/"+strings.ToLower(full.ReceiptCode), "", nil)
	expect(t, rec, 200)
	var receipt map[string]any
	mustDecode(t, rec, &receipt)
	if receipt["topic_title"] != "东市场污水治理" || receipt["topic_status"] != "closed" || receipt["outcome"] != "实施雨污分流，餐馆加装隔油池" {
		t.Fatalf("receipt: %s", rec.Body)
	}
	for _, leak := range []string{"resident", "phone", "name", "address", "lat", "lng", "photo", "collector", full.CollectorID, "东街12号", "room"} {
		if strings.Contains(rec.Body.String(), leak) {
			t.Errorf("receipt leaks %q: %s", leak, rec.Body)
		}
	}
	expectError(t, h.do("GET", "/api/v1/receipts/AAAAAAAA", "", nil), 404, "not_found")
	expectError(t, h.do("GET", "/api/v1/receipts/../../x", "", nil), 404, "not_found")
}

type httptestRec = httptest.ResponseRecorder

func TestReceiptLookupsAreLimited(t *testing.T) {
	h := newHarness(t)
	for i := 0; i < 30; i++ {
		expectError(t, h.do("GET", "/api/v1/receipts/ZZZZZZZZ", "", nil), 404, "not_found")
	}
	rec := h.do("GET", "/api/v1/receipts/ZZZZZZZZ", "", nil)
	expectError(t, rec, 429, "rate_limited")
	if rec.Header().Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}

func TestRoomActivitiesFeedTheChecklist(t *testing.T) {
	f := newFixture(t)
	h := f.h
	f.room = h.room("北村议事室")
	h.join(f.room, f.member, models.RoomMember)
	h.join(f.room, f.convener, models.RoomConvener)
	var r models.Room
	mustDecode(t, expectRec(t, h.do("GET", "/api/v1/rooms/"+f.room.ID, f.admin.token, nil)), &r)
	if r.Checklist.ActivityRecords || *r.ActivitiesThisYear != 0 {
		t.Fatalf("before: %+v", r.Checklist)
	}
	a := activity("入户走访十户")
	a["kind"] = "visit"
	expectError(t, h.do("POST", "/api/v1/rooms/"+f.room.ID+"/activities", f.member.token, a), 403, "forbidden")
	a["kind"] = "party"
	expectError(t, h.do("POST", "/api/v1/rooms/"+f.room.ID+"/activities", f.convener.token, a), 422, "invalid")
	for _, kind := range []string{"visit", "forum", "training"} {
		a["kind"] = kind
		expect(t, h.do("POST", "/api/v1/rooms/"+f.room.ID+"/activities", f.convener.token, a), 201)
	}
	mustDecode(t, expectRec(t, h.do("GET", "/api/v1/rooms/"+f.room.ID, f.member.token, nil)), &r)
	if !r.Checklist.Complete() || *r.ActivitiesThisYear != 3 {
		t.Fatalf("after: %+v %d", r.Checklist, *r.ActivitiesThisYear)
	}
	var l list[activityView]
	mustDecode(t, expectRec(t, h.do("GET", "/api/v1/rooms/"+f.room.ID+"/activities?kind=forum", f.member.token, nil)), &l)
	if len(l.Items) != 1 {
		t.Fatalf("forum activities: %d", len(l.Items))
	}
	outsider := h.user(models.RoleMember, "")
	expectError(t, h.do("GET", "/api/v1/rooms/"+f.room.ID+"/activities", outsider.token, nil), 404, "not_found")
}
