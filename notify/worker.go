package notify

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"frontline/models"

	webpush "github.com/SherClockHolmes/webpush-go"
)

// Options configure a Worker; zero values take the defaults.
type Options struct {
	Pusher       *Pusher  // nil: no Web Push
	Channel      Channel  // nil: no outside channel
	ChannelKinds []string // nil: DefaultChannelKinds
	Logger       *slog.Logger
	// Every is how often a pass runs without being woken (events stored by another instance).
	Every time.Duration
	// Settle is how old an event must be before it is sent. MySQL may make an event visible
	// before one with a lower id, which the watermark would then pass over; a few seconds'
	// wait lets that one commit. SQLite commits in id order and needs none.
	Settle time.Duration
	// Backoff is the wait after the n-th failure in a row.
	Backoff func(n int) time.Duration
	// MaxFailures drops a subscription (or skips the channel's message) after that many
	// failures in a row.
	MaxFailures int
}

// Worker delivers stored events beyond the app: to each subscribed device once, and to the
// outside channel once. Every instance runs one; they share the work through leases in the
// database (models.Store.ClaimPushSubscription, ClaimNotifyCursor): a device's watermark is
// moved only by the instance holding its lease, after the push service took the event.
type Worker struct {
	store *models.Store
	opt   Options
	owner string
	log   *slog.Logger
	wake  chan struct{}
}

// leaseTTL outlasts one batch: batch × SendTimeout, renewed after each event.
const (
	leaseTTL  = 2 * time.Minute
	batch     = 10
	parallel  = 4
	channelID = "channel"
)

// NewWorker makes a worker over store.
func NewWorker(store *models.Store, opt Options) *Worker {
	if opt.Every <= 0 {
		opt.Every = 15 * time.Second
	}
	if opt.Backoff == nil {
		opt.Backoff = func(n int) time.Duration {
			d := 30 * time.Second << min(n-1, 7)
			return min(d, time.Hour)
		}
	}
	if opt.MaxFailures <= 0 {
		opt.MaxFailures = 12
	}
	if opt.ChannelKinds == nil {
		opt.ChannelKinds = DefaultChannelKinds
	}
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Worker{store: store, opt: opt, owner: models.NewID(), log: log, wake: make(chan struct{}, 1)}
}

// Wake asks for a pass soon: events were stored.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run makes passes until ctx ends: at start, when woken, and every Every.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.opt.Every)
	defer t.Stop()
	for {
		if err := w.Pass(ctx); err != nil && ctx.Err() == nil {
			w.log.Error("notify pass failed", "err", err)
		}
		if w.opt.Settle > 0 {
			// Events just stored are sent once they have settled.
			select {
			case <-ctx.Done():
				return
			case <-time.After(w.opt.Settle):
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-t.C:
		}
	}
}

// Pass sends what is due now: to every device with events waiting, then through the
// channel.
func (w *Worker) Pass(ctx context.Context) error {
	var errs []error
	if w.opt.Pusher != nil {
		errs = append(errs, w.pushPass(ctx))
	}
	if w.opt.Channel != nil && len(w.opt.ChannelKinds) > 0 {
		errs = append(errs, w.channelPass(ctx))
	}
	return errors.Join(errs...)
}

func (w *Worker) settled() time.Time { return w.store.Now().Add(-w.opt.Settle) }

func (w *Worker) pushPass(ctx context.Context) error {
	if n, err := w.store.DropEndedPushSubscriptions(ctx); err != nil {
		return err
	} else if n > 0 {
		w.log.Info("push subscriptions of ended sign-ins dropped", "count", n)
	}
	subs, err := w.store.DuePushSubscriptions(ctx)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallel)
	var mu sync.Mutex
	var errs []error
	for i := range subs {
		sub := &subs[i]
		evs, err := w.store.PendingPushEvents(ctx, sub, w.settled(), batch)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			continue
		}
		lease, err := w.store.ClaimPushSubscription(ctx, sub.ID, sub.AfterID, w.owner, leaseTTL)
		if err != nil {
			return err
		}
		if lease == nil {
			continue // another instance serves it
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := w.pushTo(ctx, sub, lease, evs); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// PushPayload is what the service worker receives: what to show and where to go on a tap.
type PushPayload struct {
	ID    int64  `json:"id"`
	Kind  string `json:"kind"`
	Title string `json:"title"`
	Body  string `json:"body"`
	URL   string `json:"url"`
}

func (w *Worker) pushTo(ctx context.Context, sub *models.PushSubscription, lease *models.Lease, evs []models.Event) error {
	defer func() {
		if err := w.store.Release(context.WithoutCancel(ctx), lease); err != nil {
			w.log.Error("push lease release failed", "err", err)
		}
	}()
	for _, ev := range evs {
		title, body, link := Describe(ev)
		payload, _ := json.Marshal(PushPayload{ID: ev.ID, Kind: ev.Type, Title: title, Body: body, URL: link})
		urgency := webpush.UrgencyNormal
		if ev.Type == models.EventReviewDecided || ev.Type == models.EventRecommendationDue {
			urgency = webpush.UrgencyHigh
		}
		err := w.opt.Pusher.Send(ctx, sub, payload, urgency)
		switch {
		case err == nil, errors.Is(err, ErrRejected):
			if err != nil {
				w.log.Warn("push message refused; skipped", "subscription", sub.ID[:12], "event_id", ev.ID, "err", err)
			}
			ok, aerr := w.store.Advance(ctx, lease, ev.ID)
			if aerr != nil || !ok {
				return aerr // lost the lease: whoever holds it goes on
			}
		case errors.Is(err, ErrGone), errors.Is(err, ErrRefused):
			w.log.Info("push subscription dropped", "subscription", sub.ID[:12], "user_id", sub.UserID, "why", err)
			return w.store.DropPushSubscription(ctx, sub.ID)
		default:
			n, ferr := w.store.Fail(ctx, lease, w.store.Now().Add(w.opt.Backoff(sub.Failures+1)))
			if ferr != nil {
				return ferr
			}
			w.log.Warn("push failed; will retry", "subscription", sub.ID[:12], "failures", n, "err", err)
			if n >= w.opt.MaxFailures {
				w.log.Info("push subscription dropped after failures", "subscription", sub.ID[:12], "user_id", sub.UserID)
				return w.store.DropPushSubscription(ctx, sub.ID)
			}
			return nil
		}
	}
	return nil
}

func (w *Worker) channelPass(ctx context.Context) error {
	cur, lease, err := w.store.ClaimNotifyCursor(ctx, channelID, w.owner, leaseTTL)
	if err != nil || lease == nil {
		return err
	}
	defer func() {
		if err := w.store.Release(context.WithoutCancel(ctx), lease); err != nil {
			w.log.Error("channel lease release failed", "err", err)
		}
	}()
	evs, err := w.store.ChannelEvents(ctx, cur.AfterID, w.opt.ChannelKinds, w.settled(), 50)
	if err != nil {
		return err
	}
	for _, ev := range evs {
		u, err := w.store.FindUser(ctx, *ev.RecipientID)
		if err == nil && u.Active {
			title, body, link := Describe(ev)
			err = w.opt.Channel.Send(ctx, Message{EventID: ev.ID, Kind: ev.Type, UserID: u.ID, Phone: u.Phone, Title: title, Body: body, URL: link})
			if err != nil {
				n, ferr := w.store.Fail(ctx, lease, w.store.Now().Add(w.opt.Backoff(cur.Failures+1)))
				if ferr != nil {
					return ferr
				}
				if n < w.opt.MaxFailures {
					w.log.Warn("outside channel failed; will retry", "event_id", ev.ID, "failures", n, "err", err)
					return nil
				}
				w.log.Error("outside channel failed too often; message skipped", "event_id", ev.ID, "user_id", u.ID, "err", err)
			}
		} else if err != nil && models.ErrorCode(err) != models.CodeNotFound {
			return err
		}
		if ok, err := w.store.Advance(ctx, lease, ev.ID); err != nil || !ok {
			return err
		}
	}
	return nil
}
