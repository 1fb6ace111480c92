// Package proxy puts a TCP proxy of one test's own in front of a shared test server
// (the MariaDB or MinIO that deploy/dev/services.sh started), which the test cuts to see
// how the app behaves while that server is unreachable, and restores to see it recover.
// Tests never start servers of their own. It imports nothing of the project, so the
// tests of any package may use it.
package proxy

import (
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Proxy passes connections on to its target while it is up. Cut closes every connection
// and refuses new ones, as a stopped server or a dead network would; Restore listens on
// the same address again.
type Proxy struct {
	tb     testing.TB
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener // nil while cut
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// Start starts a proxy to target (host:port) on a free loopback port; it is cut when the
// test ends.
func Start(tb testing.TB, target string) *Proxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("proxy: listen: %v", err)
	}
	p := &Proxy{tb: tb, target: target, addr: ln.Addr().String(), conns: map[net.Conn]struct{}{}}
	p.serve(ln)
	tb.Cleanup(func() {
		p.Cut()
		p.wg.Wait()
	})
	return p
}

// Addr is the proxy's host:port, for the client to use instead of the target's. It stays
// the same across Cut and Restore.
func (p *Proxy) Addr() string { return p.addr }

// Cut closes every connection through the proxy and refuses new ones until Restore.
// Cutting a cut proxy does nothing.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// Restore accepts connections again on the same address. Restoring a proxy that is up
// does nothing.
func (p *Proxy) Restore() {
	p.tb.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		return
	}
	// The port was ours a moment ago; give the kernel a little time should it still hold it.
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var ln net.Listener
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			p.serve(ln)
			return
		}
		if !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			break
		}
	}
	p.tb.Fatalf("proxy: listen again on %s: %v", p.addr, err)
}

// serve accepts on ln until it is closed; the caller holds p.mu or owns p alone.
func (p *Proxy) serve(ln net.Listener) {
	p.ln = ln
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			p.pass(ln, in)
		}
	}()
}

// pass joins a connection accepted on ln to a new one to the target, unless the proxy has
// been cut since.
func (p *Proxy) pass(ln net.Listener, in net.Conn) {
	out, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		in.Close()
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != ln {
		in.Close()
		out.Close()
		return
	}
	p.conns[in], p.conns[out] = struct{}{}, struct{}{}
	p.wg.Add(2)
	go p.copy(out, in)
	go p.copy(in, out)
}

// copy passes what src sends on to dst; when either side ends, so do both.
func (p *Proxy) copy(dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src)
	dst.Close()
	src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}
