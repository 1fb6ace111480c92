package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// loopbackOnly refuses any target outside 127.0.0.0/8 and ::1: this tool loads servers on
// this machine and nothing else.
func loopbackOnly(target string) error {
	host := target
	if u, err := url.Parse(target); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s is not a loopback address: this tool only loads servers on this machine", target)
	}
	return nil
}

// api is a small JSON client of one instance.
type api struct {
	base  string
	token string
	http  *http.Client
	// metricsBase is the instance's metrics address; the public one does not serve them.
	metricsBase string
}

func newAPI(base string) *api {
	return &api{base: base, http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
}

// call sends a JSON request and decodes the answer into out, failing on any status but want.
func (a *api) call(method, path string, body, out any, want int) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != want {
		return &statusError{method + " " + path, resp.StatusCode, strings.TrimSpace(string(b))}
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

type statusError struct {
	what   string
	status int
	body   string
}

func (e *statusError) Error() string { return fmt.Sprintf("%s: %d %s", e.what, e.status, e.body) }

func (a *api) login(phone, password string) (string, string, error) {
	var out struct {
		AccessToken string `json:"access_token"`
		User        struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	err := a.call("POST", "/api/v1/auth/login", map[string]string{"phone": phone, "password": password}, &out, 200)
	return out.AccessToken, out.User.ID, err
}

// metrics reads a few gauges from /metrics on the instance's metrics address; none when it
// has not been given.
func (a *api) metrics() (map[string]float64, error) {
	if a.metricsBase == "" {
		return map[string]float64{}, nil
	}
	resp, err := a.http.Get(a.metricsBase + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s/metrics: %d", a.metricsBase, resp.StatusCode)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		name, val, ok := strings.Cut(line, " ")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		if strings.HasPrefix(name, "go_sql_open_connections{") {
			name = "go_sql_open_connections"
		}
		switch name {
		case "go_goroutines", "go_memstats_heap_inuse_bytes", "frontline_sse_subscribers", "go_gc_duration_seconds_count", "go_memstats_next_gc_bytes",
			"go_sql_open_connections":
			if v, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
				out[name] = v
			}
		}
	}
	return out, nil
}

// rssKB reads a process's resident set size from /proc.
func rssKB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}
