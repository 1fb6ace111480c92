package hub

import (
	"errors"
	"net"
	"slices"
	"sync"
	"syscall"
	"time"
)

// The life of a subscription.
const (
	stateHeld   uint8 = iota // subscribed while the stream replays history: frames wait
	stateDirect              // the hub writes frames straight to the connection
	stateClosed
)

// Subscription is one open stream of one user. Subscribe it before reading history, so
// nothing committed meanwhile is missed; then Attach the connection: the hub writes to it
// from then on, and the handler returns.
//
// Streams are written one way, by the hub straight to the socket without waiting, never by
// a goroutine of their own: that is what keeps a stream under 8 KB of memory (a goroutine
// per stream with the HTTP server's buffers costs about twice that) and lets one fan-out
// reach 20,000 streams without a context switch per stream. When a socket's send buffer is
// full, frames queue and a goroutine of the stream's own drains them, waiting for the client,
// until the buffer takes writes again; a client that lets the queue fill too is closed, and
// catches up by Last-Event-ID when it reconnects.
type Subscription struct {
	hub    *Hub
	userID string
	signin Signin
	opened uint64 // order of subscription, to find a sign-in's oldest stream
	sh     *shard
	floor  int64
	done   chan struct{}

	// Guarded by sh.mu.
	idx     int // position in sh.users[userID]
	state   uint8
	queue   []*frame // what waits: during the replay, or while the socket is full
	rest    []byte   // the unwritten end of a frame the socket took in part
	backlog bool     // a drain goroutine writes rest and queue
	skip    []int64  // ids already replayed, in order: not to be sent again
	conn    net.Conn
	raw     syscall.RawConn
}

// shard holds the subscribers of the users whose ids hash to it.
type shard struct {
	mu     sync.Mutex
	users  map[string][]*Subscription
	closed bool
}

// Floor is the lowest event id that may still reach this subscription live. Events the
// stream replays with an id at or above it must be passed to Attach, so they are not sent
// twice; those below it will not arrive live.
func (s *Subscription) Floor() int64 { return s.floor }

// Done is closed when the subscription ends: the client went, it could not keep up, its
// sign-in ended or its access ran out, or the hub shut down.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Attach hands the stream's connection to the hub, which from then on writes each frame to
// it and closes it when the subscription ends. The response's head and the replay must
// already be written; the body ends when the connection closes. skip lists the replayed ids
// at or above Floor, in order. When Attach fails the connection is left untouched.
func (s *Subscription) Attach(conn net.Conn, skip []int64) error {
	raw, err := rawConnOf(conn)
	if err != nil {
		return err
	}
	if n := s.hub.opt.WriteBuffer; n > 0 {
		if tc, ok := conn.(interface{ SetWriteBuffer(int) error }); ok {
			_ = tc.SetWriteBuffer(n)
		}
	}
	sh := s.sh
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if s.state == stateClosed {
		return conn.Close()
	}
	s.conn, s.raw, s.skip, s.state = conn, raw, skip, stateDirect
	queued := s.queue
	s.queue = nil
	w := newDirectWriter()
	for _, f := range queued {
		if r := s.offer(f, w); r == offerSlow || r == offerGone {
			if r == offerSlow {
				s.hub.dropped.Add(1)
			}
			s.closeLocked()
			return nil
		}
	}
	go s.watch(conn)
	return nil
}

// watch waits for the client to go: a client sends nothing on an event stream, so any end of
// reading (close, reset, the hub closing the connection) ends the subscription.
func (s *Subscription) watch(conn net.Conn) {
	buf := make([]byte, 1)
	for {
		if _, err := conn.Read(buf); err != nil {
			break
		}
	}
	s.Close()
}

// Close ends the subscription; it is safe to call more than once and from any goroutine.
func (s *Subscription) Close() {
	s.sh.mu.Lock()
	s.closeLocked()
	s.sh.mu.Unlock()
}

// Offer results.
const (
	offerSent    = iota
	offerSkipped // replayed already, or closed
	offerSlow    // the client does not keep up: close it
	offerGone    // the connection failed: close it
)

// offer hands f to s, with s.sh.mu held.
func (s *Subscription) offer(f *frame, w *directWriter) int {
	if f.id != 0 && len(s.skip) > 0 && s.skipped(f.id) {
		return offerSkipped
	}
	switch {
	case s.state == stateDirect && !s.backlog:
		n, err := w.write(s.raw, f.b)
		if errors.Is(err, errFull) {
			s.rest, s.backlog = f.b[n:], true
			go s.drain()
		} else if err != nil {
			return offerGone
		}
	case s.state == stateDirect, s.state == stateHeld:
		if len(s.queue) >= s.hub.opt.QueueSize {
			return offerSlow
		}
		s.queue = append(s.queue, f)
	default:
		return offerSkipped
	}
	return offerSent
}

// drain writes what a full socket could not take, waiting for the client with a deadline
// per write; then the hub writes directly again.
func (s *Subscription) drain() {
	sh := s.sh
	for {
		sh.mu.Lock()
		bufs := net.Buffers{}
		if s.rest != nil {
			bufs = append(bufs, s.rest)
		}
		for _, f := range s.queue {
			bufs = append(bufs, f.b)
		}
		s.rest, s.queue = nil, s.queue[:0]
		conn := s.conn
		if s.state == stateClosed || len(bufs) == 0 {
			s.backlog = false
			sh.mu.Unlock()
			return
		}
		sh.mu.Unlock()
		_ = conn.SetWriteDeadline(time.Now().Add(drainTimeout))
		if _, err := bufs.WriteTo(conn); err != nil {
			sh.mu.Lock()
			if s.state != stateClosed {
				s.hub.dropped.Add(1)
				s.closeLocked()
			}
			sh.mu.Unlock()
			return
		}
	}
}

// drainTimeout bounds one write to a client that is slow to read.
const drainTimeout = 10 * time.Second

// skipped reports whether id was replayed already, forgetting it: each id arrives live once.
func (s *Subscription) skipped(id int64) bool {
	i, found := slices.BinarySearch(s.skip, id)
	if found {
		s.skip = slices.Delete(s.skip, i, i+1)
	}
	return found
}

// closeLocked ends s with s.sh.mu held, closing its connection.
func (s *Subscription) closeLocked() {
	if s.state == stateClosed {
		return
	}
	s.state = stateClosed
	sh := s.sh
	if list := sh.users[s.userID]; s.idx < len(list) && list[s.idx] == s {
		last := len(list) - 1
		list[s.idx] = list[last]
		list[s.idx].idx = s.idx
		list[last] = nil
		if last == 0 {
			delete(sh.users, s.userID)
		} else {
			sh.users[s.userID] = list[:last]
		}
	}
	s.hub.subs.Add(-1)
	s.queue, s.skip, s.rest = nil, nil, nil
	close(s.done)
	if s.conn != nil {
		_ = s.conn.SetDeadline(time.Now()) // the watcher's read ends too
		_ = s.conn.Close()
		s.conn, s.raw = nil, nil
	}
}
