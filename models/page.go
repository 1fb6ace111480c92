package models

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// List limits.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Page asks for one page of a list, newest first. Cursor is the opaque next_cursor of the
// previous page; empty starts at the newest.
type Page struct {
	Limit  int
	Cursor string
}

// Validate clamps the limit and checks the cursor can be read.
func (p *Page) Validate() error {
	if p.Limit == 0 {
		p.Limit = DefaultLimit
	}
	prob := Problems{}
	if p.Limit < 1 || p.Limit > MaxLimit {
		prob.Add("limit", fmt.Sprintf("must be between 1 and %d", MaxLimit))
	}
	// The key is checked where the page is read: most tables' keys are ids, the audit log's a number.
	if _, _, err := decodeKeyset(p.Cursor); err != nil {
		prob.Add("cursor", "is not a cursor this server issued")
	}
	return prob.Err()
}

// A cursor is the (time, id) of the last row of a page: the keyset the next page starts
// after, so pages stay stable while new rows arrive.
func encodeCursor(t time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(t.UTC().Format(time.RFC3339Nano) + "|" + id))
}

func decodeCursor(c string) (time.Time, string, error) {
	t, id, err := decodeKeyset(c)
	if err != nil || (id != "" && !ValidID(id)) {
		return time.Time{}, "", fmt.Errorf("bad cursor")
	}
	return t, id, nil
}

// decodeKeyset reads a cursor's time, checked, and its key as text, for tables whose key is
// not an id (the audit log's is a number).
func decodeKeyset(c string) (time.Time, string, error) {
	if c == "" {
		return time.Time{}, "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", err
	}
	ts, id, ok := strings.Cut(string(raw), "|")
	if !ok || id == "" {
		return time.Time{}, "", fmt.Errorf("bad cursor")
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return time.Time{}, "", err
	}
	p := Problems{}
	CheckTime(p, "cursor", t)
	if t.IsZero() || len(p) > 0 {
		return time.Time{}, "", fmt.Errorf("bad cursor")
	}
	return t.UTC(), id, nil
}

// listPage runs q as one keyset page ordered by (timeCol, idCol) descending. It reads one
// row more than asked to know whether a next page exists, so a full last page has no cursor.
func listPage[T any](q *gorm.DB, p Page, timeCol, idCol string, key func(*T) (time.Time, string)) ([]T, string, error) {
	if p.Limit <= 0 {
		p.Limit = DefaultLimit
	}
	t, id, err := decodeCursor(p.Cursor)
	if err != nil {
		return nil, "", Invalid("cursor", "is not a cursor this server issued")
	}
	if id != "" {
		q = q.Where(fmt.Sprintf("(%s < ? OR (%s = ? AND %s < ?))", timeCol, timeCol, idCol), t, t, id)
	}
	var rows []T
	if err := q.Order(timeCol + " DESC").Order(idCol + " DESC").Limit(p.Limit + 1).Find(&rows).Error; err != nil {
		return nil, "", fmt.Errorf("models: list: %w", err)
	}
	next := ""
	if len(rows) > p.Limit {
		rows = rows[:p.Limit]
		next = encodeCursor(key(&rows[len(rows)-1]))
	}
	return rows, next, nil
}
