// Package hub delivers stored events to connected clients. Each instance tails the events
// table (the outbox), so an event committed on any instance reaches subscribers on all.
package hub

import (
	"context"

	"frontline/models"
)

// Hub fans stored events out to per-user subscribers.
type Hub struct {
	store *models.Store
}

// New returns a hub over store; Run starts it.
func New(store *models.Store) *Hub { return &Hub{store: store} }

// Run tails the outbox until ctx ends.
func (h *Hub) Run(ctx context.Context) error { <-ctx.Done(); return nil }

// Published delivers events this instance has just committed, without waiting for the tail.
func (h *Hub) Published(events []models.Event) {}

// DisconnectUser closes every stream of a user (disabled, signed out everywhere).
func (h *Hub) DisconnectUser(userID string) {}
