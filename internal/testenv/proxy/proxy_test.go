package proxy

import (
	"bufio"
	"net"
	"testing"
	"time"
)

// echoServer answers each line it reads with the same line, on a free loopback port.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := c.Write([]byte(line)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// roundTrip sends a line on c and returns the answer, or the error that came instead.
func roundTrip(c net.Conn, line string) (string, error) {
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(line + "\n")); err != nil {
		return "", err
	}
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "", err
	}
	return got[:len(got)-1], nil
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestProxy: the proxy passes a connection through; cut, it ends the connections it
// carries and refuses new ones, as a stopped server would; restored, it passes new
// connections again on the same address.
func TestProxy(t *testing.T) {
	p := Start(t, echoServer(t))
	before := dial(t, p.Addr())
	if got, err := roundTrip(before, "one"); err != nil || got != "one" {
		t.Fatalf("through the proxy: %q, %v", got, err)
	}

	p.Cut()
	if _, err := roundTrip(before, "two"); err == nil {
		t.Fatal("a connection made before the cut still carries data")
	}
	if c, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		c.Close()
		t.Fatal("the cut proxy accepts connections")
	}
	p.Cut() // cutting again does nothing

	p.Restore()
	p.Restore() // restoring again does nothing
	after := dial(t, p.Addr())
	if got, err := roundTrip(after, "three"); err != nil || got != "three" {
		t.Fatalf("through the restored proxy: %q, %v", got, err)
	}
}
