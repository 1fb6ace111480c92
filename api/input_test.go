package api

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"frontline/models"
)

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// expectRefused checks a 422 that names field.
func expectRefused(t testing.TB, rec *httptest.ResponseRecorder, field string) {
	t.Helper()
	d := expectError(t, rec, http.StatusUnprocessableEntity, models.CodeInvalid)
	if d.Fields[field] == "" {
		t.Fatalf("the 422 does not name %s: %s", field, rec.Body)
	}
}

// inputCase is a route of the walk called with its valid body changed, and the field the
// 422 must name.
type inputCase struct {
	name, route string
	change      func(body map[string]any)
	field       string
}

func set(field string, v any) func(map[string]any) {
	return func(b map[string]any) { b[field] = v }
}

// runInputCases calls each case's route as its first allowed role, with its valid body
// changed, and expects a 422 naming the field.
func runInputCases(t *testing.T, f *fixture, cases []inputCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := f.on(t)
			rc, ok := routeCases[tc.route]
			if !ok || rc.body == nil {
				t.Fatalf("no route case with a body for %s", tc.route)
			}
			if rc.setup != nil {
				rc.setup(f)
			}
			var body map[string]any
			if err := json.Unmarshal([]byte(mustJSON(t, rc.body(f))), &body); err != nil {
				t.Fatal(err)
			}
			tc.change(body)
			method, path, _ := strings.Cut(tc.route, " ")
			a := f.byRole[rc.allow[0]]
			expectRefused(t, f.h.do(method, f.pathOf(rc, path), a.token, body), tc.field)
		})
	}
}

// TestDatesOutOfRange: a date or time outside the years 2000–2100, in a body, a query or a
// cursor, is refused with 422 before it reaches the database (MySQL cannot store year 0,
// nor the year 10000 that to=9999-12-31 becomes once a day is added).
func TestDatesOutOfRange(t *testing.T) {
	f := newFixture(t)
	runInputCases(t, f, []inputCase{
		{"OpinionCollectedAtYear0", "POST /api/v1/opinions", set("collected_at", "0000-01-01T00:00:00Z"), "collected_at"},
		{"OpinionCollectedAt1999", "POST /api/v1/opinions", set("collected_at", "1999-12-31T23:59:59Z"), "collected_at"},
		{"ActivityHeldAtYear0", "POST /api/v1/rooms/:id/activities", set("held_at", "0000-06-01T10:00:00Z"), "held_at"},
		{"ResearchHeldAtYear1", "POST /api/v1/topics/:id/research", set("held_at", "0001-01-01T00:00:00Z"), "held_at"},
		{"DueOnYear0", "POST /api/v1/topics/:id/outcome", set("recommendations",
			[]map[string]string{{"content": "修路", "unit": "交通局", "due_on": "0000-01-01"}}), "recommendations"},
		{"DueOn9999", "POST /api/v1/topics/:id/outcome", set("recommendations",
			[]map[string]string{{"content": "修路", "unit": "交通局", "due_on": "9999-12-31"}}), "recommendations"},
		{"ScheduleYear0", "PUT /api/v1/topics/:id/plan", set("schedule",
			[]map[string]string{{"date": "0000-01-01", "item": "调研"}}), "schedule"},
	})
	year0 := base64.RawURLEncoding.EncodeToString([]byte("0000-01-01T00:00:00Z|" + models.NewID()))
	for _, q := range []struct{ path, field string }{
		{"/api/v1/opinions?from=0000-01-01", "from"},
		{"/api/v1/opinions?to=0000-01-01T00:00:00Z", "to"},
		{"/api/v1/opinions?cursor=" + year0, "cursor"},
		{"/api/v1/topics?cursor=" + year0, "cursor"},
		{"/api/v1/stats?from=0000-01-01", "from"},
		{"/api/v1/stats?to=9999-12-31", "to"},
		{"/api/v1/exports/topics.csv?to=9999-12-31", "to"},
		{"/api/v1/exports/topics.xlsx?from=0000-01-01", "from"},
	} {
		t.Run(q.path, func(t *testing.T) {
			f := f.on(t)
			expectRefused(t, f.h.do("GET", q.path, f.admin.token, nil), q.field)
		})
	}
	t.Run("EdgesOfTheRangeWork", func(t *testing.T) {
		f := f.on(t)
		expect(t, f.h.do("GET", "/api/v1/stats?from=2000-01-01&to=2100-12-31", f.admin.token, nil), http.StatusOK)
		expect(t, f.h.do("GET", "/api/v1/exports/topics.csv?from=2000-01-01&to=2100-12-31", f.admin.token, nil), http.StatusOK)
		expect(t, f.h.do("GET", "/api/v1/opinions?from=2000-01-01&to=2100-12-31T23:59:59Z", f.admin.token, nil), http.StatusOK)
	})
}

// TestListFiltersBounded: the search text of the opinion list is at most 200 characters
// (SQLite refuses a LIKE pattern of 50,000), and the other free filters are bounded too.
func TestListFiltersBounded(t *testing.T) {
	f := newFixture(t)
	h := f.h
	expect(t, h.do("GET", "/api/v1/opinions?q="+strings.Repeat("污", 200), f.admin.token, nil), http.StatusOK)
	for _, q := range []struct{ path, field string }{
		{"/api/v1/opinions?q=" + strings.Repeat("污", 201), "q"},
		{"/api/v1/opinions?q=" + strings.Repeat("x", 60000), "q"},
		{"/api/v1/opinions?q=a%00b", "q"},
		{"/api/v1/opinions?room_id=not-a-room", "room_id"},
		{"/api/v1/opinions?category=" + strings.Repeat("x", 51), "category"},
		{"/api/v1/opinions?channel=" + strings.Repeat("x", 5000), "channel"},
		{"/api/v1/topics?room_id=" + strings.ToUpper(f.room.ID), "room_id"},
		{"/api/v1/topics?category=" + strings.Repeat("x", 5000), "category"},
		{"/api/v1/rooms?level=" + strings.Repeat("x", 5000), "level"},
		{"/api/v1/users?role=" + strings.Repeat("x", 5000), "role"},
		{"/api/v1/rooms/" + f.room.ID + "/activities?kind=" + strings.Repeat("x", 5000), "kind"},
	} {
		t.Run(q.field, func(t *testing.T) {
			h := h.on(t)
			expectRefused(t, h.do("GET", q.path, f.admin.token, nil), q.field)
		})
	}
}

// TestControlCharactersRefused: text holds no control characters (no NUL, escape, DEL,
// line separators or bidi overrides); long texts may hold line breaks and tabs, one-line
// fields (names, titles, addresses) none. The 422 names the field.
func TestControlCharactersRefused(t *testing.T) {
	f := newFixture(t)
	runInputCases(t, f, []inputCase{
		{"OpinionContentNUL", "POST /api/v1/opinions", set("content", "路灯\x00坏了"), "content"},
		{"OpinionContentEscape", "POST /api/v1/opinions", set("content", "路灯\x1b[2J坏了"), "content"},
		{"OpinionAddressNewline", "POST /api/v1/opinions", set("address", "东街\n1号"), "address"},
		{"OpinionResidentNameBidi", "POST /api/v1/opinions", func(b map[string]any) {
			b["resident_name"], b["resident_consent"] = "\u202e三张", true
		}, "resident_name"},
		{"TopicTitleTab", "POST /api/v1/topics", set("title", "路灯\t维修"), "title"},
		{"TopicDescriptionDEL", "PATCH /api/v1/topics/:id", set("description", "补充\x7f"), "description"},
		{"RoomNameLineSeparator", "POST /api/v1/rooms", set("name", "西村\u2028议事室"), "name"},
		{"RoomRulesBell", "PUT /api/v1/rooms/:id", set("rules", "章程\x07"), "rules"},
		{"UserNameNUL", "POST /api/v1/users", set("name", "新\x00委员"), "name"},
		{"ActivityPlaceNewline", "POST /api/v1/rooms/:id/activities", set("place", "东\n市场"), "place"},
		{"ActivitySummaryCR", "POST /api/v1/rooms/:id/activities", set("summary", "走访\r记录"), "summary"},
		{"AttendeeNameNUL", "POST /api/v1/topics/:id/research", set("attendees", map[string][]string{"members": {"王\x00委员"}}), "attendees"},
		{"PlanThemeNewline", "PUT /api/v1/topics/:id/plan", set("theme", "方案\n二"), "theme"},
		{"RecommendationNUL", "POST /api/v1/topics/:id/outcome", set("recommendations",
			[]map[string]string{{"content": "修路\x00", "unit": "交通局", "due_on": "2030-01-01"}}), "recommendations"},
		{"ProgressNoteNUL", "POST /api/v1/recommendations/:id/progress", set("note", "已联系\x00"), "note"},
		{"ReviewCommentNUL", "POST /api/v1/topics/:id/reviews", func(b map[string]any) {
			b["decision"], b["comment"] = "return", "请补充\x00"
		}, "comment"},
		{"OpinionReasonNUL", "PATCH /api/v1/opinions/:id", set("reason", "重复\x00"), "reason"},
		{"AnnouncementTitleNewline", "POST /api/v1/announcements", set("title", "通知\n二"), "title"},
		{"CategoryNUL", "POST /api/v1/categories", set("name", "分类\x00"), "name"},
	})
	t.Run("LineBreaksAndTabsInLongText", func(t *testing.T) {
		f := f.on(t)
		body := map[string]any{"room_id": f.room.ID, "channel": "door_to_door", "category": "环境卫生", "content": "第一行\n\t第二行"}
		expect(t, f.h.do("POST", "/api/v1/opinions", f.member.token, body), http.StatusCreated)
	})
}

// TestCanonicalIDs: ids are lower-case canonical UUIDs. One a phone made in another
// spelling is refused (422), and a path naming a record by one answers 404 without a lookup.
func TestCanonicalIDs(t *testing.T) {
	f := newFixture(t)
	upper := strings.ToUpper(models.NewID())
	runInputCases(t, f, []inputCase{
		{"Opinion", "POST /api/v1/opinions", set("id", upper), "id"},
		{"OpinionPhoto", "POST /api/v1/opinions", set("photo_ids", []string{upper}), "photo_ids"},
		{"OpinionRoom", "POST /api/v1/opinions", set("room_id", strings.ToUpper(f.room.ID)), "room_id"},
		{"Activity", "POST /api/v1/rooms/:id/activities", set("id", upper), "id"},
		{"Research", "POST /api/v1/topics/:id/research", set("id", "{"+models.NewID()+"}"), "id"},
		{"Meeting", "POST /api/v1/topics/:id/meeting", set("id", strings.ReplaceAll(models.NewID(), "-", "")), "id"},
		{"Progress", "POST /api/v1/recommendations/:id/progress", set("id", "urn:uuid:"+models.NewID()), "id"},
		{"TopicOpinions", "POST /api/v1/topics", set("opinion_ids", []string{strings.ToUpper(f.extra["opinion"])}), "opinion_ids"},
	})
	t.Run("Photo", func(t *testing.T) {
		f := f.on(t)
		expectRefused(t, postPhoto(f.h, f.member, upper, pngBytes(t, 20, 20)), "id")
	})
	for _, path := range []string{"/api/v1/opinions/" + strings.ToUpper(f.extra["opinion"]),
		"/api/v1/topics/" + strings.ToUpper(f.extra["topic"]), "/api/v1/rooms/" + strings.ToUpper(f.room.ID),
		"/api/v1/photos/" + strings.ToUpper(f.extra["photo"]), "/api/v1/users/" + strings.ToUpper(f.target.ID)} {
		t.Run(path, func(t *testing.T) {
			f := f.on(t)
			expectError(t, f.h.do("GET", path, f.admin.token, nil), http.StatusNotFound, models.CodeNotFound)
		})
	}
}
