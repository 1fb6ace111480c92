package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Kinds of record a photo can be attached to.
const (
	AttachOpinion  = "opinion"
	AttachTopic    = "topic"
	AttachActivity = "activity"
	AttachProgress = "progress"
)

// attachColumns are the photos' columns, one per kind of record, that attach a photo to a
// record: each a foreign key, so an attachment names a record that exists (deleting the
// record detaches the photo, which the stale-photo sweep then removes).
var attachColumns = map[string]string{
	AttachOpinion:  "opinion_id",
	AttachTopic:    "topic_id",
	AttachActivity: "activity_id",
	AttachProgress: "progress_id",
}

// unattachedSQL holds for a photo attached to nothing.
const unattachedSQL = "opinion_id IS NULL AND topic_id IS NULL AND activity_id IS NULL AND progress_id IS NULL"

// Photo is a site photo's record; the image itself is in the photo store under ObjectKey.
type Photo struct {
	ID string `json:"id" gorm:"primaryKey"`
	// UploaderID is the user who sent the photo; empty (NULL) for one sent through a unit's
	// link, which UnitLinkID then names.
	UploaderID  string    `json:"-" gorm:"default:null"`
	UnitLinkID  *string   `json:"-"`
	ObjectKey   string    `json:"-"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	SHA256      string    `json:"sha256" gorm:"column:sha256"`
	OpinionID   *string   `json:"-"`
	TopicID     *string   `json:"-"`
	ActivityID  *string   `json:"-"`
	ProgressID  *string   `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
	// AttachedKind and AttachedID name the record the photo is attached to, read from the
	// column of its kind: "" and nil when it is attached to nothing.
	AttachedKind string  `json:"-" gorm:"-"`
	AttachedID   *string `json:"-" gorm:"-"`
}

// AfterFind fills AttachedKind and AttachedID from the attachment columns.
func (p *Photo) AfterFind(*gorm.DB) error {
	p.AttachedKind, p.AttachedID = "", nil
	for kind, id := range map[string]*string{AttachOpinion: p.OpinionID, AttachTopic: p.TopicID,
		AttachActivity: p.ActivityID, AttachProgress: p.ProgressID} {
		if id != nil {
			p.AttachedKind, p.AttachedID = kind, id
		}
	}
	return nil
}

// CreatePhoto records an uploaded photo. A duplicate id is a conflict the caller resolves.
func (s *Store) CreatePhoto(ctx context.Context, p *Photo) error {
	if p.CreatedAt.IsZero() {
		p.CreatedAt = s.now()
	}
	if err := s.conn(ctx).Create(p).Error; err != nil {
		if isDuplicate(err) {
			return &Error{Code: CodeConflict, Message: "a photo with this id exists"}
		}
		return fmt.Errorf("models: create photo: %w", err)
	}
	return nil
}

// FindPhoto returns the photo with id without checking who asks; for uploads and the
// server's own work (FindPhotoFor checks).
func (s *Store) FindPhoto(ctx context.Context, id string) (*Photo, error) {
	var p Photo
	if err := s.conn(ctx).Where("id = ?", id).Take(&p).Error; err != nil {
		return nil, notFound(err, "photo")
	}
	return &p, nil
}

// FindPhotoFor returns the photo with id when v may see it: its uploader, admins, and
// whoever may see the record it is attached to. To anyone else it does not exist.
func (s *Store) FindPhotoFor(ctx context.Context, v *Viewer, id string) (*Photo, error) {
	p, err := s.FindPhoto(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.UploaderID == v.ID || v.SeesEveryPhoto() {
		return p, nil
	}
	visible, err := s.recordVisible(ctx, v, p)
	if err != nil {
		return nil, fmt.Errorf("models: photo's record: %w", err)
	}
	if !visible {
		return nil, &Error{Code: CodeNotFound, Message: "photo not found"}
	}
	return p, nil
}

// recordVisible reports whether v may see the record p is attached to.
func (s *Store) recordVisible(ctx context.Context, v *Viewer, p *Photo) (bool, error) {
	db := s.conn(ctx)
	var rooms []string
	var err error
	switch {
	case p.OpinionID != nil:
		var ops []Opinion
		if err := db.Select("room_id, collector_id, topic_id").Where("id = ?", *p.OpinionID).Limit(1).Find(&ops).Error; err != nil || len(ops) == 0 {
			return false, err
		}
		return v.OpinionAccess(&ops[0]).Visible, nil
	case p.TopicID != nil:
		err = db.Model(&Topic{}).Where("id = ?", *p.TopicID).Pluck("room_id", &rooms).Error
	case p.ActivityID != nil:
		err = db.Model(&Activity{}).Where("id = ?", *p.ActivityID).Pluck("room_id", &rooms).Error
	case p.ProgressID != nil:
		err = db.Table("progress_notes n").Joins("JOIN recommendations r ON r.id = n.recommendation_id").
			Joins("JOIN topics t ON t.id = r.topic_id").Where("n.id = ?", *p.ProgressID).Pluck("t.room_id", &rooms).Error
	}
	if err != nil || len(rooms) == 0 {
		return false, err
	}
	return v.CanSeeRoom(rooms[0]), nil
}

// AttachPhotos attaches the uploader's own unattached photos to one record. Every id must
// qualify, or nothing is attached and the field is reported.
func (s *Store) AttachPhotos(ctx context.Context, uploaderID, kind, recordID, field string, ids []string) error {
	return s.attachPhotos(ctx, "uploader_id", uploaderID, kind, recordID, field, ids)
}

// attachPhotos attaches the unattached photos owned through ownerColumn (uploader_id, or
// unit_link_id for a unit's) by owner to one record.
func (s *Store) attachPhotos(ctx context.Context, ownerColumn, owner, kind, recordID, field string, ids []string) error {
	ids = dedupe(ids)
	if len(ids) == 0 {
		return nil
	}
	if len(ids) > 20 {
		return Invalid(field, "at most 20 photos")
	}
	column, ok := attachColumns[kind]
	if !ok {
		return fmt.Errorf("models: attach photos: unknown kind %q", kind)
	}
	res := s.conn(ctx).Model(&Photo{}).
		Where("id IN ? AND "+ownerColumn+" = ? AND "+unattachedSQL, ids, owner).
		Update(column, recordID)
	if errors.Is(res.Error, gorm.ErrForeignKeyViolated) {
		return &Error{Code: CodeNotFound, Message: kind + " not found"}
	}
	if res.Error != nil {
		return fmt.Errorf("models: attach photos: %w", res.Error)
	}
	if int(res.RowsAffected) != len(ids) {
		return Invalid(field, "each photo must be one you uploaded and not yet attached")
	}
	return nil
}

// PhotosOf returns the photos attached to records of one kind, by record id, oldest first.
func (s *Store) PhotosOf(ctx context.Context, kind string, recordIDs []string) (map[string][]Photo, error) {
	out := map[string][]Photo{}
	if len(recordIDs) == 0 {
		return out, nil
	}
	var rows []Photo
	column, ok := attachColumns[kind]
	if !ok {
		return nil, fmt.Errorf("models: photos of: unknown kind %q", kind)
	}
	if err := s.conn(ctx).Where(column+" IN ?", recordIDs).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: photos of: %w", err)
	}
	for _, p := range rows {
		out[*p.AttachedID] = append(out[*p.AttachedID], p)
	}
	return out, nil
}

func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// PhotoQuota bounds one user's uploads, counted from the photos table so that the bound
// holds across instances and restarts. A zero field sets no bound. Uploads in flight at the
// same moment are not yet rows, so a burst may pass a bound by the number of uploads a user
// has in flight at once (a phone sends a few); the bound is for runaway clients, not exact.
type PhotoQuota struct {
	PerMinute   int   // photos in any 60 seconds
	PerDay      int   // photos in any 24 hours
	BytesPerDay int64 // bytes of stored originals in any 24 hours
}

// DefaultPhotoQuota is ample for a member photographing a day in the field (a few dozen
// photos) and stops a client that loops.
var DefaultPhotoQuota = PhotoQuota{PerMinute: 60, PerDay: 500, BytesPerDay: 1 << 30}

// PhotoQuotaWait tells how long the uploader must wait before their next upload fits q:
// zero when it fits at now. The wait is until the oldest photo in the full window leaves it.
func (s *Store) PhotoQuotaWait(ctx context.Context, uploaderID string, q PhotoQuota, now time.Time) (time.Duration, error) {
	return s.photoQuotaWait(ctx, "uploader_id", uploaderID, q, now)
}

// LinkPhotoQuotaWait is PhotoQuotaWait for the photos sent through one unit link.
func (s *Store) LinkPhotoQuotaWait(ctx context.Context, linkID string, q PhotoQuota, now time.Time) (time.Duration, error) {
	return s.photoQuotaWait(ctx, "unit_link_id", linkID, q, now)
}

func (s *Store) photoQuotaWait(ctx context.Context, ownerColumn, owner string, q PhotoQuota, now time.Time) (time.Duration, error) {
	windows := []struct {
		span     time.Duration
		count    int
		maxBytes int64
	}{{time.Minute, q.PerMinute, 0}, {24 * time.Hour, q.PerDay, q.BytesPerDay}}
	var wait time.Duration
	for _, w := range windows {
		if w.count <= 0 && w.maxBytes <= 0 {
			continue
		}
		since := now.Add(-w.span)
		var use struct {
			N     int64
			Bytes int64
		}
		q := s.conn(ctx).Model(&Photo{}).Where(ownerColumn+" = ? AND created_at > ?", owner, since)
		if err := q.Session(&gorm.Session{}).Select("COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes").Scan(&use).Error; err != nil {
			return 0, fmt.Errorf("models: photo quota: %w", err)
		}
		if (w.count <= 0 || use.N < int64(w.count)) && (w.maxBytes <= 0 || use.Bytes < w.maxBytes) {
			continue
		}
		var oldest Photo
		if err := q.Session(&gorm.Session{}).Select("created_at").Order("created_at").Take(&oldest).Error; err != nil {
			return 0, fmt.Errorf("models: photo quota: %w", err)
		}
		wait = max(wait, oldest.CreatedAt.Add(w.span).Sub(now), time.Second)
	}
	return wait, nil
}

// StaleUnattachedPhotos lists up to limit photos created before the cutoff and still
// attached to nothing, oldest first.
func (s *Store) StaleUnattachedPhotos(ctx context.Context, before time.Time, limit int) ([]Photo, error) {
	var ps []Photo
	err := s.conn(ctx).Where(unattachedSQL+" AND created_at < ?", before).Order("created_at, id").Limit(limit).Find(&ps).Error
	if err != nil {
		return nil, fmt.Errorf("models: stale photos: %w", err)
	}
	return ps, nil
}

// DeleteUnattachedPhoto removes a photo's record if it is still attached to nothing, and
// reports whether it did: a photo attached meanwhile is kept.
func (s *Store) DeleteUnattachedPhoto(ctx context.Context, id string) (bool, error) {
	res := s.conn(ctx).Where("id = ? AND "+unattachedSQL, id).Delete(&Photo{})
	if res.Error != nil {
		return false, fmt.Errorf("models: delete photo: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}
