package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"frontline/api"
	"frontline/hub"
	"frontline/jobs"
	"frontline/models"
	"frontline/notify"
	"frontline/pwa"
	"frontline/uploads"
)

// app is the wired server: the HTTP handler and what must be stopped with it.
type app struct {
	handler   http.Handler
	metrics   http.Handler // served on its own address, not the public one
	photoKind string
	closers   []func()
	stopping  []func()
}

func buildApp(ctx context.Context, cfg *Config, store *models.Store, secret []byte, log *slog.Logger) (*app, error) {
	a := &app{}
	store.RefreshKey = refreshKey(secret)
	uploads.SetDecodeBudget(cfg.PhotoDecodeBudget)
	photos, err := openPhotos(ctx, cfg, secret, log)
	if err != nil {
		return nil, err
	}
	a.photoKind = photos.Kind()
	// The hub reads every instance's ended sign-ins from the outbox; the store's cache of
	// sign-in state forgets them. A commit that stored events wakes the hub.
	events := hub.New(store, hub.Options{Logger: log, SessionsEnded: store.SessionsEnded})
	vapid, err := cfg.vapid()
	if err != nil {
		return nil, fmt.Errorf("push keys: %w", err)
	}
	// Notices beyond the app read the same outbox: Web Push to subscribed browsers, and the
	// outside channel (the log until a gateway is plugged in).
	notices := notify.Options{Pusher: notify.NewPusher(vapid, cfg.PushAllowHosts), ChannelKinds: cfg.NotifyKinds, Logger: log}
	if cfg.NotifyChannel == "log" {
		notices.Channel = notify.LogChannel{Log: log}
	}
	if store.Dialect() == models.DialectMySQL {
		notices.Settle = 3 * time.Second
	}
	outside := notify.NewWorker(store, notices)
	store.OnEventsStored(func() { events.Wake(); outside.Wake() })
	a.background(ctx, outside.Run)
	a.background(ctx, func(ctx context.Context) {
		if err := events.Run(ctx); err != nil {
			log.Error("event hub stopped", "err", err)
		}
	})
	// Serve once the tail knows where it starts, so no event committed meanwhile waits for a
	// reconnect to reach a live client.
	select {
	case <-events.Ready():
	case <-time.After(10 * time.Second):
		log.Warn("event hub not ready yet; serving anyway")
	}
	// Streams end first so the HTTP server can drain; the hub's tail stops at close.
	a.stopping = append(a.stopping, events.Shutdown)
	e, srv := api.New(api.Options{
		Store:             store,
		Hub:               events,
		Photos:            photos,
		Secret:            secret,
		Logger:            log,
		Version:           version,
		Probes:            map[string]func(context.Context) error{"photos": photos.Ping},
		Static:            pwa.Handler(),
		QuotaCheckFrom:    cfg.QuotaCheckFrom,
		CountyName:        cfg.CountyName,
		TrustedProxies:    cfg.TrustedProxies,
		AuditRetention:    cfg.AuditRetention,
		ResidentRetention: cfg.ResidentRetention,
		PushKey:           vapid.Public,
		PushAllowHosts:    cfg.PushAllowHosts,
	})
	srv.Registry().MustRegister(events.Collectors()...)
	a.handler = e
	a.metrics = srv.MetricsHandler()
	a.background(ctx, func(ctx context.Context) {
		jobs.Run(ctx, log, append(srv.Jobs(), jobs.Job{Name: "event pruning", Every: time.Hour, Run: func(ctx context.Context) error {
			if _, err := store.PruneEvents(ctx, time.Now().Add(-cfg.EventRetention)); err != nil {
				return err
			}
			_, err := store.PruneEventTickets(ctx, time.Now())
			return err
		}}))
	})
	return a, nil
}

// background runs fn on its own goroutine until the app closes, and close waits for it.
// It is not tied to the start-up context: the app says when it stops.
func (a *app) background(ctx context.Context, fn func(ctx context.Context)) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(ctx)
	}()
	a.closers = append(a.closers, func() { cancel(); <-done })
}

// openPhotos picks the photo store: MinIO when configured, else a folder in the data dir.
// MinIO being down at start-up is not fatal: uploads answer 503 until it is back, and
// /readyz says so.
func openPhotos(ctx context.Context, cfg *Config, secret []byte, log *slog.Logger) (*uploads.Store, error) {
	if cfg.MinIOEndpoint == "" {
		st, err := uploads.NewDisk(filepath.Join(cfg.DataDir, "photos"), linkKey(secret))
		if err != nil {
			return nil, fmt.Errorf("photo store: %w", err)
		}
		return st, nil
	}
	st, err := uploads.NewMinIO(ctx, uploads.MinIOConfig{Endpoint: cfg.MinIOEndpoint, AccessKey: cfg.MinIOAccessKey,
		SecretKey: cfg.MinIOSecretKey, Bucket: cfg.MinIOBucket, Secure: cfg.MinIOSecure, PublicEndpoint: cfg.MinIOPublic})
	if errors.Is(err, uploads.ErrUnavailable) && st != nil {
		log.Warn("photo store not reachable at start-up; uploads answer 503 until it is", "err", err)
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("photo store: %w", err)
	}
	return st, nil
}

// linkKey derives the key that signs photo links from the token secret, so one secret
// serves both and a token key never signs a link directly.
func linkKey(secret []byte) []byte {
	return hmacSHA256(secret, []byte("frontline photo links"))
}

// refreshKey derives the key that makes each refresh token's successor (see models.Store's
// RefreshKey), so that no token key is used for two purposes.
func refreshKey(secret []byte) []byte {
	return hmacSHA256(secret, []byte("frontline refresh successors"))
}

// beginShutdown tells long-lived streams to finish so the HTTP server can drain.
func (a *app) beginShutdown() {
	for _, f := range a.stopping {
		f()
	}
}

func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}
