package api

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"frontline/models"
	"frontline/uploads"

	"github.com/labstack/echo/v4"
)

// photoView is a Photo as the API shows it, with fresh signed links.
type photoView struct {
	models.Photo
	URL      string   `json:"url"`
	ThumbURL string   `json:"thumb_url"`
	ExifLat  *float64 `json:"exif_lat,omitempty"`
	ExifLng  *float64 `json:"exif_lng,omitempty"`
}

func (s *Server) viewPhoto(p models.Photo) photoView {
	v := photoView{Photo: p}
	if s.photos != nil {
		// Signing is local (an HMAC or a presign), so it works even while the store is down.
		v.URL, _ = s.photos.URL(p.ObjectKey, false)
		v.ThumbURL, _ = s.photos.URL(p.ObjectKey, true)
	}
	return v
}

// viewPhotos shows photos with their links signed in one pass.
func (s *Server) viewPhotos(ps []models.Photo) []photoView {
	out := make([]photoView, len(ps))
	for i, p := range ps {
		out[i] = photoView{Photo: p}
	}
	if s.photos == nil || len(ps) == 0 {
		return out
	}
	keys := make([]string, len(ps))
	for i, p := range ps {
		keys[i] = p.ObjectKey
	}
	for i, l := range s.photos.Links(keys) {
		out[i].URL, out[i].ThumbURL = l.URL, l.ThumbURL
	}
	return out
}

// Upload limits: the image itself, plus room for the multipart framing and the id field.
const photoBodyLimit = uploads.MaxBytes + 64<<10

var uploadErrors = []struct {
	err  error
	code string
	msg  string
}{
	{uploads.ErrTooLarge, models.CodeTooLarge, "the photo is over 15 MiB"},
	{uploads.ErrUnsupported, models.CodeUnsupported, "only JPEG, PNG and WebP photos are accepted"},
	{uploads.ErrTooManyPixels, models.CodeInvalid, "the image has too many pixels"},
	{uploads.ErrTooDeep, models.CodeInvalid, "16-bit images over 8 megapixels are not accepted; save it with 8 bits per channel"},
	{uploads.ErrCorrupt, models.CodeInvalid, "the image cannot be read"},
	{uploads.ErrUnavailable, models.CodeUnavailable, "the photo store is unavailable; try again shortly"},
}

func uploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return models.Errorf(models.CodeTooLarge, "the photo is over 15 MiB")
	}
	for _, ue := range uploadErrors {
		if errors.Is(err, ue.err) {
			e := &models.Error{Code: ue.code, Message: ue.msg}
			if ue.code == models.CodeInvalid {
				e.Fields = map[string]string{"file": ue.msg}
			}
			return e
		}
	}
	return err
}

// photoOwner is whom a photo is uploaded by: a signed-in user, or a responsible unit through
// its link (which has no user: its photos, and its quota, are the link's).
type photoOwner struct {
	userID, linkID string
}

func (o photoOwner) owns(p *models.Photo) bool {
	if o.linkID != "" {
		return p.UnitLinkID != nil && *p.UnitLinkID == o.linkID
	}
	return p.UploaderID == o.userID
}

// uploadPhoto streams a multipart upload: the optional "id" field (a UUID made on the
// phone) and the "file" part, which goes through the photo pipeline without being held in
// memory. A repeat of the same id by the same user answers 200 with the stored photo.
func (s *Server) uploadPhoto(c echo.Context) error {
	return s.receivePhoto(c, photoOwner{userID: currentUser(c).ID})
}

// receivePhoto is the one upload path, for a user and for a unit's link alike.
func (s *Server) receivePhoto(c echo.Context, owner photoOwner) error {
	if s.photos == nil {
		return models.Errorf(models.CodeUnavailable, "no photo store is configured")
	}
	req := c.Request()
	req.Body = http.MaxBytesReader(c.Response(), req.Body, photoBodyLimit)
	if mt, _, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType)); mt != "multipart/form-data" {
		return models.Errorf(models.CodeUnsupported, "send the photo as multipart/form-data with a file field")
	}
	mr, err := req.MultipartReader()
	if err != nil {
		return models.Errorf(models.CodeBadRequest, "malformed multipart body")
	}
	ctx, u := req.Context(), owner
	var (
		id        string
		processed *uploads.Processed
	)
	defer func() {
		if processed != nil {
			processed.Close()
		}
	}()
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return uploadError(badMultipart(err))
		}
		switch part.FormName() {
		case "id":
			b, err := io.ReadAll(io.LimitReader(part, 100))
			if err != nil {
				return uploadError(badMultipart(err))
			}
			id = strings.TrimSpace(string(b))
			if !models.ValidID(id) {
				return models.Invalid("id", "must be a UUID")
			}
			if existing, err := s.existingPhoto(ctx, u, id); existing != nil || err != nil {
				return s.answerExistingPhoto(c, existing, err)
			}
		case "file":
			if processed != nil {
				return models.Invalid("file", "send one file per request")
			}
			// Checked here, after a repeated id has been answered: a retry is not a new photo.
			if err := s.checkPhotoQuota(ctx, u); err != nil {
				return err
			}
			if processed, err = uploads.Process(ctx, part, ""); err != nil {
				return uploadError(err)
			}
		}
		part.Close()
	}
	if processed == nil {
		return models.Invalid("file", "is required")
	}
	if id == "" {
		id = models.NewID()
	}
	p, created, err := s.storePhoto(ctx, u, id, processed)
	if err != nil {
		return err
	}
	v := s.viewPhoto(*p)
	v.ExifLat, v.ExifLng = processed.ExifLat, processed.ExifLng
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	return c.JSON(status, v)
}

// checkPhotoQuota answers 429 with Retry-After when the owner has used their upload quota:
// a user theirs, a unit link the smaller one of a link.
func (s *Server) checkPhotoQuota(ctx context.Context, o photoOwner) error {
	var wait time.Duration
	var err error
	if o.linkID != "" {
		wait, err = s.store.LinkPhotoQuotaWait(ctx, o.linkID, s.linkPhotoQuota, s.now())
	} else {
		wait, err = s.store.PhotoQuotaWait(ctx, o.userID, s.photoQuota, s.now())
	}
	if err != nil || wait <= 0 {
		return err
	}
	return &rateLimited{err: models.Errorf(models.CodeRateLimited, "too many photos uploaded; try again later"), retryAfter: wait}
}

// photoOrphanAge is how long an uploaded photo may stay attached to nothing: a phone
// attaches its photos when it sends the record, even after a day offline.
const photoOrphanAge = 24 * time.Hour

// removeOrphanPhotos deletes photos left unattached for photoOrphanAge, record first (only
// while still unattached, so a photo attached meanwhile stays) and then the object. It
// works in batches until none are left or ctx ends, and returns how many it removed. Safe
// on several instances at once: deleting an object twice is not an error.
func (s *Server) removeOrphanPhotos(ctx context.Context) (int, error) {
	if s.photos == nil {
		return 0, nil
	}
	removed := 0
	for ctx.Err() == nil {
		batch, err := s.store.StaleUnattachedPhotos(ctx, s.now().Add(-photoOrphanAge), 200)
		if err != nil || len(batch) == 0 {
			return removed, err
		}
		for _, p := range batch {
			gone, err := s.store.DeleteUnattachedPhoto(ctx, p.ID)
			if err != nil {
				return removed, err
			}
			if !gone {
				continue
			}
			if err := s.photos.Delete(ctx, p.ObjectKey); err != nil {
				// The record is gone; the object is left behind and logged, not retried.
				s.log.Error("remove orphan photo object", "key", p.ObjectKey, "err", err)
				continue
			}
			removed++
		}
		if len(batch) < 200 {
			break
		}
	}
	return removed, nil
}

func badMultipart(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	return models.Errorf(models.CodeBadRequest, "malformed multipart body")
}

func (s *Server) existingPhoto(ctx context.Context, u photoOwner, id string) (*models.Photo, error) {
	p, err := s.store.FindPhoto(ctx, id)
	if models.ErrorCode(err) == models.CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !u.owns(p) {
		return nil, &models.Error{Code: models.CodeConflict, Message: "a photo with this id was sent by someone else", Fields: map[string]string{"id": "is taken"}}
	}
	return p, nil
}

func (s *Server) answerExistingPhoto(c echo.Context, p *models.Photo, err error) error {
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.viewPhoto(*p))
}

// storePhoto writes the object, then the record. If the record cannot be written the object
// is removed again, so a failure leaves no orphan behind.
func (s *Server) storePhoto(ctx context.Context, u photoOwner, id string, pr *uploads.Processed) (*models.Photo, bool, error) {
	now := s.now()
	key := uploads.NewKey(now, id)
	if err := s.photos.Put(ctx, key, pr); err != nil {
		return nil, false, uploadError(err)
	}
	p := &models.Photo{ID: id, UploaderID: u.userID, ObjectKey: key, ContentType: pr.ContentType, Size: pr.Size,
		Width: pr.Width, Height: pr.Height, SHA256: pr.SHA256, CreatedAt: now}
	if u.linkID != "" {
		p.UnitLinkID = &u.linkID
	}
	err := s.store.CreatePhoto(ctx, p)
	if err == nil {
		return p, true, nil
	}
	// Remove the object with a fresh context: the request's may be what failed.
	if derr := s.photos.Delete(context.WithoutCancel(ctx), key); derr != nil {
		s.log.Error("remove orphan photo object", "key", key, "err", derr)
	}
	if models.ErrorCode(err) == models.CodeConflict {
		// A retry of the same id won the race; answer as for any repeat.
		existing, ferr := s.existingPhoto(ctx, u, id)
		if ferr != nil {
			return nil, false, ferr
		}
		if existing != nil {
			return existing, false, nil
		}
	}
	return nil, false, err
}

// getPhoto redirects to a fresh signed link for those who may see the photo; to anyone
// else it does not exist.
func (s *Server) getPhoto(c echo.Context) error {
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	p, err := s.store.FindPhotoFor(c.Request().Context(), v, c.Param("id"))
	if err != nil {
		return err
	}
	if s.photos == nil {
		return models.Errorf(models.CodeUnavailable, "no photo store is configured")
	}
	link, err := s.photos.URL(p.ObjectKey, c.QueryParam("thumb") == "true")
	if err != nil {
		return uploadError(err)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Redirect(http.StatusFound, link)
}
