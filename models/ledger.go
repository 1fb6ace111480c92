package models

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The ledgers (台账) are what the county office files and prints: one row per topic or per
// room, headed in Chinese. They are read from one database cursor and handed out a row at a
// time, so an export of any size never sits in memory whole. No ledger holds a resident's
// name or phone, nor a unit's contact.

// LedgerRow is one row of a ledger, in the order of its headers: strings and whole numbers.
type LedgerRow []any

// LedgerTopicHeaders are the columns of the topic ledger (议题台账). The review columns are
// those of the topic's latest round.
var LedgerTopicHeaders = []string{
	"序号", "议题", "议事室", "分类", "来源", "状态", "创建日期", "提交日期",
	"县政协党组审核日期", "县政协党组审核结论", "所在地党委审核日期", "所在地党委审核结论",
	"协商成果摘要", "意见建议及办理状态",
}

// LedgerRoomHeaders are the columns of the room ledger (议事室台账).
var LedgerRoomHeaders = []string{
	"序号", "议事室", "层级", "地址",
	"六有·场地", "六有·门牌", "六有·制度", "六有·召集人", "六有·委员", "六有·活动记录",
	"今年活动次数", "是否达标", "未达标原因", "成员数", "召集人",
}

// Chinese names of the values a ledger shows: the programme's words (words.go).
var (
	ledgerLevels        = LevelWords.Map()
	ledgerSources       = SourceWords.Map()
	ledgerTopicStatuses = TopicWords.Map()
	ledgerDecisions     = DecisionWords.Map()
	ledgerRecStatuses   = RecWords.Map()
)

// ledgerName is the Chinese name of v, or v itself when it has none.
func ledgerName(names map[string]string, v string) string {
	if n, ok := names[v]; ok {
		return n
	}
	return v
}

// Lengths kept in a ledger cell. A spreadsheet cell holds at most 32,767 characters.
const (
	ledgerSummaryRunes = 200
	ledgerRecRunes     = 200
	ledgerCellRunes    = 32000
)

// clip shortens s to n runes, marking the cut with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// LedgerFilter chooses the topics of the topic ledger by the day they were created.
type LedgerFilter struct {
	// From and To are dates (2006-01-02), both included; empty means no bound.
	From, To string
}

func (f LedgerFilter) bounds() (from, to *time.Time, err error) {
	p := Problems{}
	if f.From != "" {
		d, _ := ParseDate(p, "from", f.From)
		from = &d
	}
	if f.To != "" {
		d, _ := ParseDate(p, "to", f.To)
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
const ledgerTopicSQL = `SELECT t.id, t.title, COALESCE(r.name, ''), t.category, t.source, t.status, t.created_at,
  (SELECT MAX(h.at) FROM topic_history h WHERE h.topic_id = t.id AND h.action = 'submit') AS submitted_at,
  rc.created_at, COALESCE(rc.decision, ''), COALESCE(rc.comment, ''),
  rl.created_at, COALESCE(rl.decision, ''), COALESCE(rl.comment, ''),
  COALESCE(SUBSTR(o.consensus, 1, %d), ''),
  rec.id, COALESCE(rec.content, ''), COALESCE(rec.unit, ''), rec.due_on, COALESCE(rec.status, '')
FROM topics t
LEFT JOIN rooms r ON r.id = t.room_id
LEFT JOIN reviews rc ON rc.topic_id = t.id AND rc.round = t.round AND rc.body = 'county'
LEFT JOIN reviews rl ON rl.topic_id = t.id AND rl.round = t.round AND rl.body = 'local'
LEFT JOIN outcomes o ON o.topic_id = t.id
LEFT JOIN recommendations rec ON rec.topic_id = t.id
WHERE %s
ORDER BY t.created_at, t.id, rec.position, rec.id`

// ledgerTopic gathers the rows of one topic.
type ledgerTopic struct {
	id, title, room, category, source, status string
	created, submitted                        ledgerTime
	countyAt, localAt                         ledgerTime
	countyDecision, countyComment             string
	localDecision, localComment               string
	consensus                                 string
	recs                                      []string
}

func (t *ledgerTopic) row(n int) LedgerRow {
	return LedgerRow{n, t.title, t.room, t.category, ledgerName(ledgerSources, t.source),
		ledgerName(ledgerTopicStatuses, t.status), t.created.date(), t.submitted.date(),
		t.countyAt.date(), ledgerDecision(t.countyDecision, t.countyComment),
		t.localAt.date(), ledgerDecision(t.localDecision, t.localComment),
		clip(t.consensus, ledgerSummaryRunes), clip(strings.Join(t.recs, "\n"), ledgerCellRunes)}
}

func ledgerDecision(decision, comment string) string {
	if decision == "" {
		return ""
	}
	d := ledgerName(ledgerDecisions, decision)
	if comment = strings.TrimSpace(comment); comment != "" {
		d += "：" + comment
	}
	return clip(d, ledgerCellRunes)
}

// StreamTopicLedger reads the topic ledger and hands each topic's row to fn, oldest topic
// first. An error from fn stops the read and is returned as it is.
func (s *Store) StreamTopicLedger(ctx context.Context, f LedgerFilter, fn func(LedgerRow) error) error {
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
	rows, err := s.conn(ctx).Raw(fmt.Sprintf(ledgerTopicSQL, ledgerSummaryRunes+1, where), args...).Rows()
	if err != nil {
		return fmt.Errorf("models: topic ledger: %w", err)
	}
	defer rows.Close()
	var (
		cur *ledgerTopic
		n   int
	)
	emit := func() error {
		if cur == nil {
			return nil
		}
		n++
		return fn(cur.row(n))
	}
	for rows.Next() {
		var (
			t                     ledgerTopic
			recID                 *string
			content, unit, status string
			due                   ledgerTime
		)
		if err := rows.Scan(&t.id, &t.title, &t.room, &t.category, &t.source, &t.status, &t.created, &t.submitted,
			&t.countyAt, &t.countyDecision, &t.countyComment, &t.localAt, &t.localDecision, &t.localComment,
			&t.consensus, &recID, &content, &unit, &due, &status); err != nil {
			return fmt.Errorf("models: topic ledger: %w", err)
		}
		if cur == nil || cur.id != t.id {
			if err := emit(); err != nil {
				return err
			}
			cur = &t
		}
		if recID != nil {
			cur.recs = append(cur.recs, ledgerRecommendation(len(cur.recs)+1, content, unit, status, due, today))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("models: topic ledger: %w", err)
	}
	return emit()
}

// ledgerRecommendation writes one recommendation as a line of its topic's cell:
// "1. 内容（责任单位：…；期限：…；办理中，已逾期）".
func ledgerRecommendation(n int, content, unit, status string, due ledgerTime, today time.Time) string {
	state := ledgerName(ledgerRecStatuses, status)
	if due.Valid && due.Time.Before(today) && oneOf(status, statsOpenRec...) {
		state += "，已逾期"
	}
	return fmt.Sprintf("%d. %s（责任单位：%s；期限：%s；%s）", n, clip(strings.TrimSpace(content), ledgerRecRunes), unit, due.date(), state)
}

// StreamRoomLedger reads the room ledger and hands each room's row to fn, by level and
// name. Activities are counted for this calendar year; a room meets the standard (达标)
// when it has all six haves and at least ActivityQuota activities this year.
func (s *Store) StreamRoomLedger(ctx context.Context, fn func(LedgerRow) error) error {
	p, err := StatsOptions{}.resolve(s.now())
	if err != nil {
		return err
	}
	q := `SELECT x.id, x.name, x.level, x.address, x.venue, x.door_plate, x.has_rules, x.has_convener,
  x.has_members, x.has_records, x.this_year, x.complete, x.below_quota, x.member_count, COALESCE(u.name, '')
FROM (` + roomStatusSQL + `) x
LEFT JOIN memberships mc ON mc.room_id = x.id AND mc.role = 'convener'
LEFT JOIN users u ON u.id = mc.user_id
ORDER BY ` + levelOrderSQL("x.level") + `, x.name, x.id, mc.created_at, mc.user_id`
	rows, err := s.conn(ctx).Raw(q, roomStatusArgs(p)...).Rows()
	if err != nil {
		return fmt.Errorf("models: room ledger: %w", err)
	}
	defer rows.Close()
	var (
		cur *ledgerRoom
		n   int
	)
	emit := func() error {
		if cur == nil {
			return nil
		}
		n++
		return fn(cur.row(n))
	}
	for rows.Next() {
		var r ledgerRoom
		var convener string
		if err := rows.Scan(&r.id, &r.name, &r.level, &r.address, &r.haves[0], &r.haves[1], &r.haves[2], &r.haves[3],
			&r.haves[4], &r.haves[5], &r.thisYear, &r.complete, &r.belowQuota, &r.members, &convener); err != nil {
			return fmt.Errorf("models: room ledger: %w", err)
		}
		if cur == nil || cur.id != r.id {
			if err := emit(); err != nil {
				return err
			}
			cur = &r
		}
		if convener != "" {
			cur.conveners = append(cur.conveners, convener)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("models: room ledger: %w", err)
	}
	return emit()
}

// ledgerHaves names the six haves in the order of the room ledger's columns.
var ledgerHaves = []string{"场地", "门牌", "制度", "召集人", "委员", "活动记录"}

// ledgerRoom gathers the rows of one room (one per convener).
type ledgerRoom struct {
	id, name, level, address string
	haves                    [6]int
	thisYear, members        int64
	complete, belowQuota     int
	conveners                []string
}

func (r *ledgerRoom) row(n int) LedgerRow {
	row := LedgerRow{n, r.name, ledgerName(ledgerLevels, r.level), r.address}
	var missing []string
	for i, h := range r.haves {
		if h == 1 {
			row = append(row, "有")
		} else {
			row = append(row, "无")
			missing = append(missing, ledgerHaves[i])
		}
	}
	var why []string
	if len(missing) > 0 {
		why = append(why, "六有缺："+strings.Join(missing, "、"))
	}
	if r.belowQuota == 1 {
		why = append(why, fmt.Sprintf("今年活动不足%d次", ActivityQuota))
	}
	meets := "是"
	if len(why) > 0 {
		meets = "否"
	}
	return append(row, r.thisYear, meets, strings.Join(why, "；"), r.members, strings.Join(r.conveners, "、"))
}
