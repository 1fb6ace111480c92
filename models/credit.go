package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Credit kinds (履职积分的类别): what a member did that the county counts.
const (
	CreditOpinionCollected   = "opinion_collected"   // an opinion collected in the field
	CreditOpinionAdopted     = "opinion_adopted"     // an opinion adopted into a topic that both bodies approved
	CreditTopicLed           = "topic_led"           // a topic drafted as convener and approved
	CreditResearchAttended   = "research_attended"   // present at a topic's research
	CreditMeetingAttended    = "meeting_attended"    // present at a consultation meeting
	CreditActivityAttended   = "activity_attended"   // present at another room activity
	CreditRecommendationDone = "recommendation_done" // a recommendation followed up until done
)

// CreditKinds lists the kinds in the order people see them.
var CreditKinds = CreditWords.Codes()

// The records a credit points to.
const (
	CreditSourceOpinion        = "opinion"
	CreditSourceTopic          = "topic"
	CreditSourceActivity       = "activity"
	CreditSourceRecommendation = "recommendation"
)

// Bounds of what a rule may say.
const (
	MaxCreditPoints = 1000
	MaxCreditLine   = 100000
)

// DefaultCreditRule is the rule of a year nobody has set and that has no earlier year to
// follow.
func DefaultCreditRule(year int) CreditRule {
	return CreditRule{Year: year, Line: 20, Points: map[string]int{
		CreditOpinionCollected: 1, CreditOpinionAdopted: 3, CreditTopicLed: 5, CreditResearchAttended: 2,
		CreditMeetingAttended: 3, CreditActivityAttended: 1, CreditRecommendationDone: 2,
	}}
}

// CreditRule is the county's rule of one year: points per kind and the line (the yearly
// minimum total). Version 0 is a rule nobody set for that year: the latest earlier year's, or
// the default; each change raises it.
type CreditRule struct {
	Year      int            `json:"year" gorm:"primaryKey;autoIncrement:false"`
	Version   int            `json:"version"`
	Line      int            `json:"line"`
	Points    map[string]int `json:"points" gorm:"serializer:json"`
	UpdatedBy string         `json:"updated_by"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// TableName is the rule table's name.
func (CreditRule) TableName() string { return "credit_rules" }

// CreditRuleInput is what an admin sends to change a year's rule. Kinds left out keep their
// points; a missing line keeps the line.
type CreditRuleInput struct {
	Year   int            `json:"year"`
	Line   *int           `json:"line"`
	Points map[string]int `json:"points"`
}

// Validate checks the year, the line and each kind's points.
func (in *CreditRuleInput) Validate() error {
	p := Problems{}
	CheckYear(p, "year", in.Year)
	if in.Line != nil && (*in.Line < 0 || *in.Line > MaxCreditLine) {
		p.Add("line", fmt.Sprintf("must be 0 to %d", MaxCreditLine))
	}
	for k, v := range in.Points {
		if !CreditWords.Has(k) {
			p.Add("points", "has a kind that is not a credit kind: "+clipKey(k))
		} else if v < 0 || v > MaxCreditPoints {
			p.Add("points", fmt.Sprintf("must each be 0 to %d", MaxCreditPoints))
		}
	}
	return p.Err()
}

// clipKey shortens a key from outside before it is echoed in a message.
func clipKey(k string) string {
	if r := []rune(k); len(r) > 32 {
		return string(r[:32]) + "…"
	}
	return strconv.Quote(k)
}

// CheckYear records a problem for field when y is not a year between MinYear and MaxYear.
func CheckYear(p Problems, field string, y int) {
	if y < MinYear || y > MaxYear {
		p.Add(field, fmt.Sprintf("must be a year from %d to %d", MinYear, MaxYear))
	}
}

// ParseYear reads a year from a query parameter, or the year of now when v is empty.
func ParseYear(p Problems, field, v string, now time.Time) int {
	if v == "" {
		return now.UTC().Year()
	}
	y, err := strconv.Atoi(v)
	if err != nil {
		p.Add(field, fmt.Sprintf("must be a year from %d to %d", MinYear, MaxYear))
		return 0
	}
	CheckYear(p, field, y)
	return y
}

// CreditRuleFor returns the rule of year: the stored one, else the latest earlier year's (as
// version 0), else the default.
func (s *Store) CreditRuleFor(ctx context.Context, year int) (*CreditRule, error) {
	var r CreditRule
	err := s.conn(ctx).Where("year <= ?", year).Order("year DESC").Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		d := DefaultCreditRule(year)
		return &d, nil
	}
	if err != nil {
		return nil, fmt.Errorf("models: credit rule: %w", err)
	}
	if r.Year != year {
		r = CreditRule{Year: year, Line: r.Line, Points: r.Points}
	}
	r.fill()
	return &r, nil
}

// fill gives a kind the rule does not name (one added since) its default points.
func (r *CreditRule) fill() {
	if r.Points == nil {
		r.Points = map[string]int{}
	}
	for k, v := range DefaultCreditRule(r.Year).Points {
		if _, ok := r.Points[k]; !ok {
			r.Points[k] = v
		}
	}
}

// lockCreditRule reads year's stored rule, locked on MySQL until the transaction ends, or
// nil when none is stored. Changing a rule and rescoring its year both take this lock, so a
// rescore scores under one version.
func (s *Store) lockCreditRule(ctx context.Context, year int) (*CreditRule, error) {
	var r CreditRule
	q := s.conn(ctx)
	if s.dialect == DialectMySQL {
		q = q.Clauses(lockingClause())
	}
	err := q.Where("year = ?", year).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("models: lock credit rule: %w", err)
	}
	r.fill()
	return &r, nil
}

// SetCreditRule changes a year's rule and raises its version. Credits already given keep
// their points until the year is rescored (RescoreCredits). Call it in the transaction that
// also writes its audit row.
func (s *Store) SetCreditRule(ctx context.Context, v *Viewer, in CreditRuleInput) (*CreditRule, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	cur, err := s.lockCreditRule(ctx, in.Year)
	if err != nil {
		return nil, err
	}
	stored := cur != nil
	if !stored {
		if cur, err = s.CreditRuleFor(ctx, in.Year); err != nil {
			return nil, err
		}
	}
	next := CreditRule{Year: in.Year, Version: cur.Version + 1, Line: cur.Line, Points: map[string]int{},
		UpdatedBy: v.ID, UpdatedAt: s.now().UTC().Truncate(time.Microsecond)}
	for k, v := range cur.Points {
		next.Points[k] = v
	}
	for k, v := range in.Points {
		next.Points[k] = v
	}
	if in.Line != nil {
		next.Line = *in.Line
	}
	if !stored {
		err = s.conn(ctx).Create(&next).Error
		if isDuplicate(err) {
			return nil, Errorf(CodeConflict, "the rule of %d was changed meanwhile; read it and try again", in.Year)
		}
	} else {
		var points []byte
		if points, err = json.Marshal(next.Points); err == nil {
			err = s.conn(ctx).Model(&CreditRule{}).Where("year = ? AND version = ?", in.Year, cur.Version).
				Updates(map[string]any{"version": next.Version, "line": next.Line, "points": string(points),
					"updated_by": next.UpdatedBy, "updated_at": next.UpdatedAt}).Error
		}
	}
	if err != nil {
		return nil, fmt.Errorf("models: set credit rule: %w", err)
	}
	return &next, nil
}

// Credit is one append-only row of a member's duty record (履职积分), pointing to the record
// that earned it. Revision 0 is the row the record earned, scored by the rule of its year
// as it stood then (RuleVersion); a rescore under rule version n appends a row of revision n
// holding the difference, so the sum of a source's rows is its points and no row changes.
// A record that stops earning (attendance changed from present) gets a reversal, revision
// -1, of the episode's sum; if it earns again, its next episode starts at revision 0.
type Credit struct {
	ID          int64     `json:"-" gorm:"primaryKey;autoIncrement"`
	UserID      string    `json:"user_id"`
	Kind        string    `json:"kind"`
	SourceKind  string    `json:"source_kind"`
	SourceID    string    `json:"source_id"`
	Episode     int       `json:"episode"`
	Revision    int       `json:"revision"`
	Year        int       `json:"year"`
	Points      int       `json:"points"`
	RuleVersion int       `json:"rule_version"`
	At          time.Time `json:"at"`
	CreatedAt   time.Time `json:"-"`
}

// TableName is the credit table's name.
func (Credit) TableName() string { return "credits" }

// CreditReversal is the revision of a row that takes an episode's points back.
const CreditReversal = -1

// CreditLag is how far before its mark a pass of the credits job reads again. A record's
// time is taken inside its transaction and may become visible later than a record with a
// later time (MySQL commits out of order; the instances' clocks differ a little); the
// notify worker waits 3 s for the same reason. A minute covers long transactions and clock
// skew for the price of reading again a minute of records, which the unique key then drops.
const CreditLag = time.Minute

// creditSource is one record that earns a kind of credit for a user.
type creditSource struct {
	UserID, SourceID string
	At               time.Time
	ActivityKind     string
	Episode          int
}

// creditQuery finds records that have not yet earned their credit: kind, the source kind,
// and the SQL (a SELECT of user_id, source_id, at and, for attendance, activity_kind and
// episode, with NOT EXISTS against credits) to which a window on changed and a user filter
// are appended.
type creditQuery struct {
	mark             string // the name of the query's watermark in credit_marks
	kind, sourceKind string
	sql              string
	userColumn       string // the column a fill for one user filters on
	// changed is the column holding when a record last changed in a way that bears on its
	// credit; a pass reads only records changed since its mark, less CreditLag.
	changed string
	// reverse, for records that can stop earning, selects the open episodes (their row of
	// revision 0: user_id, source_id, kind, episode, year, at, rule_version) of records that
	// no longer earn; empty where a record, once earning, always does.
	reverse string
}

// unearned is the NOT EXISTS clause of a source query: no row of revision 0 yet for this
// record, kind and user. The unique key credits_source answers it by index.
func unearned(kind, sourceKind, sourceID, userID string) string {
	return "NOT EXISTS (SELECT 1 FROM credits c WHERE c.source_kind = '" + sourceKind + "' AND c.source_id = " + sourceID +
		" AND c.kind = '" + kind + "' AND c.user_id = " + userID + " AND c.revision = 0)"
}

// openEpisode is the EXISTS clause of a record with an episode not reversed: its credit
// stands. Attendance's kind follows the activity's, so the clause names none.
func openEpisode(sourceKind, sourceID, userID string) string {
	return "EXISTS (SELECT 1 FROM credits c WHERE c.source_kind = '" + sourceKind + "' AND c.source_id = " + sourceID +
		" AND c.user_id = " + userID + " AND c.revision = 0 AND " + notReversed("c") + ")"
}

// notReversed is the NOT EXISTS clause of an episode, the row of revision 0 aliased c,
// without a reversal.
func notReversed(c string) string {
	return "NOT EXISTS (SELECT 1 FROM credits r WHERE r.source_kind = " + c + ".source_kind AND r.source_id = " + c + ".source_id" +
		" AND r.kind = " + c + ".kind AND r.user_id = " + c + ".user_id AND r.episode = " + c + ".episode AND r.revision = " +
		strconv.Itoa(CreditReversal) + ")"
}

// creditQueries are the records that earn credit, and when each last changed in a way that
// bears on its credit. Approval by both bodies (approve_both) is when an opinion's adoption
// and a topic's lead count: before it, an opinion may still be taken off a draft, and after
// it a topic cannot move back (topicFlow), so the approval's history row is the change.
// An opinion earns its collection when stored (opinions are never deleted), and a
// recommendation's done note is final (recFlow has no way out of done). Only attendance can
// stop earning: a convener may change present to absent or leave, and back.
var creditQueries = []creditQuery{
	{mark: CreditOpinionCollected, kind: CreditOpinionCollected, sourceKind: CreditSourceOpinion, userColumn: "o.collector_id",
		changed: "o.created_at",
		sql: "SELECT o.collector_id AS user_id, o.id AS source_id, o.collected_at AS at FROM opinions o WHERE " +
			unearned(CreditOpinionCollected, CreditSourceOpinion, "o.id", "o.collector_id")},
	{mark: CreditOpinionAdopted, kind: CreditOpinionAdopted, sourceKind: CreditSourceOpinion, userColumn: "o.collector_id",
		changed: "h.at",
		sql: "SELECT o.collector_id AS user_id, o.id AS source_id, h.at AS at FROM topic_history h JOIN opinions o ON o.topic_id = h.topic_id" +
			" WHERE h.action = '" + ActApproveBoth + "' AND " + unearned(CreditOpinionAdopted, CreditSourceOpinion, "o.id", "o.collector_id")},
	{mark: CreditTopicLed, kind: CreditTopicLed, sourceKind: CreditSourceTopic, userColumn: "t.created_by",
		changed: "h.at",
		sql: "SELECT t.created_by AS user_id, t.id AS source_id, h.at AS at FROM topic_history h JOIN topics t ON t.id = h.topic_id" +
			" WHERE h.action = '" + ActApproveBoth + "' AND " + unearned(CreditTopicLed, CreditSourceTopic, "t.id", "t.created_by")},
	{mark: "attendance", kind: "", sourceKind: CreditSourceActivity, userColumn: "a.user_id",
		changed: "a.updated_at",
		sql: "SELECT a.user_id AS user_id, a.activity_id AS source_id, act.held_at AS at, act.kind AS activity_kind," +
			" (SELECT COALESCE(MAX(e.episode) + 1, 0) FROM credits e WHERE e.source_kind = '" + CreditSourceActivity +
			"' AND e.source_id = a.activity_id AND e.user_id = a.user_id) AS episode FROM attendance a" +
			" JOIN activities act ON act.id = a.activity_id WHERE a.status = '" + AttendPresent + "' AND NOT " +
			openEpisode(CreditSourceActivity, "a.activity_id", "a.user_id"),
		reverse: "SELECT c.user_id, c.source_id, c.kind, c.episode, c.year, c.at, c.rule_version FROM attendance a" +
			" JOIN credits c ON c.source_kind = '" + CreditSourceActivity + "' AND c.source_id = a.activity_id AND c.user_id = a.user_id" +
			" AND c.revision = 0 WHERE a.status <> '" + AttendPresent + "' AND " + notReversed("c")},
	// A unit's reply through its link may mark a recommendation done too; its note has no
	// user, and the credit is a member's.
	{mark: CreditRecommendationDone, kind: CreditRecommendationDone, sourceKind: CreditSourceRecommendation, userColumn: "p.created_by",
		changed: "p.created_at",
		sql: "SELECT p.created_by AS user_id, p.recommendation_id AS source_id, p.created_at AS at FROM progress_notes p" +
			" WHERE p.to_status = '" + RecDone + "' AND p.from_status <> '" + RecDone + "' AND p.created_by IS NOT NULL AND " +
			unearned(CreditRecommendationDone, CreditSourceRecommendation, "p.recommendation_id", "p.created_by")},
}

// attendanceKind is the credit kind of being present at an activity of kind.
func attendanceKind(activityKind string) string {
	switch activityKind {
	case KindResearch:
		return CreditResearchAttended
	case KindConsultation:
		return CreditMeetingAttended
	}
	return CreditActivityAttended
}

// creditBatch bounds the records one statement reads and one insert writes.
const creditBatch = 500

// FillCredits appends the credit rows that records earned and do not have yet, and the
// reversals of those that stopped earning, for every user, and returns how many rows it
// added. It is the credits job (see api's Jobs): idempotent, and safe on several instances
// at once, as the unique key drops a row another instance added first. A pass reads only
// the records changed since the last complete pass began (the query's mark in
// credit_marks), less CreditLag; so its cost follows what changed, not what exists.
func (s *Store) FillCredits(ctx context.Context) (int, error) { return s.fillCredits(ctx, "") }

// FillUserCredits does what FillCredits does for one user's records only, through the
// indexes on the user's columns and whatever their age: a member who looks at their record
// sees what they did a moment ago, without waiting for the job. It leaves the marks alone.
func (s *Store) FillUserCredits(ctx context.Context, userID string) (int, error) {
	return s.fillCredits(ctx, userID)
}

func (s *Store) fillCredits(ctx context.Context, userID string) (int, error) {
	total := 0
	for _, q := range creditQueries {
		n, err := s.fillCreditQuery(ctx, q, userID)
		total += n
		if err != nil {
			return total, fmt.Errorf("models: fill credits (%s): %w", q.mark, err)
		}
	}
	return total, nil
}

// fillCreditQuery runs one query's batches, earning then reversing, and raises its mark to
// when the pass began once every batch is done: whatever committed before then was read.
func (s *Store) fillCreditQuery(ctx context.Context, q creditQuery, userID string) (int, error) {
	began := s.now()
	var since time.Time
	if userID == "" {
		mark, err := s.creditMark(ctx, q.mark)
		if err != nil {
			return 0, err
		}
		if !mark.IsZero() {
			since = mark.Add(-CreditLag)
		}
	}
	total, complete := 0, true
	steps := []func() (added, found int, err error){
		func() (int, int, error) { return s.fillCreditBatch(ctx, q, userID, since) },
	}
	if q.reverse != "" {
		steps = append(steps, func() (int, int, error) { return s.reverseCreditBatch(ctx, q, userID, since) })
	}
	for _, step := range steps {
		for {
			added, found, err := step()
			total += added
			if err != nil {
				return total, err
			}
			if found < creditBatch {
				break
			}
			if added == 0 {
				// A full batch of which nothing was new (another instance wrote it first)
				// would be read again: stop rather than spin, and leave the mark for a
				// pass that sees the rest.
				complete = false
				break
			}
		}
	}
	if userID == "" && complete {
		return total, s.raiseCreditMark(ctx, q.mark, began)
	}
	return total, nil
}

// creditSQL appends the window and the user filter to a query's SQL.
func creditSQL(sqlText string, q creditQuery, userID string, since time.Time) (string, []any) {
	var args []any
	if !since.IsZero() {
		sqlText += " AND " + q.changed + " > ?"
		args = append(args, since.UTC())
	}
	if userID != "" {
		sqlText += " AND " + q.userColumn + " = ?"
		args = append(args, userID)
	}
	return sqlText + " LIMIT " + strconv.Itoa(creditBatch), args
}

// fillCreditBatch adds the credits of up to creditBatch records changed after since,
// scored by the rule of each record's year as read in the same transaction, and says how
// many records it read.
func (s *Store) fillCreditBatch(ctx context.Context, q creditQuery, userID string, since time.Time) (added, read int, err error) {
	sqlText, args := creditSQL(q.sql, q, userID, since)
	err = s.Tx(ctx, func(tx *Store) error {
		var found []creditSource
		if err := tx.conn(ctx).Raw(sqlText, args...).Scan(&found).Error; err != nil {
			return err
		}
		read = len(found)
		if len(found) == 0 {
			return nil
		}
		rules := map[int]*CreditRule{}
		now := tx.now()
		rows := make([]Credit, 0, len(found))
		for _, f := range found {
			year := f.At.UTC().Year()
			r, ok := rules[year]
			if !ok {
				var err error
				if r, err = tx.CreditRuleFor(ctx, year); err != nil {
					return err
				}
				rules[year] = r
			}
			kind := q.kind
			if q.sourceKind == CreditSourceActivity {
				kind = attendanceKind(f.ActivityKind)
			}
			rows = append(rows, Credit{UserID: f.UserID, Kind: kind, SourceKind: q.sourceKind, SourceID: f.SourceID, Episode: f.Episode,
				Year: year, Points: r.Points[kind], RuleVersion: r.Version, At: f.At.UTC().Truncate(time.Microsecond), CreatedAt: now})
		}
		res := tx.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows)
		if res.Error != nil {
			return res.Error
		}
		added = int(res.RowsAffected)
		return nil
	})
	return added, read, err
}

// reverseCreditBatch appends the reversals of up to creditBatch open episodes whose records
// changed after since and no longer earn: each takes back the episode's sum (its row and
// any rescore's corrections), so the record's total is zero and its rows unchanged.
func (s *Store) reverseCreditBatch(ctx context.Context, q creditQuery, userID string, since time.Time) (added, read int, err error) {
	sqlText, args := creditSQL(q.reverse, q, userID, since)
	err = s.Tx(ctx, func(tx *Store) error {
		var open []Credit
		if err := tx.conn(ctx).Raw(sqlText, args...).Scan(&open).Error; err != nil {
			return err
		}
		read = len(open)
		if len(open) == 0 {
			return nil
		}
		// A rescore takes the year's rule lock before it sums; so does a reversal, so that
		// neither sums without the other's rows (on MySQL; SQLite writes one at a time).
		years, ids := []int{}, []string{}
		for _, c := range open {
			if !slices.Contains(years, c.Year) {
				years = append(years, c.Year)
			}
			ids = append(ids, c.SourceID)
		}
		slices.Sort(years)
		for _, y := range years {
			if _, err := tx.lockCreditRule(ctx, y); err != nil {
				return err
			}
		}
		var sums []struct {
			UserID, SourceID, Kind string
			Episode, Points        int
		}
		err := tx.conn(ctx).Model(&Credit{}).Select("user_id, source_id, kind, episode, SUM(points) AS points").
			Where("source_kind = ? AND source_id IN ?", q.sourceKind, ids).Group("user_id, source_id, kind, episode").Scan(&sums).Error
		if err != nil {
			return err
		}
		type key struct {
			user, source, kind string
			episode            int
		}
		sum := map[key]int{}
		for _, r := range sums {
			sum[key{r.UserID, r.SourceID, r.Kind, r.Episode}] = r.Points
		}
		now := tx.now()
		rows := make([]Credit, 0, len(open))
		for _, c := range open {
			rows = append(rows, Credit{UserID: c.UserID, Kind: c.Kind, SourceKind: q.sourceKind, SourceID: c.SourceID, Episode: c.Episode,
				Revision: CreditReversal, Year: c.Year, Points: -sum[key{c.UserID, c.SourceID, c.Kind, c.Episode}],
				RuleVersion: c.RuleVersion, At: c.At.UTC().Truncate(time.Microsecond), CreatedAt: now})
		}
		res := tx.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows)
		if res.Error != nil {
			return res.Error
		}
		added = int(res.RowsAffected)
		return nil
	})
	return added, read, err
}

// creditMarkRow is a row of credit_marks.
type creditMarkRow struct {
	Source string `gorm:"primaryKey"`
	Mark   time.Time
}

// TableName is the marks table's name.
func (creditMarkRow) TableName() string { return "credit_marks" }

// creditMark is a query's watermark: when the last complete pass of the credits job over
// it began, or the zero time before the first.
func (s *Store) creditMark(ctx context.Context, name string) (time.Time, error) {
	var marks []time.Time
	if err := s.conn(ctx).Table("credit_marks").Where("source = ?", name).Pluck("mark", &marks).Error; err != nil {
		return time.Time{}, fmt.Errorf("models: credit mark: %w", err)
	}
	if len(marks) == 0 {
		return time.Time{}, nil
	}
	return marks[0].UTC(), nil
}

// raiseCreditMark moves a query's mark to at, never back: a slow pass that began before
// another instance's leaves that one's mark.
func (s *Store) raiseCreditMark(ctx context.Context, name string, at time.Time) error {
	res := s.conn(ctx).Exec("UPDATE credit_marks SET mark = ? WHERE source = ? AND mark < ?", at.UTC(), name, at.UTC())
	if res.Error == nil && res.RowsAffected == 0 {
		res = s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&creditMarkRow{Source: name, Mark: at.UTC()})
	}
	if res.Error != nil {
		return fmt.Errorf("models: raise credit mark: %w", res.Error)
	}
	return nil
}

// Rescore is what a rescore of a year did.
type Rescore struct {
	Year        int `json:"year"`
	RuleVersion int `json:"rule_version"`
	Corrections int `json:"corrections"` // rows appended
}

// RescoreCredits brings every credit of year to the year's rule as it stands: for each
// record whose rows add up to other points than the rule now gives its kind, it appends a
// correction of the difference, marked with the rule's version. Rows are never changed. A
// year with no rule of its own gets one first (the rule it followed, as version 1), so each
// correction names a stored version. Running it again under the same version adds nothing.
// Call it in the transaction that writes its audit row.
func (s *Store) RescoreCredits(ctx context.Context, v *Viewer, year int) (*Rescore, error) {
	p := Problems{}
	CheckYear(p, "year", year)
	if err := p.Err(); err != nil {
		return nil, err
	}
	rule, err := s.lockCreditRule(ctx, year)
	if err != nil {
		return nil, err
	}
	if rule == nil {
		if rule, err = s.SetCreditRule(ctx, v, CreditRuleInput{Year: year}); err != nil {
			return nil, err
		}
	}
	// The rows of the year, summed per record in Go: an aggregate's time comes back from
	// SQLite as text, and a year's rows are few enough to read once for an admin's action.
	var have []Credit
	if err := s.conn(ctx).Where("year = ?", year).Order("id").Find(&have).Error; err != nil {
		return nil, fmt.Errorf("models: rescore credits: %w", err)
	}
	// Each episode is summed apart; a reversed one stays at zero whatever the rule says.
	type key struct {
		user, kind, sourceKind, sourceID string
		episode                          int
	}
	sums := map[key]*Credit{}
	reversed := map[key]bool{}
	var order []key
	for _, c := range have {
		k := key{c.UserID, c.Kind, c.SourceKind, c.SourceID, c.Episode}
		if c.Revision == CreditReversal {
			reversed[k] = true
		}
		if cur, ok := sums[k]; ok {
			cur.Points += c.Points
			continue
		}
		c := c
		sums[k] = &c
		order = append(order, k)
	}
	out := &Rescore{Year: year, RuleVersion: rule.Version}
	now := s.now()
	var rows []Credit
	for _, k := range order {
		c := sums[k]
		want := rule.Points[c.Kind]
		if reversed[k] || c.Points == want {
			continue
		}
		rows = append(rows, Credit{UserID: c.UserID, Kind: c.Kind, SourceKind: c.SourceKind, SourceID: c.SourceID, Episode: c.Episode,
			Revision: rule.Version, Year: year, Points: want - c.Points, RuleVersion: rule.Version,
			At: c.At.UTC().Truncate(time.Microsecond), CreatedAt: now})
	}
	for len(rows) > 0 {
		n := min(len(rows), creditBatch)
		res := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(rows[:n])
		if res.Error != nil {
			return nil, fmt.Errorf("models: rescore credits: %w", res.Error)
		}
		out.Corrections += int(res.RowsAffected)
		rows = rows[n:]
	}
	return out, nil
}
