package api

import (
	"archive/zip"
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"frontline/export"
	"frontline/models"

	"github.com/xuri/excelize/v2"
)

// importLine is a member row of a test import file, in the template's columns.
type importLine struct {
	name, phone, role, body, sector, unit, rooms, password string
}

// importRoomLine is a row of the rooms sheet.
type importRoomLine struct{ name, level, address string }

// importXLSX fills the server's template with rows, as an office would.
func importXLSX(t testing.TB, users []importLine, rooms []importRoomLine) []byte {
	t.Helper()
	return fillTemplate(t, templateBytes(t), func(f *excelize.File) {
		for i, u := range users {
			row := []any{u.name, u.phone, u.role, u.body, u.sector, u.unit, u.rooms, u.password}
			if err := f.SetSheetRow(models.ImportSheetUsers, fmt.Sprintf("A%d", i+2), &row); err != nil {
				t.Fatal(err)
			}
		}
		for i, r := range rooms {
			row := []any{r.name, r.level, r.address}
			if err := f.SetSheetRow(models.ImportSheetRooms, fmt.Sprintf("A%d", i+2), &row); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func templateBytes(t testing.TB) []byte {
	t.Helper()
	book, err := export.UserTemplate()
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	var buf bytes.Buffer
	if _, err := book.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func fillTemplate(t testing.TB, tmpl []byte, fill func(*excelize.File)) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(tmpl))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fill(f)
	var out bytes.Buffer
	if _, err := f.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func multipartFile(t testing.TB, field, name string, data []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// importResult is an import's answer: the report, and the error on a 422.
type importResult struct {
	models.ImportReport
	Error *errorDetail `json:"error"`
}

func (h *harness) postImport(a *actor, file []byte, dryRun bool) (*importResult, int) {
	h.t.Helper()
	body, ct := multipartFile(h.t, "file", "members.xlsx", file)
	path := "/api/v1/imports/users"
	if dryRun {
		path += "?dry_run=true"
	}
	rec := h.serve(newRawRequest("POST", path, string(body), ct, a.token))
	var out importResult
	if rec.Code == http.StatusOK || rec.Code == http.StatusUnprocessableEntity {
		mustDecode(h.t, rec, &out)
	} else {
		h.t.Logf("import: %d %s", rec.Code, rec.Body)
	}
	return &out, rec.Code
}

func countRows(t testing.TB, st *models.Store, table string) int64 {
	t.Helper()
	var n int64
	if err := st.DB().Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportTemplate: the admin downloads the template; it has the members sheet with the
// Chinese headers, the rooms sheet and the instructions, and filled in it goes back in.
func TestImportTemplate(t *testing.T) {
	h := newHarness(t)
	admin := h.user(models.RoleAdmin, "")
	rec := h.do("GET", "/api/v1/imports/users/template.xlsx", admin.token, nil)
	expect(t, rec, 200)
	if ct := rec.Header().Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
		t.Fatalf("content type %q", ct)
	}
	tmpl := rec.Body.Bytes()
	f, err := excelize.OpenReader(bytes.NewReader(tmpl))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.GetSheetList(), ","); got != "委员,议事室,填写说明" {
		t.Fatalf("sheets %s", got)
	}
	rows, _ := f.GetRows("委员")
	if got := strings.Join(rows[0], ","); got != "姓名,手机号,角色,审核机关,界别,单位/乡镇,议事室及室内角色,初始密码" {
		t.Fatalf("headers %s", got)
	}
	help, _ := f.GetRows("填写说明")
	if len(help) < 5 || !strings.Contains(fmt.Sprint(help), "召集人、委员、属地审核") {
		t.Fatalf("instructions: %v", help)
	}
	f.Close()

	phone := nextPhone()
	file := fillTemplate(t, tmpl, func(f *excelize.File) {
		row := []any{"李四", phone, "委员", "", "教育界", "城关镇", "城关镇议事室：召集人；东街社区议事室", ""}
		f.SetSheetRow("委员", "A2", &row)
		for i, r := range [][]any{{"城关镇议事室", "乡镇", "城关镇政府"}, {"东街社区议事室", "社区", "东街1号"}} {
			f.SetSheetRow("议事室", fmt.Sprintf("A%d", i+2), &r)
		}
	})
	res, code := h.postImport(admin, file, true)
	if code != 200 || res.Rows != 1 || res.Created != 1 || len(res.Problems) != 0 || len(res.RoomsCreated) != 2 {
		t.Fatalf("dry run: %d %+v", code, res)
	}
	res, code = h.postImport(admin, file, false)
	if code != 200 || res.Created != 1 || len(res.Passwords) != 1 {
		t.Fatalf("import: %d %+v", code, res)
	}
	u, err := h.store.FindUserByPhone(ctxb(), phone)
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "李四" || u.Role != models.RoleMember || u.Sector != "教育界" || u.Unit != "城关镇" || !u.MustChangePassword {
		t.Fatalf("imported user %+v", u)
	}
	ms, _ := h.store.Memberships(ctxb(), u.ID)
	roles := map[string]string{}
	for _, m := range ms {
		r, _ := h.store.FindRoom(ctxb(), m.RoomID)
		roles[r.Name] = m.Role
	}
	if roles["城关镇议事室"] != models.RoomConvener || roles["东街社区议事室"] != models.RoomMember || len(roles) != 2 {
		t.Fatalf("room roles %v", roles)
	}
	r, _, _ := h.store.ListRooms(ctxb(), models.RoomFilter{Level: models.LevelTownship})
	if len(r) != 1 || r[0].Address != "城关镇政府" {
		t.Fatalf("created township room %+v", r)
	}
}

// TestImportDryRunProblems: every row's problems are listed in Chinese, and nothing changes.
func TestImportDryRunProblems(t *testing.T) {
	h := newHarness(t)
	admin := h.user(models.RoleAdmin, "")
	h.room("东街议事室")
	dup := nextPhone()
	lines := []importLine{
		{name: "甲", phone: dup, rooms: "东街议事室"},                                     // row 2: fine
		{name: "乙", phone: dup},                                                     // row 3: same phone as row 2
		{name: "丙", phone: "12345"},                                                 // row 4: bad phone
		{name: "丁", phone: nextPhone(), role: "书记"},                                 // row 5: unknown role
		{name: "戊", phone: nextPhone(), rooms: "西山议事室"},                             // row 6: unknown room
		{name: "己", phone: nextPhone(), rooms: "东街议事室：组长"},                          // row 7: unknown room role
		{name: "庚", phone: nextPhone(), sector: strings.Repeat("界", 51)},            // row 8: sector too long
		{name: "", phone: nextPhone()},                                              // row 9: no name
		{name: "辛", phone: nextPhone(), role: "审核人"},                                // row 10: reviewer without a body
		{name: "壬", phone: nextPhone(), password: "123456789"},                      // row 11: weak password
		{name: "癸", phone: nextPhone(), role: "审核人", body: "县政协党组", rooms: "东街议事室"}, // row 12: a reviewer as member
	}
	file := importXLSX(t, lines, nil)
	users, audits := countRows(t, h.store, "users"), countRows(t, h.store, "audit_log")
	res, code := h.postImport(admin, file, true)
	if code != 422 || res.Error == nil || res.Error.Code != "invalid" {
		t.Fatalf("dry run with problems: %d %+v", code, res)
	}
	want := map[int]string{3: "与第2行重复", 4: "不是11位手机号码", 5: "角色“书记”", 6: "未知议事室“西山议事室”", 7: "室内角色“组长”",
		8: "不能超过50个字", 9: "姓名必填", 10: "审核人须填写审核机关", 11: "初始密码", 12: "召集人和委员须是角色为委员的用户"}
	got := map[int]string{}
	for _, p := range res.Problems {
		got[p.Row] += p.Field + ":" + p.Message + " "
	}
	for row, msg := range want {
		if !strings.Contains(got[row], msg) {
			t.Errorf("row %d: problems %q, want one saying %q", row, got[row], msg)
		}
	}
	if got[2] != "" {
		t.Errorf("row 2 is fine, got %q", got[2])
	}
	if res.Rows != len(lines) {
		t.Errorf("rows %d", res.Rows)
	}
	if countRows(t, h.store, "users") != users || countRows(t, h.store, "audit_log") != audits {
		t.Fatal("a dry run changed something")
	}
}

// TestImportAllOrNothing: a file with one bad row imports nothing, not the good rows, not
// its rooms, and records nothing.
func TestImportAllOrNothing(t *testing.T) {
	h := newHarness(t)
	admin := h.user(models.RoleAdmin, "")
	var lines []importLine
	for i := 0; i < 20; i++ {
		lines = append(lines, importLine{name: fmt.Sprintf("委员%d", i), phone: nextPhone(), rooms: "新村议事室"})
	}
	lines = append(lines, importLine{name: "错", phone: "1380000"})
	file := importXLSX(t, lines, []importRoomLine{{"新村议事室", "村", "新村"}})
	counts := func() string {
		return fmt.Sprint(countRows(t, h.store, "users"), countRows(t, h.store, "rooms"), countRows(t, h.store, "memberships"), countRows(t, h.store, "audit_log"))
	}
	before := counts()
	res, code := h.postImport(admin, file, false)
	if code != 422 || len(res.Problems) != 1 || res.Problems[0].Row != 22 || res.Problems[0].Field != "phone" || len(res.Passwords) != 0 {
		t.Fatalf("import with a bad row: %d %+v", code, res)
	}
	if after := counts(); after != before {
		t.Fatalf("users, rooms, memberships, audit rows: %s before, %s after", before, after)
	}
}

// TestImportIdempotent: importing the same file again changes nothing; a changed field or
// room role is an update of that user alone.
func TestImportIdempotent(t *testing.T) {
	h := newHarness(t)
	admin := h.user(models.RoleAdmin, "")
	h.room("东街议事室")
	p1, p2 := nextPhone(), nextPhone()
	lines := []importLine{
		{name: "张三", phone: p1, sector: "医药卫生界", unit: "东街社区", rooms: "东街议事室：召集人"},
		{name: "王五", phone: p2, role: "审核人", body: "所在地党委(党组)", rooms: "东街议事室：属地审核"},
	}
	res, code := h.postImport(admin, importXLSX(t, lines, nil), false)
	if code != 200 || res.Created != 2 || res.Updated != 0 {
		t.Fatalf("first import: %d %+v", code, res)
	}
	u1, _ := h.store.FindUserByPhone(ctxb(), p1)
	res, code = h.postImport(admin, importXLSX(t, lines, nil), false)
	if code != 200 || res.Created != 0 || res.Updated != 0 || res.Unchanged != 2 || len(res.Passwords) != 0 {
		t.Fatalf("same file again: %d %+v", code, res)
	}
	again, _ := h.store.FindUserByPhone(ctxb(), p1)
	if again.PasswordHash != u1.PasswordHash || !again.UpdatedAt.Equal(u1.UpdatedAt) {
		t.Fatal("a reimport touched an unchanged user")
	}
	lines[0].unit = "西街社区"
	lines[0].rooms = "东街议事室" // convener → member
	res, code = h.postImport(admin, importXLSX(t, lines, nil), false)
	if code != 200 || res.Created != 0 || res.Updated != 1 || res.Unchanged != 1 {
		t.Fatalf("one changed row: %d %+v", code, res)
	}
	u1, _ = h.store.FindUserByPhone(ctxb(), p1)
	ms, _ := h.store.Memberships(ctxb(), u1.ID)
	if u1.Unit != "西街社区" || len(ms) != 1 || ms[0].Role != models.RoomMember {
		t.Fatalf("after update: %+v %+v", u1, ms)
	}
}

// TestImport500: five hundred members in one file; each gets a first password that the
// rules accept, shown once, and must change it at first sign-in. The audit row has counts,
// no passwords.
func TestImport500(t *testing.T) {
	h := newHarness(t)
	admin := h.user(models.RoleAdmin, "")
	lines := make([]importLine, 500)
	for i := range lines {
		lines[i] = importLine{name: fmt.Sprintf("委员%03d", i), phone: nextPhone(), sector: "经济界", rooms: fmt.Sprintf("第%d议事室", i%10)}
	}
	var rooms []importRoomLine
	for i := 0; i < 10; i++ {
		rooms = append(rooms, importRoomLine{fmt.Sprintf("第%d议事室", i), "村", "村委会"})
	}
	lines[7].password = "my-own-initial-7"
	file := importXLSX(t, lines, rooms)
	start := time.Now()
	res, code := h.postImport(admin, file, false)
	t.Logf("500 members imported in %v", time.Since(start))
	if code != 200 || res.Created != 500 || len(res.Passwords) != 500 || len(res.RoomsCreated) != 10 {
		t.Fatalf("import: %d created %d passwords %d problems %v", code, res.Created, len(res.Passwords), res.Problems)
	}
	if n := countRows(t, h.store, "memberships"); n != 500 {
		t.Fatalf("%d memberships", n)
	}
	seen := map[string]bool{}
	for _, p := range res.Passwords {
		if why := models.PasswordProblem(p.Password, p.Phone); why != "" || seen[p.Password] {
			t.Fatalf("password %q for %s: %s (repeated %v)", p.Password, p.Phone, why, seen[p.Password])
		}
		seen[p.Password] = true
	}
	if res.Passwords[7].Password != "my-own-initial-7" {
		t.Fatalf("a password typed in the file was replaced: %+v", res.Passwords[7])
	}
	// The first member signs in with the printed password and must choose their own.
	first := res.Passwords[0]
	rec := h.do("POST", "/api/v1/auth/login", "", map[string]string{"phone": first.Phone, "password": first.Password})
	expect(t, rec, 200)
	var p tokenPair
	mustDecode(t, rec, &p)
	if !p.User.MustChangePassword || p.User.Sector != "经济界" {
		t.Fatalf("imported member %+v", p.User)
	}
	expectError(t, h.do("GET", "/api/v1/rooms", p.AccessToken, nil), 403, models.CodePasswordChangeRequired)
	expect(t, h.do("POST", "/api/v1/me/password", p.AccessToken, map[string]string{"old_password": first.Password, "new_password": "a-member-chosen-pass"}), 204)
	expect(t, h.do("GET", "/api/v1/rooms", p.AccessToken, nil), 200)

	rec = h.do("GET", "/api/v1/audit?action=user.import", admin.token, nil)
	body := expect(t, rec, 200)
	if !bytes.Contains(body, []byte(`"created":500`)) || bytes.Contains(body, []byte(res.Passwords[1].Password)) || bytes.Contains(body, []byte("my-own-initial-7")) {
		t.Fatalf("audit row: %s", body)
	}
}

// TestImportRefusesBadFiles: what is not an import file is a 4xx, before anything is read
// into the database.
func TestImportRefusesBadFiles(t *testing.T) {
	h := newHarness(t)
	admin := h.user(models.RoleAdmin, "")
	post := func(t *testing.T, data []byte) *importResult {
		t.Helper()
		res, code := h.on(t).postImport(admin, data, true)
		if code != 422 || res.Error == nil || res.Error.Fields["file"] == "" {
			t.Fatalf("%d %+v", code, res)
		}
		return res
	}
	t.Run("NotXLSX", func(t *testing.T) { post(t, []byte("姓名,手机号\n张三,13800000000\n")) })
	t.Run("ZipNotXLSX", func(t *testing.T) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("hello.txt")
		w.Write([]byte("hello"))
		zw.Close()
		post(t, buf.Bytes())
	})
	t.Run("ZipBomb", func(t *testing.T) {
		// A few hundred KB that unpack to 100 MB.
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("xl/worksheets/sheet1.xml")
		zeros := make([]byte, 1<<20)
		for i := 0; i < 100; i++ {
			w.Write(zeros)
		}
		zw.Close()
		if buf.Len() > export.MaxImportBytes {
			t.Fatalf("bomb of %d bytes", buf.Len())
		}
		if res := post(t, buf.Bytes()); res.Error.Fields["file"] != "unpacks to too much" {
			t.Fatalf("bomb: %+v", res.Error)
		}
	})
	t.Run("NoRows", func(t *testing.T) {
		res := post(t, importXLSX(t, nil, nil))
		if len(res.Problems) != 1 {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("TooManyRows", func(t *testing.T) {
		file := fillTemplate(t, templateBytes(t), func(f *excelize.File) {
			sw, err := f.NewStreamWriter(models.ImportSheetUsers)
			if err != nil {
				t.Fatal(err)
			}
			sw.SetRow("A1", []any{"姓名", "手机号"})
			for i := 0; i <= models.MaxImportRows; i++ {
				sw.SetRow(fmt.Sprintf("A%d", i+2), []any{"某", "13900000000"})
			}
			sw.Flush()
		})
		post(t, file)
	})
	t.Run("FormulaIsText", func(t *testing.T) {
		file := fillTemplate(t, importXLSX(t, []importLine{{name: "公式", phone: "13800000000"}}, nil), func(f *excelize.File) {
			f.SetCellFormula(models.ImportSheetUsers, "B2", `"1380000"&"0001"`)
		})
		res := post(t, file)
		if len(res.Problems) == 0 || res.Problems[0].Field != "phone" || !strings.Contains(fmt.Sprint(res.Problems), "公式") {
			t.Fatalf("formula cell: %+v", res.Problems)
		}
	})
	t.Run("TooLarge", func(t *testing.T) {
		_, code := h.on(t).postImport(admin, make([]byte, export.MaxImportBytes+1), true)
		if code != 413 {
			t.Fatalf("%d", code)
		}
	})
	t.Run("NoFile", func(t *testing.T) {
		body, ct := multipartFile(t, "other", "x.xlsx", []byte("x"))
		expectError(t, h.serve(newRawRequest("POST", "/api/v1/imports/users", string(body), ct, admin.token)), 422, "invalid")
	})
	t.Run("NotMultipart", func(t *testing.T) {
		expectError(t, h.do("POST", "/api/v1/imports/users", admin.token, map[string]string{"file": "x"}), 415, "unsupported")
	})
	t.Run("BadDryRun", func(t *testing.T) {
		body, ct := multipartFile(t, "file", "x.xlsx", importXLSX(t, nil, nil))
		expectError(t, h.serve(newRawRequest("POST", "/api/v1/imports/users?dry_run=maybe", string(body), ct, admin.token)), 422, "invalid")
	})
}

// TestUserSectorUnit: an admin sets a user's sector and unit on creation and by patch, within
// their lengths and without control characters.
func TestUserSectorUnit(t *testing.T) {
	h := newHarness(t)
	admin := h.user(models.RoleAdmin, "")
	rec := h.do("POST", "/api/v1/users", admin.token, map[string]string{"phone": nextPhone(), "name": "赵六", "password": testPassword,
		"role": "member", "sector": " 教育界 ", "unit": "城关镇"})
	var u models.User
	mustDecode(t, rec, &u)
	if rec.Code != 201 || u.Sector != "教育界" || u.Unit != "城关镇" {
		t.Fatalf("create: %d %+v", rec.Code, u)
	}
	rec = h.do("PATCH", "/api/v1/users/"+u.ID, admin.token, map[string]string{"unit": "东街社区"})
	mustDecode(t, rec, &u)
	if rec.Code != 200 || u.Unit != "东街社区" || u.Sector != "教育界" {
		t.Fatalf("patch: %d %+v", rec.Code, u)
	}
	for _, body := range []map[string]string{{"sector": strings.Repeat("界", 51)}, {"unit": strings.Repeat("单", 101)}, {"sector": "教育\x00界"}} {
		rec = h.do("PATCH", "/api/v1/users/"+u.ID, admin.token, body)
		for field := range body {
			if d := expectError(t, rec, 422, "invalid"); d.Fields[field] == "" {
				t.Fatalf("%v: %+v", body, d)
			}
		}
	}
	rec = h.do("POST", "/api/v1/users", admin.token, map[string]string{"phone": nextPhone(), "name": "钱七", "password": testPassword,
		"role": "member", "unit": strings.Repeat("单", 101)})
	if d := expectError(t, rec, 422, "invalid"); d.Fields["unit"] == "" {
		t.Fatalf("%+v", d)
	}
}
