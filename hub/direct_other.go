//go:build !unix

package hub

import (
	"errors"
	"net"
	"syscall"
)

// directSupported reports whether the hub can write to connections itself on this platform:
// not here, so the server answers event streams with 505.
const directSupported = false

var errFull = errors.New("hub: the client's socket is full")

type directWriter struct{}

func newDirectWriter() *directWriter { return &directWriter{} }

func (w *directWriter) write(syscall.RawConn, []byte) (int, error) {
	return 0, errors.New("hub: direct writes are not supported on this platform")
}

func rawConnOf(net.Conn) (syscall.RawConn, error) {
	return nil, errors.New("hub: direct writes are not supported on this platform")
}
