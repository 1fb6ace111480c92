//go:build unix

package hub

import (
	"errors"
	"net"
	"syscall"
)

// directSupported reports whether the hub can write to connections itself on this platform.
const directSupported = true

// errFull says a socket's send buffer could not take a whole frame now.
var errFull = errors.New("hub: the client's socket is full")

// directWriter writes to a socket without ever waiting, so that one slow client cannot hold
// up a fan-out. One writer serves one goroutine.
type directWriter struct {
	buf []byte
	n   int
	err error
	fn  func(fd uintptr) bool
}

func newDirectWriter() *directWriter {
	w := &directWriter{}
	w.fn = func(fd uintptr) bool {
		for {
			w.n, w.err = syscall.Write(int(fd), w.buf)
			if w.err != syscall.EINTR {
				return true // done: never park on the poller
			}
		}
	}
	return w
}

// write makes one attempt to write b and returns how much went out: errFull when the
// socket took less (its send buffer being full), another error when the connection is gone.
func (w *directWriter) write(rc syscall.RawConn, b []byte) (int, error) {
	w.buf, w.n, w.err = b, 0, nil
	err := rc.Write(w.fn)
	w.buf = nil
	if err == nil {
		err = w.err
	}
	n := max(w.n, 0)
	if errors.Is(err, syscall.EAGAIN) || err == nil && n < len(b) {
		return n, errFull
	}
	return n, err
}

// rawConnOf returns the descriptor access of a plain socket.
func rawConnOf(conn net.Conn) (syscall.RawConn, error) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil, errors.New("hub: connection gives no access to its socket")
	}
	return sc.SyscallConn()
}
