package api

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
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
	expect(t, h.do("POST", base+"/outcome", f.convener.token, outcome), 200) // a retry
	expectError(t, h.do("POST", base+"/outcome", f.convener.token, map[string]any{"consensus": "另一个共识",
		"recommendations": outcome["recommendations"]}), 409, "invalid_state")

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

// TestRoomActivitiesByPeriod: a room's activity list takes the first and last day of a
// period (both included, UTC), so a year's ledger reads that year and no more; a day that
// is not one, or a period that ends before it starts, is a 422 naming the parameter.
func TestRoomActivitiesByPeriod(t *testing.T) {
	f := newFixture(t)
	h := f.h
	f.room = h.room("南村议事室")
	h.join(f.room, f.convener, models.RoomConvener)
	path := "/api/v1/rooms/" + f.room.ID + "/activities"
	for _, at := range []string{"2024-12-31T23:59:59Z", "2025-01-01T00:00:00Z", "2025-06-30T08:00:00Z", "2025-12-31T23:59:59Z", "2026-01-01T00:00:00Z"} {
		a := activity("走访 " + at)
		a["kind"], a["held_at"] = "visit", at
		expect(t, h.do("POST", path, f.convener.token, a), 201)
	}
	held := func(q string) []string {
		t.Helper()
		var l list[activityView]
		mustDecode(t, expectRec(t, h.do("GET", path+"?"+q, f.convener.token, nil)), &l)
		out := []string{}
		for _, a := range l.Items {
			out = append(out, a.HeldAt.UTC().Format(time.RFC3339))
		}
		return out
	}
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"from=2025-01-01&to=2025-12-31", []string{"2025-12-31T23:59:59Z", "2025-06-30T08:00:00Z", "2025-01-01T00:00:00Z"}},
		{"from=2025-12-31", []string{"2026-01-01T00:00:00Z", "2025-12-31T23:59:59Z"}},
		{"to=2024-12-31", []string{"2024-12-31T23:59:59Z"}},
		{"from=2025-01-01&to=2025-12-31&limit=2", []string{"2025-12-31T23:59:59Z", "2025-06-30T08:00:00Z"}},
		{"from=2025-06-30&to=2025-06-30", []string{"2025-06-30T08:00:00Z"}},
	} {
		if got := held(c.q); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.q, got, c.want)
		}
	}
	for q, field := range map[string]string{"from=2025-13-01": "from", "to=yesterday": "to", "from=1999-12-31": "from",
		"from=2025-02-01&to=2025-01-31": "to"} {
		if d := expectError(t, h.do("GET", path+"?"+q, f.convener.token, nil), 422, "invalid"); d.Fields[field] == "" {
			t.Errorf("%s: fields %v, want %s", q, d.Fields, field)
		}
	}
}

// TestStepRecordsAreSafeToRetry: the records a phone queues offline (activities, research,
// meetings, progress notes) carry an id made on the phone, and the outcome is known by its
// content, so a retry after a lost answer stores nothing twice and raises nothing again.
func TestStepRecordsAreSafeToRetry(t *testing.T) {
	f := newTopicFixture(t)
	h := f.h
	convener2 := h.user(models.RoleMember, "")
	h.join(f.room, convener2, models.RoomConvener)
	tp, _ := f.approvedTopic(t)
	base := "/api/v1/topics/" + tp.ID
	expect(t, h.do("PUT", base+"/plan", f.convener.token, validPlan()), 200)

	post := func(a *actor, path, id string, body map[string]any) *httptest.ResponseRecorder {
		t.Helper()
		b := map[string]any{}
		for k, v := range body {
			b[k] = v
		}
		b["id"] = id
		return h.do("POST", path, a.token, b)
	}
	// sameActivity posts body twice under one id and checks that the second answer is the
	// stored record.
	sameActivity := func(t *testing.T, path, id string, body map[string]any) activityView {
		t.Helper()
		var first, again activityView
		mustDecode(t, expectRec201(t, post(f.convener, path, id, body)), &first)
		mustDecode(t, expectRec(t, post(f.convener, path, id, body)), &again)
		if first.ID != id || again.ID != id || !again.CreatedAt.Equal(first.CreatedAt) || again.Summary != first.Summary ||
			len(again.Photos) != len(first.Photos) {
			t.Fatalf("repeat answered %+v, first %+v", again.Activity, first.Activity)
		}
		return first
	}
	countActivities := func(t *testing.T, path, id string) int {
		t.Helper()
		var l list[activityView]
		mustDecode(t, expectRec(t, h.do("GET", path+"?limit=200", f.convener.token, nil)), &l)
		n := 0
		for _, a := range l.Items {
			if a.ID == id {
				n++
			}
		}
		return n
	}
	badID := func(t *testing.T, path string, body map[string]any) {
		t.Helper()
		d := expectError(t, post(f.convener, path, "not-a-uuid", body), 422, "invalid")
		if d.Fields["id"] == "" {
			t.Fatalf("fields %v", d.Fields)
		}
	}

	t.Run("RoomActivity", func(t *testing.T) {
		path := "/api/v1/rooms/" + f.room.ID + "/activities"
		body := activity("入户走访十户")
		body["kind"] = "visit"
		body["photo_ids"] = []string{h.uploadPhoto(f.convener, "", pngBytes(t, 12, 12)).ID}
		id := models.NewID()
		if a := sameActivity(t, path, id, body); len(a.Photos) != 1 {
			t.Fatalf("photos %d", len(a.Photos))
		}
		if n := countActivities(t, path, id); n != 1 {
			t.Fatalf("%d activities for one id", n)
		}
		expectError(t, post(convener2, path, id, body), 409, "conflict")
		body["kind"] = "forum"
		expectError(t, post(f.convener, path, id, body), 409, "conflict")
		badID(t, path, body)
	})

	t.Run("Research", func(t *testing.T) {
		id := models.NewID()
		sameActivity(t, base+"/research", id, activity("污水来自东侧餐馆"))
		if n := countActivities(t, base+"/activities", id); n != 1 {
			t.Fatalf("%d activities for one id", n)
		}
		expectError(t, post(convener2, base+"/research", id, activity("污水来自东侧餐馆")), 409, "conflict")
		expectError(t, post(f.convener, base+"/meeting", id, activity("会议纪要")), 409, "conflict") // another kind
		badID(t, base+"/research", activity("调研"))
	})

	t.Run("Meeting", func(t *testing.T) {
		id := models.NewID()
		sameActivity(t, base+"/meeting", id, activity("各方同意雨污分流改造")) // the repeat finds the topic consulted
		if st := f.status(t, tp.ID); st != "consulted" {
			t.Fatalf("after meeting: %s", st)
		}
		told := countType(f.eventsFor(t, f.convener), models.EventTopicStatusChanged)
		expect(t, post(f.convener, base+"/meeting", id, activity("各方同意雨污分流改造")), 200)
		if again := countType(f.eventsFor(t, f.convener), models.EventTopicStatusChanged); again != told {
			t.Fatalf("a repeated meeting raised events: %d, then %d", told, again)
		}
		if n := countActivities(t, base+"/activities", id); n != 1 {
			t.Fatalf("%d meetings for one id", n)
		}
		expectError(t, post(convener2, base+"/meeting", id, activity("各方同意雨污分流改造")), 409, "conflict")
		expectError(t, post(f.convener, base+"/meeting", models.NewID(), activity("再开一次")), 409, "invalid_state")
		badID(t, base+"/meeting", activity("会议纪要"))
	})

	nextMonth := time.Now().UTC().AddDate(0, 1, 0).Format("2006-01-02")
	outcome := map[string]any{"consensus": "实施雨污分流", "recommendations": []map[string]string{
		{"content": "加装隔油池", "unit": "市场监管局", "due_on": nextMonth, "contact": "刘科长"},
		{"content": "改造排水管网", "unit": "住建局", "due_on": nextMonth},
	}}
	var out outcomeView
	t.Run("Outcome", func(t *testing.T) {
		mustDecode(t, expectRec201(t, h.do("POST", base+"/outcome", f.convener.token, outcome)), &out)
		told := countType(f.eventsFor(t, f.convener), models.EventTopicStatusChanged)
		again := map[string]any{"consensus": "  实施雨污分流\n", "recommendations": []map[string]string{
			{"content": "加装隔油池 ", "unit": " 市场监管局", "due_on": nextMonth, "contact": "刘科长"},
			{"content": "改造排水管网", "unit": "住建局", "due_on": nextMonth, "contact": ""},
		}}
		var got outcomeView
		mustDecode(t, expectRec(t, h.do("POST", base+"/outcome", f.convener.token, again)), &got)
		if len(got.Recommendations) != 2 || got.Recommendations[0].ID != out.Recommendations[0].ID || !got.PublishedAt.Equal(out.PublishedAt) {
			t.Fatalf("repeat answered %+v", got)
		}
		mustDecode(t, expectRec(t, h.do("GET", base+"/outcome", f.member.token, nil)), &got)
		if len(got.Recommendations) != 2 {
			t.Fatalf("%d recommendations", len(got.Recommendations))
		}
		if n := countType(f.eventsFor(t, f.convener), models.EventTopicStatusChanged); n != told {
			t.Fatalf("a repeated outcome raised events: %d, then %d", told, n)
		}
		expectError(t, h.do("POST", base+"/outcome", convener2.token, outcome), 409, "invalid_state")
		changed := map[string]any{"consensus": "实施雨污分流", "recommendations": []map[string]string{
			{"content": "加装隔油池", "unit": "市场监管局", "due_on": nextMonth, "contact": "刘科长"},
		}}
		expectError(t, h.do("POST", base+"/outcome", f.convener.token, changed), 409, "invalid_state")
	})

	t.Run("Progress", func(t *testing.T) {
		if len(out.Recommendations) != 2 {
			t.Skip("no outcome")
		}
		r1, r2 := out.Recommendations[0].ID, out.Recommendations[1].ID
		path := func(id string) string { return "/api/v1/recommendations/" + id + "/progress" }
		id := models.NewID()
		step := map[string]any{"status": "in_progress", "note": "已通知商户"}
		expect(t, post(f.convener, path(r1), id, step), 201)
		var rec models.Recommendation
		mustDecode(t, expectRec(t, post(f.convener, path(r1), id, step)), &rec)
		if rec.ID != r1 || rec.Status != "in_progress" {
			t.Fatalf("repeat answered %+v", rec)
		}
		expectError(t, post(convener2, path(r1), id, step), 409, "conflict")
		expectError(t, post(f.convener, path(r2), id, step), 409, "conflict") // another recommendation
		badID(t, path(r1), step)

		// The note that closes the topic, and its retry once the topic is closed.
		expect(t, post(f.convener, path(r1), models.NewID(), map[string]any{"status": "done", "note": "隔油池已安装"}), 201)
		closing := map[string]any{"status": "not_adopted", "note": "纳入明年计划", "reason": "今年资金已用完"}
		closeID := models.NewID()
		expect(t, post(f.convener, path(r2), closeID, closing), 201)
		if st := f.status(t, tp.ID); st != "closed" {
			t.Fatalf("after all settled: %s", st)
		}
		mustDecode(t, expectRec(t, post(f.convener, path(r2), closeID, closing)), &rec)
		if rec.Status != "not_adopted" {
			t.Fatalf("repeat answered %+v", rec)
		}
		if n := countType(f.eventsFor(t, f.member), models.EventTopicClosed); n != 1 {
			t.Fatalf("topic.closed raised %d times", n)
		}
		mustDecode(t, expectRec(t, h.do("GET", base+"/outcome", f.member.token, nil)), &out)
		if len(out.Recommendations[0].Progress) != 2 || len(out.Recommendations[1].Progress) != 1 {
			t.Fatalf("progress notes: %d and %d", len(out.Recommendations[0].Progress), len(out.Recommendations[1].Progress))
		}
	})
}

// TestConcurrentStepRetriesStoreOnce: identical requests racing in (a phone retrying while
// its first try is still on the way) store one record; one answers 201, the rest 200.
func TestConcurrentStepRetriesStoreOnce(t *testing.T) {
	f := newTopicFixture(t)
	h := f.h
	tp, _ := f.approvedTopic(t)
	base := "/api/v1/topics/" + tp.ID
	expect(t, h.do("PUT", base+"/plan", f.convener.token, validPlan()), 200)
	for _, step := range []string{"research", "meeting"} {
		t.Run(step, func(t *testing.T) {
			body := activity("同时重发")
			body["id"] = models.NewID()
			oneCreated(t, 4, func() int { return h.do("POST", base+"/"+step, f.convener.token, body).Code })
			var n int64
			h.store.DB().Model(&models.Activity{}).Where("id = ?", body["id"]).Count(&n)
			if n != 1 {
				t.Fatalf("%d rows for one id", n)
			}
		})
	}
	consulted := 0
	for _, e := range f.eventsFor(t, f.convener) {
		var data map[string]any
		json.Unmarshal(e.Payload, &data)
		if e.Type == models.EventTopicStatusChanged && data["topic_id"] == tp.ID && data["to"] == "consulted" {
			consulted++
		}
	}
	if consulted != 1 {
		t.Fatalf("the convener was told %d times of the meeting", consulted)
	}
	var history []string
	for _, hi := range f.topic(t, tp.ID).History {
		history = append(history, hi.Action)
	}
	if got := strings.Join(history, ","); !strings.HasSuffix(got, ",plan,meet") {
		t.Fatalf("history %s: the meeting moved the topic more than once", got)
	}
}

func expectRec201(t *testing.T, rec *httptest.ResponseRecorder) *httptest.ResponseRecorder {
	t.Helper()
	expect(t, rec, 201)
	return rec
}
