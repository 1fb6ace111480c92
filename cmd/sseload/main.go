// Command sseload opens many server-sent event streams to Frontline servers and measures
// what they cost and how fast events reach them:
//
//   - the server's resident memory per open stream (VmRSS before and after connecting);
//   - per-user latency: an announcement to a room whose only member holds one stream, from
//     just before the POST to the moment that client reads the event;
//   - broadcast latency: an announcement to everyone, from just before the POST to each
//     client's read;
//   - whether goroutines and heap go back to their baseline once every client has gone: the
//     streams are opened and closed a second time, and the heap after the second wave must
//     not exceed the heap after the first.
//
// One process cannot hold more than 20,000 open files here, so the tool runs itself as
// several worker processes, each bound to its own loopback source address (127.0.0.2 …).
// It only talks to loopback addresses and stops by itself.
//
//	sseload -servers http://127.0.0.1:8080 -metrics http://127.0.0.1:9464 -pids 1234 -admin-phone 13800000000 -admin-password …
//	sseload summarize run1.json run2.json …   (medians of several runs)
//	sseload mkdb -dsn user:pass@tcp(127.0.0.1:3306)/x   (prints the DSN of a new empty database)
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "worker":
			os.Exit(workerMain())
		case "summarize":
			os.Exit(summarizeMain(os.Args[2:]))
		case "mkdb":
			os.Exit(mkdbMain(os.Args[2:]))
		}
	}
	os.Exit(coordinatorMain(os.Args[1:]))
}

// config is the coordinator's flags.
type config struct {
	servers       []string
	metrics       []string
	pids          []int
	adminPhone    string
	adminPassword string
	conns         int
	users         int
	probes        int
	perProc       int
	sources       []string
	ticketShare   float64
	userRounds    int
	allRounds     int
	settle        time.Duration
	leakWait      time.Duration
	out           string
	label         string
}

func parseFlags(args []string) (*config, error) {
	fs := flag.NewFlagSet("sseload", flag.ContinueOnError)
	var servers, metrics, pids, sources string
	c := &config{}
	fs.StringVar(&servers, "servers", "http://127.0.0.1:8080", "comma-separated base URLs of the instances (loopback only); announcements go to the first")
	fs.StringVar(&metrics, "metrics", "", "comma-separated base URLs of the instances' metrics addresses (FRONTLINE_METRICS_ADDR), one per server; empty: no server metrics")
	fs.StringVar(&pids, "pids", "", "comma-separated process ids of the instances, for their memory")
	fs.StringVar(&c.adminPhone, "admin-phone", "", "an admin's phone")
	fs.StringVar(&c.adminPassword, "admin-password", "", "that admin's password")
	fs.IntVar(&c.conns, "conns", 19500, "streams to open in all")
	fs.IntVar(&c.users, "users", 100, "users sharing the streams (besides the probes)")
	fs.IntVar(&c.probes, "probes", 20, "users with exactly one stream, who receive the per-user events")
	fs.IntVar(&c.perProc, "per-proc", 5000, "streams per worker process (each process may hold 20,000 files)")
	fs.StringVar(&sources, "sources", "127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8,127.0.0.9", "loopback source addresses, one per worker in turn")
	fs.Float64Var(&c.ticketShare, "ticket-share", 0.05, "share of streams opened with a ticket (the rest with a bearer header)")
	fs.IntVar(&c.userRounds, "user-rounds", 10, "rounds of one per-user event to each probe")
	fs.IntVar(&c.allRounds, "all-rounds", 5, "announcements to everyone")
	fs.DurationVar(&c.settle, "settle", 5*time.Second, "wait after connecting before reading memory")
	fs.DurationVar(&c.leakWait, "leak-wait", 200*time.Second, "how long to wait, after each wave of streams closed, for goroutines to return to baseline and a collection to run")
	fs.StringVar(&c.out, "out", "", "also write the result as JSON to this file")
	fs.StringVar(&c.label, "label", "", "a name for this run in the output")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	for _, s := range strings.Split(servers, ",") {
		if s = strings.TrimSpace(s); s != "" {
			c.servers = append(c.servers, strings.TrimRight(s, "/"))
		}
	}
	for _, s := range strings.Split(metrics, ",") {
		if s = strings.TrimSpace(s); s != "" {
			c.metrics = append(c.metrics, strings.TrimRight(s, "/"))
		}
	}
	for _, s := range strings.Split(sources, ",") {
		if s = strings.TrimSpace(s); s != "" {
			c.sources = append(c.sources, s)
		}
	}
	for _, p := range strings.Split(pids, ",") {
		if p = strings.TrimSpace(p); p != "" {
			var n int
			if _, err := fmt.Sscan(p, &n); err != nil {
				return nil, fmt.Errorf("bad pid %q", p)
			}
			c.pids = append(c.pids, n)
		}
	}
	switch {
	case len(c.servers) == 0:
		return nil, fmt.Errorf("no -servers")
	case c.adminPhone == "" || c.adminPassword == "":
		return nil, fmt.Errorf("-admin-phone and -admin-password are required")
	case c.probes < 1 || c.users < 1 || c.conns < c.probes+c.users:
		return nil, fmt.Errorf("-conns must cover at least one stream per probe and user")
	case len(c.pids) > 0 && len(c.pids) != len(c.servers):
		return nil, fmt.Errorf("-pids must name one process per server")
	case len(c.metrics) > 0 && len(c.metrics) != len(c.servers):
		return nil, fmt.Errorf("-metrics must name one address per server")
	}
	for _, s := range append(append(append([]string{}, c.servers...), c.metrics...), c.sources...) {
		if err := loopbackOnly(s); err != nil {
			return nil, err
		}
	}
	return c, nil
}
