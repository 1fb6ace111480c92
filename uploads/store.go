package uploads

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Store keeps cleaned photos and their thumbnails, on MinIO or on local disk,
// and hands out short-lived signed links to them. Keys are stored by the
// caller; links are computed on demand and never stored.
type Store struct {
	b   backend
	now func() time.Time // replaced in tests to check expiry
}

// backend is what differs between MinIO and disk.
type backend interface {
	kind() string
	put(ctx context.Context, obj, contentType, path string, size int64) error
	remove(ctx context.Context, obj string) error
	url(key string, thumb bool, now time.Time) (string, error)
	// signer signs many links made at now, sharing what their signatures have in common.
	signer(now time.Time) func(key string, thumb bool) (string, error)
	ping(ctx context.Context) error
	handler(now func() time.Time) http.Handler
}

// Kind names the backend: "disk" or "minio".
func (s *Store) Kind() string { return s.b.kind() }

// Put stores p's cleaned original at key and its thumbnail at
// key+".thumb.jpg". Storage failures wrap ErrUnavailable.
func (s *Store) Put(ctx context.Context, key string, p *Processed) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if p == nil || p.origPath == "" || p.thumbPath == "" {
		return errors.New("uploads: put: photo is closed or was not processed")
	}
	if err := s.b.put(ctx, key, p.ContentType, p.origPath, p.Size); err != nil {
		return err
	}
	if err := s.b.put(ctx, objectKey(key, true), TypeJPEG, p.thumbPath, p.thumbSize); err != nil {
		// An original without its thumbnail would show as broken; the
		// caller will retry the whole upload anyway.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = s.b.remove(cctx, key)
		return err
	}
	return nil
}

// Delete removes the photo at key and its thumbnail. A photo that is not
// there is not an error, so deleting twice is safe.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return errors.Join(s.b.remove(ctx, key), s.b.remove(ctx, objectKey(key, true)))
}

// URL returns a signed GET link to the photo at key, or to its thumbnail,
// valid for LinkTTL. Disk links are relative ("/files/…"); MinIO links are
// absolute presigned URLs.
func (s *Store) URL(key string, thumb bool) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	return s.b.url(key, thumb, s.now())
}

// Link is the pair of signed links of one photo: the image and its thumbnail.
type Link struct {
	URL, ThumbURL string
}

// Links signs the links of many photos in one pass, as a page of records shows them: the
// signing key's state is made once, not twice per photo. A key that cannot be signed gets
// empty links.
func (s *Store) Links(keys []string) []Link {
	out := make([]Link, len(keys))
	sign := s.b.signer(s.now())
	for i, key := range keys {
		if checkKey(key) != nil {
			continue
		}
		out[i].URL, _ = sign(key, false)
		out[i].ThumbURL, _ = sign(key, true)
	}
	return out
}

// Ping reports whether the store can be used, cheaply enough for a
// readiness probe. Failures wrap ErrUnavailable.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	return s.b.ping(ctx)
}

// pingTimeout keeps a readiness probe from hanging on a store that accepts
// connections but does not answer.
const pingTimeout = 2 * time.Second

// Handler serves the files behind disk links: GET /files/<key>?exp=…&sig=…,
// answering 403 to a bad or expired signature. Mount it at /files/, with or
// without the prefix stripped. It is nil for MinIO, whose links point at
// MinIO itself.
func (s *Store) Handler() http.Handler { return s.b.handler(s.now) }

func unavailable(op string, err error) error {
	return fmt.Errorf("uploads: %s: %w: %w", op, ErrUnavailable, err)
}
