// Package export turns what the store reads into the files the county office keeps: each
// ledger as a sheet of rows under Chinese headers, written out as CSV or XLSX. The store
// hands over plain entries; the names, the cell wording and the file formats are here; the
// API only wires a request to a sheet and a sheet to a response.
package export

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"frontline/models"
)

// Row is one row of a sheet, in the order of its headers: strings and whole numbers.
type Row []any

// Sheet is a ledger ready to be written out: what it is called, its columns, and where its
// rows come from.
type Sheet struct {
	Title   string // Chinese: names the sheet and the file
	ASCII   string // the file name for clients that cannot read an RFC 5987 name
	Headers []string
	Widths  []float64 // column widths in the spreadsheet
	// Rows hands each row to fn in order; an error from fn stops it and is returned as it is.
	Rows func(fn func(Row) error) error
}

// TopicHeaders are the columns of the topic ledger (议题台账). The review columns are those
// of the topic's latest round.
var TopicHeaders = []string{
	"序号", "议题", "议事室", "分类", "来源", "状态", "创建日期", "提交日期",
	"县政协党组审核日期", "县政协党组审核结论", "所在地党委审核日期", "所在地党委审核结论",
	"协商成果摘要", "意见建议及办理状态", "群众评价",
}

// RoomHeaders are the columns of the room ledger (议事室台账).
var RoomHeaders = []string{
	"序号", "议事室", "层级", "地址",
	"六有·场地", "六有·门牌", "六有·制度", "六有·召集人", "六有·委员", "六有·活动记录",
	"今年活动次数", "是否达标", "未达标原因", "成员数", "召集人", "群众评价",
}

// AuditHeaders are the columns of the audit export. Times are UTC, as the filter's days are.
var AuditHeaders = []string{"序号", "时间（UTC）", "操作人", "操作", "对象类型", "对象", "地址", "详情"}

// Chinese names of the values a ledger shows: the programme's words (models/words.go), the
// same the app shows.
var (
	levels        = models.LevelWords.Map()
	sources       = models.SourceWords.Map()
	topicStatuses = models.TopicWords.Map()
	decisions     = models.DecisionWords.Map()
	recStatuses   = models.RecWords.Map()
	// haves names the six haves in the order of the room ledger's columns.
	haves = []string{"场地", "门牌", "制度", "召集人", "委员", "活动记录"}
)

// name is the Chinese name of v, or v itself when it has none.
func name(names map[string]string, v string) string {
	if n, ok := names[v]; ok {
		return n
	}
	return v
}

// Lengths kept in a cell. A spreadsheet cell holds at most 32,767 characters.
const (
	summaryRunes = 200
	recRunes     = 200
	cellRunes    = 32000
)

// clip shortens s to n runes, marking the cut with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// date is the UTC day of t, or "" when there is none.
func date(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

// TopicLedger is the topic ledger of the topics f chooses, oldest first.
func TopicLedger(ctx context.Context, st *models.Store, f models.LedgerFilter) Sheet {
	return Sheet{Title: "议题台账", ASCII: "topic-ledger", Headers: TopicHeaders,
		Widths: []float64{6, 30, 20, 10, 10, 12, 12, 12, 12, 24, 12, 24, 40, 60, 30},
		Rows: func(fn func(Row) error) error {
			n := 0
			return st.StreamTopicLedger(ctx, f, func(t models.TopicLedgerEntry) error {
				n++
				return fn(topicRow(n, t))
			})
		}}
}

func topicRow(n int, t models.TopicLedgerEntry) Row {
	recs := make([]string, len(t.Recommendations))
	for i, r := range t.Recommendations {
		recs[i] = recommendation(i+1, r)
	}
	return Row{n, t.Title, t.Room, t.Category, name(sources, t.Source),
		name(topicStatuses, t.Status), date(t.Created), date(t.Submitted),
		date(t.County.At), decision(t.County), date(t.Local.At), decision(t.Local),
		clip(t.Consensus, summaryRunes), clip(strings.Join(recs, "\n"), cellRunes), ratings(t.Ratings)}
}

// ratings writes residents' verdicts as "满意 2，基本满意 1，不满意 1；满意率 75%", the rate
// counting the satisfied and the basically satisfied; "" when none was given.
func ratings(r models.LedgerRatings) string {
	total := r.Satisfied + r.BasicallySatisfied + r.Unsatisfied
	if total == 0 {
		return ""
	}
	w := models.RatingWords
	return fmt.Sprintf("%s %d，%s %d，%s %d；满意率 %d%%", w.Name(models.RatingSatisfied), r.Satisfied,
		w.Name(models.RatingBasicallySatisfied), r.BasicallySatisfied, w.Name(models.RatingUnsatisfied), r.Unsatisfied,
		(r.Satisfied+r.BasicallySatisfied)*100/total)
}

func decision(r models.LedgerReview) string {
	if r.Decision == "" {
		return ""
	}
	d := name(decisions, r.Decision)
	if comment := strings.TrimSpace(r.Comment); comment != "" {
		d += "：" + comment
	}
	return clip(d, cellRunes)
}

// recommendation writes one recommendation as a line of its topic's cell:
// "1. 内容（责任单位：…；期限：…；办理中，已逾期）".
func recommendation(n int, r models.LedgerRecommendation) string {
	state := name(recStatuses, r.Status)
	if r.Overdue {
		state += "，已逾期"
	}
	return fmt.Sprintf("%d. %s（责任单位：%s；期限：%s；%s）", n, clip(strings.TrimSpace(r.Content), recRunes), r.Unit, date(r.Due), state)
}

// RoomLedger is the room ledger, by level and name.
func RoomLedger(ctx context.Context, st *models.Store) Sheet {
	return Sheet{Title: "议事室台账", ASCII: "room-ledger", Headers: RoomHeaders,
		Widths: []float64{6, 24, 12, 24, 10, 10, 10, 12, 10, 14, 14, 10, 36, 8, 20, 30},
		Rows: func(fn func(Row) error) error {
			n := 0
			return st.StreamRoomLedger(ctx, func(r models.RoomLedgerEntry) error {
				n++
				return fn(roomRow(n, r))
			})
		}}
}

func roomRow(n int, r models.RoomLedgerEntry) Row {
	row := Row{n, r.Name, name(levels, r.Level), r.Address}
	var missing []string
	for i, h := range r.Haves {
		if h {
			row = append(row, "有")
		} else {
			row = append(row, "无")
			missing = append(missing, haves[i])
		}
	}
	var why []string
	if len(missing) > 0 {
		why = append(why, "六有缺："+strings.Join(missing, "、"))
	}
	if r.BelowQuota {
		why = append(why, fmt.Sprintf("今年活动不足%d次", models.ActivityQuota))
	}
	meets := "是"
	if len(why) > 0 {
		meets = "否"
	}
	return append(row, r.ThisYear, meets, strings.Join(why, "；"), r.Members, strings.Join(r.Conveners, "、"), ratings(r.Ratings))
}

// AuditLog is the audit trail f chooses, newest first, read a thousand rows at a time.
func AuditLog(ctx context.Context, st *models.Store, f models.AuditFilter) Sheet {
	return Sheet{Title: "审计日志", ASCII: "audit-log", Headers: AuditHeaders,
		Widths: []float64{8, 20, 38, 18, 12, 38, 16, 60},
		Rows: func(fn func(Row) error) error {
			f.Page = models.Page{Limit: 1000}
			n := 0
			for {
				rows, next, err := st.ListAudit(ctx, f)
				if err != nil {
					return err
				}
				for _, r := range rows {
					n++
					detail, _ := json.Marshal(r.Detail)
					if err := fn(Row{n, r.At.UTC().Format("2006-01-02 15:04:05"), r.ActorID, name(models.AuditActions, r.Action),
						r.TargetKind, r.TargetID, r.IP, string(detail)}); err != nil {
						return err
					}
				}
				if next == "" {
					return nil
				}
				f.Page.Cursor = next
			}
		}}
}
