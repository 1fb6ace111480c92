package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"
	"testing"

	"frontline/models"
)

func TestErrorsHaveOneShape(t *testing.T) {
	h := newHarness(t)
	admin := h.user(models.RoleAdmin, "")
	expectError(t, h.do("GET", "/api/v1/no/such/thing", admin.token, nil), 404, "not_found")
	expectError(t, h.do("GET", "/api/v1/no/such/thing", "", nil), 404, "not_found")
	expectError(t, h.do("POST", "/api/v1/users", admin.token, `{"phone": "1`), 400, "bad_request")
	expectError(t, h.do("POST", "/api/v1/users", admin.token, `{"a":1}{"b":2}`), 400, "bad_request")
	expectError(t, h.do("POST", "/api/v1/users", admin.token, nil), 400, "bad_request")
	expectError(t, h.do("POST", "/api/v1/users", admin.token, `{"phone":"`+strings.Repeat("1", 2<<20)+`"}`), 413, "too_large")
	rec := h.do("DELETE", "/api/v1/me", admin.token, nil)
	if rec.Code != http.StatusMethodNotAllowed && rec.Code != http.StatusNotFound {
		t.Fatalf("DELETE /me: %d", rec.Code)
	}
	expectError(t, rec, rec.Code, "")
}

func TestWrongContentType(t *testing.T) {
	h := newHarness(t)
	admin := h.user(models.RoleAdmin, "")
	req := h.do("POST", "/api/v1/categories", admin.token, map[string]string{"name": "x"})
	expect(t, req, 201)
	r := newRawRequest("POST", "/api/v1/categories", "name=y", "application/x-www-form-urlencoded", admin.token)
	expectError(t, h.serve(r), 415, "unsupported")
}

func TestHealthAndReadiness(t *testing.T) {
	h := newHarness(t)
	expect(t, h.do("GET", "/healthz", "", nil), 200)
	expect(t, h.do("GET", "/readyz", "", nil), 200)
	h.srv.probes = map[string]func(context.Context) error{"photos": func(context.Context) error { return errors.New("connection refused") }}
	rec := h.do("GET", "/readyz", "", nil)
	expect(t, rec, 503)
	var body struct {
		Checks map[string]string `json:"checks"`
	}
	mustDecode(t, rec, &body)
	if body.Checks["database"] != "ok" || !strings.HasPrefix(body.Checks["photos"], "down") {
		t.Fatalf("readyz does not say which dependency failed: %s", rec.Body)
	}
	h.store.Close()
	mustDecode(t, h.do("GET", "/readyz", "", nil), &body)
	if !strings.HasPrefix(body.Checks["database"], "down") {
		t.Fatalf("closed database reported %q", body.Checks["database"])
	}
}

func TestMetrics(t *testing.T) {
	h := newHarness(t)
	admin := h.user(models.RoleAdmin, "")
	h.do("GET", "/api/v1/users/some-id", admin.token, nil)
	body := scrape(t, h)
	for _, want := range []string{
		`frontline_http_requests_total{method="GET",route="/api/v1/users/:id",status="404"} 1`,
		`frontline_http_request_duration_seconds_bucket`,
		`go_goroutines`,
		`go_sql_open_connections{db_name="frontline"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestOpenAPIMatchesRoutes keeps the served document true to the route table both ways.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	h := newHarness(t)
	rec := h.do("GET", "/api/v1/openapi.json", "", nil)
	expect(t, rec, 200)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	mustDecode(t, rec, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			if m == "parameters" {
				continue
			}
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	registered := map[string]bool{}
	for _, r := range h.srv.Routes() {
		registered[r.Method+" "+openAPIPath(r.Path)] = true
	}
	var missing, extra []string
	for k := range registered {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !registered[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes missing from openapi.json:\n  %s", strings.Join(missing, "\n  "))
	}
	if len(extra) > 0 {
		t.Errorf("openapi.json documents routes that do not exist:\n  %s", strings.Join(extra, "\n  "))
	}
}

// openAPIPath turns /rooms/:id into /rooms/{id}, relative to the /api/v1 server URL.
func openAPIPath(p string) string {
	p = strings.TrimPrefix(p, "/api/v1")
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}
