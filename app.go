package main

import (
	"context"
	"log/slog"
	"net/http"

	"frontline/api"
	"frontline/models"
)

// app is the wired server: the HTTP handler and what must be stopped with it.
type app struct {
	handler   http.Handler
	photoKind string
	closers   []func()
	stopping  []func()
}

func buildApp(ctx context.Context, cfg *Config, store *models.Store, secret []byte, log *slog.Logger) (*app, error) {
	a := &app{photoKind: "none"}
	e, _ := api.New(api.Options{Store: store, Secret: secret, Logger: log, Version: version})
	a.handler = e
	return a, nil
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
