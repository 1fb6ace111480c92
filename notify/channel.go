// Package notify carries notices beyond the open app: Web Push to the browsers that
// subscribed, and a Channel an SMS or WeChat gateway plugs into for the notices that matter
// most. Both read the events outbox (models.Event) that the live stream reads, so a notice
// is raised once, in the change's transaction, whatever carries it.
package notify

import (
	"context"
	"log/slog"

	"frontline/models"
)

// Message is one notice for one person through an outside channel.
type Message struct {
	EventID int64
	Kind    string // the event type, e.g. review.decided
	UserID  string
	Phone   string // the user's mobile number, where an SMS gateway sends it
	Title   string
	Body    string
	URL     string // a path of the app, e.g. /topics/{id}; the gateway prefixes its address
}

// Channel sends messages outside the app. Send returns an error when the message did not
// go and should be tried again later.
type Channel interface {
	Send(ctx context.Context, m Message) error
}

// DefaultChannelKinds are the notices that go through the outside channel: a meeting
// tomorrow, a decision on a topic one's opinion fed, an overdue recommendation. Extend the
// list (or FRONTLINE_NOTIFY_KINDS) to send more.
var DefaultChannelKinds = []string{models.EventActivityReminder, models.EventReviewDecided, models.EventRecommendationDue}

// LogChannel writes each message to the log instead of sending it: the default until a
// gateway is configured, so an operator sees what would go out.
type LogChannel struct{ Log *slog.Logger }

// Send logs m, with the phone masked.
func (l LogChannel) Send(_ context.Context, m Message) error {
	log := l.Log
	if log == nil {
		log = slog.Default()
	}
	log.Info("notice for the outside channel", "kind", m.Kind, "event_id", m.EventID, "user_id", m.UserID,
		"phone", maskPhone(m.Phone), "title", m.Title, "url", m.URL)
	return nil
}

func maskPhone(p string) string {
	if len(p) < 7 {
		return "***"
	}
	return p[:3] + "****" + p[len(p)-4:]
}
