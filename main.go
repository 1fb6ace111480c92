// Command frontline serves the Frontline API and its installable app.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"frontline/models"
)

var version = "dev"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		os.Exit(healthcheck())
	}
	if len(os.Args) > 1 && (os.Args[1] == "-version" || os.Args[1] == "--version" || os.Args[1] == "version") {
		fmt.Println(version)
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, nil); err != nil {
		fmt.Fprintln(os.Stderr, "frontline:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends, then stops gracefully: in-flight requests get up to 20 s.
// When ready is not nil it receives the listening address.
func run(ctx context.Context, getenv func(string) string, ready chan<- string) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel)

	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	if cfg.AdminPhone != "" {
		created, err := store.EnsureAdmin(ctx, cfg.AdminPhone, cfg.AdminPassword)
		if err != nil {
			return fmt.Errorf("create admin: %w", err)
		}
		if created {
			log.Info("admin created", "phone", cfg.AdminPhone)
		}
	}
	secret, err := cfg.secret()
	if err != nil {
		return fmt.Errorf("jwt secret: %w", err)
	}
	app, err := buildApp(ctx, cfg, store, secret, log)
	if err != nil {
		return err
	}
	defer app.close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           app.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // photo uploads on a slow phone link
		WriteTimeout:      2 * time.Minute, // event streams clear it for themselves
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	// Metrics have an address of their own, loopback by default: they tell how the server is
	// used and must not be on the public one.
	var metricsSrv *http.Server
	metricsAt := "off"
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("metrics listener (FRONTLINE_METRICS_ADDR): %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", app.metrics)
		metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 16 << 10}
		metricsAt = mln.Addr().String()
		defer metricsSrv.Close()
		go func() {
			if err := metricsSrv.Serve(mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics server stopped", "err", err)
			}
		}()
	}
	if cfg.AdminPhone == "" {
		if err := announceSetup(ctx, store, ln.Addr(), log); err != nil {
			ln.Close()
			return err
		}
	}
	log.Info("listening", "addr", ln.Addr().String(), "metrics", metricsAt, "version", version, "database", store.Dialect(), "photos", app.photoKind)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	app.beginShutdown()
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	if metricsSrv != nil {
		if err := metricsSrv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("shutdown metrics: %w", err)
		}
	}
	return nil
}

// announceSetup logs a one-time link that creates the first admin, when no active admin
// exists and none is configured. Each start makes a new one; only its hash is stored.
func announceSetup(ctx context.Context, store *models.Store, addr net.Addr, log *slog.Logger) error {
	token, expires, err := store.NewSetupToken(ctx)
	if err != nil {
		return fmt.Errorf("setup link: %w", err)
	}
	if token == "" {
		return nil
	}
	path := "/setup?token=" + token
	host := "localhost"
	if a, ok := addr.(*net.TCPAddr); ok && !a.IP.IsUnspecified() {
		host = a.IP.String()
	}
	_, port, _ := net.SplitHostPort(addr.String())
	log.Warn("no admin yet: open this one-time link within an hour to create the first admin",
		"setup_url", "http://"+net.JoinHostPort(host, port)+path, "setup_path", path, "expires_at", expires.Format(time.RFC3339))
	return nil
}

func openStore(ctx context.Context, cfg *Config) (*models.Store, error) {
	if cfg.MySQLDSN != "" {
		s, err := models.OpenMySQL(ctx, cfg.MySQLDSN)
		if err != nil {
			return nil, fmt.Errorf("database: %w", err)
		}
		return s, nil
	}
	s, err := models.OpenSQLite(ctx, filepath.Join(cfg.DataDir, "frontline.db"))
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	return s, nil
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// healthcheck asks the local server's /healthz; containers without a shell use it.
func healthcheck() int {
	addr := os.Getenv("FRONTLINE_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 1
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://" + net.JoinHostPort(host, port) + "/healthz")
	if err != nil {
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}
