package api

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"frontline/models"
)

// auditRows lists the audit trail as the admin sees it, newest first, with query q.
func auditRows(t *testing.T, h *harness, admin *actor, q string) []models.AuditEntry {
	t.Helper()
	var page list[models.AuditEntry]
	mustDecode(t, expectRec(t, h.do("GET", "/api/v1/audit?limit=200&"+q, admin.token, nil)), &page)
	return page.Items
}

// auditOf returns the rows with action, newest first.
func auditOf(t *testing.T, h *harness, admin *actor, action string) []models.AuditEntry {
	t.Helper()
	return auditRows(t, h, admin, "action="+action)
}

// TestAuditTrail checks that sign-ins, admins' changes, exports and reads of residents'
// contact details each leave one row naming who, what, which record and from where.
func TestAuditTrail(t *testing.T) {
	h := newHarness(t)
	admin := h.user(models.RoleAdmin, "")

	t.Run("SignIn", func(t *testing.T) {
		rows := auditOf(t, h, admin, models.AuditSignIn)
		if len(rows) != 1 || rows[0].ActorID != admin.ID || rows[0].TargetID != admin.ID || rows[0].IP == "" || rows[0].At.IsZero() {
			t.Fatalf("sign-in rows %+v", rows)
		}
		// A wrong password for a real phone keeps the phone; something that is not a phone
		// (perhaps a password typed in the wrong field) is not kept at all.
		expectError(t, h.do("POST", "/api/v1/auth/login", "", map[string]string{"phone": admin.Phone, "password": "wrong-secret-1"}), 401, "unauthorized")
		expectError(t, h.do("POST", "/api/v1/auth/login", "", map[string]string{"phone": "my-secret-pw", "password": "wrong-secret-2"}), 401, "unauthorized")
		failed := auditOf(t, h, admin, models.AuditSignInFailed)
		if len(failed) != 2 || failed[1].Detail["phone"] != admin.Phone || failed[0].Detail["phone"] != nil || failed[0].ActorID != "" {
			t.Fatalf("failed sign-in rows %+v", failed)
		}
		body := string(expectRec(t, h.do("GET", "/api/v1/audit", admin.token, nil)).Body.Bytes())
		for _, secret := range []string{"wrong-secret", "my-secret-pw", testPassword} {
			if strings.Contains(body, secret) {
				t.Fatalf("audit keeps %q: %s", secret, body)
			}
		}
	})

	t.Run("AdminChanges", func(t *testing.T) {
		var u models.User
		mustDecode(t, expectRec201(t, h.do("POST", "/api/v1/users", admin.token, map[string]string{"phone": nextPhone(), "name": "新委员", "password": testPassword, "role": "member"})), &u)
		expect(t, h.do("PATCH", "/api/v1/users/"+u.ID, admin.token, map[string]any{"name": "改名", "password": "another-password"}), 200)
		expect(t, h.do("PATCH", "/api/v1/users/"+u.ID, admin.token, map[string]any{"active": false}), 200)
		var r models.Room
		mustDecode(t, expectRec201(t, h.do("POST", "/api/v1/rooms", admin.token, map[string]any{"name": "西村议事室", "level": "village", "address": "西村"})), &r)
		expect(t, h.do("PUT", "/api/v1/rooms/"+r.ID, admin.token, map[string]any{"name": "西村议事室", "level": "village", "address": "西村2号"}), 200)
		member := h.user(models.RoleMember, "")
		expect(t, h.do("PUT", "/api/v1/rooms/"+r.ID+"/members/"+member.ID, admin.token, map[string]string{"role": "member"}), 200)
		expect(t, h.do("DELETE", "/api/v1/rooms/"+r.ID+"/members/"+member.ID, admin.token, nil), 204)
		expect(t, h.do("POST", "/api/v1/categories", admin.token, map[string]string{"name": "养老服务"}), 201)
		expect(t, h.do("POST", "/api/v1/announcements", admin.token, map[string]string{"title": "通知", "body": "周五议事"}), 201)

		want := []struct{ action, target string }{
			{models.AuditUserCreate, u.ID}, {models.AuditUserUpdate, u.ID}, {models.AuditUserDisable, u.ID},
			{models.AuditRoomCreate, r.ID}, {models.AuditRoomUpdate, r.ID}, {models.AuditMemberSet, r.ID},
			{models.AuditMemberRemove, r.ID}, {models.AuditCategoryCreate, "养老服务"}, {models.AuditAnnouncement, ""},
		}
		for _, w := range want {
			rows := auditOf(t, h, admin, w.action)
			if len(rows) != 1 || rows[0].ActorID != admin.ID || (w.target != "" && rows[0].TargetID != w.target) {
				t.Errorf("%s: rows %+v", w.action, rows)
			}
		}
		if f := auditOf(t, h, admin, models.AuditUserUpdate)[0].Detail["fields"]; fmt.Sprint(f) != "[name password]" {
			t.Errorf("update names fields %v", f)
		}
		if strings.Contains(string(h.do("GET", "/api/v1/audit", admin.token, nil).Body.Bytes()), "another-password") {
			t.Error("audit keeps a password")
		}
		if d := auditOf(t, h, admin, models.AuditMemberSet)[0].Detail; d["user_id"] != member.ID || d["role"] != "member" {
			t.Errorf("membership detail %v", d)
		}

		// A change that fails leaves no row: the row is written in the change's transaction.
		expectError(t, h.do("POST", "/api/v1/categories", admin.token, map[string]string{"name": "养老服务"}), 409, "conflict")
		expectError(t, h.do("PUT", "/api/v1/rooms/"+r.ID+"/members/"+member.ID, admin.token, map[string]string{"role": "boss"}), 422, "invalid")
		if n := len(auditOf(t, h, admin, models.AuditCategoryCreate)); n != 1 {
			t.Errorf("failed category change audited: %d rows", n)
		}
		if n := len(auditOf(t, h, admin, models.AuditMemberSet)); n != 1 {
			t.Errorf("failed membership change audited: %d rows", n)
		}
	})

	t.Run("Exports", func(t *testing.T) {
		county := h.user(models.RoleReviewer, models.BodyCounty)
		expect(t, h.do("GET", "/api/v1/exports/topics.csv?from=2026-01-01", county.token, nil), 200)
		expect(t, h.do("GET", "/api/v1/exports/rooms.xlsx", admin.token, nil), 200)
		expectError(t, h.do("GET", "/api/v1/exports/topics.xlsx?to=someday", county.token, nil), 422, "invalid")
		rows := auditOf(t, h, admin, models.AuditExport)
		if len(rows) != 2 {
			t.Fatalf("export rows %+v", rows)
		}
		if rows[0].ActorID != admin.ID || rows[0].TargetID != "room-ledger" || rows[0].Detail["format"] != "xlsx" {
			t.Errorf("xlsx export row %+v", rows[0])
		}
		if rows[1].ActorID != county.ID || rows[1].TargetID != "topic-ledger" || fmt.Sprint(rows[1].Detail["filters"]) != "map[from:2026-01-01]" {
			t.Errorf("csv export row %+v", rows[1])
		}
	})

	t.Run("ContactReads", func(t *testing.T) {
		room := h.room("南街议事室")
		collector, convener := h.user(models.RoleMember, ""), h.user(models.RoleMember, "")
		county := h.user(models.RoleReviewer, models.BodyCounty)
		h.join(room, collector, models.RoomMember)
		h.join(room, convener, models.RoomConvener)
		opinion := func(name string) *models.Opinion {
			in := models.NewOpinion{RoomID: room.ID, Channel: "door_to_door", Category: "环境卫生", Content: "路灯坏了"}
			if name != "" {
				in.ResidentName, in.ResidentPhone, in.ResidentConsent = name, "13800138000", true
			}
			op, _, err := h.store.CreateOpinion(ctxb(), viewerOf(t, h.store, collector.User), in)
			if err != nil {
				t.Fatal(err)
			}
			return op
		}
		named, anonymous, other := opinion("张三"), opinion(""), opinion("李四")
		reads := func() []models.AuditEntry { return auditOf(t, h, admin, models.AuditContactRead) }

		// The collector reading their own, and a county reviewer who sees it masked, leave
		// no row; nor does an opinion without contact details.
		expect(t, h.do("GET", "/api/v1/opinions/"+named.ID, collector.token, nil), 200)
		expect(t, h.do("GET", "/api/v1/opinions/"+named.ID, county.token, nil), 200)
		expect(t, h.do("GET", "/api/v1/opinions?room_id="+room.ID, collector.token, nil), 200)
		expect(t, h.do("GET", "/api/v1/opinions?room_id="+room.ID, county.token, nil), 200)
		expect(t, h.do("GET", "/api/v1/opinions/"+anonymous.ID, convener.token, nil), 200)
		if rows := reads(); len(rows) != 0 {
			t.Fatalf("rows for reads without unmasked contact: %+v", rows)
		}

		// The convener reading one, and the admin listing them: one row per request.
		expect(t, h.do("GET", "/api/v1/opinions/"+named.ID, convener.token, nil), 200)
		expect(t, h.do("GET", "/api/v1/opinions?room_id="+room.ID, admin.token, nil), 200)
		rows := reads()
		if len(rows) != 2 {
			t.Fatalf("contact reads %+v", rows)
		}
		one, list := rows[1], rows[0]
		if one.ActorID != convener.ID || one.TargetID != named.ID || one.IP == "" {
			t.Errorf("single read %+v", one)
		}
		if list.ActorID != admin.ID || list.TargetID != "" || fmt.Sprint(list.Detail["opinion_ids"]) != fmt.Sprint([]string{other.ID, named.ID}) {
			t.Errorf("list read %+v", list)
		}

		// Screening shows the convener the contact too.
		expect(t, h.do("PATCH", "/api/v1/opinions/"+other.ID, convener.token, map[string]string{"status": "dismissed", "reason": "重复"}), 200)
		if rows := reads(); len(rows) != 3 || rows[0].TargetID != other.ID || rows[0].ActorID != convener.ID {
			t.Errorf("screening read %+v", rows)
		}
	})
}

// TestAuditList checks the admin's list: newest first, filters, pages, bad values.
func TestAuditList(t *testing.T) {
	h := newHarness(t)
	admin := h.user(models.RoleAdmin, "")
	other := h.user(models.RoleAdmin, "")
	for i := 0; i < 5; i++ {
		expect(t, h.do("POST", "/api/v1/categories", other.token, map[string]string{"name": fmt.Sprintf("分类%d", i)}), 201)
	}

	rows := auditRows(t, h, admin, "")
	if len(rows) != 7 || rows[0].Action != models.AuditCategoryCreate || rows[0].TargetID != "分类4" || rows[6].Action != models.AuditSignIn {
		t.Fatalf("rows %+v", rows)
	}
	if got := auditRows(t, h, admin, "actor_id="+other.ID); len(got) != 6 {
		t.Fatalf("by actor: %d rows", len(got))
	}
	if got := auditRows(t, h, admin, "actor_id="+other.ID+"&action="+models.AuditSignIn); len(got) != 1 || got[0].ActorID != other.ID {
		t.Fatalf("by actor and action: %+v", got)
	}
	today := h.clock().Format("2006-01-02")
	if got := auditRows(t, h, admin, "from="+today+"&to="+today); len(got) != 7 {
		t.Fatalf("today: %d rows", len(got))
	}
	if got := auditRows(t, h, admin, "to="+h.clock().AddDate(0, 0, -1).Format("2006-01-02")); len(got) != 0 {
		t.Fatalf("before today: %d rows", len(got))
	}

	// Pages of two follow each other without a gap or a repeat, while new rows arrive.
	var seen []int64
	cursor := ""
	for pages := 0; ; pages++ {
		var page list[models.AuditEntry]
		mustDecode(t, expectRec(t, h.do("GET", "/api/v1/audit?limit=2&cursor="+url.QueryEscape(cursor), admin.token, nil)), &page)
		for _, r := range page.Items {
			seen = append(seen, r.ID)
		}
		if pages == 0 {
			expect(t, h.do("POST", "/api/v1/categories", other.token, map[string]string{"name": "新分类"}), 201)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if len(seen) != 7 {
		t.Fatalf("paged ids %v", seen)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] >= seen[i-1] {
			t.Fatalf("not newest first: %v", seen)
		}
	}

	for _, q := range []string{"from=1999-12-31", "to=2101-01-01", "from=2026-02-30", "to=tomorrow", "from=2026-02-01&to=2026-01-01",
		"action=nope", "actor_id=not-an-id", "limit=201", "limit=0x", "cursor=abc"} {
		field := strings.SplitN(q, "=", 2)[0]
		if strings.Contains(q, "&") {
			field = "to"
		}
		d := expectError(t, h.do("GET", "/api/v1/audit?"+q, admin.token, nil), http.StatusUnprocessableEntity, "invalid")
		if d.Fields[field] == "" {
			t.Errorf("%s: fields %v", q, d.Fields)
		}
		expectError(t, h.do("GET", "/api/v1/exports/audit.xlsx?"+q, admin.token, nil), http.StatusUnprocessableEntity, "invalid")
	}
	if got := auditRows(t, h, admin, "from=2000-01-01&to=2100-12-31"); len(got) != 8 {
		t.Fatalf("widest range: %d rows", len(got))
	}
}

// TestAuditExport checks the spreadsheet of the audit trail, filtered, and that the export
// is itself audited.
func TestAuditExport(t *testing.T) {
	h := newHarness(t)
	admin := h.user(models.RoleAdmin, "")
	expect(t, h.do("POST", "/api/v1/categories", admin.token, map[string]string{"name": "养老服务"}), 201)

	rec := h.do("GET", "/api/v1/exports/audit.xlsx?action="+models.AuditCategoryCreate, admin.token, nil)
	expect(t, rec, 200)
	checkDownload(t, rec, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "audit-log", "%E5%AE%A1%E8%AE%A1%E6%97%A5%E5%BF%97")
	_, rows := readXLSX(t, rec.Body.Bytes(), "审计日志")
	if len(rows) != 2 || rows[0][0] != "序号" || rows[1][2] != admin.ID || rows[1][3] != "新增分类" || rows[1][5] != "养老服务" {
		t.Fatalf("rows %q", rows)
	}
	_, all := readXLSX(t, expect(t, h.do("GET", "/api/v1/exports/audit.xlsx", admin.token, nil), 200), "审计日志")
	if len(all) != 4 || all[1][3] != "导出" || all[3][3] != "登录" {
		t.Fatalf("all rows %q", all)
	}
	exports := auditOf(t, h, admin, models.AuditExport)
	if len(exports) != 2 || exports[0].TargetID != "audit-log" || exports[1].Detail["filters"].(map[string]any)["action"] != models.AuditCategoryCreate {
		t.Fatalf("export rows %+v", exports)
	}
}

// TestRetention runs the retention job with the clock moved on: residents' names and phones
// go a year after their topic closed or their opinion was dismissed, and not before; the
// receipt keeps working; audit rows go after three years; each run that erased something
// says so once.
func TestRetention(t *testing.T) {
	f := newFixture(t)
	h := f.h
	mk := func() *models.Opinion {
		op, _, err := h.store.CreateOpinion(ctxb(), viewerOf(t, h.store, f.member.User), models.NewOpinion{RoomID: f.room.ID, Channel: "door_to_door",
			Category: "环境卫生", Content: "东街污水外溢", ResidentName: "张三", ResidentPhone: "13800138000", ResidentConsent: true})
		if err != nil {
			t.Fatal(err)
		}
		return op
	}
	fed, dismissed, pending, fedOpen := mk(), mk(), mk(), mk()

	// One topic closes after follow-up; another stays concluded.
	closing, open := f.topicAt(models.TopicConcluded, true), f.topicAt(models.TopicConcluded, true)
	for op, tp := range map[string]string{fed.ID: closing.ID, fedOpen.ID: open.ID} {
		// Seeded: the topics were made without opinions, as the route fixture makes them.
		if err := h.store.DB().Model(&models.Opinion{}).Where("id = ?", op).UpdateColumns(map[string]any{"topic_id": tp, "status": models.OpinionAdopted}).Error; err != nil {
			t.Fatal(err)
		}
	}
	out, err := h.store.FindOutcome(ctxb(), models.NewViewer(f.admin.User, nil), closing.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.store.AddProgress(ctxb(), viewerOf(t, h.store, f.convener.User), out.Recommendations[0].ID, models.ProgressInput{Status: "done", Note: "已办结"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.SetOpinionStatus(ctxb(), viewerOf(t, h.store, f.convener.User), dismissed.ID, models.OpinionDismissed, "重复"); err != nil {
		t.Fatal(err)
	}
	stored := func(id string) models.Opinion {
		t.Helper()
		var op models.Opinion
		if err := h.store.DB().Where("id = ?", id).Take(&op).Error; err != nil {
			t.Fatal(err)
		}
		return op
	}
	run := func() {
		t.Helper()
		if err := h.srv.runRetention(ctxb()); err != nil {
			t.Fatal(err)
		}
	}
	erasures := func() []models.AuditEntry {
		rows, _, err := h.store.ListAudit(ctxb(), models.AuditFilter{Action: models.AuditResidentsErased})
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}

	h.advance(364 * 24 * time.Hour)
	run()
	if op := stored(fed.ID); op.ResidentName == "" || len(erasures()) != 0 {
		t.Fatalf("erased before the period: %+v", op)
	}

	h.advance(2 * 24 * time.Hour)
	run()
	for _, id := range []string{fed.ID, dismissed.ID} {
		if op := stored(id); op.ResidentName != "" || op.ResidentPhone != "" || !op.ResidentConsent || op.Content == "" {
			t.Errorf("not erased: %+v", op)
		}
	}
	for _, id := range []string{pending.ID, fedOpen.ID} {
		if op := stored(id); op.ResidentName != "张三" || op.ResidentPhone != "13800138000" {
			t.Errorf("erased while still needed: %+v", op)
		}
	}
	rows := erasures()
	if len(rows) != 1 || rows[0].Detail["count"] != float64(2) || rows[0].ActorID != "" {
		t.Fatalf("erasure rows %+v", rows)
	}
	expect(t, h.do("GET", "/api/v1/receipts/"+fed.ReceiptCode, "", nil), 200)

	// Running again changes nothing and says nothing.
	run()
	if n := len(erasures()); n != 1 {
		t.Fatalf("a run that erased nothing was recorded: %d rows", n)
	}

	// Audit rows outlive the residents' data by years, then go too.
	signIns := func() int {
		rows, _, err := h.store.ListAudit(ctxb(), models.AuditFilter{Action: models.AuditSignIn})
		if err != nil {
			t.Fatal(err)
		}
		return len(rows)
	}
	if signIns() == 0 {
		t.Fatal("no sign-in rows to prune")
	}
	h.advance(700 * 24 * time.Hour) // 1,066 days on
	run()
	if signIns() == 0 {
		t.Fatal("audit rows pruned before three years")
	}
	h.advance(60 * 24 * time.Hour) // 1,126 days on
	run()
	if n := signIns(); n != 0 {
		t.Fatalf("%d sign-in rows outlived the retention", n)
	}
	if len(erasures()) != 1 {
		t.Fatal("the erasure row went before its time")
	}
	pruned, _, err := h.store.ListAudit(ctxb(), models.AuditFilter{Action: models.AuditLogPruned})
	if err != nil || len(pruned) != 1 {
		t.Fatalf("prune rows %+v %v", pruned, err)
	}
}

// TestAuditActionsDocumented keeps the OpenAPI document's list of actions the one in models.
func TestAuditActionsDocumented(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	documented := doc.Components.Schemas["AuditEntry"].Properties["action"].Enum
	actions := slices.Sorted(maps.Keys(models.AuditActions))
	if slices.Sort(documented); !slices.Equal(documented, actions) {
		t.Fatalf("openapi.json lists actions %v, models %v", documented, actions)
	}
}
