package models

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// The ledgers (台账) are what the county office files and prints: one entry per topic or
// per room. They are read from one database cursor and handed out an entry at a time, so an
// export of any size never sits in memory whole. No ledger holds a resident's name or
// phone, nor a unit's contact. How an entry is headed and worded is the export package's.

// ledgerConsensusRunes bounds the outcome text read for a topic's entry: a ledger shows a
// summary of it, never all of it.
const ledgerConsensusRunes = 1000

// LedgerFilter chooses the topics of the topic ledger by the day they were created.
type LedgerFilter struct {
	// From and To are dates (2006-01-02), both included; empty means no bound.
	From, To string
}

func (f LedgerFilter) bounds() (from, to *time.Time, err error) { return DayBounds(f.From, f.To) }

// DayBounds reads a period given as its first and last day (2006-01-02, both included;
// empty means no bound) as the times it starts and ends: from included, to excluded.
func DayBounds(first, last string) (from, to *time.Time, err error) {
	p := Problems{}
	if first != "" {
		d, _ := ParseDate(p, "from", first)
		from = &d
	}
	if last != "" {
		d, _ := ParseDate(p, "to", last)
		d = d.AddDate(0, 0, 1)
		to = &d
	}
	if len(p) == 0 && from != nil && to != nil && !from.Before(*to) {
		p.Add("to", "must not be before from")
	}
	return from, to, p.Err()
}

// ledgerTopicSQL reads one row per topic and recommendation (a topic without any gives one
// row), in the order of the ledger; the caller folds a topic's rows into one.
// Submission times are grouped once for every topic: a MAX per topic let SQLite walk the
// (action, at) index from the newest submission down for each topic, 30 times slower on a
// county of 5,000 topics (BenchmarkStats/TopicLedger).
var ledgerTopicSQL = `SELECT t.id, t.title, COALESCE(r.name, ''), t.category, t.source, t.status, t.created_at,
  sh.submitted_at,
  rc.created_at, COALESCE(rc.decision, ''), COALESCE(rc.comment, ''),
  rl.created_at, COALESCE(rl.decision, ''), COALESCE(rl.comment, ''),
  COALESCE(SUBSTR(o.consensus, 1, %d), ''),
  rec.id, COALESCE(rec.content, ''), COALESCE(rec.unit, ''), rec.due_on, COALESCE(rec.status, ''),
  ` + ratingCountsSQL("t.id", "topic_id") + `
FROM topics t
LEFT JOIN rooms r ON r.id = t.room_id
LEFT JOIN (SELECT topic_id, MAX(at) AS submitted_at FROM topic_history WHERE action = 'submit' GROUP BY topic_id) sh ON sh.topic_id = t.id
LEFT JOIN reviews rc ON rc.topic_id = t.id AND rc.round = t.round AND rc.body = 'county'
LEFT JOIN reviews rl ON rl.topic_id = t.id AND rl.round = t.round AND rl.body = 'local'
LEFT JOIN outcomes o ON o.topic_id = t.id
LEFT JOIN recommendations rec ON rec.topic_id = t.id
WHERE %s
ORDER BY t.created_at, t.id, rec.position, rec.id`

// TopicLedgerEntry is one topic of the topic ledger (议题台账). The reviews are those of the
// topic's latest round; a time is nil when the step has not happened.
type TopicLedgerEntry struct {
	ID, Title, Room, Category string
	Source, Status            string // the codes, e.g. SourceAssigned, TopicDraft
	Created, Submitted        *time.Time
	County, Local             LedgerReview
	Consensus                 string // the outcome's first characters ("" before an outcome)
	Recommendations           []LedgerRecommendation
	Ratings                   LedgerRatings
}

// LedgerRatings counts residents' verdicts (群众评价) on a topic or on a room's topics.
type LedgerRatings struct {
	Satisfied, BasicallySatisfied, Unsatisfied int64
}

// ratingCountsSQL selects the verdicts on the record whose id is idExpr, by column, as three
// columns: satisfied, basically satisfied, unsatisfied.
func ratingCountsSQL(idExpr, column string) string {
	var cols []string
	for _, r := range []string{RatingSatisfied, RatingBasicallySatisfied, RatingUnsatisfied} {
		cols = append(cols, fmt.Sprintf("(SELECT COUNT(*) FROM ratings g WHERE g.%s = %s AND g.rating = '%s')", column, idExpr, r))
	}
	return strings.Join(cols, ", ")
}

// LedgerReview is a body's decision on a topic, if any (Decision "" when none).
type LedgerReview struct {
	At                *time.Time
	Decision, Comment string
}

// LedgerRecommendation is one recommendation of a topic's outcome, in order.
type LedgerRecommendation struct {
	Content, Unit, Status string
	Due                   *time.Time
	Overdue               bool // past its due day and still being worked on
}

func (t ledgerTime) ptr() *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time
	return &v
}

// StreamTopicLedger reads the topic ledger and hands each topic's entry to fn, oldest topic
// first. An error from fn stops the read and is returned as it is.
func (s *Store) StreamTopicLedger(ctx context.Context, f LedgerFilter, fn func(TopicLedgerEntry) error) error {
	from, to, err := f.bounds()
	if err != nil {
		return err
	}
	where, args := "1 = 1", []any{}
	if from != nil {
		where += " AND t.created_at >= ?"
		args = append(args, *from)
	}
	if to != nil {
		where += " AND t.created_at < ?"
		args = append(args, *to)
	}
	now := s.now()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	rows, err := s.conn(ctx).Raw(fmt.Sprintf(ledgerTopicSQL, ledgerConsensusRunes, where), args...).Rows()
	if err != nil {
		return fmt.Errorf("models: topic ledger: %w", err)
	}
	defer rows.Close()
	var cur *TopicLedgerEntry
	emit := func() error {
		if cur == nil {
			return nil
		}
		return fn(*cur)
	}
	for rows.Next() {
		var (
			t                                   TopicLedgerEntry
			created, submitted, countyAt, locAt ledgerTime
			recID                               *string
			rec                                 LedgerRecommendation
			due                                 ledgerTime
		)
		if err := rows.Scan(&t.ID, &t.Title, &t.Room, &t.Category, &t.Source, &t.Status, &created, &submitted,
			&countyAt, &t.County.Decision, &t.County.Comment, &locAt, &t.Local.Decision, &t.Local.Comment,
			&t.Consensus, &recID, &rec.Content, &rec.Unit, &due, &rec.Status,
			&t.Ratings.Satisfied, &t.Ratings.BasicallySatisfied, &t.Ratings.Unsatisfied); err != nil {
			return fmt.Errorf("models: topic ledger: %w", err)
		}
		if cur == nil || cur.ID != t.ID {
			if err := emit(); err != nil {
				return err
			}
			t.Created, t.Submitted, t.County.At, t.Local.At = created.ptr(), submitted.ptr(), countyAt.ptr(), locAt.ptr()
			cur = &t
		}
		if recID != nil {
			rec.Due = due.ptr()
			rec.Overdue = due.Valid && due.Time.Before(today) && oneOf(rec.Status, statsOpenRec...)
			cur.Recommendations = append(cur.Recommendations, rec)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("models: topic ledger: %w", err)
	}
	return emit()
}

// RoomLedgerEntry is one room of the room ledger (议事室台账). Activities are counted for
// this calendar year; a room meets the standard (达标) when it has all six haves and is not
// below ActivityQuota.
type RoomLedgerEntry struct {
	ID, Name, Level, Address string
	// Haves are the six haves (六有) in order: venue, door plate, rules, convener, members,
	// activity records.
	Haves      [6]bool
	ThisYear   int64
	BelowQuota bool
	Members    int64
	Conveners  []string // names, in the order they joined
	Ratings    LedgerRatings
}

// StreamRoomLedger reads the room ledger and hands each room's entry to fn, by level and
// name.
func (s *Store) StreamRoomLedger(ctx context.Context, fn func(RoomLedgerEntry) error) error {
	p, err := StatsOptions{}.resolve(s.now())
	if err != nil {
		return err
	}
	q := `SELECT x.id, x.name, x.level, x.address, x.venue, x.door_plate, x.has_rules, x.has_convener,
  x.has_members, x.has_records, x.this_year, x.below_quota, x.member_count, COALESCE(u.name, ''),
  ` + ratingCountsSQL("x.id", "room_id") + `
FROM (` + roomStatusSQL + `) x
LEFT JOIN memberships mc ON mc.room_id = x.id AND mc.role = 'convener'
LEFT JOIN users u ON u.id = mc.user_id
ORDER BY ` + levelOrderSQL("x.level") + `, x.name, x.id, mc.created_at, mc.user_id`
	rows, err := s.conn(ctx).Raw(q, roomStatusArgs(p)...).Rows()
	if err != nil {
		return fmt.Errorf("models: room ledger: %w", err)
	}
	defer rows.Close()
	var cur *RoomLedgerEntry
	emit := func() error {
		if cur == nil {
			return nil
		}
		return fn(*cur)
	}
	for rows.Next() {
		var (
			r          RoomLedgerEntry
			haves      [6]int
			belowQuota int
			convener   string
		)
		if err := rows.Scan(&r.ID, &r.Name, &r.Level, &r.Address, &haves[0], &haves[1], &haves[2], &haves[3],
			&haves[4], &haves[5], &r.ThisYear, &belowQuota, &r.Members, &convener,
			&r.Ratings.Satisfied, &r.Ratings.BasicallySatisfied, &r.Ratings.Unsatisfied); err != nil {
			return fmt.Errorf("models: room ledger: %w", err)
		}
		if cur == nil || cur.ID != r.ID {
			if err := emit(); err != nil {
				return err
			}
			for i, h := range haves {
				r.Haves[i] = h == 1
			}
			r.BelowQuota = belowQuota == 1
			cur = &r
		}
		if convener != "" {
			cur.Conveners = append(cur.Conveners, convener)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("models: room ledger: %w", err)
	}
	return emit()
}
