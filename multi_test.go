package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"frontline/internal/testenv"
)

// TestMain lets the test binary double as the server: the several-instance test starts
// copies of itself as real server processes.
func TestMain(m *testing.M) {
	if os.Getenv("FRONTLINE_TEST_SERVE") == "1" {
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		if err := run(ctx, os.Getenv, nil); err != nil {
			fmt.Fprintln(os.Stderr, "frontline:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// instance is one server process of the test.
type instance struct {
	url string
	cmd *exec.Cmd
	log *bytes.Buffer
}

func startInstance(t *testing.T, env []string) *instance {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), "FRONTLINE_TEST_SERVE=1", "FRONTLINE_ADDR="+addr, "FRONTLINE_LOG_LEVEL=warn", "FRONTLINE_METRICS_ADDR=off"), env...)
	in := &instance{url: "http://" + addr, cmd: cmd, log: &bytes.Buffer{}}
	cmd.Stdout, cmd.Stderr = in.log, in.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("instance %s log:\n%s", addr, in.log)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(in.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return in
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("instance did not become ready: %s", in.log)
	return nil
}

// call sends a JSON request and decodes the answer into out (if not nil).
func (in *instance) call(t *testing.T, method, path, token string, body, out any, want int) {
	t.Helper()
	var buf bytes.Buffer
	if body != nil {
		json.NewEncoder(&buf).Encode(body)
	}
	req, _ := http.NewRequest(method, in.url+path, &buf)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, b.String())
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

// multiPassword is every test user's password here.
const multiPassword = "violet-harbour-42"

func (in *instance) login(t *testing.T, phone string) string {
	t.Helper()
	var p struct {
		AccessToken string `json:"access_token"`
	}
	in.call(t, "POST", "/api/v1/auth/login", "", map[string]string{"phone": phone, "password": multiPassword}, &p, 200)
	return p.AccessToken
}

// TestTwoInstancesShareEvents runs two server processes on one database: a decision made on
// A reaches a member whose stream is open on B within a second, and so does an announcement.
func TestTwoInstancesShareEvents(t *testing.T) {
	// One data dir for both: on the embedded defaults the two processes share its SQLite
	// file (WAL mode allows that); on MariaDB it only holds the photos.
	env := []string{"FRONTLINE_JWT_SECRET=" + strings.Repeat("s", 40), "FRONTLINE_DATA_DIR=" + filepath.Join(t.TempDir(), "shared")}
	if testenv.Backend() == "services" {
		env = append(env, "FRONTLINE_MYSQL_DSN="+testenv.MySQLDSN(t))
	}
	a := startInstance(t, append(env, "FRONTLINE_ADMIN_PHONE=13800000000", "FRONTLINE_ADMIN_PASSWORD="+multiPassword))
	b := startInstance(t, env)

	admin := a.login(t, "13800000000")
	ids := map[string]string{}
	for name, u := range map[string][3]string{
		"convener": {"13800000001", "member", ""}, "member": {"13800000002", "member", ""},
		"county": {"13800000003", "reviewer", "county"}, "local": {"13800000004", "reviewer", "local"},
	} {
		var out struct{ ID string }
		a.call(t, "POST", "/api/v1/users", admin, map[string]string{"phone": u[0], "name": name, "password": "given-by-admin-1", "role": u[1], "review_body": u[2]}, &out, 201)
		ids[name] = out.ID
		// A password the admin chose must be replaced before anything else.
		var p struct {
			AccessToken string `json:"access_token"`
		}
		a.call(t, "POST", "/api/v1/auth/login", "", map[string]string{"phone": u[0], "password": "given-by-admin-1"}, &p, 200)
		a.call(t, "POST", "/api/v1/me/password", p.AccessToken, map[string]string{"old_password": "given-by-admin-1", "new_password": multiPassword}, nil, 204)
	}
	var room struct{ ID string }
	a.call(t, "POST", "/api/v1/rooms", admin, map[string]any{"name": "东街议事室", "level": "village", "address": "东街", "rules": "章程"}, &room, 201)
	for name, role := range map[string]string{"convener": "convener", "member": "member", "local": "local_reviewer"} {
		a.call(t, "PUT", "/api/v1/rooms/"+room.ID+"/members/"+ids[name], admin, map[string]string{"role": role}, nil, 200)
	}
	member, convener := a.login(t, "13800000002"), a.login(t, "13800000001")
	var op, topic struct{ ID string }
	a.call(t, "POST", "/api/v1/opinions", member, map[string]any{"room_id": room.ID, "channel": "door_to_door", "category": "环境卫生", "content": "污水"}, &op, 201)
	a.call(t, "POST", "/api/v1/topics", convener, map[string]any{"room_id": room.ID, "title": "污水治理", "source": "collected", "category": "环境卫生", "opinion_ids": []string{op.ID}}, &topic, 201)
	a.call(t, "POST", "/api/v1/topics/"+topic.ID+"/submit", convener, nil, nil, 200)

	// The member listens on B, with a ticket B issued.
	memberOnB := b.login(t, "13800000002")
	var ticket struct{ Ticket string }
	b.call(t, "POST", "/api/v1/events/ticket", memberOnB, nil, &ticket, 200)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", b.url+"/api/v1/events?ticket="+ticket.Ticket, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("stream on B: %v %v", resp, err)
	}
	defer resp.Body.Close()
	events := make(chan [2]string, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		var typ string
		for sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(line, "event: "); ok {
				typ = v
			}
			if v, ok := strings.CutPrefix(line, "data: "); ok {
				events <- [2]string{typ, v}
			}
		}
		close(events)
	}()
	expectEvent := func(typ, contains string, start time.Time) {
		t.Helper()
		timeout := time.After(time.Second)
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					t.Fatal("stream on B ended")
				}
				if ev[0] == typ && strings.Contains(ev[1], contains) {
					t.Logf("%s reached B %v after the call on A returned", typ, time.Since(start).Round(time.Millisecond))
					return
				}
			case <-timeout:
				t.Fatalf("no %s on B within 1 s of the commit on A", typ)
			}
		}
	}

	county := a.login(t, "13800000003")
	a.call(t, "POST", "/api/v1/topics/"+topic.ID+"/reviews", county, map[string]string{"decision": "approve"}, nil, 201)
	expectEvent("review.decided", `"body":"county"`, time.Now())
	local := a.login(t, "13800000004")
	a.call(t, "POST", "/api/v1/topics/"+topic.ID+"/reviews", local, map[string]string{"decision": "approve"}, nil, 201)
	expectEvent("topic.status_changed", `"to":"approved"`, time.Now())
	a.call(t, "POST", "/api/v1/announcements", admin, map[string]string{"title": "周五议事", "body": "请参加"}, nil, 201)
	expectEvent("announcement", "周五议事", time.Now())
}
