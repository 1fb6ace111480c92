// Package jobs runs the server's periodic work (overdue notices, pruning, retention) from one
// loop that main starts and waits for on shutdown.
package jobs

import (
	"context"
	"log/slog"
	"time"
)

// Job is one piece of periodic work. Run must be safe on several instances at once, as each
// instance runs every job.
type Job struct {
	Name  string
	Every time.Duration
	Run   func(ctx context.Context) error
}

// Run runs each job at start and then every Every, one at a time, until ctx ends. A failure
// is logged and the job is tried again at its next turn.
func Run(ctx context.Context, log *slog.Logger, list []Job) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	due := make([]time.Time, len(list))
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		next := time.Time{}
		for i, j := range list {
			if now := time.Now(); !now.Before(due[i]) {
				start := now
				if err := j.Run(ctx); err != nil && ctx.Err() == nil {
					log.Error("job failed", "job", j.Name, "err", err)
				}
				due[i] = start.Add(j.Every)
				log.Debug("job done", "job", j.Name, "ms", time.Since(start).Milliseconds())
			}
			if ctx.Err() != nil {
				return
			}
			if next.IsZero() || due[i].Before(next) {
				next = due[i]
			}
		}
		timer.Reset(max(time.Until(next), 0))
	}
}
