package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"frontline/models"
	"frontline/notify"
	"frontline/uploads"
)

func TestConfigDefaults(t *testing.T) {
	c, err := loadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "./data" || c.MySQLDSN != "" || c.MinIOEndpoint != "" || c.MinIOBucket != "frontline" || c.EventRetention != 180*24*time.Hour ||
		c.AuditRetention != 1095*24*time.Hour || c.ResidentRetention != 365*24*time.Hour || c.CountyName != models.DefaultCountyName {
		t.Fatalf("defaults: %+v", c)
	}
	if c.PhotoDecodeBudget != uploads.DefaultDecodeBudget {
		t.Fatalf("photo decode budget %d by default, want %d", c.PhotoDecodeBudget, int64(uploads.DefaultDecodeBudget))
	}
	if c.MetricsAddr != "127.0.0.1:9464" || len(c.TrustedProxies) != 0 {
		t.Fatalf("metrics on %q by default, trusted proxies %v", c.MetricsAddr, c.TrustedProxies)
	}
}

func TestConfigEdge(t *testing.T) {
	env := map[string]string{"FRONTLINE_METRICS_ADDR": "off", "FRONTLINE_TRUSTED_PROXIES": " 10.0.0.0/8, 127.0.0.1 ,::1",
		"FRONTLINE_PHOTO_DECODE_BUDGET": "33554432"}
	c, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.PhotoDecodeBudget != 32<<20 {
		t.Errorf("photo decode budget %d, want the lowest allowed, 32 MiB", c.PhotoDecodeBudget)
	}
	if c.MetricsAddr != "" {
		t.Errorf("off gives metrics on %q", c.MetricsAddr)
	}
	var got []string
	for _, n := range c.TrustedProxies {
		got = append(got, n.String())
	}
	if strings.Join(got, " ") != "10.0.0.0/8 127.0.0.1/32 ::1/128" {
		t.Errorf("trusted proxies %v", got)
	}
}

func TestConfigRejectsBadValues(t *testing.T) {
	cases := map[string]struct {
		env  map[string]string
		want string
	}{
		"BadDSN":               {map[string]string{"FRONTLINE_MYSQL_DSN": "not a dsn"}, "FRONTLINE_MYSQL_DSN"},
		"DSNWithoutDB":         {map[string]string{"FRONTLINE_MYSQL_DSN": "u:p@tcp(127.0.0.1:3306)/"}, "no database name"},
		"HalfMinIO":            {map[string]string{"FRONTLINE_MINIO_ENDPOINT": "127.0.0.1:9000"}, "half configured"},
		"MinIOScheme":          {map[string]string{"FRONTLINE_MINIO_ENDPOINT": "http://x:9000", "FRONTLINE_MINIO_ACCESS_KEY": "a", "FRONTLINE_MINIO_SECRET_KEY": "b"}, "without a scheme"},
		"MinIOSecure":          {map[string]string{"FRONTLINE_MINIO_SECURE": "maybe"}, "FRONTLINE_MINIO_SECURE"},
		"BadAddr":              {map[string]string{"FRONTLINE_ADDR": "8080"}, "FRONTLINE_ADDR"},
		"AdminHalf":            {map[string]string{"FRONTLINE_ADMIN_PHONE": "13800000000"}, "go together"},
		"AdminPhone":           {map[string]string{"FRONTLINE_ADMIN_PHONE": "123", "FRONTLINE_ADMIN_PASSWORD": "quiet-lantern-7"}, "mobile number"},
		"AdminShortPassword":   {map[string]string{"FRONTLINE_ADMIN_PHONE": "13800000000", "FRONTLINE_ADMIN_PASSWORD": "short-pw"}, "FRONTLINE_ADMIN_PASSWORD must be at least 10"},
		"AdminCommonPassword":  {map[string]string{"FRONTLINE_ADMIN_PHONE": "13800000000", "FRONTLINE_ADMIN_PASSWORD": "WoAini1314"}, "FRONTLINE_ADMIN_PASSWORD is too common"},
		"AdminPhonePassword":   {map[string]string{"FRONTLINE_ADMIN_PHONE": "13800000000", "FRONTLINE_ADMIN_PASSWORD": "x13800000000"}, "phone number"},
		"ShortSecret":          {map[string]string{"FRONTLINE_JWT_SECRET": "short"}, "at least 32"},
		"BadQuotaDate":         {map[string]string{"FRONTLINE_QUOTA_CHECK_FROM": "13-45"}, "FRONTLINE_QUOTA_CHECK_FROM"},
		"BadRetention":         {map[string]string{"FRONTLINE_EVENT_RETENTION": "forever"}, "FRONTLINE_EVENT_RETENTION"},
		"BadMetrics":           {map[string]string{"FRONTLINE_METRICS_ADDR": "9464"}, "FRONTLINE_METRICS_ADDR"},
		"BadProxies":           {map[string]string{"FRONTLINE_TRUSTED_PROXIES": "10.0.0.0/8,nginx"}, "FRONTLINE_TRUSTED_PROXIES"},
		"BadAuditRetention":    {map[string]string{"FRONTLINE_AUDIT_RETENTION": "0d"}, "FRONTLINE_AUDIT_RETENTION"},
		"BadCountyName":        {map[string]string{"FRONTLINE_COUNTY_NAME": "县政协\u202e"}, "FRONTLINE_COUNTY_NAME"},
		"BadResidentRetention": {map[string]string{"FRONTLINE_RESIDENT_RETENTION": "a year"}, "FRONTLINE_RESIDENT_RETENTION"},
		"DecodeBudgetWord":     {map[string]string{"FRONTLINE_PHOTO_DECODE_BUDGET": "256MiB"}, "FRONTLINE_PHOTO_DECODE_BUDGET"},
		"DecodeBudgetTooSmall": {map[string]string{"FRONTLINE_PHOTO_DECODE_BUDGET": "33554431"}, "from 33554432 (32 MiB)"},
		"DecodeBudgetTooLarge": {map[string]string{"FRONTLINE_PHOTO_DECODE_BUDGET": "17179869185"}, "to 17179869184 (16 GiB)"},
		"DecodeBudgetNegative": {map[string]string{"FRONTLINE_PHOTO_DECODE_BUDGET": "-1"}, "FRONTLINE_PHOTO_DECODE_BUDGET"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := loadConfig(func(k string) string { return tc.env[k] })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want mention of %q", err, tc.want)
			}
		})
	}
	t.Run("AllProblemsAtOnce", func(t *testing.T) {
		_, err := loadConfig(func(k string) string {
			return map[string]string{"FRONTLINE_ADDR": "x", "FRONTLINE_MYSQL_DSN": "bad"}[k]
		})
		if err == nil || !strings.Contains(err.Error(), "FRONTLINE_ADDR") || !strings.Contains(err.Error(), "FRONTLINE_MYSQL_DSN") {
			t.Fatalf("not every problem reported: %v", err)
		}
	})
}

func TestSecretIsKeptAcrossStarts(t *testing.T) {
	c := &Config{DataDir: t.TempDir()}
	a, err := c.secret()
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.secret()
	if err != nil || string(a) != string(b) || len(a) < 32 {
		t.Fatalf("secret changed or short: %q %q %v", a, b, err)
	}
}

// TestServesWithNoServices starts the real server on its embedded defaults, as `make run`
// does on a fresh machine, and stops it the way SIGTERM does. Metrics are on their own
// address, not the public one.
func TestServesWithNoServices(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := ln.Addr().String()
	ln.Close()
	env := map[string]string{"FRONTLINE_ADDR": "127.0.0.1:0", "FRONTLINE_DATA_DIR": dir, "FRONTLINE_LOG_LEVEL": "error", "FRONTLINE_METRICS_ADDR": metricsAddr,
		"FRONTLINE_PHOTO_DECODE_BUDGET": "536870912"}
	t.Cleanup(func() { uploads.SetDecodeBudget(0) })
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, func(k string) string { return env[k] }, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("server did not start: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("server did not start in 20 s")
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
	}
	if got := uploads.DecodeBudget(); got != 512<<20 {
		t.Fatalf("photo decode budget in force %d, want the configured 512 MiB", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "frontline.db")); err != nil {
		t.Fatalf("no SQLite file in the data dir: %v", err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("data dir: %v %v, want mode 0700", fi.Mode(), err)
	}
	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("http://" + addr + "/metrics"); strings.Contains(body, "go_goroutines") {
		t.Fatalf("the public address serves metrics (%d)", code)
	}
	if code, body := get("http://" + metricsAddr + "/metrics"); code != 200 || !strings.Contains(body, "frontline_http_requests_total") {
		t.Fatalf("metrics address: %d", code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("server did not stop")
	}
}

func TestVAPIDKeysKeptAcrossStarts(t *testing.T) {
	c := &Config{DataDir: t.TempDir(), VAPIDSubject: "mailto:a@example.org"}
	a, err := c.vapid()
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.vapid()
	if err != nil || a != b || notify.CheckVAPID(a.Private, a.Public) != nil {
		t.Fatalf("keys changed or bad: %+v %+v %v", a, b, err)
	}
	env := map[string]string{"FRONTLINE_VAPID_PUBLIC_KEY": a.Public}
	if _, err := loadConfig(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "go together") {
		t.Fatalf("half a key pair accepted: %v", err)
	}
	env["FRONTLINE_VAPID_PRIVATE_KEY"] = a.Private
	cfg, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := cfg.vapid(); v.Public != a.Public || v.Private != a.Private {
		t.Fatalf("configured keys not used: %+v", v)
	}
	env["FRONTLINE_VAPID_PUBLIC_KEY"] = b.Public[:10] + "AAAA" + b.Public[14:]
	if _, err := loadConfig(func(k string) string { return env[k] }); err == nil {
		t.Fatal("a mismatched pair accepted")
	}
}
