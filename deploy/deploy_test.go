// Package deploy holds the deployment samples (Dockerfile, compose.yaml,
// nginx and systemd files). Docker cannot run in CI, so these tests keep the
// samples consistent with each other and with the documented configuration.
package deploy

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The compose.yaml subset that the samples use. Decoding with KnownFields
// makes a misspelt or unexpected key fail the test: add the field here when
// compose.yaml gains one.
type composeFile struct {
	Name     string                    `yaml:"name"`
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       *composeBuild     `yaml:"build"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test        []string `yaml:"test"`
		Interval    string   `yaml:"interval"`
		Timeout     string   `yaml:"timeout"`
		Retries     int      `yaml:"retries"`
		StartPeriod string   `yaml:"start_period"`
	} `yaml:"healthcheck"`
	Volumes []string `yaml:"volumes"`
	Ports   []string `yaml:"ports"`
	Restart string   `yaml:"restart"`
}

type composeBuild struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	var c composeFile
	dec := yaml.NewDecoder(strings.NewReader(readFile(t, "compose.yaml")))
	dec.KnownFields(true) // a typo in a known key fails here, not at deploy time
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	return c
}

// envExample returns the variables set in .env.example, in file order.
func envExample(t *testing.T) map[string]string {
	t.Helper()
	vars := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(readFile(t, ".env.example")))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf(".env.example: not NAME=value: %q", line)
			continue
		}
		if _, dup := vars[name]; dup {
			t.Errorf(".env.example: %s set twice", name)
		}
		vars[name] = value
	}
	return vars
}

func frontlineNames(vars map[string]string) []string {
	var names []string
	for name := range vars {
		if strings.HasPrefix(name, "FRONTLINE_") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

var backticked = regexp.MustCompile("`(FRONTLINE_[A-Z0-9_]+)`")

// apiConfigNames returns the FRONTLINE_* names of the configuration table in
// API.md ("Process, configuration, first run"). The contract lives beside the
// repository in the project's shared folder; without it the test is skipped.
func apiConfigNames(t *testing.T) []string {
	t.Helper()
	var doc string
	for _, p := range []string{"../API.md", "../docs/API.md", "../../shared/API.md"} {
		if b, err := os.ReadFile(p); err == nil {
			doc = string(b)
			break
		}
	}
	if doc == "" {
		t.Skip("API.md not found next to the repository")
	}
	_, section, ok := strings.Cut(doc, "## Process, configuration, first run")
	if !ok {
		t.Fatal("API.md: no section \"Process, configuration, first run\"")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	seen := map[string]bool{}
	var names []string
	for _, m := range backticked.FindAllStringSubmatch(section, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			names = append(names, m[1])
		}
	}
	if len(names) == 0 {
		t.Fatal("API.md: no FRONTLINE_* variable in the configuration section")
	}
	return names
}

func TestComposeServices(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{"mysql", "minio", "app"} {
		svc, ok := c.Services[name]
		if !ok {
			t.Errorf("service %q missing", name)
			continue
		}
		if svc.Healthcheck == nil || len(svc.Healthcheck.Test) == 0 {
			t.Errorf("service %q has no healthcheck", name)
		}
		for _, v := range svc.Volumes {
			vol, _, _ := strings.Cut(v, ":")
			if !strings.HasPrefix(vol, ".") && !strings.HasPrefix(vol, "/") {
				if _, ok := c.Volumes[vol]; !ok {
					t.Errorf("service %q uses volume %q, not declared under volumes:", name, vol)
				}
			}
		}
	}

	app := c.Services["app"]
	for _, dep := range []string{"mysql", "minio"} {
		if got := app.DependsOn[dep].Condition; got != "service_healthy" {
			t.Errorf("app depends_on %s: condition %q, want service_healthy", dep, got)
		}
	}
	if app.Build == nil {
		t.Fatal("app has no build section")
	}
	// The build context is relative to this folder; the Dockerfile to the context.
	if _, err := os.Stat(filepath.Join(app.Build.Context, app.Build.Dockerfile)); err != nil {
		t.Errorf("app build: %v", err)
	}
	if _, err := os.Stat(filepath.Join(app.Build.Context, "go.mod")); err != nil {
		t.Errorf("app build context is not the repository root: %v", err)
	}
	if hc := app.Healthcheck; hc != nil && !slices.Contains(hc.Test, "healthcheck") {
		t.Errorf("app healthcheck %v does not use the binary's healthcheck command", hc.Test)
	}
	dsn := app.Environment["FRONTLINE_MYSQL_DSN"]
	for _, want := range []string{"@tcp(mysql:3306)/", "parseTime=true", "charset=utf8mb4", "loc=UTC"} {
		if !strings.Contains(dsn, want) {
			t.Errorf("app FRONTLINE_MYSQL_DSN %q lacks %q", dsn, want)
		}
	}
	if got := app.Environment["FRONTLINE_MINIO_ENDPOINT"]; got != "minio:9000" {
		t.Errorf("app FRONTLINE_MINIO_ENDPOINT = %q, want minio:9000", got)
	}
}

// The app's environment in compose.yaml, .env.example and API.md name the
// same variables.
func TestEnvNamesAgree(t *testing.T) {
	c := loadCompose(t)
	composeNames := frontlineNames(c.Services["app"].Environment)
	exampleNames := frontlineNames(envExample(t))
	if !slices.Equal(composeNames, exampleNames) {
		t.Errorf("FRONTLINE_* names differ:\ncompose.yaml app: %v\n.env.example:     %v", composeNames, exampleNames)
	}
	for _, name := range []string{"FRONTLINE_EVENT_RETENTION", "FRONTLINE_LOG_LEVEL"} {
		if !slices.Contains(exampleNames, name) {
			t.Errorf(".env.example lacks %s", name)
		}
	}
	// Every setting the server reads can be set in both.
	for _, name := range slices.Compact(slices.Sorted(slices.Values(configName.FindAllString(readFile(t, "../config.go"), -1)))) {
		if !slices.Contains(exampleNames, name) {
			t.Errorf("the server reads %s, which .env.example does not set", name)
		}
	}
	for _, name := range apiConfigNames(t) {
		if !slices.Contains(exampleNames, name) {
			t.Errorf("%s is in API.md's configuration table but not in .env.example", name)
		}
		if !slices.Contains(composeNames, name) {
			t.Errorf("%s is in API.md's configuration table but not in compose.yaml's app", name)
		}
	}
}

var (
	configName   = regexp.MustCompile(`FRONTLINE_[A-Z0-9_]+[A-Z0-9]`)
	secretName   = regexp.MustCompile(`PASSWORD|SECRET|ACCESS_KEY|TOKEN`)
	interpolated = regexp.MustCompile(`^\$\{[A-Z0-9_]+(:?[-?][^}]*)?\}$`)
	dsnPassword  = regexp.MustCompile(`^[^:@/]*:([^@]*)@`)
)

// placeholder tells whether a secret value in .env.example is a placeholder.
func placeholder(v string) bool {
	return v == "" || strings.HasPrefix(v, "change-me")
}

func TestNoLiteralSecrets(t *testing.T) {
	c := loadCompose(t)
	for svcName, svc := range c.Services {
		for name, value := range svc.Environment {
			if secretName.MatchString(name) && !interpolated.MatchString(value) {
				t.Errorf("compose.yaml %s: %s must come from .env as ${...}, got %q", svcName, name, value)
			}
			if strings.HasSuffix(name, "_DSN") {
				m := dsnPassword.FindStringSubmatch(value)
				if m == nil || !interpolated.MatchString(m[1]) {
					t.Errorf("compose.yaml %s: the password in %s must be a ${...} variable", svcName, name)
				}
			}
		}
	}
	for name, value := range envExample(t) {
		if secretName.MatchString(name) && !placeholder(value) {
			t.Errorf(".env.example: %s = %q; use an empty value or a change-me placeholder", name, value)
		}
		if strings.HasSuffix(name, "_DSN") && value != "" {
			m := dsnPassword.FindStringSubmatch(value)
			if m == nil || !placeholder(m[1]) || m[1] == "" {
				t.Errorf(".env.example: the password in %s must be a change-me placeholder", name)
			}
		}
	}
}

// dockerInstructions returns the Dockerfile's instructions as
// (keyword, arguments), with continuation lines joined.
func dockerInstructions(t *testing.T) [][2]string {
	t.Helper()
	var out [][2]string
	var cur strings.Builder
	for _, line := range strings.Split(readFile(t, "Dockerfile"), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		kw, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, [2]string{strings.ToUpper(kw), strings.TrimSpace(args)})
		cur.Reset()
	}
	return out
}

func TestDockerfileFinalStage(t *testing.T) {
	ins := dockerInstructions(t)
	last := -1
	for i, in := range ins {
		if in[0] == "FROM" {
			last = i
		}
	}
	if last < 0 {
		t.Fatal("Dockerfile: no FROM")
	}
	if last == 0 {
		t.Error("Dockerfile: want a multi-stage build (builder, then a minimal image)")
	}
	base := strings.Fields(ins[last][1])[0]
	if base != "scratch" && !strings.Contains(base, "distroless") {
		t.Errorf("final stage FROM %s: want scratch or distroless (no shell)", base)
	}
	var user, healthcheck string
	var exposes bool
	for _, in := range ins[last:] {
		switch in[0] {
		case "USER":
			user = in[1]
		case "HEALTHCHECK":
			healthcheck = in[1]
		case "EXPOSE":
			exposes = slices.Contains(strings.Fields(in[1]), "8080")
		case "RUN":
			t.Errorf("final stage RUN %q: the final image has no shell", in[1])
		}
	}
	dataPrivate := false
	for _, in := range ins[last:] {
		if in[0] == "COPY" && strings.HasSuffix(in[1], " /data") &&
			strings.Contains(in[1], "--chown=65532:65532") && regexp.MustCompile(`--chmod=0?700\b`).MatchString(in[1]) {
			dataPrivate = true
		}
	}
	if !dataPrivate {
		t.Error("final stage: the data dir must be copied owned by the server user with --chmod=0700")
	}
	name, _, _ := strings.Cut(user, ":")
	if name == "" || name == "root" || name == "0" {
		t.Errorf("final stage USER %q: want a non-root user", user)
	}
	if !strings.Contains(healthcheck, `"healthcheck"`) {
		t.Errorf("final stage HEALTHCHECK %q: want the binary's healthcheck command", healthcheck)
	}
	if !exposes {
		t.Error("final stage does not EXPOSE 8080")
	}
}

func TestNginxEventsUnbuffered(t *testing.T) {
	conf := readFile(t, "nginx/frontline.conf")
	_, block, ok := strings.Cut(conf, "location /api/v1/events {")
	if !ok {
		t.Fatal("nginx/frontline.conf: no location /api/v1/events")
	}
	block, _, _ = strings.Cut(block, "}")
	for _, want := range []string{
		"proxy_buffering off;",
		"proxy_cache off;",
		"proxy_read_timeout 1h;",
		"proxy_http_version 1.1;",
		`proxy_set_header Connection "";`,
		"proxy_set_header X-Forwarded-For",
		"proxy_set_header X-Forwarded-Proto",
	} {
		if !strings.Contains(block, want) {
			t.Errorf("nginx events location lacks %q", want)
		}
	}
	if !strings.Contains(conf, "client_max_body_size 16m;") {
		t.Error("nginx/frontline.conf: no client_max_body_size 16m")
	}
}

func TestSystemdUnit(t *testing.T) {
	unit := readFile(t, "systemd/frontline.service")
	for _, want := range []string{
		"EnvironmentFile=/etc/frontline/env",
		"StateDirectory=frontline",
		"Environment=FRONTLINE_DATA_DIR=/var/lib/frontline",
		"NoNewPrivileges=yes",
		"ProtectSystem=strict",
		"PrivateTmp=yes",
		"Restart=on-failure",
		"KillSignal=SIGTERM",
		"TimeoutStopSec=30",
		"LimitNOFILE=65536",
	} {
		if !strings.Contains(unit, "\n"+want+"\n") {
			t.Errorf("systemd/frontline.service lacks the line %q", want)
		}
	}
	if !strings.Contains(unit, "DynamicUser=yes") && !regexp.MustCompile(`(?m)^User=\w+`).MatchString(unit) {
		t.Error("systemd/frontline.service: want DynamicUser=yes or a dedicated User=")
	}
}

// The app reaches MinIO as a user of its own whose policy names its bucket only; MinIO's
// root credentials go to MinIO and the init service, never to the app.
func TestComposeMinIOAppUser(t *testing.T) {
	c := loadCompose(t)
	app, minio := c.Services["app"], c.Services["minio"]
	initSvc, ok := c.Services["minio-init"]
	if !ok {
		t.Fatal("no minio-init service")
	}
	if got := app.DependsOn["minio-init"].Condition; got != "service_completed_successfully" {
		t.Errorf("app depends_on minio-init: condition %q, want service_completed_successfully", got)
	}
	root := minio.Environment["MINIO_ROOT_USER"]
	if root == "" || root == app.Environment["FRONTLINE_MINIO_ACCESS_KEY"] ||
		minio.Environment["MINIO_ROOT_PASSWORD"] == app.Environment["FRONTLINE_MINIO_SECRET_KEY"] {
		t.Errorf("the app signs in to MinIO as its root user (%q)", root)
	}
	for name, value := range app.Environment {
		if strings.Contains(value, "MINIO_ROOT") {
			t.Errorf("app %s = %q: the root credentials are not the app's", name, value)
		}
	}
	if initSvc.Environment["APP_ACCESS_KEY"] != app.Environment["FRONTLINE_MINIO_ACCESS_KEY"] ||
		initSvc.Environment["APP_SECRET_KEY"] != app.Environment["FRONTLINE_MINIO_SECRET_KEY"] ||
		initSvc.Environment["BUCKET"] != app.Environment["FRONTLINE_MINIO_BUCKET"] {
		t.Error("minio-init creates another user or bucket than the app uses")
	}
	script := strings.Join(initSvc.Command, "\n")
	for _, want := range []string{"mc admin policy create ", "mc admin user add ", "mc admin policy attach "} {
		if !strings.Contains(script, want) {
			t.Errorf("minio-init does not run %q", want)
		}
	}
	_, doc, ok := strings.Cut(script, "<<EOF\n")
	doc, _, ok2 := strings.Cut(doc, "\nEOF")
	if !ok || !ok2 {
		t.Fatal("minio-init: no policy document between <<EOF and EOF")
	}
	var policy struct {
		Statement []struct {
			Effect   string
			Action   []string
			Resource []string
		}
	}
	if err := json.Unmarshal([]byte(strings.ReplaceAll(doc, "$$BUCKET", "frontline")), &policy); err != nil {
		t.Fatalf("policy document: %v", err)
	}
	if len(policy.Statement) == 0 {
		t.Fatal("empty policy")
	}
	for _, st := range policy.Statement {
		for _, a := range st.Action {
			if strings.Contains(a, "*") || strings.HasPrefix(a, "admin:") {
				t.Errorf("policy allows %q", a)
			}
		}
		for _, r := range st.Resource {
			if r != "arn:aws:s3:::frontline" && r != "arn:aws:s3:::frontline/*" {
				t.Errorf("policy reaches %q, beyond the bucket", r)
			}
		}
	}
}

// Metrics have their own address, which compose does not publish and nginx does not pass.
func TestMetricsNotPublic(t *testing.T) {
	c := loadCompose(t)
	app := c.Services["app"]
	addr := app.Environment["FRONTLINE_METRICS_ADDR"]
	_, port, ok := strings.Cut(addr, ":")
	if !ok || port == "" {
		t.Fatalf("app FRONTLINE_METRICS_ADDR %q", addr)
	}
	for _, p := range app.Ports {
		if strings.Contains(p, port) {
			t.Errorf("app publishes %q, the metrics port", p)
		}
	}
	conf := readFile(t, "nginx/frontline.conf")
	_, block, ok := strings.Cut(conf, "location = /metrics {")
	block, _, _ = strings.Cut(block, "}")
	if !ok || !(strings.Contains(block, "return 404;") || strings.Contains(block, "deny all;")) || strings.Contains(block, "proxy_pass") {
		t.Error("nginx/frontline.conf does not block /metrics")
	}
}

func TestNginxHSTS(t *testing.T) {
	conf := readFile(t, "nginx/frontline.conf")
	m := regexp.MustCompile(`(?m)^\s*add_header Strict-Transport-Security "max-age=(\d+)[^"]*" always;`).FindStringSubmatch(conf)
	if m == nil {
		t.Fatal("nginx/frontline.conf: no add_header Strict-Transport-Security ... always")
	}
	if n, _ := strconv.Atoi(m[1]); n < 180*24*3600 {
		t.Errorf("HSTS max-age %s: want at least 180 days", m[1])
	}
}
