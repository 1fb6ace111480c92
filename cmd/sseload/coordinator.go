package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"sync"
	"time"
)

// A member is created with givenPassword and, as the server then requires, replaces it with
// userPassword at once; a member kept from an earlier run already has userPassword.
const (
	givenPassword = "sseload-given-1"
	userPassword  = "sseload-pass-1"
)

// result is one run's figures.
type result struct {
	Label          string    `json:"label"`
	Servers        int       `json:"servers"`
	Requested      int       `json:"requested"`
	Opened         int       `json:"opened"`
	Failed         int       `json:"failed"`
	ConnectSeconds float64   `json:"connect_seconds"`
	RSSBeforeKB    []int64   `json:"rss_before_kb"`
	RSSAfterKB     []int64   `json:"rss_after_kb"`
	RSSPerConnKB   float64   `json:"rss_per_conn_kb"`
	HeapPerConnKB  float64   `json:"heap_per_conn_kb"`
	User           latencies `json:"user"`
	All            latencies `json:"all"`
	AllRounds      []round   `json:"all_rounds"`
	EndedEarly     int       `json:"ended_early"`
	Leak           leak      `json:"leak"`
}

// latencies are milliseconds from just before the POST to each client's read; FromReturn
// subtracts the POST's own duration (it can be negative: delivery may beat the answer).
type latencies struct {
	Count      int     `json:"count"`
	Expected   int     `json:"expected"`
	P50        float64 `json:"p50_ms"`
	P99        float64 `json:"p99_ms"`
	Max        float64 `json:"max_ms"`
	P99Return  float64 `json:"p99_from_return_ms"`
	PostMedian float64 `json:"post_p50_ms"`
}

type round struct {
	Received int     `json:"received"`
	P50      float64 `json:"p50_ms"`
	P99      float64 `json:"p99_ms"`
	Max      float64 `json:"max_ms"`
	PostMS   float64 `json:"post_ms"`
}

// leak says whether the server returns to where it was once every client has gone. The Go
// runtime keeps the descriptor of every goroutine it ever ran (about 0.5 KB each) for reuse,
// so the heap after a first wave of streams stays above the first baseline; the test is that
// a second wave of the same size, opened and closed, leaves the heap where the first did.
type leak struct {
	Back            bool      `json:"back_to_baseline"`
	Seconds         float64   `json:"seconds"`
	GoroutinesBase  []float64 `json:"goroutines_base"`
	GoroutinesOpen  []float64 `json:"goroutines_open"`
	GoroutinesAfter []float64 `json:"goroutines_after"`
	HeapBaseMB      []float64 `json:"heap_base_mb"`
	HeapOpenMB      []float64 `json:"heap_open_mb"`
	HeapAfterMB     []float64 `json:"heap_after_mb"`  // after the first wave and a collection
	HeapAfter2MB    []float64 `json:"heap_after2_mb"` // after the second wave and a collection
	// The heap goal the last collection set (live heap and stacks, doubled by GOGC=100):
	// unlike the heap in use it holds no garbage made since, so the two waves compare well.
	GoalAfterMB  []float64 `json:"gc_goal_after_mb"`
	GoalAfter2MB []float64 `json:"gc_goal_after2_mb"`
}

type sent struct {
	kind     string // user or all
	t0, tRet time.Time
}

func coordinatorMain(args []string) int {
	c, err := parseFlags(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sseload:", err)
		return 2
	}
	res, err := run(c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sseload:", err)
		return 1
	}
	b, _ := json.MarshalIndent(res, "", "  ")
	if c.out != "" {
		if err := os.WriteFile(c.out, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "sseload:", err)
		}
	}
	printResult(os.Stdout, res)
	return 0
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s sseload: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(c *config) (*result, error) {
	res := &result{Label: c.label, Servers: len(c.servers), Requested: c.conns}
	admin := newAPI(c.servers[0])
	tok, _, err := admin.login(c.adminPhone, c.adminPassword)
	if err != nil {
		return nil, fmt.Errorf("admin login: %w", err)
	}
	admin.token = tok

	// A sign-in holds at most perSignin streams, so each user signs in as often as its share
	// of the streams needs.
	share := (c.conns - c.probes + c.users - 1) / c.users
	logf("seeding %d users (%d sign-ins each) and %d probes", c.users, (share+perSignin-1)/perSignin, c.probes)
	users, err := seedUsers(admin, 19900000000, c.users, (share+perSignin-1)/perSignin)
	if err != nil {
		return nil, err
	}
	probes, err := seedUsers(admin, 19910000000, c.probes, 1)
	if err != nil {
		return nil, err
	}
	rooms := make([]string, len(probes))
	for i, p := range probes {
		var room struct {
			ID string `json:"id"`
		}
		body := map[string]any{"name": fmt.Sprintf("压测室%d-%d", time.Now().Unix(), i), "level": "village", "address": "本机", "has_door_plate": true, "rules": "压测"}
		if err := admin.call("POST", "/api/v1/rooms", body, &room, 201); err != nil {
			return nil, err
		}
		if err := admin.call("PUT", "/api/v1/rooms/"+room.ID+"/members/"+p.id, map[string]string{"role": "member"}, nil, 200); err != nil {
			return nil, err
		}
		rooms[i] = room.ID
	}

	// The plan: one stream per probe, the rest spread over the users; instances in turn.
	plans := make([]streamPlan, 0, c.conns)
	every := 0
	if c.ticketShare > 0 {
		every = int(1 / c.ticketShare)
	}
	for i := 0; i < c.conns; i++ {
		u, token := probes[min(i, len(probes)-1)], probes[min(i, len(probes)-1)].tokens[0]
		if i >= c.probes {
			k := i - c.probes
			u = users[k%len(users)]
			token = u.tokens[k/len(users)/perSignin]
		}
		plans = append(plans, streamPlan{Server: c.servers[i%len(c.servers)], Token: token, Ticket: every > 0 && i%every == every-1})
	}

	apis := make([]*api, len(c.servers))
	for i, s := range c.servers {
		apis[i] = newAPI(s)
		if len(c.metrics) > 0 {
			apis[i].metricsBase = c.metrics[i]
		}
	}
	base := readMetrics(apis)
	if res.RSSBeforeKB, err = readRSS(c.pids); err != nil {
		return nil, err
	}

	logf("opening %d streams over %d instance(s)", c.conns, len(c.servers))
	start := time.Now()
	workers, err := startWorkers(c, plans)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, w := range workers {
			w.stop()
		}
	}()
	for _, w := range workers {
		msg, err := w.next(10 * time.Minute)
		if err != nil {
			return nil, err
		}
		res.Opened += msg.Opened
		res.Failed += msg.Failed
		for _, e := range msg.Errors {
			logf("worker error: %s", e)
		}
	}
	res.ConnectSeconds = time.Since(start).Seconds()
	logf("%d streams open (%d failed) in %.1fs; settling %s", res.Opened, res.Failed, res.ConnectSeconds, c.settle)
	time.Sleep(c.settle)
	open := readMetrics(apis)
	if res.RSSAfterKB, err = readRSS(c.pids); err != nil {
		return nil, err
	}
	if len(c.pids) > 0 && res.Opened > 0 {
		var d int64
		for i := range c.pids {
			d += res.RSSAfterKB[i] - res.RSSBeforeKB[i]
		}
		res.RSSPerConnKB = float64(d) / float64(res.Opened)
	}
	var heapD float64
	for i := range apis {
		heapD += open[i]["go_memstats_heap_inuse_bytes"] - base[i]["go_memstats_heap_inuse_bytes"]
	}
	if res.Opened > 0 {
		res.HeapPerConnKB = heapD / 1024 / float64(res.Opened)
	}

	sentAt := map[string]sent{}
	post := func(kind string, body map[string]any) error {
		t0 := time.Now()
		body["body"] = "sseload t0=" + strconv.FormatInt(t0.UnixNano(), 10)
		var a struct {
			ID string `json:"id"`
		}
		if err := admin.call("POST", "/api/v1/announcements", body, &a, 201); err != nil {
			return err
		}
		sentAt[a.ID] = sent{kind: kind, t0: t0, tRet: time.Now()}
		return nil
	}
	logf("per-user events: %d rounds × %d probes", c.userRounds, len(probes))
	for r := 0; r < c.userRounds; r++ {
		for i := range probes {
			if err := post("user", map[string]any{"title": "探针", "room_id": rooms[i]}); err != nil {
				return nil, err
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	time.Sleep(time.Second)
	logf("announcements to everyone: %d", c.allRounds)
	for r := 0; r < c.allRounds; r++ {
		if err := post("all", map[string]any{"title": "全体"}); err != nil {
			return nil, err
		}
		time.Sleep(3 * time.Second)
	}

	lat := map[string][]int64{}
	for _, w := range workers {
		w.send("report")
		msg, err := w.next(time.Minute)
		if err != nil {
			return nil, err
		}
		for id, l := range msg.Lat {
			lat[id] = append(lat[id], l...)
		}
		res.EndedEarly += msg.Ended
	}
	summarizeLatencies(res, sentAt, lat, c, len(probes))

	logf("closing every stream")
	for _, w := range workers {
		w.send("close")
	}
	for _, w := range workers {
		_, _ = w.next(time.Minute)
		w.stop()
	}
	res.Leak = leak{}
	for i := range apis {
		res.Leak.GoroutinesBase = append(res.Leak.GoroutinesBase, base[i]["go_goroutines"])
		res.Leak.GoroutinesOpen = append(res.Leak.GoroutinesOpen, open[i]["go_goroutines"])
		res.Leak.HeapBaseMB = append(res.Leak.HeapBaseMB, base[i]["go_memstats_heap_inuse_bytes"]/(1<<20))
		res.Leak.HeapOpenMB = append(res.Leak.HeapOpenMB, open[i]["go_memstats_heap_inuse_bytes"]/(1<<20))
	}
	start = time.Now()
	after1, ok1 := settleAfterClose(apis, base, c.leakWait)
	logf("second wave: opening and closing %d streams", c.conns)
	workers2, err := startWorkers(c, plans)
	if err != nil {
		return nil, err
	}
	for _, w := range workers2 {
		if _, err := w.next(10 * time.Minute); err != nil {
			return nil, err
		}
	}
	for _, w := range workers2 {
		w.send("close")
	}
	for _, w := range workers2 {
		_, _ = w.next(time.Minute)
		w.stop()
	}
	after2, ok2 := settleAfterClose(apis, base, c.leakWait)
	res.Leak.Seconds = time.Since(start).Seconds()
	res.Leak.Back = ok1 && ok2
	for i := range apis {
		g1, g2 := after1[i]["go_memstats_next_gc_bytes"], after2[i]["go_memstats_next_gc_bytes"]
		res.Leak.GoroutinesAfter = append(res.Leak.GoroutinesAfter, after2[i]["go_goroutines"])
		res.Leak.HeapAfterMB = append(res.Leak.HeapAfterMB, after1[i]["go_memstats_heap_inuse_bytes"]/(1<<20))
		res.Leak.HeapAfter2MB = append(res.Leak.HeapAfter2MB, after2[i]["go_memstats_heap_inuse_bytes"]/(1<<20))
		res.Leak.GoalAfterMB = append(res.Leak.GoalAfterMB, g1/(1<<20))
		res.Leak.GoalAfter2MB = append(res.Leak.GoalAfter2MB, g2/(1<<20))
		if g2 > g1*1.1+2<<20 {
			res.Leak.Back = false
		}
	}
	return res, nil
}

// settleAfterClose waits until every instance has no stream left and its goroutines are back
// at baseline, then until it has run a garbage collection after that (an idle Go server runs
// one at least every two minutes), and returns the metrics then.
func settleAfterClose(apis []*api, base []map[string]float64, limit time.Duration) ([]map[string]float64, bool) {
	deadline := time.Now().Add(limit)
	var gcs []float64 // collections counted once the streams were gone
	for {
		now := readMetrics(apis)
		if gcs == nil {
			gone := true
			for i := range apis {
				if ownGoroutines(now[i]) > ownGoroutines(base[i])+10 || now[i]["frontline_sse_subscribers"] > 0 {
					gone = false
				}
			}
			if gone {
				for i := range apis {
					gcs = append(gcs, now[i]["go_gc_duration_seconds_count"])
				}
			}
		} else {
			collected := true
			for i := range apis {
				if now[i]["go_gc_duration_seconds_count"] <= gcs[i] {
					collected = false
				}
			}
			if collected {
				return now, true
			}
		}
		if time.Now().After(deadline) {
			return now, false
		}
		time.Sleep(time.Second)
	}
}

// ownGoroutines are a server's goroutines less one per open database connection (the MySQL
// driver watches each connection with one): the pool grows under load and stays, which is
// not a leak.
func ownGoroutines(m map[string]float64) float64 {
	return m["go_goroutines"] - m["go_sql_open_connections"]
}

type seeded struct {
	id     string
	tokens []string // one access token per sign-in
}

// perSignin is the most streams the server lets one sign-in hold.
const perSignin = 5

// seedUsers makes (or reuses) n members with phones from first on, and signs each in
// signins times.
func seedUsers(admin *api, first int64, n, signins int) ([]seeded, error) {
	out := make([]seeded, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			phone := strconv.FormatInt(first+int64(i), 10)
			body := map[string]string{"phone": phone, "name": "压测" + strconv.Itoa(i), "password": givenPassword, "role": "member"}
			err := admin.call("POST", "/api/v1/users", body, nil, 201)
			if err == nil {
				err = ownPassword(admin.base, phone)
			}
			if err != nil {
				if se, ok := err.(*statusError); !ok || se.status != 409 {
					errs <- err
					return
				}
			}
			for range signins {
				tok, id, err := newAPI(admin.base).login(phone, userPassword)
				if err != nil {
					errs <- err
					return
				}
				out[i].id = id
				out[i].tokens = append(out[i].tokens, tok)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, fmt.Errorf("seed users: %w", err)
	}
	return out, nil
}

func readRSS(pids []int) ([]int64, error) {
	out := make([]int64, len(pids))
	for i, p := range pids {
		kb, err := rssKB(p)
		if err != nil {
			return nil, err
		}
		out[i] = kb
	}
	return out, nil
}

func readMetrics(apis []*api) []map[string]float64 {
	out := make([]map[string]float64, len(apis))
	for i, a := range apis {
		m, err := a.metrics()
		if err != nil {
			logf("metrics of %s: %v", a.base, err)
			m = map[string]float64{}
		}
		out[i] = m
	}
	return out
}

func summarizeLatencies(res *result, sentAt map[string]sent, lat map[string][]int64, c *config, probes int) {
	var user, all, userRet, allRet []float64
	var userPost, allPost []float64
	ids := make([]string, 0, len(sentAt))
	for id := range sentAt {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return sentAt[ids[i]].t0.Before(sentAt[ids[j]].t0) })
	for _, id := range ids {
		s := sentAt[id]
		postMS := float64(s.tRet.Sub(s.t0).Microseconds()) / 1000
		var ms []float64
		for _, us := range lat[id] {
			ms = append(ms, float64(us)/1000)
		}
		var rets []float64
		for _, v := range ms {
			rets = append(rets, v-postMS)
		}
		if s.kind == "user" {
			user, userRet, userPost = append(user, ms...), append(userRet, rets...), append(userPost, postMS)
			continue
		}
		all, allRet, allPost = append(all, ms...), append(allRet, rets...), append(allPost, postMS)
		sort.Float64s(ms)
		res.AllRounds = append(res.AllRounds, round{Received: len(ms), P50: pct(ms, 50), P99: pct(ms, 99), Max: pct(ms, 100), PostMS: postMS})
	}
	res.User = describe(user, userRet, userPost, c.userRounds*probes)
	res.All = describe(all, allRet, allPost, c.allRounds*res.Opened)
}

func describe(ms, ret, post []float64, expected int) latencies {
	sort.Float64s(ms)
	sort.Float64s(ret)
	sort.Float64s(post)
	return latencies{Count: len(ms), Expected: expected, P50: pct(ms, 50), P99: pct(ms, 99), Max: pct(ms, 100), P99Return: pct(ret, 99), PostMedian: pct(post, 50)}
}

// pct is the p-th percentile of sorted values (nearest rank).
func pct(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func printResult(w io.Writer, r *result) {
	fmt.Fprintf(w, "run %q: %d instance(s), %d streams open of %d (%d failed), connected in %.1fs\n", r.Label, r.Servers, r.Opened, r.Requested, r.Failed, r.ConnectSeconds)
	if len(r.RSSBeforeKB) > 0 {
		fmt.Fprintf(w, "  server RSS: %v KB before, %v KB with the streams open: %.1f KB per stream (Go heap in use: %.1f KB per stream)\n", r.RSSBeforeKB, r.RSSAfterKB, r.RSSPerConnKB, r.HeapPerConnKB)
	}
	fmt.Fprintf(w, "  per-user event, POST → client read: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d of %d received; POST p50 %.1f ms; p99 from the POST's return %.1f ms)\n",
		r.User.P50, r.User.P99, r.User.Max, r.User.Count, r.User.Expected, r.User.PostMedian, r.User.P99Return)
	fmt.Fprintf(w, "  announcement to all, POST → client read: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d of %d received; POST p50 %.1f ms; p99 from the POST's return %.1f ms)\n",
		r.All.P50, r.All.P99, r.All.Max, r.All.Count, r.All.Expected, r.All.PostMedian, r.All.P99Return)
	for i, rd := range r.AllRounds {
		fmt.Fprintf(w, "    announcement %d: %d received, p50 %.1f ms, p99 %.1f ms, max %.1f ms, POST %.1f ms\n", i+1, rd.Received, rd.P50, rd.P99, rd.Max, rd.PostMS)
	}
	if r.EndedEarly > 0 {
		fmt.Fprintf(w, "  streams the server ended early: %d\n", r.EndedEarly)
	}
	fmt.Fprintf(w, "  no leak after every client left (two waves): %v (%.0fs); goroutines %v → %v → %v; heap in use MB: %.1f before, %.1f open, %.1f after wave 1, %.1f after wave 2; GC heap goal MB after wave 1 %.1f, after wave 2 %.1f\n",
		r.Leak.Back, r.Leak.Seconds, r.Leak.GoroutinesBase, r.Leak.GoroutinesOpen, r.Leak.GoroutinesAfter, r.Leak.HeapBaseMB, r.Leak.HeapOpenMB, r.Leak.HeapAfterMB, r.Leak.HeapAfter2MB, r.Leak.GoalAfterMB, r.Leak.GoalAfter2MB)
}

// workerProc is one worker process and its pipes.
type workerProc struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	lines chan workerMsg
	once  sync.Once
}

func startWorkers(c *config, plans []streamPlan) ([]*workerProc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var out []*workerProc
	for k := 0; len(plans) > 0; k++ {
		n := min(c.perProc, len(plans))
		plan := workerPlan{Source: c.sources[k%len(c.sources)], Streams: plans[:n]}
		plans = plans[n:]
		cmd := exec.Command(self, "worker")
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			return out, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return out, err
		}
		if err := cmd.Start(); err != nil {
			return out, err
		}
		w := &workerProc{cmd: cmd, in: in, lines: make(chan workerMsg, 4)}
		go func() {
			sc := bufio.NewScanner(stdout)
			sc.Buffer(make([]byte, 1<<20), 256<<20)
			for sc.Scan() {
				var m workerMsg
				if json.Unmarshal(sc.Bytes(), &m) == nil {
					w.lines <- m
				}
			}
			close(w.lines)
		}()
		b, _ := json.Marshal(plan)
		if _, err := in.Write(append(b, '\n')); err != nil {
			return out, err
		}
		out = append(out, w)
	}
	return out, nil
}

func (w *workerProc) send(cmd string) { _, _ = io.WriteString(w.in, cmd+"\n") }

func (w *workerProc) next(timeout time.Duration) (workerMsg, error) {
	select {
	case m, ok := <-w.lines:
		if !ok {
			return m, fmt.Errorf("worker %d exited", w.cmd.Process.Pid)
		}
		return m, nil
	case <-time.After(timeout):
		return workerMsg{}, fmt.Errorf("worker %d silent for %s", w.cmd.Process.Pid, timeout)
	}
}

func (w *workerProc) stop() {
	w.once.Do(func() {
		_ = w.in.Close()
		done := make(chan struct{})
		go func() { _ = w.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = w.cmd.Process.Kill()
			<-done
		}
	})
}

// ownPassword signs a new member in with the password the admin gave and replaces it.
func ownPassword(base, phone string) error {
	m := newAPI(base)
	tok, _, err := m.login(phone, givenPassword)
	if err != nil {
		return err
	}
	m.token = tok
	return m.call("POST", "/api/v1/me/password", map[string]string{"old_password": givenPassword, "new_password": userPassword}, nil, 204)
}
