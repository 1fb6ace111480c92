package hub

import (
	"net"
	"sort"
	"sync"
	"syscall"
	"time"
)

// The life of a subscription.
const (
	stateHeld   uint8 = iota // subscribed while the stream replays history: frames wait
	stateQueued              // the stream's goroutine takes frames from the queue
	stateDirect              // the hub writes frames straight to the connection
	stateClosed
)

// Subscription is one open stream of one user. Subscribe it before reading history, so
// nothing committed meanwhile is missed; then either Attach the connection (the hub writes
// to it from then on and the handler can return) or Listen and write frames from Next.
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
	backlog bool   // direct: the socket was full; a goroutine drains rest and queue
	broken  bool   // a write went out in part: the stream cannot end cleanly
	rest    []byte // direct: the unwritten end of a frame
	queue   []*frame
	ready   chan struct{}
	skip    []int64 // ids already replayed, in order: not to be sent again
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
// stream replays with an id at or above it must be passed to Attach or Listen, so they are
// not sent twice; those below it will not arrive live.
func (s *Subscription) Floor() int64 { return s.floor }

// Done is closed when the subscription ends: the client went, it could not keep up, its
// sign-in ended or its access ran out, or the hub shut down.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Attach hands the stream's connection to the hub, which from then on writes each frame to
// it as one HTTP/1.1 chunk, and closes it when the subscription ends (with the final chunk,
// when it can). The hub never waits on the socket: when its send buffer is full, frames
// queue (up to QueueSize) and a goroutine drains them, each write with a deadline. skip lists the replayed ids at or above Floor, in order.
// The connection must already carry the response headers of a chunked response. When
// Attach fails the connection is left untouched.
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
	if s.state == stateClosed {
		sh.mu.Unlock()
		_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = conn.Write(endOfStream)
		return conn.Close()
	}
	s.conn, s.raw, s.skip = conn, raw, skip
	queued := s.queue
	s.queue = nil
	s.state = stateDirect
	w := newDirectWriter()
	for _, f := range queued {
		if r := s.offer(f, w); r == offerSlow || r == offerGone {
			s.closeLocked(false)
			if r == offerSlow {
				s.hub.dropped.Add(1)
			}
			break
		}
	}
	sh.mu.Unlock()
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

// Listen keeps the stream with its own goroutine, which waits on Ready and writes the frames
// Next returns. skip lists the replayed ids at or above Floor, in order.
func (s *Subscription) Listen(skip []int64) {
	s.sh.mu.Lock()
	defer s.sh.mu.Unlock()
	s.ready = make(chan struct{}, 1)
	if s.state == stateClosed {
		return
	}
	s.skip = skip
	kept := s.queue[:0]
	for _, f := range s.queue {
		if f.id == 0 || !s.skipped(f.id) {
			kept = append(kept, f)
		}
	}
	clear(s.queue[len(kept):])
	s.queue = kept
	s.state = stateQueued
	if len(s.queue) > 0 {
		s.ready <- struct{}{}
	}
}

// Ready signals, after Listen, that Next has frames.
func (s *Subscription) Ready() <-chan struct{} { return s.ready }

// Next appends the waiting frames to dst and returns it: the event bytes alone, or each as an
// HTTP/1.1 chunk when chunked is set (for a connection taken over from the HTTP server).
func (s *Subscription) Next(dst [][]byte, chunked bool) [][]byte {
	s.sh.mu.Lock()
	defer s.sh.mu.Unlock()
	for _, f := range s.queue {
		if chunked {
			dst = append(dst, f.chunk)
		} else {
			dst = append(dst, f.sse())
		}
	}
	clear(s.queue)
	s.queue = s.queue[:0]
	return dst
}

// Close ends the subscription; it is safe to call more than once and from any goroutine.
func (s *Subscription) Close() {
	s.sh.mu.Lock()
	s.closeLocked(true)
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
		n, wouldBlock, err := w.write(s.raw, f.chunk)
		switch {
		case err != nil:
			s.broken = s.broken || n > 0
			return offerGone
		case wouldBlock:
			s.rest, s.backlog = f.chunk[n:], true
			go s.drain()
		}
	case s.state == stateDirect, s.state == stateHeld, s.state == stateQueued:
		if len(s.queue) >= s.hub.opt.QueueSize {
			return offerSlow
		}
		s.queue = append(s.queue, f)
		if s.state == stateQueued {
			select {
			case s.ready <- struct{}{}:
			default:
			}
		}
	default:
		return offerSkipped
	}
	return offerSent
}

// drain writes what a full socket could not take, waiting for the client as a stream's own
// goroutine would, each write with a deadline; then the hub writes directly again.
func (s *Subscription) drain() {
	sh := s.sh
	var bufs net.Buffers
	for {
		sh.mu.Lock()
		if s.state == stateClosed {
			sh.mu.Unlock()
			return
		}
		bufs = bufs[:0]
		if s.rest != nil {
			bufs = append(bufs, s.rest)
			s.rest = nil
		}
		for _, f := range s.queue {
			bufs = append(bufs, f.chunk)
		}
		clear(s.queue)
		s.queue = s.queue[:0]
		if len(bufs) == 0 {
			s.backlog = false
			sh.mu.Unlock()
			return
		}
		conn := s.conn
		sh.mu.Unlock()
		_ = conn.SetWriteDeadline(time.Now().Add(s.hub.opt.WriteTimeout))
		if _, err := bufs.WriteTo(conn); err != nil {
			sh.mu.Lock()
			if s.state != stateClosed {
				s.broken = true
				s.closeLocked(false)
				s.hub.dropped.Add(1)
			}
			sh.mu.Unlock()
			return
		}
	}
}

// skipped reports whether id was replayed already, forgetting it: each id arrives live once.
func (s *Subscription) skipped(id int64) bool {
	i := sort.Search(len(s.skip), func(i int) bool { return s.skip[i] >= id })
	if i == len(s.skip) || s.skip[i] != id {
		return false
	}
	s.skip = append(s.skip[:i], s.skip[i+1:]...)
	if len(s.skip) == 0 {
		s.skip = nil
	}
	return true
}

// closeLocked ends s with s.sh.mu held. clean says the stream may end with its final chunk.
func (s *Subscription) closeLocked(clean bool) {
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
		// While a drain goroutine writes, the final chunk could land inside its frame.
		if clean && !s.broken && !s.backlog {
			newDirectWriter().write(s.raw, endOfStream)
		}
		_ = s.conn.Close()
		s.conn, s.raw = nil, nil
	}
}

// deliver offers f to every subscriber in subs. It returns how many got it and how many did
// not keep up, and appends to closing those that must be closed.
func deliver(subs []*Subscription, f *frame, w *directWriter, closing []*Subscription) (sent, slow int, _ []*Subscription) {
	for _, s := range subs {
		switch s.offer(f, w) {
		case offerSent:
			sent++
		case offerSlow:
			slow++
			closing = append(closing, s)
		case offerGone:
			closing = append(closing, s)
		}
	}
	return sent, slow, closing
}
