//go:build !unix

package hub

import (
	"errors"
	"net"
	"syscall"
)

// directSupported reports whether the hub can write to connections itself on this platform.
const directSupported = false

// directWriter is unavailable here: streams are written by their own goroutines.
type directWriter struct{}

func newDirectWriter() *directWriter { return &directWriter{} }

func (w *directWriter) write(syscall.RawConn, []byte) (n int, wouldBlock bool, err error) {
	return 0, false, errors.New("hub: direct writes are not supported on this platform")
}

func rawConnOf(net.Conn) (syscall.RawConn, error) {
	return nil, errors.New("hub: direct writes are not supported on this platform")
}
