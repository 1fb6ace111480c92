package testenv

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// MinIOServer is a MinIO process of one test's own, on loopback ports and a data
// directory of its own, which the test may stop and start again to see how the app
// behaves while its photo store is down and after it comes back.
type MinIOServer struct {
	// Addr is the host:port of the S3 API; it stays the same across restarts.
	Addr      string
	AccessKey string
	SecretKey string

	tb      testing.TB
	bin     string
	dir     string
	console string
	cmd     *exec.Cmd
	logs    *syncBuffer
}

// StartMinIO starts a private MinIO from the binary named by FRONTLINE_TEST_MINIO_BIN and
// stops it when the test ends. Without that binary the test is skipped, or fails when the
// run requires services (CI=true or FRONTLINE_TEST_BACKEND=services).
func StartMinIO(tb testing.TB) *MinIOServer {
	tb.Helper()
	bin := os.Getenv("FRONTLINE_TEST_MINIO_BIN")
	if bin == "" {
		requireServices(tb, "a MinIO binary (FRONTLINE_TEST_MINIO_BIN)")
	}
	m := &MinIOServer{
		Addr: freeAddr(tb), AccessKey: "minioadmin", SecretKey: "minioadmin123",
		tb: tb, bin: bin, dir: tb.TempDir(), console: freeAddr(tb),
	}
	tb.Cleanup(m.Stop)
	m.Start()
	return m
}

// Start starts MinIO on the server's address and data directory and waits until it
// answers its readiness check.
func (m *MinIOServer) Start() {
	m.tb.Helper()
	if m.cmd != nil {
		m.tb.Fatal("testenv: MinIO is already running")
	}
	cmd := exec.Command(m.bin, "server", m.dir, "--address", m.Addr, "--console-address", m.console, "--quiet")
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+m.AccessKey, "MINIO_ROOT_PASSWORD="+m.SecretKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off")
	m.logs = &syncBuffer{}
	cmd.Stdout, cmd.Stderr = m.logs, m.logs
	if err := cmd.Start(); err != nil {
		m.tb.Fatalf("testenv: start MinIO: %v", err)
	}
	m.cmd = cmd
	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := client.Get("http://" + m.Addr + "/minio/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	logs := m.logs.String()
	m.Stop()
	m.tb.Fatalf("testenv: MinIO did not become ready on %s: %s", m.Addr, logs)
}

// Stop kills MinIO at once, the way a crash or a pulled cable would stop it, and waits
// for the process to end. Stopping a stopped server does nothing.
func (m *MinIOServer) Stop() {
	if m.cmd == nil {
		return
	}
	_ = m.cmd.Process.Kill()
	_ = m.cmd.Wait()
	m.cmd = nil
}

// freeAddr returns a loopback address with a port nothing listens on right now.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("testenv: free port: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}

// syncBuffer collects a process's output, written from exec's copying goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
