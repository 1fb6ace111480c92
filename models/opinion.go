package models

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"
	"unicode"

	"gorm.io/gorm"
)

// Opinion channels (how it was collected).
const (
	ChannelDoorToDoor = "door_to_door"
	ChannelForum      = "forum"
	ChannelOnline     = "online"
)

// Opinion statuses.
const (
	OpinionNew       = "new"
	OpinionAdopted   = "adopted"
	OpinionDismissed = "dismissed"
)

// Opinion is one thing a resident said, collected in the field (社情民意).
type Opinion struct {
	ID              string    `json:"id" gorm:"primaryKey"`
	RoomID          string    `json:"room_id"`
	CollectorID     string    `json:"collector_id"`
	Channel         string    `json:"channel"`
	Category        string    `json:"category"`
	Content         string    `json:"content"`
	ResidentName    string    `json:"resident_name"`
	ResidentPhone   string    `json:"resident_phone"`
	ResidentConsent bool      `json:"resident_consent"`
	Address         string    `json:"address"`
	Lat             *float64  `json:"lat"`
	Lng             *float64  `json:"lng"`
	CollectedAt     time.Time `json:"collected_at"`
	Status          string    `json:"status"`
	StatusReason    string    `json:"status_reason"`
	TopicID         *string   `json:"topic_id"`
	ReceiptCode     string    `json:"receipt_code,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`

	Photos []Photo `json:"-" gorm:"-"`
}

// NewOpinion is what a member sends from the field.
type NewOpinion struct {
	ID              string     `json:"id"`
	RoomID          string     `json:"room_id"`
	Channel         string     `json:"channel"`
	Category        string     `json:"category"`
	Content         string     `json:"content"`
	ResidentName    string     `json:"resident_name"`
	ResidentPhone   string     `json:"resident_phone"`
	ResidentConsent bool       `json:"resident_consent"`
	Address         string     `json:"address"`
	Lat             *float64   `json:"lat"`
	Lng             *float64   `json:"lng"`
	CollectedAt     *time.Time `json:"collected_at"`
	PhotoIDs        []string   `json:"photo_ids"`
}

// Validate checks the fields that need no database.
func (n *NewOpinion) Validate(now time.Time) error {
	n.Content = strings.TrimSpace(n.Content)
	n.ResidentName = strings.TrimSpace(n.ResidentName)
	n.ResidentPhone = strings.TrimSpace(n.ResidentPhone)
	n.Address = strings.TrimSpace(n.Address)
	p := Problems{}
	CheckID(p, "id", n.ID)
	if n.RoomID == "" {
		p.Add("room_id", "is required")
	}
	CheckID(p, "room_id", n.RoomID)
	if !oneOf(n.Channel, ChannelDoorToDoor, ChannelForum, ChannelOnline) {
		p.Add("channel", "must be door_to_door, forum or online")
	}
	if n.Category == "" {
		p.Add("category", "is required")
	}
	CheckText(p, "category", n.Category, maxCategoryRunes, false)
	if n.Content == "" {
		p.Add("content", "is required")
	}
	CheckText(p, "content", n.Content, MaxOpinionContent, true)
	if (n.ResidentName != "" || n.ResidentPhone != "") && !n.ResidentConsent {
		why := "is kept only with the resident's consent (resident_consent: true)"
		if n.ResidentName != "" {
			p.Add("resident_name", why)
		}
		if n.ResidentPhone != "" {
			p.Add("resident_phone", why)
		}
	}
	CheckText(p, "resident_name", n.ResidentName, MaxResidentName, false)
	if n.ResidentPhone != "" && !residentPhonePattern.MatchString(n.ResidentPhone) {
		p.Add("resident_phone", "must be a mobile number or a landline with area code")
	}
	CheckText(p, "address", n.Address, MaxAddress, false)
	validLatLng(p, n.Lat, n.Lng)
	if n.CollectedAt != nil {
		// A phone's clock may run fast: its time is kept as reported (the server's own
		// receipt time is created_at), never refused for being ahead.
		CheckTime(p, "collected_at", *n.CollectedAt)
	}
	for _, id := range n.PhotoIDs {
		if !ValidID(id) {
			p.Add("photo_ids", "must be photo ids")
		}
	}
	return p.Err()
}

// CollectorRoles are the room roles that may collect opinions in a room.
var CollectorRoles = []string{RoomMember, RoomConvener}

// CreateOpinion stores an opinion from collector, attaching their photos. Sending the same
// id again returns the stored opinion and created=false, so a phone may retry safely; the
// same id from someone else is a conflict.
func (s *Store) CreateOpinion(ctx context.Context, collector *Viewer, n NewOpinion) (*Opinion, bool, error) {
	if err := n.Validate(s.now()); err != nil {
		return nil, false, err
	}
	if n.ID == "" {
		n.ID = NewID()
	}
	if existing, err := s.existingOpinion(ctx, collector, n.ID); existing != nil || err != nil {
		return existing, false, err
	}
	var op *Opinion
	err := s.Tx(ctx, func(tx *Store) error {
		if err := tx.checkCollector(ctx, collector, n); err != nil {
			return err
		}
		now := tx.now()
		collected := now
		if n.CollectedAt != nil {
			collected = n.CollectedAt.UTC().Truncate(time.Microsecond)
		}
		code, err := newReceiptCode()
		if err != nil {
			return err
		}
		op = &Opinion{ID: n.ID, RoomID: n.RoomID, CollectorID: collector.ID, Channel: n.Channel, Category: n.Category,
			Content: n.Content, ResidentName: n.ResidentName, ResidentPhone: n.ResidentPhone, ResidentConsent: n.ResidentConsent,
			Address: n.Address, Lat: n.Lat, Lng: n.Lng, CollectedAt: collected, Status: OpinionNew, ReceiptCode: code,
			CreatedAt: now, UpdatedAt: now}
		if err := tx.conn(ctx).Create(op).Error; err != nil {
			return err
		}
		return tx.AttachPhotos(ctx, collector.ID, AttachOpinion, op.ID, "photo_ids", n.PhotoIDs)
	})
	if isDuplicate(err) {
		// The same id raced in from a retry; answer as for any repeat.
		existing, err := s.existingOpinion(ctx, collector, n.ID)
		if existing != nil || err != nil {
			return existing, false, err
		}
	}
	if err != nil {
		return nil, false, wrap("create opinion", err)
	}
	if err := s.fillOpinionPhotos(ctx, []*Opinion{op}); err != nil {
		return nil, false, err
	}
	return op, true, nil
}

func (s *Store) existingOpinion(ctx context.Context, collector *Viewer, id string) (*Opinion, error) {
	var op Opinion
	err := s.conn(ctx).Where("id = ?", id).Take(&op).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("models: find opinion: %w", err)
	}
	if op.CollectorID != collector.ID {
		return nil, &Error{Code: CodeConflict, Message: "an opinion with this id was sent by someone else", Fields: map[string]string{"id": "is taken"}}
	}
	if err := s.fillOpinionPhotos(ctx, []*Opinion{&op}); err != nil {
		return nil, err
	}
	return &op, nil
}

func (s *Store) checkCollector(ctx context.Context, collector *Viewer, n NewOpinion) error {
	if _, err := s.FindRoom(ctx, n.RoomID); err != nil {
		if ErrorCode(err) == CodeNotFound {
			return Invalid("room_id", "no such room")
		}
		return err
	}
	if !collector.CollectsIn(n.RoomID) {
		return Errorf(CodeForbidden, "only the room's members and conveners collect opinions there")
	}
	ok, err := s.CategoryExists(ctx, n.Category)
	if err != nil {
		return err
	}
	if !ok {
		return Invalid("category", "is not one of the configured categories")
	}
	return nil
}

// receiptAlphabet leaves out 0/O, 1/I/L: a resident reads the code off a phone screen.
const receiptAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

func newReceiptCode() (string, error) {
	var b strings.Builder
	max := big.NewInt(int64(len(receiptAlphabet)))
	for i := 0; i < 8; i++ {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", err
		}
		b.WriteByte(receiptAlphabet[n.Int64()])
	}
	return b.String(), nil
}

// FindOpinion returns the opinion with id, with its photos, when v may see it; to anyone
// else it does not exist.
func (s *Store) FindOpinion(ctx context.Context, v *Viewer, id string) (*Opinion, error) {
	var op Opinion
	if err := s.conn(ctx).Where("id = ?", id).Take(&op).Error; err != nil {
		return nil, notFound(err, "opinion")
	}
	if !v.OpinionAccess(&op).Visible {
		return nil, &Error{Code: CodeNotFound, Message: "opinion not found"}
	}
	if err := s.fillOpinionPhotos(ctx, []*Opinion{&op}); err != nil {
		return nil, err
	}
	return &op, nil
}

func (s *Store) fillOpinionPhotos(ctx context.Context, ops []*Opinion) error {
	ids := make([]string, len(ops))
	for i, o := range ops {
		ids[i] = o.ID
	}
	photos, err := s.PhotosOf(ctx, AttachOpinion, ids)
	if err != nil {
		return err
	}
	for _, o := range ops {
		o.Photos = photos[o.ID]
		if o.Photos == nil {
			o.Photos = []Photo{}
		}
	}
	return nil
}

// Masked returns a copy with the resident's name and phone hidden, as shown to those who
// may see the opinion but not whom to call.
func (o Opinion) Masked() Opinion {
	o.ResidentPhone = MaskPhone(o.ResidentPhone)
	if o.ResidentName != "" {
		r := []rune(o.ResidentName)
		o.ResidentName = string(r[0]) + strings.Repeat("*", max(1, len(r)-1))
	}
	o.ReceiptCode = ""
	o.Address = CoarseAddress(o.Address)
	o.Lat, o.Lng = coarseDegrees(o.Lat), coarseDegrees(o.Lng)
	return o
}

// CoarseAddress keeps the part of an address before its first digit, which in a Chinese
// address is the street or village without the house, building or flat number
// (东街12号3单元 → 东街). An address without a digit keeps at most its first six
// characters. Those who see the phone masked see the address so: enough to know where
// the matter is, not whose door it is.
func CoarseAddress(a string) string {
	if i := strings.IndexFunc(a, func(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }); i >= 0 {
		return strings.TrimRightFunc(a[:i], func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) })
	}
	if r := []rune(a); len(r) > 6 {
		return string(r[:6])
	}
	return a
}

// coarseDegrees rounds a latitude or longitude to two decimals, about 1 km.
func coarseDegrees(v *float64) *float64 {
	if v == nil {
		return nil
	}
	r := math.Round(*v*100) / 100
	return &r
}

// MaskPhone keeps the first three and last four digits: 138****5678.
func MaskPhone(p string) string {
	if len(p) < 8 {
		if p == "" {
			return ""
		}
		return "****"
	}
	return p[:3] + strings.Repeat("*", len(p)-7) + p[len(p)-4:]
}

// OpinionFilter selects opinions for a list.
type OpinionFilter struct {
	Viewer   *Viewer
	RoomID   string
	Status   string
	Mine     bool
	Channel  string
	Category string
	Query    string
	From, To *time.Time
	Page     Page
}

// ListOpinions lists what the viewer may see, newest first, with the filters applied.
//
// Who sees what is a union of up to three sets (their own, their convened rooms', the topics
// of rooms they review locally). Written as one WHERE with OR, neither database can walk an
// index in (created_at, id) order, so every matching row was read and sorted for each page:
// about 10 ms for 5,000 opinions on SQLite. Each set alone walks its own index in order and
// stops after a page, so each is read as its own page and the pages are merged.
func (s *Store) ListOpinions(ctx context.Context, f OpinionFilter) ([]*Opinion, string, error) {
	db := s.conn(ctx)
	v := f.Viewer
	var branches []*gorm.DB
	switch {
	case f.Mine:
		branches = append(branches, f.where(db.Model(&Opinion{}).Where("collector_id = ?", v.ID)))
	case v.SeesCounty():
		branches = append(branches, f.where(db.Model(&Opinion{})))
	default:
		// The same sets as Viewer.OpinionAccess lets through, one query each.
		convened, reviewed := v.ConvenedRooms(), v.ReviewedRooms()
		branches = append(branches, f.where(db.Model(&Opinion{}).Where("collector_id = ?", v.ID)))
		if len(convened) > 0 {
			branches = append(branches, f.where(db.Model(&Opinion{}).Where("room_id IN ?", convened)))
		}
		if len(reviewed) > 0 {
			branches = append(branches, f.where(db.Model(&Opinion{}).Where("room_id IN ? AND topic_id IS NOT NULL", reviewed)))
		}
	}
	q := branches[0]
	if len(branches) > 1 {
		// Each set's own page, in index order, then the union (which drops an opinion found
		// in two sets) paged once more.
		t, id, err := decodeCursor(f.Page.Cursor)
		if err != nil {
			return nil, "", Invalid("cursor", "is not a cursor this server issued")
		}
		limit := f.Page.Limit
		if limit <= 0 {
			limit = DefaultLimit
		}
		parts := make([]string, len(branches))
		args := make([]any, len(branches))
		for i, b := range branches {
			if id != "" {
				b = b.Where("(created_at < ? OR (created_at = ? AND id < ?))", t, t, id)
			}
			parts[i] = fmt.Sprintf("SELECT * FROM (?) AS b%d", i)
			args[i] = b.Order("created_at DESC").Order("id DESC").Limit(limit + 1)
		}
		q = db.Table("("+strings.Join(parts, " UNION ")+") AS opinions", args...)
	}
	rows, next, err := listPage(q, f.Page, "created_at", "id", func(o *Opinion) (time.Time, string) { return o.CreatedAt, o.ID })
	if err != nil {
		return nil, "", err
	}
	out := make([]*Opinion, len(rows))
	for i := range rows {
		out[i] = &rows[i]
	}
	if err := s.fillOpinionPhotos(ctx, out); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// where applies the filters other than who may see what.
func (f OpinionFilter) where(q *gorm.DB) *gorm.DB {
	if f.RoomID != "" {
		q = q.Where("room_id = ?", f.RoomID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Channel != "" {
		q = q.Where("channel = ?", f.Channel)
	}
	if f.Category != "" {
		q = q.Where("category = ?", f.Category)
	}
	if f.Query != "" {
		q = q.Where("content LIKE ? ESCAPE '!'", "%"+escapeLike(f.Query)+"%")
	}
	if f.From != nil {
		q = q.Where("created_at >= ?", f.From.UTC())
	}
	if f.To != nil {
		q = q.Where("created_at < ?", f.To.UTC())
	}
	return q
}

// escapeLike escapes LIKE wildcards with '!', an escape character both databases read the
// same way (a backslash means different things in their string literals).
func escapeLike(s string) string {
	return strings.NewReplacer(`!`, `!!`, `%`, `!%`, `_`, `!_`).Replace(s)
}

// SetOpinionStatus lets a room's convener screen a new opinion: adopt it or dismiss it
// (with a reason).
func (s *Store) SetOpinionStatus(ctx context.Context, v *Viewer, id, status, reason string) (*Opinion, error) {
	reason = strings.TrimSpace(reason)
	p := Problems{}
	if !oneOf(status, OpinionAdopted, OpinionDismissed) {
		p.Add("status", "must be adopted or dismissed")
	}
	if status == OpinionDismissed && reason == "" {
		p.Add("reason", "is required to dismiss an opinion")
	}
	CheckText(p, "reason", reason, MaxDismissReason, true)
	if err := p.Err(); err != nil {
		return nil, err
	}
	var op *Opinion
	err := s.Tx(ctx, func(tx *Store) error {
		var err error
		if op, err = tx.FindOpinion(ctx, v, id); err != nil {
			return err
		}
		if !v.ConvenesRoom(op.RoomID) {
			return Errorf(CodeForbidden, "only the room's conveners screen its opinions")
		}
		res := tx.conn(ctx).Model(&Opinion{}).Where("id = ? AND status = ?", id, OpinionNew).
			Updates(map[string]any{"status": status, "status_reason": reason, "updated_at": tx.now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return Errorf(CodeWrongState, "only a new opinion can be adopted or dismissed; this one is %s", op.Status)
		}
		op.Status, op.StatusReason = status, reason
		return nil
	})
	if err != nil {
		return nil, wrap("set opinion status", err)
	}
	return op, nil
}
