package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// workerPlan is what the coordinator gives a worker on its standard input: the streams to
// open and the source address to open them from. Commands follow, one per line: "report"
// (print the latencies seen) and "close" (close every stream and exit).
type workerPlan struct {
	Source  string       `json:"source"`
	Streams []streamPlan `json:"streams"`
}

type streamPlan struct {
	Server string `json:"server"` // base URL
	Token  string `json:"token"`
	Ticket bool   `json:"ticket"` // trade the token for a ticket and open with ?ticket=
}

// workerMsg is one line a worker prints.
type workerMsg struct {
	Kind   string             `json:"kind"` // ready, report, closed
	Opened int                `json:"opened,omitempty"`
	Failed int                `json:"failed,omitempty"`
	Errors []string           `json:"errors,omitempty"`
	Lat    map[string][]int64 `json:"lat,omitempty"` // announcement id → µs from t0 to read, per stream
	Ended  int                `json:"ended,omitempty"`
}

type worker struct {
	src *net.TCPAddr

	mu    sync.Mutex
	conns []net.Conn
	lat   map[string][]int64
	ended int // streams the server ended before the coordinator said close
}

func workerMain() int {
	in := bufio.NewReader(os.Stdin)
	line, err := in.ReadBytes('\n')
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker: no plan:", err)
		return 2
	}
	var plan workerPlan
	if err := json.Unmarshal(line, &plan); err != nil {
		fmt.Fprintln(os.Stderr, "worker: bad plan:", err)
		return 2
	}
	if err := loopbackOnly(plan.Source); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 2
	}
	w := &worker{src: &net.TCPAddr{IP: net.ParseIP(plan.Source)}, lat: map[string][]int64{}}
	out := json.NewEncoder(os.Stdout)

	opened, failed, errs := w.openAll(plan.Streams)
	_ = out.Encode(workerMsg{Kind: "ready", Opened: opened, Failed: failed, Errors: errs})
	for {
		cmd, err := in.ReadString('\n')
		cmd = strings.TrimSpace(cmd)
		switch {
		case cmd == "report":
			w.mu.Lock()
			msg := workerMsg{Kind: "report", Lat: w.lat, Ended: w.ended}
			_ = out.Encode(msg)
			w.mu.Unlock()
		case cmd == "close" || err != nil:
			w.mu.Lock()
			conns := w.conns
			w.conns = nil
			w.mu.Unlock()
			for _, c := range conns {
				_ = c.Close()
			}
			_ = out.Encode(workerMsg{Kind: "closed"})
			return 0
		}
	}
}

// openAll opens the streams, 64 at a time, and returns once each is open or has failed.
func (w *worker) openAll(plans []streamPlan) (opened, failed int, errs []string) {
	sem := make(chan struct{}, 64)
	var mu sync.Mutex
	var wg sync.WaitGroup
	apis := map[string]*api{}
	for _, p := range plans {
		if apis[p.Server] == nil {
			apis[p.Server] = newAPI(p.Server)
		}
	}
	for _, p := range plans {
		sem <- struct{}{}
		wg.Add(1)
		go func(p streamPlan) {
			defer wg.Done()
			conn, br, err := w.open(apis[p.Server], p)
			<-sem
			mu.Lock()
			if err != nil {
				failed++
				if len(errs) < 5 {
					errs = append(errs, err.Error())
				}
				mu.Unlock()
				return
			}
			opened++
			mu.Unlock()
			w.mu.Lock()
			w.conns = append(w.conns, conn)
			w.mu.Unlock()
			go w.read(br)
		}(p)
	}
	wg.Wait()
	return opened, failed, errs
}

// open connects from the worker's source address, sends the request and reads the response
// headers: the stream is open once the server has answered 200.
func (w *worker) open(a *api, p streamPlan) (net.Conn, io.Reader, error) {
	u, err := url.Parse(p.Server)
	if err != nil {
		return nil, nil, err
	}
	path, auth := "/api/v1/events", "Authorization: Bearer "+p.Token+"\r\n"
	if p.Ticket {
		c := *a
		c.token = p.Token
		var t struct {
			Ticket string `json:"ticket"`
		}
		if err := c.call("POST", "/api/v1/events/ticket", nil, &t, 200); err != nil {
			return nil, nil, err
		}
		path, auth = "/api/v1/events?ticket="+url.QueryEscape(t.Ticket), ""
	}
	d := net.Dialer{LocalAddr: w.src, Timeout: 20 * time.Second}
	conn, err := d.Dial("tcp", u.Host)
	if err != nil {
		return nil, nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
	req := "GET " + path + " HTTP/1.1\r\nHost: " + u.Host + "\r\n" + auth + "Accept: text/event-stream\r\n\r\n"
	if _, err := conn.Write([]byte(req)); err != nil {
		conn.Close()
		return nil, nil, err
	}
	br := bufio.NewReaderSize(conn, 1024)
	status, err := br.ReadString('\n')
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	if !strings.HasPrefix(status, "HTTP/1.1 200") {
		conn.Close()
		return nil, nil, fmt.Errorf("stream: %s", strings.TrimSpace(status))
	}
	chunked := false
	for {
		h, err := br.ReadString('\n')
		if err != nil {
			conn.Close()
			return nil, nil, err
		}
		if h == "\r\n" {
			break
		}
		if strings.EqualFold(strings.TrimSpace(h), "Transfer-Encoding: chunked") {
			chunked = true
		}
	}
	_ = conn.SetDeadline(time.Time{})
	// A stream's body is close-delimited; servers before it sent HTTP/1.1 chunks.
	var body io.Reader = br
	if chunked {
		body = httputil.NewChunkedReader(br)
	}
	return conn, body, nil
}

// read follows one stream and notes when each announcement arrives.
func (w *worker) read(body io.Reader) {
	lines := bufio.NewReaderSize(body, 1024)
	var long []byte
	announcement := false
	for {
		line, err := lines.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, line...)
			continue
		}
		if err != nil {
			w.mu.Lock()
			if w.conns != nil {
				w.ended++
			}
			w.mu.Unlock()
			return
		}
		if long != nil {
			line = append(long, line...)
			long = nil
		}
		switch {
		case len(line) <= 1:
			announcement = false
		case bytes.HasPrefix(line, []byte("event: announcement")):
			announcement = true
		case announcement && bytes.HasPrefix(line, []byte("data: ")):
			now := time.Now().UnixNano()
			if id, t0, ok := parseAnnouncement(line); ok {
				w.mu.Lock()
				w.lat[id] = append(w.lat[id], (now-t0)/1000)
				w.mu.Unlock()
			}
		}
	}
}

// parseAnnouncement finds the announcement's id and the time the coordinator put in its body
// ("sseload t0=<unix ns>") without decoding the whole JSON.
func parseAnnouncement(line []byte) (string, int64, bool) {
	i := bytes.Index(line, []byte(`"id":"`))
	j := bytes.Index(line, []byte("t0="))
	if i < 0 || j < 0 || len(line) < i+6+36 {
		return "", 0, false
	}
	id := string(line[i+6 : i+6+36])
	k := j + 3
	for k < len(line) && line[k] >= '0' && line[k] <= '9' {
		k++
	}
	t0, err := strconv.ParseInt(string(line[j+3:k]), 10, 64)
	if err != nil {
		return "", 0, false
	}
	return id, t0, true
}
