package api

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"frontline/models"
)

// TestBadInputIsA4xx calls every route that takes JSON, as a caller allowed to use it, with
// bodies of the wrong shape: each field of the valid body in turn replaced by a value of
// another type, null, an over-long string or an absurd number, and bodies that are not
// objects at all. Each text field given a control character must be refused. Then every id
// in the path is replaced by garbage, which no record has (404). No answer may be a 5xx,
// and every error has the one error shape.
func TestBadInputIsA4xx(t *testing.T) {
	f := newFixture(t)
	ids := regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	for _, r := range f.h.srv.Routes() {
		key := r.Method + " " + r.Path
		rc := routeCases[key]
		if rc.stream || rc.raw != nil {
			continue
		}
		t.Run(strings.ReplaceAll(key, "/", "_"), func(t *testing.T) {
			t.Parallel()
			f := f.on(t)
			token := ""
			for _, role := range rc.allow {
				if a := f.byRole[role]; a != nil {
					token = a.token
					break
				}
			}
			failures := 0
			// call makes the case's state afresh (a variant that happens to be valid may
			// have moved its topic on) and sends body to the path, changed by at.
			call := func(what string, body any, at func(string) string) int {
				t.Helper()
				if rc.setup != nil {
					rc.setup(f)
				}
				path := at(f.pathOf(rc, r.Path))
				rec := f.h.do(r.Method, path, token, body)
				if rec.Code >= 500 && failures < 5 {
					failures++
					t.Errorf("%s %s with %s: %d %s", r.Method, path, what, rec.Code, rec.Body)
				}
				if rec.Code >= 400 && rec.Code < 500 {
					expectError(t, rec, rec.Code, "")
				}
				return rec.Code
			}
			same := func(p string) string { return p }
			if rc.body != nil {
				for _, b := range []string{`[]`, `"text"`, `42`, `null`, `{}`, `{"":{}}`} {
					call(b, b, same)
				}
				var fields map[string]any
				buf, _ := json.Marshal(rc.body(f))
				if err := json.Unmarshal(buf, &fields); err != nil {
					t.Fatal(err)
				}
				for name, v := range fields {
					for _, bad := range wrongValues(v) {
						body := maps.Clone(fields)
						body[name] = bad
						call(fmt.Sprintf("%s=%.60v", name, bad), body, same)
					}
					// Text with a control character in it is refused, not stored.
					if s, ok := v.(string); ok && !strings.Contains(name, "password") && !strings.Contains(name, "token") {
						for _, ctl := range []string{"\x00", "\x1b[2J", "\u202e", "\x7f"} {
							body := maps.Clone(fields)
							body[name] = s + ctl
							if code := call(fmt.Sprintf("%s=%q", name, body[name]), body, same); code < 400 {
								t.Errorf("%s %s accepted %s=%q: %d", r.Method, r.Path, name, body[name], code)
							}
						}
					}
				}
			}
			// Garbage in every query parameter a list, a filter or a page reads.
			if r.Method == "GET" {
				for _, q := range badQueries {
					call("query "+q, nil, func(p string) string { return p + "?" + q })
				}
			}
			// Garbage where an id or code goes in the path.
			var body any
			if rc.body != nil {
				body = rc.body(f)
			}
			for _, junk := range []string{"not-an-id", strings.Repeat("9", 300), "%00", "..%2F..%2Fetc", "00000000-0000-0000-0000-000000000000"} {
				call("path "+junk, body, func(p string) string { return ids.ReplaceAllString(p, junk) })
			}
			// An id that is not in its one canonical spelling names no record.
			if ids.MatchString(f.pathOf(rc, r.Path)) {
				for _, spell := range []func(string) string{strings.ToUpper, func(id string) string { return "{" + id + "}" },
					func(id string) string { return strings.ReplaceAll(id, "-", "") }, func(id string) string { return "urn:uuid:" + id }} {
					if code := call("a non-canonical id", body, func(p string) string { return ids.ReplaceAllStringFunc(p, spell) }); code != 404 {
						t.Errorf("%s %s with the id spelled %s: %d, want 404", r.Method, r.Path, spell("id"), code)
					}
				}
			}
		})
	}
}

var badQueries = func() []string {
	var out []string
	for _, name := range []string{"limit", "cursor", "from", "to", "room_id", "status", "q", "mine", "channel",
		"category", "kind", "unread", "collector_id", "topic_id", "after", "before", "level", "actor_id", "action", "year", "sector", "sort"} {
		for _, v := range []string{"-1", "abc", "99999999999999999999", "2030-13-45", "%00", "%ZZ", strings.Repeat("x", 5000), ""} {
			out = append(out, name+"="+v)
		}
	}
	return append(out, "limit=1&limit=2", "cursor=eyJ4IjoxfQ", "cursor="+strings.Repeat("A", 4000), "from=2030-01-01&to=2020-01-01",
		// Dates a database cannot store, also once a day is added to them.
		"from=0000-01-01", "to=0000-01-01", "from=9999-12-31", "to=9999-12-31", "from=0000-01-01T00:00:00Z",
		"cursor="+base64.RawURLEncoding.EncodeToString([]byte("0000-01-01T00:00:00Z|"+models.NewID())),
		"q="+strings.Repeat("x", 60000), "q="+strings.Repeat("长", 300))
}()

// wrongValues are values of the wrong type, or absurd ones, for a field whose valid value is v.
func wrongValues(v any) []any {
	common := []any{nil, map[string]any{"x": 1}, []any{nil}}
	switch x := v.(type) {
	case string:
		// Long text: 3-byte characters up to just below a 50,000-character limit, and
		// 4-byte ones just past what a 64 KiB column holds.
		return append(common, 12345, true, strings.Repeat("长", 49999), strings.Repeat("𠀀", 16400),
			"\x00\uFFFD", "2030-13-45T99:99:99Z", " ", "0000-01-01T00:00:00Z", "0000-01-01", "9999-12-31", "0001-01-01T00:00:00Z")
	case float64:
		return append(common, "12", -1, 1e308, 0.5, -9223372036854775808)
	case bool:
		return append(common, "true", 1)
	case []any:
		out := append(common, "x", []any{123}, []any{[]any{}}, []any{map[string]any{"": nil}})
		if len(x) > 0 {
			// The first element made wrong in its turn.
			for _, w := range wrongValues(x[0]) {
				out = append(out, append([]any{w}, x[1:]...))
			}
			out = append(out, slices.Repeat([]any{x[0]}, 1000))
		}
		return out
	case map[string]any:
		out := append(common, "x", []any{})
		for k, w := range x {
			for _, bad := range wrongValues(w) {
				m := maps.Clone(x)
				m[k] = bad
				out = append(out, m)
			}
		}
		return out
	default:
		return common
	}
}
