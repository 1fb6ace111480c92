package models

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"runtime"
	"sort"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// The bulk import of members and rooms (批量导入): an office fills the template (see
// export.UserTemplate) and the server checks every row, reports every problem in Chinese, and
// applies the whole file in one transaction or nothing. It is keyed on the phone number, so
// importing the same file again changes nothing.

// MaxImportRows is the most member rows (and, apart, room rows) one file may hold.
const MaxImportRows = 10000

// InitialPasswordCost is the bcrypt cost of the passwords the import makes up. They are 14
// characters drawn at random from 56 (about 81 bits), which no guessing reaches at any cost,
// and they live only until the first sign-in, which must replace them (the new one is hashed
// at the store's cost). Hashing 5,000 at the store's cost takes about two minutes on two
// cores; at this cost, under a second. A password the office types in the file is a person's
// choice and is hashed at the store's cost.
const InitialPasswordCost = bcrypt.MinCost

// ImportRow is one member row of an import file, as typed. Row is its row number in the sheet.
type ImportRow struct {
	Row                                                int
	Name, Phone, Role, ReviewBody, Sector, Unit, Rooms string
	Password                                           string
	formula                                            map[string]bool
}

// MarkFormula records that field's cell held a formula: its text was taken as typed.
func (r *ImportRow) MarkFormula(field string) {
	if r.formula == nil {
		r.formula = map[string]bool{}
	}
	r.formula[field] = true
}

// ImportRoom is one row of the rooms sheet: a room to create when none of that name exists.
type ImportRoom struct {
	Row                  int
	Name, Level, Address string
}

// ImportFile is what an import file holds.
type ImportFile struct {
	Users []ImportRow
	Rooms []ImportRoom
}

// Sheets of an import file, as problems name them.
const (
	ImportSheetUsers = "委员"
	ImportSheetRooms = "议事室"
)

// ImportProblem is one thing wrong with one row: the sheet, the row number, the field (the
// API's name of it) and a message in Chinese for the office.
type ImportProblem struct {
	Sheet   string `json:"sheet"`
	Row     int    `json:"row"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// InitialPassword is a new member's first password, shown once to the admin who imported
// them, for the printed list; it is stored only as a hash.
type InitialPassword struct {
	Row      int    `json:"row"`
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	Password string `json:"password"`
}

// ImportReport is what an import did, or would do on a dry run.
type ImportReport struct {
	Rows         int               `json:"rows"`
	Created      int               `json:"created"`
	Updated      int               `json:"updated"`
	Unchanged    int               `json:"unchanged"`
	RoomsCreated []string          `json:"rooms_created"`
	Problems     []ImportProblem   `json:"problems"`
	Passwords    []InitialPassword `json:"passwords"`
}

// The words of the file: the role, review body, room role and level cells take the Chinese
// names (the codes are accepted too).
var importRoles, importBodies, importRoomRoles, importLevels = RoleWords, BodyWords, RoomRoleWords, LevelWords

// wordCode reads a cell of a word list: a Chinese name or a code, half- or full-width brackets.
func wordCode(ws Words, v string) (string, bool) {
	v = strings.NewReplacer("(", "（", ")", "）").Replace(strings.TrimSpace(v))
	for _, w := range ws {
		if v == w.Code || v == w.Name {
			return w.Code, true
		}
	}
	return "", false
}

// roomRef is one room named in a member's rooms cell with the role held there.
type roomRef struct{ Name, Role string }

// RoomsSeparators and RoomRoleSeparators are how a rooms cell is written: rooms apart by a
// semicolon or a new line, each "议事室名称：室内角色" (the role may be left out: 委员).
const (
	RoomsSeparators    = "；;\n"
	RoomRoleSeparators = "：:"
)

func parseRooms(cell string) (refs []roomRef, problem string) {
	seen := map[string]bool{}
	for _, item := range strings.FieldsFunc(cell, func(r rune) bool { return strings.ContainsRune(RoomsSeparators, r) }) {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, role := item, RoomMember
		if i := strings.LastIndexAny(item, RoomRoleSeparators); i >= 0 {
			name = strings.TrimSpace(item[:i])
			word := strings.TrimSpace(strings.TrimLeft(item[i:], RoomRoleSeparators))
			code, ok := wordCode(importRoomRoles, word)
			if !ok {
				return nil, fmt.Sprintf("“%s”的室内角色“%s”不是%s之一", name, word, strings.Join(names(importRoomRoles), "、"))
			}
			role = code
		}
		if name == "" {
			return nil, fmt.Sprintf("“%s”缺少议事室名称", item)
		}
		if seen[name] {
			return nil, fmt.Sprintf("议事室“%s”写了两次", name)
		}
		seen[name] = true
		refs = append(refs, roomRef{Name: name, Role: role})
	}
	return refs, ""
}

func names(ws Words) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Name
	}
	return out
}

// importMessages says in Chinese what the house's validation messages say in English, for
// the fields a row carries.
func importMessage(field, why string, max int) string {
	switch {
	case strings.HasPrefix(why, "must be at most"):
		return fmt.Sprintf("不能超过%d个字", max)
	case strings.HasPrefix(why, "must be one line"), strings.HasPrefix(why, "must not contain control"):
		return "不能含换行或控制字符"
	case strings.HasPrefix(why, "must be valid UTF-8"):
		return "含无法识别的字符"
	}
	return why
}

// passwordMessage says in Chinese why a password is refused (PasswordProblem's reasons).
func passwordMessage(pw, phone string) string {
	why := PasswordProblem(pw, phone)
	switch {
	case why == "":
		return ""
	case strings.HasPrefix(why, "must be at least"):
		return fmt.Sprintf("初始密码至少%d个字符", MinPasswordLen)
	case strings.HasPrefix(why, "must be at most"):
		return fmt.Sprintf("初始密码不能超过%d字节", maxPasswordBytes)
	case strings.HasPrefix(why, "is too common"):
		return "初始密码过于常见，请换一个"
	case strings.HasPrefix(why, "must not contain the phone"):
		return "初始密码不能包含手机号"
	}
	return why
}

// importUser is one member row once checked: what the user will be.
type importUser struct {
	row                                         ImportRow
	name, phone, role, body, sector, unit, pass string
	rooms                                       []roomRef
}

// importPlan is a checked file with what the database holds of it.
type importPlan struct {
	users    []importUser
	newRooms []ImportRoom
	roomIDs  map[string]string // room name → id, for the rooms that exist
	existing map[string]*User  // phone → user
	memberOf map[string]map[string]string
	problems []ImportProblem
}

// ImportUsers checks an import file and, unless dryRun or any row is wrong, applies it in one
// transaction: new rooms from the rooms sheet, new members with a first password (made up
// when the file leaves it empty; they must change it at first sign-in), changes to existing
// members (by phone; only fields that differ), and room roles. Room roles are added or
// changed, never removed. The report lists every problem; with any, nothing changes and the
// error is a validation error (the report still says what is wrong). audit is called in the
// transaction with the counts.
func (s *Store) ImportUsers(ctx context.Context, f ImportFile, dryRun bool, audit func(tx *Store, r *ImportReport) error) (*ImportReport, error) {
	plan, err := s.planImport(ctx, f)
	if err != nil {
		return nil, err
	}
	rep := &ImportReport{Rows: len(f.Users), RoomsCreated: []string{}, Problems: plan.problems, Passwords: []InitialPassword{}}
	if rep.Problems == nil {
		rep.Problems = []ImportProblem{}
	}
	for _, r := range plan.newRooms {
		rep.RoomsCreated = append(rep.RoomsCreated, r.Name)
	}
	changes := make([]userChange, 0, len(plan.users))
	for _, u := range plan.users {
		c := plan.change(u)
		switch {
		case c.user == nil:
			rep.Created++
		case c.changed():
			rep.Updated++
		default:
			rep.Unchanged++
		}
		changes = append(changes, c)
	}
	if len(rep.Problems) > 0 {
		return rep, &Error{Code: CodeInvalid, Message: fmt.Sprintf("导入文件有%d处问题，未做任何更改", len(rep.Problems)),
			Fields: map[string]string{"file": "has problems: see problems"}}
	}
	if dryRun {
		return rep, nil
	}
	news, err := s.hashNewUsers(changes)
	if err != nil {
		return nil, err
	}
	err = s.Tx(ctx, func(tx *Store) error {
		if err := tx.applyImport(ctx, plan, changes, news); err != nil {
			return err
		}
		return audit(tx, rep)
	})
	if err != nil {
		return nil, err
	}
	for _, c := range changes {
		if c.user == nil {
			rep.Passwords = append(rep.Passwords, InitialPassword{Row: c.u.row.Row, Name: c.u.name, Phone: c.u.phone, Password: c.u.pass})
		}
	}
	return rep, nil
}

func (s *Store) planImport(ctx context.Context, f ImportFile) (*importPlan, error) {
	plan := &importPlan{roomIDs: map[string]string{}, memberOf: map[string]map[string]string{}}
	add := func(sheet string, row int, field, msg string) {
		plan.problems = append(plan.problems, ImportProblem{Sheet: sheet, Row: row, Field: field, Message: msg})
	}
	if len(f.Users) == 0 {
		add(ImportSheetUsers, 0, "file", "没有委员数据：请从第2行起填写")
	}
	if len(f.Users) > MaxImportRows || len(f.Rooms) > MaxImportRows {
		return nil, &Error{Code: CodeInvalid, Message: fmt.Sprintf("一次最多导入%d行", MaxImportRows),
			Fields: map[string]string{"file": fmt.Sprintf("has more than %d rows", MaxImportRows)}}
	}

	// The rooms sheet.
	sheetRooms := map[string]int{}
	for _, r := range f.Rooms {
		r.Name, r.Address = strings.TrimSpace(r.Name), strings.TrimSpace(r.Address)
		p := Problems{}
		in := RoomInput{Name: r.Name, Address: r.Address, HasDoorPlate: false}
		level, ok := wordCode(importLevels, r.Level)
		if !ok {
			add(ImportSheetRooms, r.Row, "level", fmt.Sprintf("层级“%s”不是%s之一", r.Level, strings.Join(names(importLevels), "、")))
		}
		in.Level = level
		if r.Name == "" {
			add(ImportSheetRooms, r.Row, "name", "议事室名称必填")
		} else if prev, dup := sheetRooms[r.Name]; dup {
			add(ImportSheetRooms, r.Row, "name", fmt.Sprintf("与第%d行议事室重名", prev))
		} else {
			sheetRooms[r.Name] = r.Row
		}
		CheckText(p, "name", r.Name, MaxRoomName, false)
		CheckText(p, "address", r.Address, MaxAddress, false)
		for _, field := range []string{"name", "address"} {
			if why, bad := p[field]; bad {
				add(ImportSheetRooms, r.Row, field, importMessage(field, why, map[string]int{"name": MaxRoomName, "address": MaxAddress}[field]))
			}
		}
		r.Level = level
		plan.newRooms = append(plan.newRooms, r)
	}

	// The member rows, each on its own.
	phones := map[string]int{}
	for _, r := range f.Users {
		u := importUser{row: r, name: strings.TrimSpace(r.Name), phone: strings.TrimSpace(r.Phone),
			sector: strings.TrimSpace(r.Sector), unit: strings.TrimSpace(r.Unit), pass: r.Password}
		for field := range r.formula {
			add(ImportSheetUsers, r.Row, field, "单元格含公式：按文字读取公式本身，请改为直接填写内容")
		}
		if u.name == "" {
			add(ImportSheetUsers, r.Row, "name", "姓名必填")
		}
		switch {
		case u.phone == "":
			add(ImportSheetUsers, r.Row, "phone", "手机号必填")
		case !ValidPhone(u.phone):
			add(ImportSheetUsers, r.Row, "phone", fmt.Sprintf("手机号“%s”不是11位手机号码", u.phone))
		default:
			if prev, dup := phones[u.phone]; dup {
				add(ImportSheetUsers, r.Row, "phone", fmt.Sprintf("手机号与第%d行重复", prev))
			} else {
				phones[u.phone] = r.Row
			}
		}
		role, body := RoleMember, ""
		if strings.TrimSpace(r.Role) != "" {
			code, ok := wordCode(importRoles, r.Role)
			if !ok {
				add(ImportSheetUsers, r.Row, "role", fmt.Sprintf("角色“%s”不是%s之一", strings.TrimSpace(r.Role), strings.Join(names(importRoles), "、")))
			}
			role = code
		}
		if strings.TrimSpace(r.ReviewBody) != "" {
			code, ok := wordCode(importBodies, r.ReviewBody)
			if !ok {
				add(ImportSheetUsers, r.Row, "review_body", fmt.Sprintf("审核机关“%s”不是%s之一", strings.TrimSpace(r.ReviewBody), strings.Join(names(importBodies), "、")))
			}
			body = code
		}
		if code := role; code != "" {
			// The account's rules (validRole), in the office's words.
			p := Problems{}
			validRole(p, role, body)
			switch why := p["review_body"]; {
			case strings.HasPrefix(why, "only reviewers"):
				add(ImportSheetUsers, r.Row, "review_body", "只有审核人填写审核机关")
			case why != "" && strings.TrimSpace(r.ReviewBody) == "":
				add(ImportSheetUsers, r.Row, "review_body", "审核人须填写审核机关")
			}
		}
		u.role, u.body = role, body
		p := Problems{}
		CheckText(p, "name", u.name, MaxUserName, false)
		CheckText(p, "sector", u.sector, MaxSector, false)
		CheckText(p, "unit", u.unit, MaxUnit, false)
		for _, field := range []string{"name", "sector", "unit"} {
			if why, bad := p[field]; bad {
				add(ImportSheetUsers, r.Row, field, importMessage(field, why, map[string]int{"name": MaxUserName, "sector": MaxSector, "unit": MaxUnit}[field]))
			}
		}
		if u.pass != "" {
			if msg := passwordMessage(u.pass, u.phone); msg != "" {
				add(ImportSheetUsers, r.Row, "password", msg)
			}
		}
		refs, msg := parseRooms(r.Rooms)
		if msg != "" {
			add(ImportSheetUsers, r.Row, "rooms", msg)
		}
		if role != "" {
			account := &User{Role: role, ReviewBody: body}
			for _, ref := range refs {
				err := roomRoleFits(account, ref.Role)
				if err == nil {
					continue
				}
				if strings.Contains(err.Error(), "local_reviewer") {
					add(ImportSheetUsers, r.Row, "rooms", fmt.Sprintf("“%s”：属地审核只能由所在地党委（党组）的审核人担任", ref.Name))
				} else {
					add(ImportSheetUsers, r.Row, "rooms", fmt.Sprintf("“%s”：召集人和委员须是角色为委员的用户", ref.Name))
				}
			}
		}
		u.rooms = refs
		plan.users = append(plan.users, u)
	}

	// What the database holds: rooms by name, users by phone, their room roles.
	roomNames := map[string]bool{}
	for _, u := range plan.users {
		for _, ref := range u.rooms {
			roomNames[ref.Name] = true
		}
	}
	for name := range sheetRooms {
		roomNames[name] = true
	}
	known := map[string][]string{}
	for _, chunk := range chunks(keys(roomNames), 500) {
		var rooms []Room
		if err := s.conn(ctx).Select("id", "name").Where("name IN ?", chunk).Find(&rooms).Error; err != nil {
			return nil, fmt.Errorf("models: import: read rooms: %w", err)
		}
		for _, r := range rooms {
			known[r.Name] = append(known[r.Name], r.ID)
		}
	}
	var toCreate []ImportRoom
	for _, r := range plan.newRooms {
		if len(known[r.Name]) == 0 {
			toCreate = append(toCreate, r)
		}
	}
	plan.newRooms = toCreate
	for name, ids := range known {
		if len(ids) == 1 {
			plan.roomIDs[name] = ids[0]
		}
	}
	for _, u := range plan.users {
		for _, ref := range u.rooms {
			switch n := len(known[ref.Name]); {
			case n > 1:
				add(ImportSheetUsers, u.row.Row, "rooms", fmt.Sprintf("有%d个议事室都叫“%s”，无法确定是哪一个：请先在议事室管理中改名", n, ref.Name))
			case n == 0 && sheetRooms[ref.Name] == 0:
				add(ImportSheetUsers, u.row.Row, "rooms", fmt.Sprintf("未知议事室“%s”：新议事室请列在“议事室”工作表中", ref.Name))
			}
		}
	}

	plan.existing = map[string]*User{}
	for _, chunk := range chunks(keys(phonesSet(plan.users)), 500) {
		var users []User
		if err := s.conn(ctx).Where("phone IN ?", chunk).Find(&users).Error; err != nil {
			return nil, fmt.Errorf("models: import: read users: %w", err)
		}
		for i := range users {
			plan.existing[users[i].Phone] = &users[i]
		}
	}
	ids := make([]string, 0, len(plan.existing))
	for _, u := range plan.existing {
		ids = append(ids, u.ID)
	}
	for _, chunk := range chunks(ids, 500) {
		var ms []Membership
		if err := s.conn(ctx).Where("user_id IN ?", chunk).Find(&ms).Error; err != nil {
			return nil, fmt.Errorf("models: import: read memberships: %w", err)
		}
		for _, m := range ms {
			if plan.memberOf[m.UserID] == nil {
				plan.memberOf[m.UserID] = map[string]string{}
			}
			plan.memberOf[m.UserID][m.RoomID] = m.Role
		}
	}
	sort.SliceStable(plan.problems, func(i, j int) bool {
		a, b := plan.problems[i], plan.problems[j]
		if a.Sheet != b.Sheet {
			return a.Sheet == ImportSheetRooms // the rooms first: the members' rows may depend on them
		}
		return a.Row < b.Row
	})
	return plan, nil
}

// userChange is what the import does to one member: create them (user nil) or patch them.
type userChange struct {
	u     importUser
	user  *User
	patch UserPatch
	// rooms are the room roles to set, by room name.
	rooms []roomRef
}

func (c userChange) changed() bool {
	p := c.patch
	return p.Name != nil || p.Role != nil || p.ReviewBody != nil || p.Sector != nil || p.Unit != nil || len(c.rooms) > 0
}

// change compares a row with the user of its phone: only what differs is changed.
func (plan *importPlan) change(u importUser) userChange {
	c := userChange{u: u, user: plan.existing[u.phone]}
	if c.user == nil {
		c.rooms = u.rooms
		return c
	}
	e := c.user
	diff := func(have, want string) *string {
		if have == want {
			return nil
		}
		return &want
	}
	c.patch = UserPatch{Name: diff(e.Name, u.name), Sector: diff(e.Sector, u.sector), Unit: diff(e.Unit, u.unit)}
	if [2]string{e.Role, e.ReviewBody} != [2]string{u.role, u.body} { // the account's kind, as typed: no decision on it
		c.patch.Role, c.patch.ReviewBody = &u.role, &u.body
	}
	for _, ref := range u.rooms {
		if id, ok := plan.roomIDs[ref.Name]; ok && plan.memberOf[e.ID][id] == ref.Role {
			continue
		}
		c.rooms = append(c.rooms, ref)
	}
	return c
}

// hashNewUsers makes up the missing first passwords and hashes every new member's, on every
// core: hashing is most of an import's time.
func (s *Store) hashNewUsers(changes []userChange) (map[string]*User, error) {
	type job struct {
		i    int
		cost int
	}
	now := s.now()
	out := make([]*User, len(changes))
	var jobs []job
	for i := range changes {
		c := &changes[i]
		if c.user != nil {
			continue
		}
		cost := s.PasswordCost
		if c.u.pass == "" {
			pw, err := InitialPasswordFor(c.u.phone)
			if err != nil {
				return nil, err
			}
			c.u.pass, cost = pw, min(InitialPasswordCost, s.PasswordCost)
		}
		out[i] = &User{ID: NewID(), Phone: c.u.phone, Name: c.u.name, Role: c.u.role, ReviewBody: c.u.body,
			Sector: c.u.sector, Unit: c.u.unit, Active: true, MustChangePassword: true, CreatedAt: now, UpdatedAt: now}
		jobs = append(jobs, job{i: i, cost: cost})
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := make(chan job)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				hash, err := bcrypt.GenerateFromPassword([]byte(changes[j.i].u.pass), j.cost)
				if err != nil {
					mu.Lock()
					firstErr = fmt.Errorf("models: hash password: %w", err)
					mu.Unlock()
					continue
				}
				out[j.i].PasswordHash = string(hash)
			}
		}()
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	byPhone := make(map[string]*User, len(jobs))
	for _, u := range out {
		if u != nil {
			byPhone[u.Phone] = u
		}
	}
	return byPhone, nil
}

// importBatch is how many rows go in one INSERT.
const importBatch = 500

func (tx *Store) applyImport(ctx context.Context, plan *importPlan, changes []userChange, news map[string]*User) error {
	now := tx.now()
	for _, r := range plan.newRooms {
		room := &Room{ID: NewID(), Name: r.Name, Level: r.Level, Address: r.Address, CreatedAt: now, UpdatedAt: now}
		if err := tx.conn(ctx).Create(room).Error; err != nil {
			return fmt.Errorf("models: import: create room: %w", err)
		}
		plan.roomIDs[r.Name] = room.ID
	}
	fresh := make([]*User, 0, len(news))
	for _, c := range changes {
		if c.user == nil {
			fresh = append(fresh, news[c.u.phone])
		}
	}
	if len(fresh) > 0 {
		if err := tx.conn(ctx).CreateInBatches(fresh, importBatch).Error; err != nil {
			if isDuplicate(err) {
				return &Error{Code: CodeConflict, Message: "a phone of the file was registered meanwhile: run the import again"}
			}
			return fmt.Errorf("models: import: create users: %w", err)
		}
	}
	var memberships []Membership
	for _, c := range changes {
		userID := ""
		if c.user == nil {
			userID = news[c.u.phone].ID
		} else {
			userID = c.user.ID
			if c.patch.Name != nil || c.patch.Role != nil || c.patch.Sector != nil || c.patch.Unit != nil {
				if _, err := tx.UpdateUser(ctx, userID, c.patch); err != nil {
					return err
				}
			}
		}
		for _, ref := range c.rooms {
			roomID := plan.roomIDs[ref.Name]
			if c.user != nil {
				if _, held := plan.memberOf[userID][roomID]; held {
					err := tx.conn(ctx).Model(&Membership{}).Where("room_id = ? AND user_id = ?", roomID, userID).Update("role", ref.Role).Error
					if err != nil {
						return fmt.Errorf("models: import: set room role: %w", err)
					}
					continue
				}
			}
			memberships = append(memberships, Membership{RoomID: roomID, UserID: userID, Role: ref.Role, CreatedAt: now})
		}
	}
	if len(memberships) > 0 {
		if err := tx.conn(ctx).CreateInBatches(memberships, importBatch).Error; err != nil {
			return fmt.Errorf("models: import: add room roles: %w", err)
		}
	}
	return nil
}

// initialAlphabet leaves out the characters people misread on paper (0 O o 1 l I).
const initialAlphabet = "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"

// InitialPasswordLen is the length of a made-up first password.
const InitialPasswordLen = 14

// InitialPasswordFor makes up a first password for the account with phone, one the password
// rules accept.
func InitialPasswordFor(phone string) (string, error) {
	for {
		b := make([]byte, InitialPasswordLen)
		for i := range b {
			n, err := rand.Int(rand.Reader, big.NewInt(int64(len(initialAlphabet))))
			if err != nil {
				return "", fmt.Errorf("models: initial password: %w", err)
			}
			b[i] = initialAlphabet[n.Int64()]
		}
		if PasswordProblem(string(b), phone) == "" {
			return string(b), nil
		}
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func phonesSet(users []importUser) map[string]bool {
	m := map[string]bool{}
	for _, u := range users {
		if ValidPhone(u.phone) {
			m[u.phone] = true
		}
	}
	return m
}

func chunks(xs []string, n int) [][]string {
	var out [][]string
	for len(xs) > n {
		out = append(out, xs[:n])
		xs = xs[n:]
	}
	if len(xs) > 0 {
		out = append(out, xs)
	}
	return out
}
