package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Stats is the county dashboard: how the rooms stand, what was collected and consulted on in
// a period, and how the follow-up of the outcomes goes. Every figure is counted by the
// database; the lists are already in the order they are shown.
type Stats struct {
	// From and To are the period, both days included (2006-01-02). Opinions, topics and the
	// activity total count what was created (held) in it.
	From string `json:"from"`
	To   string `json:"to"`
	// Today is the date the figures that depend on the day are taken on: activities this
	// year, the quota check and what is overdue.
	Today string `json:"today"`
	// QuotaCheckFrom is the date this year from which a room with fewer than ActivityQuota
	// activities is flagged; QuotaChecked says whether it has come.
	QuotaCheckFrom string `json:"quota_check_from"`
	QuotaChecked   bool   `json:"quota_checked"`
	ActivityQuota  int    `json:"activity_quota"`

	Totals StatsTotals `json:"totals"`
	// RoomsByLevel has one entry per level, in RoomLevels order.
	RoomsByLevel []StatsLevel `json:"rooms_by_level"`
	// Rooms lists every room, flagged rooms first, then by level and name.
	Rooms []StatsRoom `json:"rooms"`

	OpinionsByChannel  []StatsCount `json:"opinions_by_channel"`
	OpinionsByCategory []StatsCount `json:"opinions_by_category"`
	TopicsByStatus     []StatsCount `json:"topics_by_status"`
	TopicsByCategory   []StatsCount `json:"topics_by_category"`
	// RecommendationsByStatus, the overdue list and the problems solved are the state today,
	// whatever the period.
	RecommendationsByStatus []StatsCount `json:"recommendations_by_status"`
	// Overdue lists the recommendations past their due date and not settled, the longest
	// overdue first, at most StatsOptions.OverdueLimit of them (Totals.Overdue counts all).
	Overdue []StatsOverdue `json:"overdue"`
	// Members are the members who collected most opinions in the period, at most
	// StatsOptions.MemberLimit of them.
	Members []StatsMember `json:"members"`
}

// StatsTotals are the headline figures.
type StatsTotals struct {
	Rooms        int64 `json:"rooms"`
	RoomsFlagged int64 `json:"rooms_flagged"`
	// ActivitiesThisYear counts every room's activities held this calendar year.
	ActivitiesThisYear int64 `json:"activities_this_year"`
	// Activities counts the activities held in the period.
	Activities      int64 `json:"activities"`
	Opinions        int64 `json:"opinions"`
	OpinionsAdopted int64 `json:"opinions_adopted"`
	Topics          int64 `json:"topics"`
	Recommendations int64 `json:"recommendations"`
	// ProblemsSolved is the number of recommendations done (解决问题).
	ProblemsSolved int64 `json:"problems_solved"`
	Overdue        int64 `json:"overdue"`
	// Ratings are the residents' verdicts on closed topics, county-wide.
	Ratings StatsRatings `json:"ratings"`
}

// StatsRatings counts residents' verdicts (群众评价), as they stand today whatever the
// period. Rate is the share of satisfied and basically satisfied verdicts, 0–1; nil when
// there are none.
type StatsRatings struct {
	Total              int64    `json:"total"`
	Satisfied          int64    `json:"satisfied"`
	BasicallySatisfied int64    `json:"basically_satisfied"`
	Unsatisfied        int64    `json:"unsatisfied"`
	Rate               *float64 `json:"rate"`
}

func (r *StatsRatings) add(rating string, n int64) {
	switch rating {
	case RatingSatisfied:
		r.Satisfied += n
	case RatingBasicallySatisfied:
		r.BasicallySatisfied += n
	case RatingUnsatisfied:
		r.Unsatisfied += n
	default:
		return
	}
	r.Total += n
	rate := float64(r.Satisfied+r.BasicallySatisfied) / float64(r.Total)
	r.Rate = &rate
}

// StatsCount is one bar of a breakdown.
type StatsCount struct {
	Key   string `json:"key"`
	Count int64  `json:"count"`
}

// StatsLevel sums up the rooms of one level.
type StatsLevel struct {
	Level              string `json:"level"`
	Rooms              int64  `json:"rooms"`
	ChecklistComplete  int64  `json:"checklist_complete"`
	BelowQuota         int64  `json:"below_quota"`
	Flagged            int64  `json:"flagged"`
	ActivitiesThisYear int64  `json:"activities_this_year"`
}

// Reasons a room is flagged.
const (
	StatsFlagChecklist  = "checklist_incomplete"
	StatsFlagBelowQuota = "below_quota"
)

// StatsRoom is one room on the dashboard.
type StatsRoom struct {
	ID                 string    `json:"id"`
	Name               string    `json:"name"`
	Level              string    `json:"level"`
	Checklist          Checklist `json:"checklist"`
	ChecklistComplete  bool      `json:"checklist_complete"`
	ActivitiesThisYear int64     `json:"activities_this_year"`
	// BelowQuota says the room has fewer than ActivityQuota activities this year, whether or
	// not the quota is checked yet.
	BelowQuota bool `json:"below_quota"`
	// Members counts the room's conveners and members.
	Members int64 `json:"members"`
	Flagged bool  `json:"flagged"`
	// Flags says why a room is flagged: StatsFlagChecklist, StatsFlagBelowQuota.
	Flags []string `json:"flags"`
	// Ratings are the verdicts on the room's closed topics.
	Ratings StatsRatings `json:"ratings"`
}

// StatsOverdue is a recommendation past its due date and not settled.
type StatsOverdue struct {
	RecommendationID string `json:"recommendation_id"`
	Content          string `json:"content"`
	Unit             string `json:"unit"`
	Status           string `json:"status"`
	DueOn            string `json:"due_on"`
	DaysOverdue      int    `json:"days_overdue"`
	TopicID          string `json:"topic_id"`
	TopicTitle       string `json:"topic_title"`
	RoomID           string `json:"room_id"`
	RoomName         string `json:"room_name"`
}

// StatsMember is what one member collected in the period and how much of it was adopted.
type StatsMember struct {
	UserID    string `json:"user_id"`
	Name      string `json:"name"`
	Collected int64  `json:"collected"`
	Adopted   int64  `json:"adopted"`
}

// StatsOptions chooses the period and the rules of the dashboard. The zero value is this
// calendar year with the default rules.
type StatsOptions struct {
	// From and To are dates (2006-01-02), both included; empty means the first or the last
	// day of this year.
	From, To string
	// QuotaCheckFrom is the day of the year ("MM-DD") from which rooms below the activity
	// quota are flagged; empty means DefaultQuotaCheckFrom.
	QuotaCheckFrom string
	// MemberLimit caps the member list (default 50); OverdueLimit the overdue list (100).
	MemberLimit  int
	OverdueLimit int
}

// DefaultQuotaCheckFrom is the day from which a room is expected to have held its yearly
// quota of activities: by mid-year a room with fewer than three is falling behind.
const DefaultQuotaCheckFrom = "07-01"

const dateLayout = DateLayout

// StatsRecStatuses lists the statuses of a recommendation in the order they are reported.
var StatsRecStatuses = []string{"pending", "in_progress", "done", "not_adopted"}

// statsOpenRec are the recommendation statuses still being worked on: past the due date
// they are overdue.
var statsOpenRec = []string{"pending", "in_progress"}

// statsPeriod is a resolved StatsOptions: half-open [from, to) in UTC and the day it is.
type statsPeriod struct {
	from, to         time.Time
	today            time.Time
	yearStart        time.Time
	nextYear         time.Time
	quotaFrom        time.Time
	quotaChecked     bool
	memberLimit      int
	overdueLimit     int
	fromDay, lastDay string
}

// resolve checks the options against the store's clock. Days are UTC days, as everywhere
// else in the store.
func (o StatsOptions) resolve(now time.Time) (statsPeriod, error) {
	p := Problems{}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	yearStart := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	nextYear := yearStart.AddDate(1, 0, 0)
	from, to := yearStart, nextYear
	if o.From != "" {
		from, _ = ParseDate(p, "from", o.From)
	}
	if o.To != "" {
		d, _ := ParseDate(p, "to", o.To)
		to = d.AddDate(0, 0, 1)
	}
	if len(p) == 0 && !from.Before(to) {
		p.Add("to", "must not be before from")
	}
	quota := o.QuotaCheckFrom
	if quota == "" {
		quota = DefaultQuotaCheckFrom
	}
	qd, err := time.Parse("01-02", quota)
	if err != nil {
		p.Add("quota_check_from", "must be a day of the year like 07-01")
	}
	if err := p.Err(); err != nil {
		return statsPeriod{}, err
	}
	quotaFrom := time.Date(now.Year(), qd.Month(), qd.Day(), 0, 0, 0, 0, time.UTC)
	sp := statsPeriod{from: from, to: to, today: today, yearStart: yearStart, nextYear: nextYear,
		quotaFrom: quotaFrom, quotaChecked: !today.Before(quotaFrom),
		memberLimit: o.MemberLimit, overdueLimit: o.OverdueLimit,
		fromDay: from.Format(dateLayout), lastDay: to.AddDate(0, 0, -1).Format(dateLayout)}
	if sp.memberLimit <= 0 {
		sp.memberLimit = 50
	}
	if sp.overdueLimit <= 0 {
		sp.overdueLimit = 100
	}
	return sp, nil
}

// Stats computes the county dashboard. Each figure is one aggregate query; nothing is
// counted row by row here. The queries run on their own connections, so Stats is not for
// use inside a transaction.
func (s *Store) Stats(ctx context.Context, o StatsOptions) (*Stats, error) {
	p, err := o.resolve(s.now())
	if err != nil {
		return nil, err
	}
	st := &Stats{From: p.fromDay, To: p.lastDay, Today: p.today.Format(dateLayout),
		QuotaCheckFrom: p.quotaFrom.Format(dateLayout), QuotaChecked: p.quotaChecked, ActivityQuota: ActivityQuota}
	// Two lanes of queries run side by side, each opinion scan in its own: the dashboard
	// takes about as long as its slowest lane, and holds no more than two connections
	// (SQLite's pool is small, and writers need one).
	type step struct {
		what string
		run  func(context.Context, statsPeriod, *Stats) error
	}
	lanes := [][]step{
		{{"opinions", s.statsOpinions}, {"rooms", s.statsRooms}, {"rooms by level", s.statsLevels}, {"topics", s.statsTopics}},
		{{"members", s.statsMembers}, {"recommendations", s.statsRecommendations}, {"overdue", s.statsOverdue}, {"activities", s.statsActivities}},
	}
	errs := make([]error, len(lanes))
	var wg sync.WaitGroup
	for i, lane := range lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, step := range lane {
				if err := step.run(ctx, p, st); err != nil {
					errs[i] = fmt.Errorf("models: stats %s: %w", step.what, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// After the lanes: the verdicts go onto the rooms they listed.
	if err := s.statsRatings(ctx, st); err != nil {
		return nil, fmt.Errorf("models: stats ratings: %w", err)
	}
	return st, nil
}

func (s *Store) statsRatings(ctx context.Context, st *Stats) error {
	rows, err := s.conn(ctx).Raw(`SELECT room_id, rating, COUNT(*) FROM ratings GROUP BY room_id, rating`).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	byRoom := map[string]*StatsRatings{}
	for i := range st.Rooms {
		byRoom[st.Rooms[i].ID] = &st.Rooms[i].Ratings
	}
	for rows.Next() {
		var room, rating string
		var n int64
		if err := rows.Scan(&room, &rating, &n); err != nil {
			return err
		}
		st.Totals.Ratings.add(rating, n)
		if r := byRoom[room]; r != nil {
			r.add(rating, n)
		}
	}
	return rows.Err()
}

// blankChars are removed before a room's rules are judged empty, so rules of nothing but
// whitespace count as missing on the dashboard as they do on the room's page.
var blankChars = []any{"\t", "\n", "\r", "\v", "\f", "\u00a0", "\u3000"}

// roomFactsSQL selects one row per room with its six haves (as 0/1), its member count and its
// activities this year (those held: heldActivitySQL). Its parameters are blankChars, then the year's start and end.
const roomFactsSQL = `SELECT r.id, r.name, r.level, r.address,
  CASE WHEN r.address <> '' THEN 1 ELSE 0 END AS venue,
  CASE WHEN r.has_door_plate THEN 1 ELSE 0 END AS door_plate,
  CASE WHEN TRIM(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(r.rules, ?, ''), ?, ''), ?, ''), ?, ''), ?, ''), ?, ''), ?, '')) <> '' THEN 1 ELSE 0 END AS has_rules,
  CASE WHEN COALESCE(m.conveners, 0) > 0 THEN 1 ELSE 0 END AS has_convener,
  CASE WHEN COALESCE(m.members, 0) > 0 THEN 1 ELSE 0 END AS has_members,
  CASE WHEN COALESCE(a.total, 0) > 0 THEN 1 ELSE 0 END AS has_records,
  COALESCE(m.conveners, 0) + COALESCE(m.members, 0) AS member_count,
  COALESCE(a.this_year, 0) AS this_year
FROM rooms r
LEFT JOIN (SELECT room_id,
    SUM(CASE WHEN role = 'convener' THEN 1 ELSE 0 END) AS conveners,
    SUM(CASE WHEN role = 'member' THEN 1 ELSE 0 END) AS members
  FROM memberships GROUP BY room_id) m ON m.room_id = r.id
LEFT JOIN (SELECT room_id, COUNT(*) AS total,
    SUM(CASE WHEN held_at >= ? AND held_at < ? THEN 1 ELSE 0 END) AS this_year
  FROM activities WHERE ` + heldActivitySQL + ` GROUP BY room_id) a ON a.room_id = r.id`

// roomStatusSQL adds to roomFactsSQL whether the checklist is complete, whether the room is
// below quota and whether it is flagged. Its parameters, in the order they appear: 1 when
// the quota is checked already (else 0), the quota, then roomFactsSQL's.
const roomStatusSQL = `SELECT g.*,
  CASE WHEN g.complete = 0 OR (g.below_quota = 1 AND ? = 1) THEN 1 ELSE 0 END AS flagged
FROM (SELECT f.*,
    CASE WHEN f.venue = 1 AND f.door_plate = 1 AND f.has_rules = 1 AND f.has_convener = 1
      AND f.has_members = 1 AND f.has_records = 1 THEN 1 ELSE 0 END AS complete,
    CASE WHEN f.this_year < ? THEN 1 ELSE 0 END AS below_quota
  FROM (` + roomFactsSQL + `) f) g`

// roomStatusArgs are the parameters of roomStatusSQL, in order.
func roomStatusArgs(p statsPeriod) []any {
	checked := 0
	if p.quotaChecked {
		checked = 1
	}
	args := append([]any{checked, ActivityQuota}, blankChars...)
	return append(args, p.yearStart, p.nextYear)
}

// levelOrderSQL orders rooms by level as RoomLevels lists them.
func levelOrderSQL(col string) string {
	var b strings.Builder
	b.WriteString("CASE " + col)
	for i, l := range RoomLevels {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", l, i)
	}
	fmt.Fprintf(&b, " ELSE %d END", len(RoomLevels))
	return b.String()
}

func (s *Store) statsRooms(ctx context.Context, p statsPeriod, st *Stats) error {
	q := `SELECT x.id, x.name, x.level, x.venue, x.door_plate, x.has_rules, x.has_convener, x.has_members,
  x.has_records, x.complete, x.this_year, x.below_quota, x.member_count, x.flagged
FROM (` + roomStatusSQL + `) x
ORDER BY x.flagged DESC, ` + levelOrderSQL("x.level") + `, x.name, x.id`
	rows, err := s.conn(ctx).Raw(q, roomStatusArgs(p)...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	st.Rooms = []StatsRoom{}
	for rows.Next() {
		var (
			r                                                  StatsRoom
			venue, plate, rules, conv, mem, recs, complete, bq int
			flagged                                            int
		)
		if err := rows.Scan(&r.ID, &r.Name, &r.Level, &venue, &plate, &rules, &conv, &mem, &recs, &complete,
			&r.ActivitiesThisYear, &bq, &r.Members, &flagged); err != nil {
			return err
		}
		r.Checklist = Checklist{Venue: venue == 1, DoorPlate: plate == 1, Rules: rules == 1, Convener: conv == 1,
			Members: mem == 1, ActivityRecords: recs == 1}
		r.ChecklistComplete, r.BelowQuota, r.Flagged = complete == 1, bq == 1, flagged == 1
		r.Flags = []string{}
		if !r.ChecklistComplete {
			r.Flags = append(r.Flags, StatsFlagChecklist)
		}
		if r.BelowQuota && p.quotaChecked {
			r.Flags = append(r.Flags, StatsFlagBelowQuota)
		}
		st.Rooms = append(st.Rooms, r)
	}
	return rows.Err()
}

func (s *Store) statsLevels(ctx context.Context, p statsPeriod, st *Stats) error {
	q := `SELECT x.level, COUNT(*), SUM(x.complete), SUM(x.below_quota), SUM(x.flagged), SUM(x.this_year)
FROM (` + roomStatusSQL + `) x GROUP BY x.level`
	var got []StatsLevel
	rows, err := s.conn(ctx).Raw(q, roomStatusArgs(p)...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var l StatsLevel
		if err := rows.Scan(&l.Level, &l.Rooms, &l.ChecklistComplete, &l.BelowQuota, &l.Flagged, &l.ActivitiesThisYear); err != nil {
			return err
		}
		got = append(got, l)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	byLevel := map[string]StatsLevel{}
	for _, l := range got {
		byLevel[l.Level] = l
		st.Totals.Rooms += l.Rooms
		st.Totals.RoomsFlagged += l.Flagged
		st.Totals.ActivitiesThisYear += l.ActivitiesThisYear
	}
	st.RoomsByLevel = make([]StatsLevel, 0, len(RoomLevels))
	for _, level := range knownFirst(RoomLevels, byLevel) {
		l := byLevel[level]
		l.Level = level
		st.RoomsByLevel = append(st.RoomsByLevel, l)
	}
	return nil
}

// knownFirst lists the known keys in their order, then any other key found, sorted.
func knownFirst[V any](known []string, found map[string]V) []string {
	out := append([]string{}, known...)
	var extra []string
	for k := range found {
		if !oneOf(k, known...) {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	return append(out, extra...)
}

// countBy turns the rows of a GROUP BY into a breakdown: every known key in its order, zero
// when absent, then any other key found.
func countBy(known []string, found map[string]int64) []StatsCount {
	keys := knownFirst(known, found)
	out := make([]StatsCount, len(keys))
	for i, k := range keys {
		out[i] = StatsCount{Key: k, Count: found[k]}
	}
	return out
}

// categoryNames lists the configured categories in their order.
func (s *Store) categoryNames(ctx context.Context) ([]string, error) {
	var names []string
	err := s.conn(ctx).Raw("SELECT name FROM categories ORDER BY position, name").Scan(&names).Error
	return names, err
}

// statsOpinions reads the opinions of the period grouped by channel, category and status
// at once, and folds the few groups into the breakdowns: one pass over the table.
func (s *Store) statsOpinions(ctx context.Context, p statsPeriod, st *Stats) error {
	rows, err := s.conn(ctx).Raw(`SELECT channel, category, status, COUNT(*) FROM opinions
WHERE created_at >= ? AND created_at < ? GROUP BY channel, category, status`, p.from, p.to).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	byChannel, byCategory := map[string]int64{}, map[string]int64{}
	for rows.Next() {
		var channel, category, status string
		var n int64
		if err := rows.Scan(&channel, &category, &status, &n); err != nil {
			return err
		}
		byChannel[channel] += n
		byCategory[category] += n
		st.Totals.Opinions += n
		if status == OpinionAdopted {
			st.Totals.OpinionsAdopted += n
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	cats, err := s.categoryNames(ctx)
	if err != nil {
		return err
	}
	st.OpinionsByChannel = countBy([]string{ChannelDoorToDoor, ChannelForum, ChannelOnline}, byChannel)
	st.OpinionsByCategory = countBy(cats, byCategory)
	return nil
}

func (s *Store) statsMembers(ctx context.Context, p statsPeriod, st *Stats) error {
	rows, err := s.conn(ctx).Raw(`SELECT c.collector_id, COALESCE(u.name, ''), c.collected, c.adopted
FROM (SELECT collector_id, COUNT(*) AS collected,
    SUM(CASE WHEN status = ? THEN 1 ELSE 0 END) AS adopted
  FROM opinions WHERE created_at >= ? AND created_at < ? GROUP BY collector_id) c
LEFT JOIN users u ON u.id = c.collector_id
ORDER BY c.collected DESC, c.adopted DESC, c.collector_id
LIMIT ?`, OpinionAdopted, p.from, p.to, p.memberLimit).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	st.Members = []StatsMember{}
	for rows.Next() {
		var m StatsMember
		if err := rows.Scan(&m.UserID, &m.Name, &m.Collected, &m.Adopted); err != nil {
			return err
		}
		st.Members = append(st.Members, m)
	}
	return rows.Err()
}

func (s *Store) statsTopics(ctx context.Context, p statsPeriod, st *Stats) error {
	rows, err := s.conn(ctx).Raw(`SELECT status, category, COUNT(*) FROM topics
WHERE created_at >= ? AND created_at < ? GROUP BY status, category`, p.from, p.to).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	byStatus, byCategory := map[string]int64{}, map[string]int64{}
	for rows.Next() {
		var status, category string
		var n int64
		if err := rows.Scan(&status, &category, &n); err != nil {
			return err
		}
		byStatus[status] += n
		byCategory[category] += n
		st.Totals.Topics += n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	cats, err := s.categoryNames(ctx)
	if err != nil {
		return err
	}
	st.TopicsByStatus = countBy(TopicStatuses, byStatus)
	st.TopicsByCategory = countBy(cats, byCategory)
	return nil
}

func (s *Store) statsRecommendations(ctx context.Context, p statsPeriod, st *Stats) error {
	rows, err := s.conn(ctx).Raw(`SELECT status, COUNT(*) FROM recommendations GROUP BY status`).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	byStatus := map[string]int64{}
	for rows.Next() {
		var status string
		var n int64
		if err := rows.Scan(&status, &n); err != nil {
			return err
		}
		byStatus[status] = n
		st.Totals.Recommendations += n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	st.RecommendationsByStatus = countBy(StatsRecStatuses, byStatus)
	st.Totals.ProblemsSolved = byStatus["done"]
	return s.conn(ctx).Raw(`SELECT COUNT(*) FROM recommendations WHERE status IN (?, ?) AND due_on < ?`,
		statsOpenRec[0], statsOpenRec[1], p.today).Row().Scan(&st.Totals.Overdue)
}

func (s *Store) statsOverdue(ctx context.Context, p statsPeriod, st *Stats) error {
	rows, err := s.conn(ctx).Raw(`SELECT rec.id, rec.content, rec.unit, rec.status, rec.due_on, t.id, t.title,
  t.room_id, COALESCE(r.name, '')
FROM recommendations rec
JOIN topics t ON t.id = rec.topic_id
LEFT JOIN rooms r ON r.id = t.room_id
WHERE rec.status IN (?, ?) AND rec.due_on < ?
ORDER BY rec.due_on, t.created_at, t.id, rec.position
LIMIT ?`, statsOpenRec[0], statsOpenRec[1], p.today, p.overdueLimit).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	st.Overdue = []StatsOverdue{}
	for rows.Next() {
		var o StatsOverdue
		var due ledgerTime
		if err := rows.Scan(&o.RecommendationID, &o.Content, &o.Unit, &o.Status, &due, &o.TopicID, &o.TopicTitle,
			&o.RoomID, &o.RoomName); err != nil {
			return err
		}
		o.DueOn = due.date()
		if due.Valid {
			d := time.Date(due.Time.Year(), due.Time.Month(), due.Time.Day(), 0, 0, 0, 0, time.UTC)
			o.DaysOverdue = int(p.today.Sub(d).Hours() / 24)
		}
		st.Overdue = append(st.Overdue, o)
	}
	return rows.Err()
}

func (s *Store) statsActivities(ctx context.Context, p statsPeriod, st *Stats) error {
	return s.conn(ctx).Raw(`SELECT COUNT(*) FROM activities WHERE held_at >= ? AND held_at < ? AND `+heldActivitySQL, p.from, p.to).
		Row().Scan(&st.Totals.Activities)
}

// ledgerTime reads a time or a date whatever form the driver gives it in: MySQL parses
// them, SQLite hands over text when a value is computed (MAX, a DATE column).
type ledgerTime struct {
	Time  time.Time
	Valid bool
}

var ledgerTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05",
	time.RFC3339Nano,
	dateLayout,
}

// Scan implements sql.Scanner.
func (t *ledgerTime) Scan(v any) error {
	t.Time, t.Valid = time.Time{}, false
	var text string
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		t.Time, t.Valid = x.UTC(), true
		return nil
	case string:
		text = x
	case []byte:
		text = string(x)
	default:
		return fmt.Errorf("models: cannot read %T as a time", v)
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	for _, layout := range ledgerTimeLayouts {
		if tm, err := time.Parse(layout, text); err == nil {
			t.Time, t.Valid = tm.UTC(), true
			return nil
		}
	}
	return fmt.Errorf("models: cannot read %q as a time", text)
}

// date is the UTC day of t, or "" when there is none.
func (t ledgerTime) date() string {
	if !t.Valid {
		return ""
	}
	return t.Time.Format(dateLayout)
}

var _ sql.Scanner = (*ledgerTime)(nil)
