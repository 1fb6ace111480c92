package models

import (
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// The rules every value from outside meets before it reaches the database: text without
// control characters, times within a sane range, ids in one canonical form. Validate
// methods and query parsing use these, so a value is judged the same way everywhere.

// Years a date or time from outside may fall in. Beyond them lie values no record of the
// programme carries and that MySQL cannot store (year 0, or year 10000 once a day is added).
const (
	MinYear = 2000
	MaxYear = 2100
)

// DateLayout is the form of a calendar day in requests and answers.
const DateLayout = "2006-01-02"

// CheckTime records a problem for field when t falls outside MinYear–MaxYear. The zero time
// is left to the caller (it usually means "not given").
func CheckTime(p Problems, field string, t time.Time) {
	if t.IsZero() {
		return
	}
	if y := t.UTC().Year(); y < MinYear || y > MaxYear {
		p.Add(field, fmt.Sprintf("must fall in the years %d to %d", MinYear, MaxYear))
	}
}

// ParseDate reads a calendar day (2006-01-02) within MinYear–MaxYear, recording a problem
// for field when it is not one.
func ParseDate(p Problems, field, v string) (time.Time, bool) {
	d, err := time.Parse(DateLayout, v)
	if err != nil {
		p.Add(field, "must be a date like 2026-01-31")
		return time.Time{}, false
	}
	n := len(p)
	CheckTime(p, field, d)
	return d, len(p) == n
}

// ParseDateOrTime reads a calendar day or an RFC 3339 time within MinYear–MaxYear,
// recording a problem for field when it is neither.
func ParseDateOrTime(p Problems, field, v string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		if t, err = time.Parse(DateLayout, v); err != nil {
			p.Add(field, "must be a date (2006-01-02) or an RFC 3339 time")
			return time.Time{}, false
		}
	}
	n := len(p)
	CheckTime(p, field, t)
	return t.UTC(), len(p) == n
}

// ValidID reports whether id is a UUID in its canonical text form: lower-case hex in the
// 8-4-4-4-12 groups. Ids are compared as text, so one id has one spelling.
func ValidID(id string) bool {
	if len(id) != 36 {
		return false
	}
	u, err := uuid.Parse(id)
	return err == nil && u.String() == id
}

// CheckID records a problem for field when id, if given, is not a canonical UUID.
func CheckID(p Problems, field, id string) {
	if id != "" && !ValidID(id) {
		p.Add(field, "must be a lower-case UUID (8-4-4-4-12 hex digits)")
	}
}

// CheckText records a problem for field when value is longer than max characters (max 0:
// no limit) or holds characters that have no place in it: C0 controls, DEL, C1 controls,
// Unicode line and paragraph separators and bidirectional overrides. Multi-line text (a
// description, minutes, a note) may hold line feeds and tabs; single-line text (a name, a
// title, an address) holds none of them.
func CheckText(p Problems, field, value string, max int, multiline bool) {
	if max > 0 && utf8.RuneCountInString(value) > max {
		p.Add(field, fmt.Sprintf("must be at most %d characters", max))
		return
	}
	if !utf8.ValidString(value) {
		p.Add(field, "must be valid UTF-8 text")
		return
	}
	for _, r := range value {
		if multiline && slices.Contains(MultilineRunes, r) {
			continue
		}
		if forbiddenRune(r) {
			if multiline {
				p.Add(field, "must not contain control characters (only line breaks and tabs)")
			} else {
				p.Add(field, "must be one line without control characters")
			}
			return
		}
	}
}

// forbiddenRune reports whether r is a control or formatting character that text from
// outside must not carry (ForbiddenRunes): it hides content, breaks CSV and logs, or
// reorders what is shown.
func forbiddenRune(r rune) bool {
	for _, rg := range ForbiddenRunes {
		if r >= rg[0] && r <= rg[1] {
			return true
		}
	}
	return false
}
