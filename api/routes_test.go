package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"frontline/models"
)

// fixture is one room with a person in every role, shared by the route × role walk. A
// subtest works on its own view of it (see on): what newFixture built is only read.
type fixture struct {
	h                                      *harness
	room                                   *models.Room
	admin, county, local, member, convener *actor
	target                                 *models.User // a plain member the admin routes act on
	byRole                                 map[string]*actor
	extra                                  map[string]string // ids made by later fixtures (opinions, topics…)
	live                                   *httptest.Server  // for streams, which need a real connection
}

func newFixture(t testing.TB) *fixture {
	h := newHarness(t)
	f := &fixture{h: h, room: h.room("东街议事室"), extra: map[string]string{}}
	f.live = httptest.NewServer(h.e)
	t.Cleanup(f.live.Close)
	f.admin = h.user(models.RoleAdmin, "")
	f.county = h.user(models.RoleReviewer, models.BodyCounty)
	f.local = h.user(models.RoleReviewer, models.BodyLocal)
	f.member = h.user(models.RoleMember, "")
	f.convener = h.user(models.RoleMember, "")
	h.join(f.room, f.local, models.RoomLocalReviewer)
	h.join(f.room, f.member, models.RoomMember)
	h.join(f.room, f.convener, models.RoomConvener)
	target, err := h.store.CreateUser(ctxb(), models.NewUser{Phone: nextPhone(), Name: "目标", Password: testPassword, Role: models.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	f.target = target
	op := f.opinion(f.member)
	f.extra["opinion"] = op.ID
	f.extra["photo"] = op.Photos[0].ID
	f.extra["topic"] = f.topic(models.TopicDraft).ID
	f.extra["topic_planned"] = f.topicAt(models.TopicPlanned, true).ID
	concluded := f.topicAt(models.TopicConcluded, true)
	f.extra["topic_concluded"] = concluded.ID
	out, err := h.store.FindOutcome(ctxb(), models.NewViewer(f.admin.User, nil), concluded.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.extra["recommendation"] = out.Recommendations[0].ID
	f.extra["receipt"] = op.ReceiptCode
	// A room activity with a photo the convener shows on the public pages.
	f.extra["activity"], f.extra["photo_activity"] = f.activityWithPhoto()
	yes := true
	if _, err := h.store.SetPhotoPublic(ctxb(), viewerOf(t, h.store, f.convener.User), f.extra["photo_activity"], models.PhotoPublicInput{Public: &yes, Label: models.PhotoAfter}); err != nil {
		t.Fatal(err)
	}
	f.extra["activity_ahead"] = f.openActivity(48 * time.Hour).ID
	f.extra["activity_started"] = f.openActivity(-time.Minute).ID
	f.extra["member"] = f.member.ID
	f.byRole = map[string]*actor{"admin": f.admin, "county": f.county, "local": f.local, "member": f.member, "convener": f.convener}
	return f
}

// on returns a view of f for the subtest t: failures are reported on t, and the ids its
// cases' setups make go to a copy of extra of its own, so views may run in parallel.
func (f *fixture) on(t testing.TB) *fixture {
	v := *f
	v.h = f.h.on(t)
	v.extra = maps.Clone(f.extra)
	return &v
}

// opinion makes an opinion with one photo, collected by a in the fixture's room.
func (f *fixture) opinion(a *actor) *models.Opinion {
	t := f.h.t
	t.Helper()
	photo := f.h.uploadPhoto(a, "", pngBytes(t, 20, 20))
	op, _, err := f.h.store.CreateOpinion(ctxb(), viewerOf(t, f.h.store, a.User), models.NewOpinion{RoomID: f.room.ID, Channel: "door_to_door",
		Category: "环境卫生", Content: "东街污水外溢", PhotoIDs: []string{photo.ID}})
	if err != nil {
		t.Fatal(err)
	}
	return op
}

// topic makes a topic of the fixture's room and takes it to status (draft or in_review).
func (f *fixture) topic(status string) *models.Topic {
	t := f.h.t
	t.Helper()
	title, source, cat := "东街路灯", models.SourceCollected, "城市更新"
	ch, err := f.h.store.CreateTopic(ctxb(), viewerOf(t, f.h.store, f.convener.User), models.TopicInput{RoomID: f.room.ID, Title: &title, Source: &source, Category: &cat})
	if err != nil {
		t.Fatal(err)
	}
	if status == models.TopicInReview {
		if ch, err = f.h.store.SubmitTopic(ctxb(), viewerOf(t, f.h.store, f.convener.User), ch.ID); err != nil {
			t.Fatal(err)
		}
	}
	return ch
}

// topicAt takes a new topic of the fixture's room to status through the store, as the
// conveners and both reviewers would, recording research on the way when asked.
func (f *fixture) topicAt(status string, research bool) *models.Topic {
	t, st := f.h.t, f.h.store
	t.Helper()
	tp := f.topic(models.TopicInReview)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := st.ReviewTopic(ctxb(), viewerOf(t, st, f.county.User), tp.ID, models.ReviewInput{Decision: models.DecisionApprove})
	must(err)
	_, err = st.ReviewTopic(ctxb(), viewerOf(t, st, f.local.User), tp.ID, models.ReviewInput{Decision: models.DecisionApprove})
	must(err)
	steps := []string{models.TopicPlanned, models.TopicConsulted, models.TopicConcluded}
	act := models.ActivityInput{HeldAt: time.Now().UTC(), Summary: "记录"}
	for _, next := range steps {
		if status == models.TopicApproved {
			break
		}
		switch next {
		case models.TopicPlanned:
			_, err = st.SavePlan(ctxb(), viewerOf(t, st, f.convener.User), tp.ID, models.Plan{Theme: "方案", Content: "内容", Lead: "召集人"})
			must(err)
			if research {
				_, _, err = st.AddResearch(ctxb(), viewerOf(t, st, f.convener.User), tp.ID, act)
				must(err)
			}
		case models.TopicConsulted:
			_, _, err = st.HoldMeeting(ctxb(), viewerOf(t, st, f.convener.User), tp.ID, act)
			must(err)
		case models.TopicConcluded:
			var in models.OutcomeInput
			must(json.Unmarshal([]byte(`{"consensus":"共识","recommendations":[{"content":"修路","unit":"交通局","due_on":"2030-01-01"}]}`), &in))
			_, _, err = st.PublishOutcome(ctxb(), viewerOf(t, st, f.convener.User), tp.ID, in)
			must(err)
		}
		if next == status {
			break
		}
	}
	return tp
}

// activityWithPhoto records a room activity of the fixture's room, of no topic, with one
// photo the convener took, and returns their ids.
func (f *fixture) activityWithPhoto() (activityID, photoID string) {
	t := f.h.t
	t.Helper()
	photo := f.h.uploadPhoto(f.convener, "", pngBytes(t, 24, 16))
	a, _, err := f.h.store.CreateActivity(ctxb(), viewerOf(t, f.h.store, f.convener.User), f.room.ID, models.ActivityInput{Kind: models.KindVisit,
		HeldAt: time.Now().UTC(), Place: "东街", Summary: "走访记录", PhotoIDs: []string{photo.ID}})
	if err != nil {
		t.Fatal(err)
	}
	return a.ID, photo.ID
}

// openActivity schedules a forum of the fixture's room, held at the harness clock plus
// from, with its summary to come, inviting the member.
func (f *fixture) openActivity(from time.Duration) *models.Activity {
	t := f.h.t
	t.Helper()
	a, _, err := f.h.store.CreateActivity(ctxb(), viewerOf(t, f.h.store, f.convener.User), f.room.ID, models.ActivityInput{Kind: models.KindForum,
		HeldAt: f.h.clock().Add(from), Place: "村委会", Attendees: models.Attendees{UserIDs: []string{f.member.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// checkinCode is a code of activity that the server signed, valid now (the store's clock).
func (f *fixture) checkinCode(activityID string) string {
	t := f.h.t
	t.Helper()
	codes, err := f.h.store.IssueCheckinCodes(ctxb(), viewerOf(t, f.h.store, f.convener.User), f.h.srv.checkinKey, activityID, 1)
	if err != nil {
		t.Fatal(err)
	}
	return codes[0].Code
}

// pathOf is the path a case calls: its own, or the route's, with the fixture's ids filled in.
func (f *fixture) pathOf(rc routeCase, routePath string) string {
	path := rc.path
	if path == "" {
		path = routePath
	}
	path = strings.NewReplacer("{room}", f.room.ID, "{user}", f.target.ID).Replace(path)
	for k, v := range f.extra {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	return path
}

// Roles the walk calls every route as; "anonymous" sends no token, and "stale" sends one
// that names nobody any more (a member's expired token), which counts as anonymous.
var walkRoles = []string{"anonymous", "stale", "admin", "county", "local", "member", "convener"}

var (
	everyone      = []string{"anonymous", "admin", "county", "local", "member", "convener"}
	signedInRoles = []string{"admin", "county", "local", "member", "convener"}
	adminOnly     = []string{"admin"}
	countyRoles   = []string{"admin", "county"}
)

// routeCase says who may call a route and how to call it successfully.
type routeCase struct {
	allow  []string
	path   string                            // with {room}, {user} and fixture ids in braces
	body   func(f *fixture) any              // nil: no body
	raw    func(f *fixture) ([]byte, string) // a non-JSON body and its content type
	stream bool                              // an event stream: the client leaves after a moment
	setup  func(f *fixture)                  // run before each call, e.g. to make something to delete
	want   map[string]int                    // statuses that differ from the default for a role
}

var uniq atomic.Int64

func unique() int64 { return uniq.Add(1) }

// routeCases is keyed by "METHOD /api/v1/path" as registered. Every route must be here:
// a new route without a declared guard expectation fails TestRouteGuards.
var routeCases = map[string]routeCase{
	"GET /api/v1/openapi.json": {allow: everyone},
	"POST /api/v1/auth/login": {allow: everyone, body: func(f *fixture) any {
		return map[string]string{"phone": f.target.Phone, "password": testPassword}
	}},
	"POST /api/v1/auth/refresh": {allow: everyone, body: func(f *fixture) any {
		_, tok, err := f.h.store.StartSession(ctxb(), f.target.ID)
		if err != nil {
			f.h.t.Fatal(err)
		}
		return map[string]string{"refresh_token": tok}
	}},
	"POST /api/v1/auth/logout": {allow: everyone, body: func(f *fixture) any {
		_, tok, _ := f.h.store.StartSession(ctxb(), f.target.ID)
		return map[string]string{"refresh_token": tok}
	}},
	"GET /api/v1/me": {allow: signedInRoles},
	"POST /api/v1/me/password": {allow: signedInRoles, body: func(*fixture) any {
		return map[string]string{"old_password": testPassword, "new_password": fmt.Sprintf("walk-new-pass-%d", unique())}
	}},
	"POST /api/v1/users": {allow: adminOnly, body: func(f *fixture) any {
		return map[string]string{"phone": nextPhone(), "name": "新委员", "password": testPassword, "role": "member"}
	}},
	"GET /api/v1/users":     {allow: adminOnly},
	"GET /api/v1/users/:id": {allow: adminOnly, path: "/api/v1/users/{user}"},
	"PATCH /api/v1/users/:id": {allow: adminOnly, path: "/api/v1/users/{user}", body: func(*fixture) any {
		return map[string]string{"name": "改名", "sector": "教育界", "unit": "城关镇"}
	}},
	// The fixture has an admin, so the first-run setup is refused to everyone.
	"POST /api/v1/setup": {want: map[string]int{"admin": 409, "county": 409, "local": 409, "member": 409, "convener": 409, "anonymous": 409},
		body: func(*fixture) any {
			return map[string]string{"token": "walk-token", "name": "管理员", "phone": nextPhone(), "password": testPassword}
		}},
	"GET /api/v1/imports/users/template.xlsx": {allow: adminOnly},
	"POST /api/v1/imports/users": {allow: adminOnly, path: "/api/v1/imports/users?dry_run=true", raw: func(f *fixture) ([]byte, string) {
		return multipartFile(f.h.t, "file", "members.xlsx", importXLSX(f.h.t, []importLine{{name: "走查", phone: nextPhone(), rooms: "东街议事室"}}, nil))
	}},
	"POST /api/v1/rooms": {allow: adminOnly, body: func(*fixture) any {
		return map[string]any{"name": "西村议事室", "level": "village", "address": "西村", "has_door_plate": true, "rules": "章程"}
	}},
	"GET /api/v1/rooms":     {allow: signedInRoles},
	"GET /api/v1/rooms/:id": {allow: signedInRoles, path: "/api/v1/rooms/{room}"},
	"PUT /api/v1/rooms/:id": {allow: adminOnly, path: "/api/v1/rooms/{room}", body: func(*fixture) any {
		return map[string]any{"name": "东街议事室", "level": "village", "address": "东街1号", "has_door_plate": true, "rules": "章程"}
	}},
	"PUT /api/v1/rooms/:id/members/:user_id": {allow: adminOnly, path: "/api/v1/rooms/{room}/members/{user}", body: func(*fixture) any { return map[string]string{"role": "member"} }},
	"DELETE /api/v1/rooms/:id/members/:user_id": {allow: adminOnly, path: "/api/v1/rooms/{room}/members/{user}", setup: func(f *fixture) {
		if _, err := f.h.store.SetMembership(ctxb(), f.room.ID, f.target.ID, models.RoomMember); err != nil {
			f.h.t.Fatal(err)
		}
	}},
	"POST /api/v1/photos": {allow: []string{"admin", "member", "convener"}, raw: func(f *fixture) ([]byte, string) { return multipartPhoto(f.h.t, "", pngBytes(f.h.t, 40, 30)) }},
	"GET /api/v1/photos/:id": {allow: []string{"admin", "county", "member", "convener"}, path: "/api/v1/photos/{photo}",
		want: map[string]int{"local": 404}},
	"PUT /api/v1/photos/:id/public": {allow: []string{"convener"}, path: "/api/v1/photos/{photo_activity}/public",
		body: func(*fixture) any { return map[string]any{"public": true, "label": "before"} }},
	"GET /api/v1/activities/:id":   {allow: signedInRoles, path: "/api/v1/activities/{activity}"},
	"GET /api/v1/public/county":    {allow: everyone},
	"GET /api/v1/public/rooms/:id": {allow: everyone, path: "/api/v1/public/rooms/{room}"},
	"POST /api/v1/opinions": {allow: []string{"member", "convener"}, body: func(f *fixture) any {
		return map[string]any{"room_id": f.room.ID, "channel": "door_to_door", "category": "环境卫生", "content": "路灯坏了"}
	}},
	"GET /api/v1/opinions":     {allow: signedInRoles},
	"GET /api/v1/opinions/:id": {allow: []string{"admin", "county", "member", "convener"}, path: "/api/v1/opinions/{opinion}", want: map[string]int{"local": 404}},
	"PATCH /api/v1/opinions/:id": {allow: []string{"convener"}, path: "/api/v1/opinions/{opinion_new}",
		setup: func(f *fixture) { f.extra["opinion_new"] = f.opinion(f.member).ID },
		body:  func(*fixture) any { return map[string]string{"status": "dismissed", "reason": "重复"} }},
	"POST /api/v1/topics": {allow: []string{"convener"}, want: map[string]int{"member": 403}, body: func(f *fixture) any {
		return map[string]any{"room_id": f.room.ID, "title": "路灯维修", "source": "collected", "category": "城市更新"}
	}},
	"GET /api/v1/topics":     {allow: signedInRoles},
	"GET /api/v1/topics/:id": {allow: signedInRoles, path: "/api/v1/topics/{topic}"},
	"PATCH /api/v1/topics/:id": {allow: []string{"convener"}, path: "/api/v1/topics/{topic}",
		body: func(*fixture) any { return map[string]string{"description": "补充"} }},
	"POST /api/v1/topics/:id/submit": {allow: []string{"convener"}, path: "/api/v1/topics/{topic_draft}/submit",
		setup: func(f *fixture) { f.extra["topic_draft"] = f.topic(models.TopicDraft).ID }},
	"POST /api/v1/topics/:id/reviews": {allow: []string{"county", "local"}, path: "/api/v1/topics/{topic_review}/reviews",
		setup: func(f *fixture) { f.extra["topic_review"] = f.topic(models.TopicInReview).ID },
		body:  func(*fixture) any { return map[string]string{"decision": "approve"} }},
	"PUT /api/v1/topics/:id/plan": {allow: []string{"convener"}, path: "/api/v1/topics/{topic_planned}/plan",
		body: func(*fixture) any { return validPlan() }},
	"GET /api/v1/topics/:id/plan": {allow: signedInRoles, path: "/api/v1/topics/{topic_planned}/plan"},
	"POST /api/v1/topics/:id/research": {allow: []string{"convener"}, path: "/api/v1/topics/{topic_planned}/research",
		body: func(*fixture) any { return activity("调研发现") }},
	"POST /api/v1/topics/:id/meeting": {allow: []string{"convener"}, path: "/api/v1/topics/{topic_researched}/meeting",
		setup: func(f *fixture) { f.extra["topic_researched"] = f.topicAt(models.TopicPlanned, true).ID },
		body:  func(*fixture) any { return activity("会议纪要") }},
	"GET /api/v1/topics/:id/activities": {allow: signedInRoles, path: "/api/v1/topics/{topic_planned}/activities"},
	"POST /api/v1/topics/:id/outcome": {allow: []string{"convener"}, path: "/api/v1/topics/{topic_consulted}/outcome",
		setup: func(f *fixture) { f.extra["topic_consulted"] = f.topicAt(models.TopicConsulted, true).ID },
		body: func(*fixture) any {
			return map[string]any{"consensus": "共识", "recommendations": []map[string]string{{"content": "修路", "unit": "交通局", "due_on": "2030-01-01"}}}
		}},
	"GET /api/v1/topics/:id/outcome": {allow: signedInRoles, path: "/api/v1/topics/{topic_concluded}/outcome"},
	"POST /api/v1/recommendations/:id/progress": {allow: []string{"convener"}, path: "/api/v1/recommendations/{recommendation}/progress",
		body: func(*fixture) any { return map[string]string{"note": "已联系交通局"} }},
	"POST /api/v1/rooms/:id/activities": {allow: []string{"admin", "convener"}, want: map[string]int{"member": 403},
		path: "/api/v1/rooms/{room}/activities", body: func(*fixture) any { a := activity("走访"); a["kind"] = "visit"; return a }},
	"GET /api/v1/rooms/:id/activities":      {allow: signedInRoles, path: "/api/v1/rooms/{room}/activities"},
	"GET /api/v1/receipts/:code":            {allow: everyone, path: "/api/v1/receipts/{receipt}"},
	"GET /api/v1/activities/:id/attendance": {allow: signedInRoles, path: "/api/v1/activities/{activity_started}/attendance"},
	"PUT /api/v1/activities/:id/attendance/:user_id": {allow: []string{"admin", "convener"}, want: map[string]int{"member": 403},
		path: "/api/v1/activities/{activity_started}/attendance/{user}", body: func(*fixture) any { return map[string]string{"status": "absent", "reason": "未到"} }},
	"POST /api/v1/activities/:id/checkin-codes": {allow: []string{"admin", "convener"}, want: map[string]int{"member": 403},
		path: "/api/v1/activities/{activity_started}/checkin-codes", body: func(*fixture) any { return map[string]int{"count": 2} }},
	"POST /api/v1/activities/:id/leave": {allow: []string{"member"}, path: "/api/v1/activities/{activity_ahead}/leave",
		body: func(*fixture) any { return map[string]string{"reason": "外出开会"} }},
	"POST /api/v1/checkins": {allow: signedInRoles, body: func(f *fixture) any {
		return map[string]string{"id": models.NewID(), "code": f.checkinCode(f.extra["activity_started"]), "scanned_at": time.Now().UTC().Format(time.RFC3339Nano)}
	}},
	"POST /api/v1/receipts/:code/rating": {allow: everyone, path: "/api/v1/receipts/{receipt_closed}/rating",
		setup: func(f *fixture) { f.closedReceipt() },
		body: func(*fixture) any {
			return map[string]string{"rating": "basically_satisfied", "comment": "基本解决"}
		}},
	"POST /api/v1/recommendations/:id/unit-link":   {allow: []string{"convener"}, path: "/api/v1/recommendations/{recommendation}/unit-link"},
	"DELETE /api/v1/recommendations/:id/unit-link": {allow: []string{"convener"}, path: "/api/v1/recommendations/{recommendation}/unit-link"},
	"GET /api/v1/unit-replies/:token": {allow: everyone, path: "/api/v1/unit-replies/{unit_token}",
		setup: func(f *fixture) { f.unitToken() }},
	"POST /api/v1/unit-replies/:token": {allow: everyone, path: "/api/v1/unit-replies/{unit_token}",
		setup: func(f *fixture) { f.unitToken() },
		body: func(*fixture) any {
			return map[string]any{"id": models.NewID(), "status": "in_progress", "note": "正在办理", "expected_on": "2029-01-01"}
		}},
	"POST /api/v1/unit-replies/:token/photos": {allow: everyone, path: "/api/v1/unit-replies/{unit_token}/photos",
		setup: func(f *fixture) { f.unitToken() },
		raw:   func(f *fixture) ([]byte, string) { return multipartPhoto(f.h.t, "", pngBytes(f.h.t, 40, 30)) }},
	"GET /api/v1/stats":               {allow: countyRoles},
	"GET /api/v1/exports/topics.csv":  {allow: countyRoles},
	"GET /api/v1/exports/topics.xlsx": {allow: countyRoles},
	"GET /api/v1/exports/rooms.csv":   {allow: countyRoles},
	"GET /api/v1/exports/rooms.xlsx":  {allow: countyRoles},
	"GET /api/v1/audit":               {allow: adminOnly},
	"GET /api/v1/exports/audit.xlsx":  {allow: adminOnly},
	"POST /api/v1/events/ticket":      {allow: signedInRoles},
	"GET /api/v1/events":              {allow: signedInRoles, stream: true},
	"GET /api/v1/notifications":       {allow: signedInRoles},
	"POST /api/v1/notifications/read": {allow: signedInRoles, body: func(*fixture) any { return map[string]int{"up_to_id": 1} }},
	"POST /api/v1/announcements":      {allow: adminOnly, body: func(*fixture) any { return map[string]string{"title": "通知", "body": "周五议事"} }},
	"GET /api/v1/categories":          {allow: signedInRoles},
	"POST /api/v1/categories":         {allow: adminOnly, body: func(*fixture) any { return map[string]string{"name": fmt.Sprintf("分类%d", unique())} }},
	"GET /api/v1/push/key":            {allow: signedInRoles},
	"POST /api/v1/push/subscriptions": {allow: signedInRoles, body: func(f *fixture) any {
		return newDevice(f.h.t, fmt.Sprintf("https://push.example.com/walk/%d", unique())).subscription([]string{"announcement"})
	}},
	"DELETE /api/v1/push/subscriptions": {allow: signedInRoles, path: "/api/v1/push/subscriptions?endpoint=https%3A%2F%2Fpush.example.com%2Fgone"},
	"GET /api/v1/me/credits":            {allow: signedInRoles},
	"GET /api/v1/members/:id/file": {allow: []string{"admin", "county", "member"}, path: "/api/v1/members/{member}/file",
		want: map[string]int{"local": 404, "convener": 404}},
	"GET /api/v1/credits":           {allow: countyRoles},
	"GET /api/v1/exports/duty.xlsx": {allow: countyRoles},
	"GET /api/v1/credit-rules":      {allow: adminOnly},
	"PUT /api/v1/credit-rules": {allow: adminOnly, body: func(*fixture) any {
		return map[string]any{"year": 2030, "line": 20, "points": map[string]int{"opinion_collected": 2}}
	}},
	"POST /api/v1/credit-rules/:year/rescore": {allow: adminOnly, path: "/api/v1/credit-rules/2030/rescore"},
}

// streamOnce opens GET path over a real connection to the fixture's server and closes it
// once the head has come, answering as a recorder would (with the body of an error).
func (f *fixture) streamOnce(path, token string) *httptest.ResponseRecorder {
	t := f.h.t
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.live.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rec := httptest.NewRecorder()
	for k, v := range resp.Header {
		rec.Header()[k] = v
	}
	rec.Code = resp.StatusCode
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(rec.Body, resp.Body)
	}
	return rec
}

// TestRouteGuards walks every registered route as every role: anonymous callers of a
// protected route get 401, signed-in callers without the right get 403, and allowed callers
// succeed with the request the case describes. A caller with a stale token is anonymous:
// public routes work for them, and the others answer 401.
func TestRouteGuards(t *testing.T) {
	f := newFixture(t)
	stale := expiredToken(t, f.h, f.member)
	for _, r := range f.h.srv.Routes() {
		key := r.Method + " " + r.Path
		rc, ok := routeCases[key]
		if !ok {
			t.Errorf("route %s has no entry in routeCases: declare who may call it", key)
			continue
		}
		for _, role := range walkRoles {
			t.Run(strings.ReplaceAll(key, "/", "_")+"/"+role, func(t *testing.T) {
				t.Parallel()
				f := f.on(t)
				if rc.setup != nil {
					rc.setup(f)
				}
				path := f.pathOf(rc, r.Path)
				var body any
				if rc.body != nil {
					body = rc.body(f)
				}
				token := ""
				if a := f.byRole[role]; a != nil {
					token = a.token
				}
				as := role
				if role == "stale" {
					token, as = stale, "anonymous"
				}
				var rec *httptest.ResponseRecorder
				switch {
				case rc.stream:
					// A stream needs a real connection, which the hub takes over; it runs until
					// its client goes, and the client goes after the answer's head.
					rec = f.streamOnce(path, token)
					if rec.Code == 200 && !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/event-stream") {
						t.Fatalf("stream answered %q", rec.Header().Get("Content-Type"))
					}
				case rc.raw != nil:
					b, ct := rc.raw(f)
					rec = f.h.serve(newRawRequest(r.Method, path, string(b), ct, token))
				default:
					rec = f.h.do(r.Method, path, token, body)
				}
				want, has := rc.want[as]
				switch {
				case has:
					if rec.Code != want {
						t.Fatalf("%s as %s: %d, want %d: %s", key, role, rec.Code, want, rec.Body)
					}
				case contains(rc.allow, as):
					if rec.Code < 200 || rec.Code > 399 {
						t.Fatalf("%s as %s: %d, want success: %s", key, role, rec.Code, rec.Body)
					}
				case as == "anonymous":
					expectError(t, rec, 401, "unauthorized")
				default:
					expectError(t, rec, 403, "forbidden")
				}
			})
		}
	}
	for key := range routeCases {
		found := false
		for _, r := range f.h.srv.Routes() {
			if r.Method+" "+r.Path == key {
				found = true
			}
		}
		if !found {
			t.Errorf("routeCases has %s, which is not a registered route", key)
		}
	}
}

// TestFixtureViews: a subtest's view of the walk's fixture reports on that subtest, keeps
// the ids its setups make to itself, and shares the fixture's clock, so the walks' subtests
// may run in parallel without touching what the fixture built.
func TestFixtureViews(t *testing.T) {
	f := newFixture(t)
	before := maps.Clone(f.extra)
	// The group returns once its parallel subtests have ended.
	t.Run("Parallel", func(t *testing.T) {
		for _, name := range []string{"A", "B"} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				v := f.on(t)
				if v.h.t != t || v.h.on(t).base != f.h {
					t.Fatalf("the view reports on %v, not on its subtest", v.h.t)
				}
				v.extra["opinion_new"] = v.opinion(v.member).ID
				expect(t, v.h.do("GET", v.pathOf(routeCase{path: "/api/v1/opinions/{opinion_new}"}, ""), v.member.token, nil), http.StatusOK)
			})
		}
	})
	t.Run("Clock", func(t *testing.T) {
		v := f.on(t)
		start := f.h.clock()
		v.h.advance(time.Minute)
		if got := f.h.clock(); !got.Equal(start.Add(time.Minute)) || !v.h.clock().Equal(got) {
			t.Fatalf("after a view's advance the fixture's clock reads %v, the view's %v; want %v", got, v.h.clock(), start.Add(time.Minute))
		}
	})
	if f.h.t != t || !maps.Equal(f.extra, before) {
		t.Fatalf("views changed the fixture: reports on %v, extra %v", f.h.t, f.extra)
	}
}
