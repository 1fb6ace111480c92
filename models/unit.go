package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// A responsible unit's words for where a recommendation stands, as it answers through its
// link. Each moves the recommendation as a convener's note would (unitFlow).
const (
	UnitAccepted   = "accepted"
	UnitInProgress = "in_progress"
	UnitDone       = "done"
	UnitRejected   = "rejected" // cannot be adopted: the note says why
)

// unitFlow is the recommendation status each unit word asks for.
var unitFlow = map[string]string{
	UnitAccepted:   RecInProgress,
	UnitInProgress: RecInProgress,
	UnitDone:       RecDone,
	UnitRejected:   RecNotAdopted,
}

// UnitLinkLife is how long a unit link lives at most; it ends sooner when the
// recommendation is settled, when the convener revokes it or issues another.
const UnitLinkLife = 180 * 24 * time.Hour

// UnitLinkPhotoQuota bounds the photos sent through one link: a unit shows its work in a
// few photos, and the link is a bearer secret that may leak.
var UnitLinkPhotoQuota = PhotoQuota{PerMinute: 10, PerDay: 50, BytesPerDay: 200 << 20}

// UnitLink is a signed link through which a responsible unit answers one recommendation.
// Only the hash of its token is stored.
type UnitLink struct {
	ID               string
	RecommendationID string
	TokenHash        string
	CreatedBy        string
	CreatedAt        time.Time
	ExpiresAt        time.Time
	RevokedAt        *time.Time
}

// IssuedLink is a new link as its issuer sees it, the only time the token is shown.
type IssuedLink struct {
	Token     string    `json:"-"`
	ExpiresAt time.Time `json:"expires_at"`
}

// HashUnitToken is the stored form of a link's token.
func HashUnitToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// newUnitToken is 32 random bytes, URL-safe: unguessable, and no longer than a QR code of
// a link can carry comfortably.
func newUnitToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// unitRecommendation loads a recommendation with its topic, locked, for a convener of the
// topic's room.
func (s *Store) convenedRecommendation(ctx context.Context, v *Viewer, recID string) (*Recommendation, *Topic, error) {
	var rec Recommendation
	if err := s.conn(ctx).Where("id = ?", recID).Take(&rec).Error; err != nil {
		return nil, nil, notFound(err, "recommendation")
	}
	t, actor, err := s.lockTopic(ctx, v, rec.TopicID)
	if err != nil {
		return nil, nil, err
	}
	if actor != ActorConvener {
		return nil, nil, Errorf(CodeForbidden, "only the room's conveners share a recommendation with its unit")
	}
	return &rec, t, nil
}

// IssueUnitLink makes a new link for the unit of a recommendation of a concluded topic,
// revoking any earlier one in the same transaction.
func (s *Store) IssueUnitLink(ctx context.Context, v *Viewer, recID string) (*IssuedLink, error) {
	token, err := newUnitToken()
	if err != nil {
		return nil, wrap("unit link token", err)
	}
	var out IssuedLink
	err = s.Tx(ctx, func(tx *Store) error {
		rec, t, err := tx.convenedRecommendation(ctx, v, recID)
		if err != nil {
			return err
		}
		if t.Status != TopicConcluded || rec.Settled() {
			return Errorf(CodeWrongState, "a unit link is given for a recommendation still being followed up")
		}
		now := tx.now()
		if err := tx.revokeUnitLinks(ctx, rec.ID, now); err != nil {
			return err
		}
		l := UnitLink{ID: NewID(), RecommendationID: rec.ID, TokenHash: HashUnitToken(token), CreatedBy: v.ID,
			CreatedAt: now, ExpiresAt: now.Add(UnitLinkLife)}
		if err := tx.conn(ctx).Create(&l).Error; err != nil {
			return err
		}
		out = IssuedLink{Token: token, ExpiresAt: l.ExpiresAt}
		return nil
	})
	if err != nil {
		return nil, wrap("issue unit link", err)
	}
	return &out, nil
}

// RevokeUnitLink ends every live link of a recommendation; revoking none is no error.
func (s *Store) RevokeUnitLink(ctx context.Context, v *Viewer, recID string) error {
	return wrap("revoke unit link", s.Tx(ctx, func(tx *Store) error {
		rec, _, err := tx.convenedRecommendation(ctx, v, recID)
		if err != nil {
			return err
		}
		return tx.revokeUnitLinks(ctx, rec.ID, tx.now())
	}))
}

func (s *Store) revokeUnitLinks(ctx context.Context, recID string, now time.Time) error {
	return s.conn(ctx).Model(&UnitLink{}).Where("recommendation_id = ? AND revoked_at IS NULL", recID).
		Update("revoked_at", now).Error
}

// endUnitLinks expires the recommendation's live links now: it is settled.
func (s *Store) endUnitLinks(ctx context.Context, recID string) error {
	now := s.now()
	return s.conn(ctx).Model(&UnitLink{}).Where("recommendation_id = ? AND revoked_at IS NULL AND expires_at > ?", recID, now).
		Update("expires_at", now).Error
}

// errNoUnitLink is the one answer for a token that names no live link: unknown, revoked
// or replaced, so a guesser learns nothing from it.
var errNoUnitLink = &Error{Code: CodeNotFound, Message: "this link is not valid; ask the convener for a new one"}

// UnitLinkByToken finds the link a token opens: not revoked. Whether it is still open for
// replies is Open's to say.
func (s *Store) UnitLinkByToken(ctx context.Context, token string) (*UnitLink, error) {
	if len(token) < 16 || len(token) > 100 {
		return nil, errNoUnitLink
	}
	var l UnitLink
	err := s.conn(ctx).Where("token_hash = ? AND revoked_at IS NULL", HashUnitToken(token)).Take(&l).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, errNoUnitLink
	}
	if err != nil {
		return nil, wrap("find unit link", err)
	}
	return &l, nil
}

// Open says whether the link still takes replies at now.
func (l *UnitLink) Open(now time.Time) bool { return now.Before(l.ExpiresAt) }

// UnitView is what a unit sees through its link: the recommendation, its topic's title and
// the unit's own earlier replies. Nothing about residents or members.
type UnitView struct {
	Recommendation UnitRecommendation `json:"recommendation"`
	TopicTitle     string             `json:"topic_title"`
	Open           bool               `json:"open"`
	ExpiresAt      time.Time          `json:"expires_at"`
	Replies        []ProgressNote     `json:"-"`
}

// UnitRecommendation is a recommendation as its unit sees it.
type UnitRecommendation struct {
	Content string `json:"content"`
	Unit    string `json:"unit"`
	DueOn   string `json:"due_on"`
	Status  string `json:"status"`
	Overdue bool   `json:"overdue"`
}

// UnitLinkView reads what the link shows.
func (s *Store) UnitLinkView(ctx context.Context, l *UnitLink) (*UnitView, error) {
	var rec Recommendation
	if err := s.conn(ctx).Where("id = ?", l.RecommendationID).Take(&rec).Error; err != nil {
		return nil, notFound(err, "recommendation")
	}
	t, err := s.TopicByID(ctx, rec.TopicID)
	if err != nil {
		return nil, err
	}
	rec.decorate(s.today())
	v := &UnitView{TopicTitle: t.Title, Open: l.Open(s.now()) && !rec.Settled(), ExpiresAt: l.ExpiresAt,
		Recommendation: UnitRecommendation{Content: rec.Content, Unit: rec.Unit, DueOn: rec.Due, Status: rec.Status, Overdue: rec.Overdue}}
	// Only the units' replies: a convener's notes are the room's working record.
	if err := s.conn(ctx).Where("recommendation_id = ? AND unit_link_id IS NOT NULL", rec.ID).Order("created_at, id").Find(&v.Replies).Error; err != nil {
		return nil, wrap("unit replies", err)
	}
	ids := make([]string, len(v.Replies))
	for i := range v.Replies {
		ids[i] = v.Replies[i].ID
	}
	photos, err := s.PhotosOf(ctx, AttachProgress, ids)
	if err != nil {
		return nil, err
	}
	for i := range v.Replies {
		v.Replies[i].Photos = photos[v.Replies[i].ID]
	}
	return v, nil
}

// UnitReplyInput is a unit's answer through its link.
type UnitReplyInput struct {
	ID         string   `json:"id"` // made by the page: a retry is then safe
	Status     string   `json:"status"`
	Note       string   `json:"note"`
	PhotoIDs   []string `json:"photo_ids"`
	ExpectedOn string   `json:"expected_on"`
}

// AddUnitReply records a unit's answer as a progress note from the unit, moving the
// recommendation as its status asks (a reply cannot move it back), and tells the room's
// conveners and the county reviewers in the same transaction. The same id again through
// the same link returns the note and created=false.
func (s *Store) AddUnitReply(ctx context.Context, l *UnitLink, in UnitReplyInput) (*ProgressNote, bool, error) {
	in.Note = strings.TrimSpace(in.Note)
	p := Problems{}
	if in.ID == "" {
		p.Add("id", "is required")
	}
	CheckID(p, "id", in.ID)
	if _, ok := unitFlow[in.Status]; !ok {
		p.Add("status", "must be accepted, in_progress, done or rejected")
	}
	if utf8.RuneCountInString(in.Note) > MaxProgressNote {
		p.Add("note", "must be at most 5000 characters")
	}
	CheckText(p, "note", in.Note, MaxProgressNote, true)
	if in.Status == UnitRejected && in.Note == "" {
		p.Add("note", "say why the recommendation cannot be adopted")
	}
	var expected *time.Time
	if in.ExpectedOn != "" {
		if d, ok := ParseDate(p, "expected_on", in.ExpectedOn); ok {
			expected = &d
		}
	}
	for _, id := range in.PhotoIDs {
		CheckID(p, "photo_ids", id)
	}
	if err := p.Err(); err != nil {
		return nil, false, err
	}
	if n, err := s.repeatedUnitReply(ctx, l, in.ID); n != nil || err != nil {
		return n, false, err
	}
	note := ProgressNote{ID: in.ID, Note: in.Note, UnitLinkID: &l.ID, UnitStatus: in.Status, ExpectedOn: expected}
	err := s.Tx(ctx, func(tx *Store) error {
		var rec Recommendation
		if err := tx.conn(ctx).Where("id = ?", l.RecommendationID).Take(&rec).Error; err != nil {
			return notFound(err, "recommendation")
		}
		t, err := tx.lockTopicByID(ctx, rec.TopicID)
		if err != nil {
			return err
		}
		// Read again under the topic's lock: a revoke or a settle may have just committed.
		var live int64
		if err := tx.conn(ctx).Model(&UnitLink{}).Where("id = ? AND revoked_at IS NULL", l.ID).Count(&live).Error; err != nil {
			return err
		}
		if live == 0 {
			return errNoUnitLink
		}
		if err := tx.conn(ctx).Where("id = ?", l.RecommendationID).Take(&rec).Error; err != nil {
			return err
		}
		if t.Status != TopicConcluded || rec.Settled() || !tx.now().Before(l.ExpiresAt) {
			return Errorf(CodeWrongState, "this recommendation is settled; the link takes no more replies")
		}
		status := unitFlow[in.Status]
		if status == RecInProgress && rec.Status != RecPending {
			status = "" // already under way: the note is added, the status stays
		}
		reason := ""
		if status == RecNotAdopted {
			reason = in.Note
		}
		if err := tx.recordProgress(ctx, t, &rec, &note, status, reason, func() error {
			return tx.attachPhotos(ctx, "unit_link_id", l.ID, AttachProgress, note.ID, "photo_ids", in.PhotoIDs)
		}); err != nil {
			return err
		}
		watchers, err := tx.followUpWatchers(ctx, t.RoomID)
		if err != nil {
			return err
		}
		_, err = tx.AddEvents(ctx, Notice{Type: EventUnitReplied, Recipients: watchers,
			Data: map[string]any{"recommendation_id": rec.ID, "topic_id": t.ID, "title": t.Title, "unit": rec.Unit,
				"unit_status": in.Status, "status": rec.Status, "note": in.Note}})
		return err
	})
	if retried(in.ID, err) {
		if n, err := s.repeatedUnitReply(ctx, l, in.ID); n != nil || err != nil {
			return n, false, err
		}
	}
	if err != nil {
		return nil, false, wrap("unit reply", err)
	}
	got, err := s.unitReply(ctx, in.ID)
	return got, true, err
}

// repeatedUnitReply returns the note with id when this link already sent it; the id used
// by anyone else is a conflict. Unknown: nil.
func (s *Store) repeatedUnitReply(ctx context.Context, l *UnitLink, id string) (*ProgressNote, error) {
	var n ProgressNote
	err := s.conn(ctx).Where("id = ?", id).Take(&n).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("find unit reply", err)
	}
	if n.UnitLinkID == nil || *n.UnitLinkID != l.ID {
		return nil, idTaken("a reply")
	}
	return s.unitReply(ctx, id)
}

func (s *Store) unitReply(ctx context.Context, id string) (*ProgressNote, error) {
	var n ProgressNote
	if err := s.conn(ctx).Where("id = ?", id).Take(&n).Error; err != nil {
		return nil, notFound(err, "reply")
	}
	photos, err := s.PhotosOf(ctx, AttachProgress, []string{id})
	if err != nil {
		return nil, err
	}
	n.Photos = photos[id]
	return &n, nil
}

// lockTopicByID reads a topic for update, for the server's own moves and a unit's reply,
// where no user asks.
func (s *Store) lockTopicByID(ctx context.Context, id string) (*Topic, error) {
	var t Topic
	q := s.conn(ctx)
	if s.dialect == DialectMySQL {
		q = q.Clauses(lockingClause())
	}
	if err := q.Where("id = ?", id).Take(&t).Error; err != nil {
		return nil, notFound(err, "topic")
	}
	return &t, nil
}
