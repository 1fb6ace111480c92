package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"frontline/export"
	"frontline/models"

	"github.com/xuri/excelize/v2"
)

// statsWorld is one room with a topic taken to its outcome, opinions with residents' phones
// and a unit's contact phone: what must never leak into a ledger.
type statsWorld struct {
	h                                      *harness
	room                                   *models.Room
	admin, county, local, member, convener *actor
	topicID                                string
}

func newStatsWorld(t *testing.T) *statsWorld {
	h := newHarness(t)
	w := &statsWorld{h: h, room: h.room("东街议事室")}
	w.admin = h.user(models.RoleAdmin, "")
	w.county = h.user(models.RoleReviewer, models.BodyCounty)
	w.local = h.user(models.RoleReviewer, models.BodyLocal)
	w.member = h.user(models.RoleMember, "")
	w.convener = h.user(models.RoleMember, "")
	h.join(w.room, w.local, models.RoomLocalReviewer)
	h.join(w.room, w.member, models.RoomMember)
	h.join(w.room, w.convener, models.RoomConvener)
	ctx := ctxb()
	var ids []string
	for _, ch := range []string{"door_to_door", "door_to_door", "online"} {
		op, _, err := h.store.CreateOpinion(ctx, viewerOf(t, h.store, w.member.User), models.NewOpinion{RoomID: w.room.ID, Channel: ch, Category: "环境卫生",
			Content: "东街污水外溢", ResidentName: "王大妈", ResidentPhone: "13812345678", ResidentConsent: true})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, op.ID)
	}
	title, source, cat := "=东街污水", models.SourceCollected, "环境卫生"
	ids = ids[:2]
	tc, err := h.store.CreateTopic(ctx, viewerOf(t, h.store, w.convener.User), models.TopicInput{RoomID: w.room.ID, Title: &title, Source: &source, Category: &cat, OpinionIDs: &ids})
	if err != nil {
		t.Fatal(err)
	}
	w.topicID = tc.ID
	if _, err := h.store.SubmitTopic(ctx, viewerOf(t, h.store, w.convener.User), w.topicID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.ReviewTopic(ctx, viewerOf(t, h.store, w.county.User), w.topicID, models.ReviewInput{Decision: models.DecisionApprove}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.ReviewTopic(ctx, viewerOf(t, h.store, w.local.User), w.topicID, models.ReviewInput{Decision: models.DecisionApprove}); err != nil {
		t.Fatal(err)
	}
	db := h.store.DB()
	now := time.Now().UTC()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE topics SET status = 'concluded' WHERE id = ?`, []any{w.topicID}},
		{`INSERT INTO outcomes (topic_id, consensus, created_by, published_at) VALUES (?, '改造污水管网', ?, ?)`, []any{w.topicID, w.convener.ID, now}},
		{`INSERT INTO recommendations (id, topic_id, position, content, unit, contact, due_on, status, reason, created_at, updated_at)
VALUES (?, ?, 1, '改造管网', '住建局', '李科长 13700001111', ?, 'done', '', ?, ?)`, []any{models.NewID(), w.topicID, now.AddDate(0, 0, -30).Truncate(24 * time.Hour), now, now}},
		{`INSERT INTO recommendations (id, topic_id, position, content, unit, contact, due_on, status, reason, created_at, updated_at)
VALUES (?, ?, 2, '清理排污口', '环保局', '13700002222', ?, 'pending', '', ?, ?)`, []any{models.NewID(), w.topicID, now.AddDate(0, 0, -3).Truncate(24 * time.Hour), now, now}},
		{`INSERT INTO activities (id, room_id, kind, held_at, place, attendees, summary, created_by, created_at)
VALUES (?, ?, 'forum', ?, '', '{}', '座谈', ?, ?)`, []any{models.NewID(), w.room.ID, now, w.convener.ID, now}},
	} {
		if err := db.Exec(q.sql, q.args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// countyOnly checks a county route's guard: admins and county reviewers in, local reviewers
// and members out with 403, and no sign-in 401.
func (w *statsWorld) countyOnly(t *testing.T, path string) {
	t.Helper()
	for _, a := range []*actor{w.admin, w.county} {
		expect(t, w.h.do("GET", path, a.token, nil), http.StatusOK)
	}
	for _, a := range []*actor{w.local, w.member, w.convener} {
		expectError(t, w.h.do("GET", path, a.token, nil), http.StatusForbidden, "forbidden")
	}
	expectError(t, w.h.do("GET", path, "", nil), http.StatusUnauthorized, "unauthorized")
}

func TestStatsEndpoint(t *testing.T) {
	w := newStatsWorld(t)
	w.countyOnly(t, "/api/v1/stats")

	rec := w.h.do("GET", "/api/v1/stats", w.county.token, nil)
	expect(t, rec, http.StatusOK)
	var got models.Stats
	mustDecode(t, rec, &got)
	want, err := w.h.store.Stats(ctxb(), models.StatsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	g, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if string(g) != string(wj) {
		t.Errorf("stats over HTTP differ from the store's:\n got %s\nwant %s", g, wj)
	}
	year := time.Now().UTC().Year()
	tot := got.Totals
	if got.From != time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01-02") || tot.Opinions != 3 || tot.OpinionsAdopted != 2 ||
		tot.Topics != 1 || tot.Recommendations != 2 || tot.ProblemsSolved != 1 || tot.Overdue != 1 || tot.Activities != 1 || tot.Rooms != 1 {
		t.Errorf("figures: from %s, %+v", got.From, tot)
	}
	if len(got.Overdue) != 1 || got.Overdue[0].DaysOverdue != 3 || got.Overdue[0].Unit != "环保局" {
		t.Errorf("overdue: %+v", got.Overdue)
	}
	if len(got.Members) != 1 || got.Members[0].UserID != w.member.ID || got.Members[0].Collected != 3 || got.Members[0].Adopted != 2 {
		t.Errorf("members: %+v", got.Members)
	}
	// Complete, with one activity this year: flagged once the quota check date has passed.
	if len(got.Rooms) != 1 || !got.Rooms[0].ChecklistComplete || got.Rooms[0].Flagged != got.QuotaChecked {
		t.Errorf("rooms: %+v (quota checked %v)", got.Rooms, got.QuotaChecked)
	}
	if strings.Contains(rec.Body.String(), "13812345678") || strings.Contains(rec.Body.String(), "1370000") {
		t.Errorf("a phone number in the dashboard: %s", rec.Body)
	}

	rec = w.h.do("GET", "/api/v1/stats?from=2020-01-01&to=2020-12-31", w.admin.token, nil)
	expect(t, rec, http.StatusOK)
	mustDecode(t, rec, &got)
	if got.Totals.Opinions != 0 || got.Totals.Topics != 0 || got.From != "2020-01-01" || got.To != "2020-12-31" {
		t.Errorf("2020: %+v", got)
	}
	d := expectError(t, w.h.do("GET", "/api/v1/stats?from=2026-02-30", w.admin.token, nil), http.StatusUnprocessableEntity, "invalid")
	if d.Fields["from"] == "" {
		t.Errorf("bad from not named: %+v", d)
	}
	expectError(t, w.h.do("GET", "/api/v1/stats?from=2026-05-01&to=2026-04-01", w.admin.token, nil), http.StatusUnprocessableEntity, "invalid")
}

// readCSV checks the BOM and parses the rest.
func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("CSV does not start with the UTF-8 BOM: % x", body[:min(len(body), 8)])
	}
	rows, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	return rows
}

func readXLSX(t *testing.T, body []byte, sheet string) (*excelize.File, [][]string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("XLSX does not open: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	if got := f.GetSheetList(); len(got) != 1 || got[0] != sheet {
		t.Fatalf("sheets %v, want [%s]", got, sheet)
	}
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return f, rows
}

func checkDownload(t *testing.T, rec interface{ Header() http.Header }, contentType, ascii, encoded string) {
	t.Helper()
	h := rec.Header()
	if got := h.Get("Content-Type"); got != contentType {
		t.Errorf("Content-Type %q, want %q", got, contentType)
	}
	cd := h.Get("Content-Disposition")
	if !strings.HasPrefix(cd, `attachment; filename="`+ascii+"-") || !strings.Contains(cd, `filename*=UTF-8''`+encoded+"-") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if h.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", h.Get("Cache-Control"))
	}
}

func noPhones(t *testing.T, what string, body []byte) {
	t.Helper()
	for _, p := range []string{"13812345678", "1370000", "王大妈"} {
		if bytes.Contains(body, []byte(p)) {
			t.Errorf("%s holds %q", what, p)
		}
	}
}

// 议题台账 and 议事室台账, percent-encoded.
const (
	topicLedgerName = "%E8%AE%AE%E9%A2%98%E5%8F%B0%E8%B4%A6"
	roomLedgerName  = "%E8%AE%AE%E4%BA%8B%E5%AE%A4%E5%8F%B0%E8%B4%A6"
)

func TestExportTopics(t *testing.T) {
	w := newStatsWorld(t)
	w.countyOnly(t, "/api/v1/exports/topics.csv")
	w.countyOnly(t, "/api/v1/exports/topics.xlsx")

	t.Run("CSV", func(t *testing.T) {
		rec := w.h.do("GET", "/api/v1/exports/topics.csv", w.county.token, nil)
		expect(t, rec, http.StatusOK)
		checkDownload(t, rec, "text/csv; charset=utf-8", "topic-ledger", topicLedgerName)
		noPhones(t, "topic CSV", rec.Body.Bytes())
		rows := readCSV(t, rec.Body.Bytes())
		if len(rows) != 2 || strings.Join(rows[0], ",") != strings.Join(export.TopicHeaders, ",") {
			t.Fatalf("rows %q", rows)
		}
		r := rows[1]
		// A title that starts like a formula is kept as text.
		if r[0] != "1" || r[1] != "'=东街污水" || r[2] != "东街议事室" || r[4] != "收集筛选" || r[5] != "已形成成果" || r[9] != "同意" || r[11] != "同意" ||
			r[12] != "改造污水管网" || !strings.Contains(r[13], "1. 改造管网（责任单位：住建局；") || !strings.Contains(r[13], "待办理，已逾期") {
			t.Errorf("row %q", r)
		}
	})

	t.Run("XLSX", func(t *testing.T) {
		rec := w.h.do("GET", "/api/v1/exports/topics.xlsx", w.admin.token, nil)
		expect(t, rec, http.StatusOK)
		checkDownload(t, rec, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "topic-ledger", topicLedgerName)
		f, rows := readXLSX(t, rec.Body.Bytes(), "议题台账")
		noPhones(t, "topic XLSX", rec.Body.Bytes())
		if len(rows) != 2 || strings.Join(rows[0], ",") != strings.Join(export.TopicHeaders, ",") {
			t.Fatalf("rows %q", rows)
		}
		if r := rows[1]; r[0] != "1" || r[1] != "=东街污水" || r[3] != "环境卫生" || r[12] != "改造污水管网" {
			t.Errorf("row %q", r)
		}
		if formula, _ := f.GetCellFormula("议题台账", "B2"); formula != "" {
			t.Errorf("a title became a formula: %q", formula)
		}
	})

	t.Run("Period", func(t *testing.T) {
		rows := readCSV(t, expect(t, w.h.do("GET", "/api/v1/exports/topics.csv?from=2020-01-01&to=2020-12-31", w.admin.token, nil), http.StatusOK))
		if len(rows) != 1 {
			t.Errorf("a period without topics: %q, want the header row only", rows)
		}
		expectError(t, w.h.do("GET", "/api/v1/exports/topics.xlsx?to=someday", w.admin.token, nil), http.StatusUnprocessableEntity, "invalid")
		expectError(t, w.h.do("GET", "/api/v1/exports/topics.csv?from=2026-13-01", w.admin.token, nil), http.StatusUnprocessableEntity, "invalid")
	})
}

func TestExportRooms(t *testing.T) {
	w := newStatsWorld(t)
	w.countyOnly(t, "/api/v1/exports/rooms.csv")
	w.countyOnly(t, "/api/v1/exports/rooms.xlsx")
	want := []string{"1", "东街议事室", "村", "东街1号", "有", "有", "有", "有", "有", "有", "1", "否", "今年活动不足3次", "2", "用户member", ""}

	rec := w.h.do("GET", "/api/v1/exports/rooms.csv", w.admin.token, nil)
	expect(t, rec, http.StatusOK)
	checkDownload(t, rec, "text/csv; charset=utf-8", "room-ledger", roomLedgerName)
	rows := readCSV(t, rec.Body.Bytes())
	if len(rows) != 2 || strings.Join(rows[0], ",") != strings.Join(export.RoomHeaders, ",") || strings.Join(rows[1], ",") != strings.Join(want, ",") {
		t.Errorf("rows %q", rows)
	}

	rec = w.h.do("GET", "/api/v1/exports/rooms.xlsx", w.county.token, nil)
	expect(t, rec, http.StatusOK)
	checkDownload(t, rec, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "room-ledger", roomLedgerName)
	f, xrows := readXLSX(t, rec.Body.Bytes(), "议事室台账")
	// A spreadsheet row ends at its last filled cell: no verdicts yet.
	if len(xrows) != 2 || strings.Join(xrows[0], ",") != strings.Join(export.RoomHeaders, ",") || strings.Join(xrows[1], ",") != strings.Join(want[:len(want)-1], ",") {
		t.Errorf("rows %q", xrows)
	}
	// Counts are numbers in the spreadsheet, not text.
	if typ, _ := f.GetCellType("议事室台账", "K2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("activities this year stored as %v", typ)
	}
}

func TestExportEmptyLedgers(t *testing.T) {
	h := newHarness(t)
	admin := h.user(models.RoleAdmin, "")
	for _, path := range []string{"/api/v1/exports/topics.csv", "/api/v1/exports/rooms.csv"} {
		rows := readCSV(t, expect(t, h.do("GET", path, admin.token, nil), http.StatusOK))
		if len(rows) != 1 {
			t.Errorf("%s: %q, want the header row only", path, rows)
		}
	}
	_, rows := readXLSX(t, expect(t, h.do("GET", "/api/v1/exports/rooms.xlsx", admin.token, nil), http.StatusOK), "议事室台账")
	if len(rows) != 1 {
		t.Errorf("empty room ledger: %q", rows)
	}
}

func TestRFC5987(t *testing.T) {
	for in, want := range map[string]string{
		"议题台账-20260101.csv": topicLedgerName + "-20260101.csv",
		"a b;\"c'.xlsx":     "a%20b%3B%22c%27.xlsx",
	} {
		if got := rfc5987(in); got != want {
			t.Errorf("rfc5987(%q) = %q, want %q", in, got, want)
		}
	}
}
