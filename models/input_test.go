package models

import (
	"strings"
	"testing"
	"time"
)

func TestCheckText(t *testing.T) {
	cases := []struct {
		v         string
		multiline bool
		ok        bool
	}{
		{"东街污水外溢", false, true},
		{"第一行\n第二行\t完", true, true},
		{"第一行\n第二行", false, false},
		{"a\tb", false, false},
		{"a\x00b", true, false},
		{"a\rb", true, false},
		{"a\x1bb", true, false},
		{"a\x7fb", true, false},
		{"a\u0085b", true, false},
		{"a\u2028b", true, false},
		{"a\u202eb", false, false},
		{"a\u2067b", true, false},
		{strings.Repeat("长", 10), false, true},
		{strings.Repeat("长", 11), false, false},
	}
	for _, c := range cases {
		p := Problems{}
		CheckText(p, "f", c.v, 10, c.multiline)
		if (len(p) == 0) != c.ok {
			t.Errorf("CheckText(%q, multiline=%v): %v, want ok=%v", c.v, c.multiline, p, c.ok)
		}
	}
}

func TestCheckTimeAndDates(t *testing.T) {
	for _, c := range []struct {
		v  string
		ok bool
	}{
		{"2026-03-01", true}, {"2000-01-01", true}, {"2100-12-31", true},
		{"1999-12-31", false}, {"2101-01-01", false}, {"0000-01-01", false}, {"9999-12-31", false},
		{"2026-13-01", false}, {"", false},
	} {
		p := Problems{}
		_, ok := ParseDate(p, "d", c.v)
		if ok != c.ok || (len(p) == 0) != c.ok {
			t.Errorf("ParseDate(%q) = %v %v, want %v", c.v, ok, p, c.ok)
		}
		p = Problems{}
		_, ok = ParseDateOrTime(p, "d", c.v)
		if ok != c.ok {
			t.Errorf("ParseDateOrTime(%q) = %v, want %v", c.v, ok, c.ok)
		}
	}
	p := Problems{}
	CheckTime(p, "t", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC))
	if p["t"] == "" {
		t.Error("year 0 accepted")
	}
}

func TestValidID(t *testing.T) {
	good := NewID()
	for _, c := range []struct {
		id string
		ok bool
	}{
		{good, true}, {strings.ToUpper(good), false}, {"{" + good[:34] + "}", false},
		{strings.ReplaceAll(good, "-", ""), false}, {"urn:uuid:" + good, false}, {"", false}, {"not-an-id", false},
	} {
		if ValidID(c.id) != c.ok {
			t.Errorf("ValidID(%q) = %v", c.id, !c.ok)
		}
	}
}
