package models

import (
	"context"
	"fmt"
	"time"
)

// Kinds of record a photo can be attached to.
const (
	AttachOpinion  = "opinion"
	AttachTopic    = "topic"
	AttachActivity = "activity"
	AttachProgress = "progress"
)

// Photo is a site photo's record; the image itself is in the photo store under ObjectKey.
type Photo struct {
	ID           string    `json:"id" gorm:"primaryKey"`
	UploaderID   string    `json:"-"`
	ObjectKey    string    `json:"-"`
	ContentType  string    `json:"content_type"`
	Size         int64     `json:"size"`
	Width        int       `json:"width"`
	Height       int       `json:"height"`
	SHA256       string    `json:"sha256" gorm:"column:sha256"`
	AttachedKind string    `json:"-"`
	AttachedID   *string   `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
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

// FindPhoto returns the photo with id.
func (s *Store) FindPhoto(ctx context.Context, id string) (*Photo, error) {
	var p Photo
	if err := s.conn(ctx).Where("id = ?", id).Take(&p).Error; err != nil {
		return nil, notFound(err, "photo")
	}
	return &p, nil
}

// AttachPhotos attaches the uploader's own unattached photos to one record. Every id must
// qualify, or nothing is attached and the field is reported.
func (s *Store) AttachPhotos(ctx context.Context, uploaderID, kind, recordID, field string, ids []string) error {
	ids = dedupe(ids)
	if len(ids) == 0 {
		return nil
	}
	if len(ids) > 20 {
		return &Error{Code: CodeInvalid, Message: "validation failed", Fields: map[string]string{field: "at most 20 photos"}}
	}
	res := s.conn(ctx).Model(&Photo{}).
		Where("id IN ? AND uploader_id = ? AND attached_kind = ''", ids, uploaderID).
		Updates(map[string]any{"attached_kind": kind, "attached_id": recordID})
	if res.Error != nil {
		return fmt.Errorf("models: attach photos: %w", res.Error)
	}
	if int(res.RowsAffected) != len(ids) {
		return &Error{Code: CodeInvalid, Message: "validation failed",
			Fields: map[string]string{field: "each photo must be one you uploaded and not yet attached"}}
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
	if err := s.conn(ctx).Where("attached_kind = ? AND attached_id IN ?", kind, recordIDs).Order("created_at, id").Find(&rows).Error; err != nil {
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
