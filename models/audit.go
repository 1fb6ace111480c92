package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Audit actions: what an audit row records. The list is the one place they are named; the
// API's filter accepts only these.
const (
	AuditSignIn          = "auth.sign_in"
	AuditSignInFailed    = "auth.sign_in_failed"
	AuditUserCreate      = "user.create"
	AuditUserUpdate      = "user.update"
	AuditUserDisable     = "user.disable"
	AuditUserImport      = "user.import"
	AuditFirstAdmin      = "setup.first_admin"
	AuditRoomCreate      = "room.create"
	AuditRoomUpdate      = "room.update"
	AuditMemberSet       = "membership.set"
	AuditMemberRemove    = "membership.remove"
	AuditCategoryCreate  = "category.create"
	AuditAnnouncement    = "announcement.create"
	AuditExport          = "export"
	AuditContactRead     = "opinion.contact_read"
	AuditResidentsErased = "retention.residents_erased"
	AuditLogPruned       = "retention.audit_pruned"
	AuditCreditRules     = "credit_rules.update"
	AuditCreditRescore   = "credit_rules.rescore"
	AuditUnitLinkIssue   = "unit_link.issue"
	AuditUnitLinkRevoke  = "unit_link.revoke"
)

// AuditActions gives every action its Chinese name, as the audit export shows it.
var AuditActions = AuditActionWords.Map()

// What an audit row is about.
const (
	AuditKindUser         = "user"
	AuditKindRoom         = "room"
	AuditKindCategory     = "category"
	AuditKindAnnouncement = "announcement"
	AuditKindExport       = "export"
	AuditKindOpinion      = "opinion"
	AuditKindCreditRules  = "credit_rules"
	// AuditKindRecommendation: a unit link is given out or taken back for a recommendation.
	AuditKindRecommendation = "recommendation"
)

// AuditEntry is one row of the audit trail (审计日志): who did what to which record, when and
// from which address. Rows are only ever added; the retention job alone deletes them, when
// they are older than the retention period. ActorID is empty (NULL, as the key to users
// requires) for an unknown caller (a failed sign-in) and for the server's own jobs.
type AuditEntry struct {
	ID         int64          `json:"id" gorm:"primaryKey;autoIncrement"`
	At         time.Time      `json:"at"`
	ActorID    string         `json:"actor_id" gorm:"default:null"`
	Action     string         `json:"action"`
	TargetKind string         `json:"target_kind"`
	TargetID   string         `json:"target_id"`
	IP         string         `json:"ip" gorm:"column:ip"`
	Detail     map[string]any `json:"detail" gorm:"serializer:json"`
}

// TableName is the audit table's name.
func (AuditEntry) TableName() string { return "audit_log" }

// AddAudit appends a row to the audit trail. Call it on the Store of the change's
// transaction, so the change and its record commit together or not at all.
func (s *Store) AddAudit(ctx context.Context, e *AuditEntry) error {
	if e.At.IsZero() {
		e.At = s.now()
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if e.Detail == nil {
		e.Detail = map[string]any{}
	}
	if err := s.conn(ctx).Create(e).Error; err != nil {
		return fmt.Errorf("models: add audit: %w", err)
	}
	return nil
}

// AuditFilter selects audit rows. From and To are dates (2006-01-02), both included.
type AuditFilter struct {
	ActorID string
	Action  string
	From    string
	To      string
	Page    Page

	from, to *time.Time
}

// Validate checks the filter: a user id, a known action, dates between the years 2000 and
// 2100, from not after to.
func (f *AuditFilter) Validate() error {
	p := Problems{}
	if f.ActorID != "" && !ValidID(f.ActorID) {
		p.Add("actor_id", "must be a user id")
	}
	if _, ok := AuditActions[f.Action]; f.Action != "" && !ok {
		p.Add("action", "is not an audit action")
	}
	day := func(name, v string) *time.Time {
		if v == "" {
			return nil
		}
		d, err := time.Parse(dateLayout, v)
		if err != nil || d.Year() < 2000 || d.Year() > 2100 {
			p.Add(name, "must be a date like 2026-01-31, in the years 2000 to 2100")
			return nil
		}
		return &d
	}
	f.from, f.to = day("from", f.From), day("to", f.To)
	if f.to != nil {
		end := f.to.AddDate(0, 0, 1)
		f.to = &end
	}
	if f.from != nil && f.to != nil && !f.from.Before(*f.to) {
		p.Add("to", "must not be before from")
	}
	if _, err := auditCursor(f.Page.Cursor); err != nil {
		p.Add("cursor", "is not a cursor this server issued")
	}
	return p.Err()
}

// ListAudit lists audit rows newest first. Rows are paged by id, which only grows, so a
// page stays stable while new rows arrive.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, string, error) {
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	limit := f.Page.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	q := s.conn(ctx).Model(&AuditEntry{})
	if f.ActorID != "" {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.from != nil {
		q = q.Where("at >= ?", *f.from)
	}
	if f.to != nil {
		q = q.Where("at < ?", *f.to)
	}
	if before, _ := auditCursor(f.Page.Cursor); before > 0 {
		q = q.Where("id < ?", before)
	}
	var rows []AuditEntry
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("models: list audit: %w", err)
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1]
		next = encodeCursor(last.At, strconv.FormatInt(last.ID, 10))
	}
	return rows, next, nil
}

// auditCursor reads the id a page starts below, from a cursor made by encodeCursor; 0 for
// the first page.
func auditCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	_, id, err := decodeKeyset(c)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n < 1 {
		return 0, errors.New("bad cursor")
	}
	return n, nil
}

// PruneAudit deletes audit rows from before cutoff, in batches, and returns how many went.
// It is the only delete of audit rows: the retention job's.
func (s *Store) PruneAudit(ctx context.Context, cutoff time.Time) (int64, error) {
	var total int64
	for {
		var ids []int64
		if err := s.conn(ctx).Model(&AuditEntry{}).Where("at < ?", cutoff.UTC()).Order("id").Limit(1000).Pluck("id", &ids).Error; err != nil {
			return total, fmt.Errorf("models: prune audit: %w", err)
		}
		if len(ids) == 0 {
			return total, nil
		}
		res := s.conn(ctx).Where("id IN ?", ids).Delete(&AuditEntry{})
		if res.Error != nil {
			return total, fmt.Errorf("models: prune audit: %w", res.Error)
		}
		total += res.RowsAffected
	}
}
