package models

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// The duty record (履职) as people read it: a member's year of credits with the records that
// earned them, everyone's year for the county, and a member's file (一人一档).

// CreditItem is one record's credit in a year: the sum of its rows (the row it earned and
// any rescore's corrections), with a short title of the record where one is cheap to find.
type CreditItem struct {
	Kind       string    `json:"kind"`
	Points     int       `json:"points"`
	SourceKind string    `json:"source_kind"`
	SourceID   string    `json:"source_id"`
	At         time.Time `json:"at"`
	Title      string    `json:"title"`
	// TopicID is the topic the record belongs to, when it belongs to one: where the app links.
	TopicID string `json:"topic_id"`
}

// CreditYear is a member's credits in one year against the county's line.
type CreditYear struct {
	Year  int          `json:"year"`
	Total int          `json:"total"`
	Line  int          `json:"line"`
	Items []CreditItem `json:"items"`
}

// titleRunes is how much of a record's text names it in a list.
const titleRunes = 40

// UserCredits returns userID's credits of year, newest record first.
func (s *Store) UserCredits(ctx context.Context, userID string, year int) (*CreditYear, error) {
	rule, err := s.CreditRuleFor(ctx, year)
	if err != nil {
		return nil, err
	}
	var rows []Credit
	if err := s.conn(ctx).Where("user_id = ? AND year = ?", userID, year).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: user credits: %w", err)
	}
	out := &CreditYear{Year: year, Line: rule.Line, Items: []CreditItem{}}
	index := map[string]int{}
	open := map[string]int{} // episodes of a record not reversed
	for _, c := range rows {
		k := c.Kind + "|" + c.SourceKind + "|" + c.SourceID
		out.Total += c.Points
		switch c.Revision {
		case 0:
			open[k]++
		case CreditReversal:
			open[k]--
		}
		if i, ok := index[k]; ok {
			out.Items[i].Points += c.Points
			continue
		}
		index[k] = len(out.Items)
		out.Items = append(out.Items, CreditItem{Kind: c.Kind, Points: c.Points, SourceKind: c.SourceKind, SourceID: c.SourceID, At: c.At.UTC()})
	}
	// A record whose every episode was reversed earns nothing now: it is not listed.
	out.Items = slices.DeleteFunc(out.Items, func(it CreditItem) bool { return open[it.Kind+"|"+it.SourceKind+"|"+it.SourceID] <= 0 })
	sort.SliceStable(out.Items, func(i, j int) bool { return out.Items[i].At.After(out.Items[j].At) })
	if err := s.creditTitles(ctx, out.Items); err != nil {
		return nil, err
	}
	return out, nil
}

// creditTitles names each item's record: an opinion or a recommendation by the start of its
// text, a topic by its title, an activity by its kind and summary. One query per kind of
// record.
func (s *Store) creditTitles(ctx context.Context, items []CreditItem) error {
	ids := map[string][]string{}
	for _, it := range items {
		ids[it.SourceKind] = append(ids[it.SourceKind], it.SourceID)
	}
	titles, topics := map[string]string{}, map[string]string{}
	type row struct {
		ID, A, B string
		TopicID  *string
	}
	read := func(kind, sql string) error {
		if len(ids[kind]) == 0 {
			return nil
		}
		var rs []row
		if err := s.conn(ctx).Raw(sql, ids[kind]).Scan(&rs).Error; err != nil {
			return fmt.Errorf("models: credit titles: %w", err)
		}
		for _, r := range rs {
			t := r.A
			if kind == CreditSourceActivity {
				t = strings.TrimSpace(KindWords.Name(r.A) + " " + clipRunes(r.B, titleRunes))
			}
			titles[kind+"|"+r.ID] = clipRunes(t, titleRunes)
			if r.TopicID != nil {
				topics[kind+"|"+r.ID] = *r.TopicID
			}
		}
		return nil
	}
	for kind, sql := range map[string]string{
		CreditSourceOpinion:        "SELECT id, content AS a, '' AS b, topic_id FROM opinions WHERE id IN ?",
		CreditSourceTopic:          "SELECT id, title AS a, '' AS b, id AS topic_id FROM topics WHERE id IN ?",
		CreditSourceActivity:       "SELECT id, kind AS a, summary AS b, topic_id FROM activities WHERE id IN ?",
		CreditSourceRecommendation: "SELECT id, content AS a, '' AS b, topic_id FROM recommendations WHERE id IN ?",
	} {
		if err := read(kind, sql); err != nil {
			return err
		}
	}
	for i := range items {
		k := items[i].SourceKind + "|" + items[i].SourceID
		items[i].Title, items[i].TopicID = titles[k], topics[k]
	}
	return nil
}

// clipRunes shortens s to n runes, marking a cut with an ellipsis.
func clipRunes(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// RoomRef names a room and a user's role in it.
type RoomRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

// MemberCredits is one member's year for the county: totals per kind, the total, whether
// it falls below the line, and where the member is filed.
type MemberCredits struct {
	UserID string         `json:"user_id"`
	Name   string         `json:"name"`
	Sector string         `json:"sector"`
	Unit   string         `json:"unit"`
	Rooms  []RoomRef      `json:"rooms"`
	ByKind map[string]int `json:"by_kind"`
	Total  int            `json:"total"`
	Below  bool           `json:"below_line"`
}

// CountyCredits is every member's year.
type CountyCredits struct {
	Year  int             `json:"year"`
	Line  int             `json:"line"`
	Items []MemberCredits `json:"items"`
}

// CreditSorts are the orders the county list takes; a leading "-" reverses one.
var CreditSorts = []string{"total", "-total", "name", "-name", "sector", "-sector"}

// CreditFilter selects the members of the county list.
type CreditFilter struct {
	Year   int
	Sector string // exact 界别; empty for all
	RoomID string // members holding a role in the room; empty for all
	Sort   string // one of CreditSorts; empty: total, lowest first
}

// Validate checks the year, the room id and the order.
func (f *CreditFilter) Validate() error {
	p := Problems{}
	CheckYear(p, "year", f.Year)
	CheckID(p, "room_id", f.RoomID)
	CheckText(p, "sector", f.Sector, 50, false)
	if f.Sort != "" && !slices.Contains(CreditSorts, f.Sort) {
		p.Add("sort", "must be one of "+strings.Join(CreditSorts, ", "))
	}
	return p.Err()
}

// CountyCreditList returns one row per active member (role member) for the year, with those
// without any credit at zero, sorted as f says.
func (s *Store) CountyCreditList(ctx context.Context, f CreditFilter) (*CountyCredits, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	rule, err := s.CreditRuleFor(ctx, f.Year)
	if err != nil {
		return nil, err
	}
	q := s.conn(ctx).Model(&User{}).Where("role = ? AND active = ?", RoleMember, true)
	if f.Sector != "" {
		q = q.Where("sector = ?", f.Sector)
	}
	if f.RoomID != "" {
		q = q.Where("id IN (SELECT user_id FROM memberships WHERE room_id = ?)", f.RoomID)
	}
	var users []User
	if err := q.Order("name, id").Find(&users).Error; err != nil {
		return nil, fmt.Errorf("models: county credits: %w", err)
	}
	out := &CountyCredits{Year: f.Year, Line: rule.Line, Items: make([]MemberCredits, 0, len(users))}
	byUser := map[string]*MemberCredits{}
	ids := make([]string, len(users))
	for i, u := range users {
		out.Items = append(out.Items, MemberCredits{UserID: u.ID, Name: u.Name, Sector: u.Sector, Unit: u.Unit,
			Rooms: []RoomRef{}, ByKind: zeroKinds()})
		ids[i] = u.ID
	}
	for i := range out.Items {
		byUser[out.Items[i].UserID] = &out.Items[i]
	}
	var sums []struct {
		UserID, Kind string
		Points       int
	}
	if err := s.conn(ctx).Model(&Credit{}).Select("user_id, kind, SUM(points) AS points").Where("year = ?", f.Year).
		Group("user_id, kind").Scan(&sums).Error; err != nil {
		return nil, fmt.Errorf("models: county credits: %w", err)
	}
	for _, c := range sums {
		if m := byUser[c.UserID]; m != nil {
			m.ByKind[c.Kind] += c.Points
			m.Total += c.Points
		}
	}
	rooms, err := s.roomsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out.Items {
		m := &out.Items[i]
		if r := rooms[m.UserID]; r != nil {
			m.Rooms = r
		}
		m.Below = m.Total < rule.Line
	}
	sortCredits(out.Items, f.Sort)
	return out, nil
}

func zeroKinds() map[string]int {
	m := make(map[string]int, len(CreditKinds))
	for _, k := range CreditKinds {
		m[k] = 0
	}
	return m
}

// sortCredits orders the county list; ties keep the order by name.
func sortCredits(items []MemberCredits, by string) {
	desc := strings.HasPrefix(by, "-")
	field := strings.TrimPrefix(by, "-")
	less := func(a, b MemberCredits) int {
		switch field {
		case "name":
			return strings.Compare(a.Name, b.Name)
		case "sector":
			return strings.Compare(a.Sector, b.Sector)
		}
		return a.Total - b.Total
	}
	slices.SortStableFunc(items, func(a, b MemberCredits) int {
		if desc {
			return less(b, a)
		}
		return less(a, b)
	})
}

// roomsOf returns the rooms where each of users holds a role, by name.
func (s *Store) roomsOf(ctx context.Context, users []string) (map[string][]RoomRef, error) {
	out := map[string][]RoomRef{}
	for start := 0; start < len(users); start += 1000 {
		chunk := users[start:min(start+1000, len(users))]
		var rows []struct{ UserID, ID, Name, Role string }
		err := s.conn(ctx).Table("memberships m").Select("m.user_id, r.id, r.name, m.role").
			Joins("JOIN rooms r ON r.id = m.room_id").Where("m.user_id IN ?", chunk).Order("r.name, r.id").Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("models: rooms of members: %w", err)
		}
		for _, r := range rows {
			out[r.UserID] = append(out[r.UserID], RoomRef{ID: r.ID, Name: r.Name, Role: r.Role})
		}
	}
	return out, nil
}

// MemberFile is a member's file (一人一档) for a year: who they are, their rooms, the topics
// they took part in, their attendance, their credits, and their totals of every year. The
// print page is built on this shape.
type MemberFile struct {
	User       FileUser       `json:"user"`
	Year       int            `json:"year"`
	Rooms      []RoomRef      `json:"rooms"`
	Topics     []FileTopic    `json:"topics"`
	Attendance []FileAttended `json:"attendance"`
	Credits    FileCredits    `json:"credits"`
	Years      []YearTotal    `json:"years"`
}

// FileUser is the member a file is about.
type FileUser struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Sector string `json:"sector"`
	Unit   string `json:"unit"`
	Role   string `json:"role"`
}

// FileTopic is a topic the member took part in that year, and how: lead (drafted it as
// convener), participant (present at its research or meeting), contributor (an opinion they
// collected feeds it).
type FileTopic struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	State string `json:"state"`
	Role  string `json:"role"`
}

// How a member took part in a topic, strongest first.
const (
	TopicPartLead        = "lead"
	TopicPartParticipant = "participant"
	TopicPartContributor = "contributor"
)

// FileAttended is the member's attendance at one activity.
type FileAttended struct {
	ActivityID string    `json:"activity_id"`
	Kind       string    `json:"kind"`
	HeldAt     time.Time `json:"held_at"`
	Status     string    `json:"status"`
}

// FileCredits is the year's credits: total, line, per kind and per record.
type FileCredits struct {
	Total  int            `json:"total"`
	Line   int            `json:"line"`
	ByKind map[string]int `json:"by_kind"`
	Items  []CreditItem   `json:"items"`
}

// YearTotal is a member's total of one year.
type YearTotal struct {
	Year  int `json:"year"`
	Total int `json:"total"`
}

// FindMemberFile returns the file of user id for year, when v may see it
// (Viewer.SeesMemberFile); to anyone else the user does not exist.
func (s *Store) FindMemberFile(ctx context.Context, v *Viewer, id string, year int) (*MemberFile, error) {
	p := Problems{}
	CheckYear(p, "year", year)
	if err := p.Err(); err != nil {
		return nil, err
	}
	if !v.SeesMemberFile(id) {
		return nil, &Error{Code: CodeNotFound, Message: "user not found"}
	}
	u, err := s.FindUser(ctx, id)
	if err != nil {
		return nil, err
	}
	f := &MemberFile{User: FileUser{ID: u.ID, Name: u.Name, Sector: u.Sector, Unit: u.Unit, Role: u.Role}, Year: year,
		Rooms: []RoomRef{}, Topics: []FileTopic{}, Attendance: []FileAttended{}, Years: []YearTotal{}}
	rooms, err := s.roomsOf(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	if rooms[id] != nil {
		f.Rooms = rooms[id]
	}
	from, to := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC)
	if f.Topics, err = s.fileTopics(ctx, id, from, to); err != nil {
		return nil, err
	}
	err = s.conn(ctx).Table("attendance a").Select("a.activity_id, act.kind, act.held_at, a.status").
		Joins("JOIN activities act ON act.id = a.activity_id").
		Where("a.user_id = ? AND act.held_at >= ? AND act.held_at < ?", id, from, to).
		Order("act.held_at, a.activity_id").Scan(&f.Attendance).Error
	if err != nil {
		return nil, fmt.Errorf("models: member file: %w", err)
	}
	if f.Attendance == nil {
		f.Attendance = []FileAttended{}
	}
	cy, err := s.UserCredits(ctx, id, year)
	if err != nil {
		return nil, err
	}
	f.Credits = FileCredits{Total: cy.Total, Line: cy.Line, ByKind: zeroKinds(), Items: cy.Items}
	for _, it := range cy.Items {
		f.Credits.ByKind[it.Kind] += it.Points
	}
	err = s.conn(ctx).Model(&Credit{}).Select("year, SUM(points) AS total").Where("user_id = ?", id).
		Group("year").Order("year DESC").Scan(&f.Years).Error
	if err != nil {
		return nil, fmt.Errorf("models: member file: %w", err)
	}
	if f.Years == nil {
		f.Years = []YearTotal{}
	}
	return f, nil
}

// fileTopics are the topics user took part in between from and to: drafted then, fed by an
// opinion collected then, or attended at an activity held then; each once, by its
// strongest part.
func (s *Store) fileTopics(ctx context.Context, user string, from, to time.Time) ([]FileTopic, error) {
	var rows []struct{ ID, Title, Status, Part string }
	err := s.conn(ctx).Raw(`SELECT t.id, t.title, t.status, ? AS part FROM topics t WHERE t.created_by = ? AND t.created_at >= ? AND t.created_at < ?
UNION ALL SELECT t.id, t.title, t.status, ? FROM attendance a JOIN activities act ON act.id = a.activity_id JOIN topics t ON t.id = act.topic_id
  WHERE a.user_id = ? AND a.status = ? AND act.held_at >= ? AND act.held_at < ?
UNION ALL SELECT t.id, t.title, t.status, ? FROM opinions o JOIN topics t ON t.id = o.topic_id
  WHERE o.collector_id = ? AND o.collected_at >= ? AND o.collected_at < ?`,
		TopicPartLead, user, from, to, TopicPartParticipant, user, AttendPresent, from, to, TopicPartContributor, user, from, to).
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("models: member file topics: %w", err)
	}
	rank := map[string]int{TopicPartLead: 0, TopicPartParticipant: 1, TopicPartContributor: 2}
	seen := map[string]int{}
	out := []FileTopic{}
	for _, r := range rows {
		if i, ok := seen[r.ID]; ok {
			if rank[r.Part] < rank[out[i].Role] {
				out[i].Role = r.Part
			}
			continue
		}
		seen[r.ID] = len(out)
		out = append(out, FileTopic{ID: r.ID, Title: r.Title, State: r.Status, Role: r.Part})
	}
	return out, nil
}

// DutyRows streams the county list of year for the duty ledger.
func (s *Store) DutyRows(ctx context.Context, year int, fn func(line int, m MemberCredits) error) error {
	list, err := s.CountyCreditList(ctx, CreditFilter{Year: year, Sort: "name"})
	if err != nil {
		return err
	}
	for _, m := range list.Items {
		if err := fn(list.Line, m); err != nil {
			return err
		}
	}
	return nil
}
