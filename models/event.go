package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Event types.
const (
	EventReviewDecided      = "review.decided"
	EventTopicStatusChanged = "topic.status_changed"
	EventTopicSubmitted     = "topic.submitted"
	EventOpinionAdopted     = "opinion.adopted"
	EventAnnouncement       = "announcement"
	EventPlanPublished      = "plan.published"
	EventRecommendationDue  = "recommendation.overdue"
	EventTopicClosed        = "topic.closed"
	EventActivityInvited    = "activity.invited"
	EventActivityReminder   = "activity.reminder"
	// EventActivityLeave: an invited member asked leave of an activity; its room's conveners are told.
	EventActivityLeave = "activity.leave"
	// EventUnitReplied: a responsible unit answered a recommendation through its link.
	EventUnitReplied = "recommendation.unit_replied"
	// EventRatingUnsatisfied: a resident said by their receipt code the problem is not solved.
	EventRatingUnsatisfied = "rating.unsatisfied"

	// EventSessionEnded is a control event, not a notice: it tells every instance to close
	// the event streams of the sign-ins it names. It is never replayed to a client nor
	// listed among notifications.
	EventSessionEnded = "session.ended"

	// EventResync is sent on the stream, never stored: events since the client's last one
	// are gone, so it should reload what it shows.
	EventResync = "resync"
)

// SessionEnded is the data of a session.ended event.
type SessionEnded struct {
	SessionIDs []string `json:"session_ids"`
}

// Event is a stored notice for one user, or for everyone when RecipientID is nil. Its ID
// only grows, and is the id of the server-sent event that delivers it.
type Event struct {
	ID          int64           `json:"id" gorm:"primaryKey;autoIncrement"`
	RecipientID *string         `json:"-"`
	Type        string          `json:"type"`
	Payload     json.RawMessage `json:"data" gorm:"type:text"`
	CreatedAt   time.Time       `json:"created_at"`
	Read        bool            `json:"read" gorm:"-"`
}

// For returns whether the event is meant for user id.
func (e *Event) For(userID string) bool { return e.RecipientID == nil || *e.RecipientID == userID }

// eventRead is a user's read watermark.
type eventRead struct {
	UserID    string `gorm:"primaryKey"`
	UpToID    int64
	UpdatedAt time.Time
}

func (eventRead) TableName() string { return "event_reads" }

// Notice is one event to raise: a type, its data, and who receives it. Recipients are
// de-duplicated; Everyone sends one row for all users.
type Notice struct {
	Type       string
	Data       any
	Recipients []string
	Everyone   bool
}

// AddEvents stores notices, one row per recipient. Call it inside the transaction of the
// change that raised them, so both commit or neither does. It returns the rows written.
func (s *Store) AddEvents(ctx context.Context, notices ...Notice) ([]Event, error) {
	now := s.now()
	var rows []Event
	for _, n := range notices {
		payload, err := json.Marshal(n.Data)
		if err != nil {
			return nil, fmt.Errorf("models: event payload: %w", err)
		}
		if n.Everyone {
			rows = append(rows, Event{Type: n.Type, Payload: payload, CreatedAt: now})
			continue
		}
		seen := map[string]bool{}
		for _, r := range n.Recipients {
			if r == "" || seen[r] {
				continue
			}
			seen[r] = true
			id := r
			rows = append(rows, Event{RecipientID: &id, Type: n.Type, Payload: payload, CreatedAt: now})
		}
	}
	if len(rows) == 0 {
		return nil, nil
	}
	if err := s.conn(ctx).CreateInBatches(rows, 500).Error; err != nil {
		return nil, fmt.Errorf("models: add events: %w", err)
	}
	s.eventsAdded()
	return rows, nil
}

// EventsAfter returns, in id order, up to limit events with id greater than after. With
// userID set, only that user's events and those for everyone; else all of them (the hub's
// tail of the outbox).
func (s *Store) EventsAfter(ctx context.Context, userID string, after int64, limit int) ([]Event, error) {
	q := s.conn(ctx).Where("id > ?", after)
	if userID != "" {
		q = q.Where("(recipient_id = ? OR recipient_id IS NULL) AND type <> ?", userID, EventSessionEnded)
	}
	var out []Event
	if err := q.Order("id").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("models: events after: %w", err)
	}
	return out, nil
}

// EventsByID returns the events with the given ids, in id order.
func (s *Store) EventsByID(ctx context.Context, ids []int64) ([]Event, error) {
	var out []Event
	if len(ids) == 0 {
		return out, nil
	}
	if err := s.conn(ctx).Where("id IN ?", ids).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("models: events by id: %w", err)
	}
	return out, nil
}

// LastEventID returns the highest event id stored, or 0.
func (s *Store) LastEventID(ctx context.Context) (int64, error) {
	var id *int64
	if err := s.conn(ctx).Model(&Event{}).Select("MAX(id)").Scan(&id).Error; err != nil {
		return 0, fmt.Errorf("models: last event id: %w", err)
	}
	if id == nil {
		return 0, nil
	}
	return *id, nil
}

// OldestEventID returns the lowest event id still stored, or 0 when none is.
func (s *Store) OldestEventID(ctx context.Context) (int64, error) {
	var id *int64
	if err := s.conn(ctx).Model(&Event{}).Select("MIN(id)").Scan(&id).Error; err != nil {
		return 0, fmt.Errorf("models: oldest event id: %w", err)
	}
	if id == nil {
		return 0, nil
	}
	return *id, nil
}

// NotificationFilter selects a user's notices, newest first, by id.
type NotificationFilter struct {
	UserID     string
	UnreadOnly bool
	Limit      int
	BeforeID   int64 // 0: from the newest
}

// ListNotifications lists a user's notices newest first, marking each read or not, and
// returns the id to pass as BeforeID for the next page (0 when no more remain).
func (s *Store) ListNotifications(ctx context.Context, f NotificationFilter) ([]Event, int64, error) {
	if f.Limit <= 0 {
		f.Limit = DefaultLimit
	}
	upTo, err := s.readWatermark(ctx, f.UserID)
	if err != nil {
		return nil, 0, err
	}
	q := s.conn(ctx).Where("(recipient_id = ? OR recipient_id IS NULL) AND type <> ?", f.UserID, EventSessionEnded)
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	if f.UnreadOnly {
		q = q.Where("id > ?", upTo)
	}
	var out []Event
	if err := q.Order("id DESC").Limit(f.Limit + 1).Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("models: list notifications: %w", err)
	}
	var next int64
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[len(out)-1].ID
	}
	for i := range out {
		out[i].Read = out[i].ID <= upTo
	}
	return out, next, nil
}

// UnreadCount counts a user's notices above their read watermark.
func (s *Store) UnreadCount(ctx context.Context, userID string) (int64, error) {
	upTo, err := s.readWatermark(ctx, userID)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.conn(ctx).Model(&Event{}).Where("(recipient_id = ? OR recipient_id IS NULL) AND type <> ? AND id > ?", userID, EventSessionEnded, upTo).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("models: unread count: %w", err)
	}
	return n, nil
}

// MarkRead marks every notice of the user up to and including upToID as read. The
// watermark never moves back.
func (s *Store) MarkRead(ctx context.Context, userID string, upToID int64) error {
	if upToID < 0 {
		return Invalid("up_to_id", "must not be negative")
	}
	return s.Tx(ctx, func(tx *Store) error {
		cur, err := tx.readWatermark(ctx, userID)
		if err != nil {
			return err
		}
		if upToID <= cur {
			return nil
		}
		row := eventRead{UserID: userID, UpToID: upToID, UpdatedAt: tx.now()}
		return tx.conn(ctx).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "user_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"up_to_id", "updated_at"}),
		}).Create(&row).Error
	})
}

func (s *Store) readWatermark(ctx context.Context, userID string) (int64, error) {
	var r eventRead
	err := s.conn(ctx).Where("user_id = ?", userID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("models: read watermark: %w", err)
	}
	return r.UpToID, nil
}

// PruneEvents deletes events created before cutoff, in batches, and returns how many went.
func (s *Store) PruneEvents(ctx context.Context, cutoff time.Time) (int64, error) {
	var total int64
	for {
		var ids []int64
		if err := s.conn(ctx).Model(&Event{}).Where("created_at < ?", cutoff).Order("id").Limit(1000).Pluck("id", &ids).Error; err != nil {
			return total, fmt.Errorf("models: prune events: %w", err)
		}
		if len(ids) == 0 {
			return total, nil
		}
		res := s.conn(ctx).Where("id IN ?", ids).Delete(&Event{})
		if res.Error != nil {
			return total, fmt.Errorf("models: prune events: %w", res.Error)
		}
		total += res.RowsAffected
	}
}

// RoomMemberIDs returns the users holding any role in room.
func (s *Store) RoomMemberIDs(ctx context.Context, roomID string, roles ...string) ([]string, error) {
	q := s.conn(ctx).Model(&Membership{}).Where("room_id = ?", roomID)
	if len(roles) > 0 {
		q = q.Where("role IN ?", roles)
	}
	var ids []string
	if err := q.Pluck("user_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("models: room members: %w", err)
	}
	return ids, nil
}

// UsersWithRole returns the ids of active users with role (and review body, if given).
func (s *Store) UsersWithRole(ctx context.Context, role, body string) ([]string, error) {
	q := s.conn(ctx).Model(&User{}).Where("role = ? AND active = ?", role, true)
	if body != "" {
		q = q.Where("review_body = ?", body)
	}
	var ids []string
	if err := q.Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("models: users with role: %w", err)
	}
	return ids, nil
}

// eventTicket is an unused ticket for the event stream.
type eventTicket struct {
	Nonce     string `gorm:"primaryKey"`
	UserID    string
	ExpiresAt time.Time
}

func (eventTicket) TableName() string { return "event_tickets" }

// AddEventTicket records a ticket issued to user, valid until expires.
func (s *Store) AddEventTicket(ctx context.Context, nonce, userID string, expires time.Time) error {
	err := s.conn(ctx).Create(&eventTicket{Nonce: nonce, UserID: userID, ExpiresAt: expires.UTC().Truncate(time.Microsecond)}).Error
	if err != nil {
		return fmt.Errorf("models: add event ticket: %w", err)
	}
	return nil
}

// UseEventTicket spends a ticket: true only for its own user, before it expires, the first
// time. The delete is the check, so two instances cannot both accept one ticket.
func (s *Store) UseEventTicket(ctx context.Context, nonce, userID string, now time.Time) (bool, error) {
	res := s.conn(ctx).Where("nonce = ? AND user_id = ? AND expires_at > ?", nonce, userID, now.UTC()).Delete(&eventTicket{})
	if res.Error != nil {
		return false, fmt.Errorf("models: use event ticket: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// PruneEventTickets deletes tickets that expired unused.
func (s *Store) PruneEventTickets(ctx context.Context, now time.Time) (int64, error) {
	res := s.conn(ctx).Where("expires_at <= ?", now.UTC()).Delete(&eventTicket{})
	if res.Error != nil {
		return 0, fmt.Errorf("models: prune event tickets: %w", res.Error)
	}
	return res.RowsAffected, nil
}
