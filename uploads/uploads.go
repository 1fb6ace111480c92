// Package uploads checks, cleans and stores photos.
//
// An upload is spooled to a temporary file, judged by its content (JPEG, PNG
// or WebP only), bounded in bytes and pixels before anything is decoded, and
// rewritten without its metadata so that what is stored never reveals where
// or with what it was taken. The cleaned original and a small JPEG thumbnail
// are then written to a Store backed by MinIO or by a local directory, and
// handed out through short-lived signed links.
package uploads

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors callers map to HTTP statuses; compare with errors.Is.
var (
	// ErrTooLarge means the upload exceeds MaxBytes.
	ErrTooLarge = errors.New("uploads: file too large")
	// ErrUnsupported means the content is not a JPEG, PNG or WebP image.
	ErrUnsupported = errors.New("uploads: unsupported image type")
	// ErrTooManyPixels means the image declares more than MaxPixels pixels.
	ErrTooManyPixels = errors.New("uploads: image has too many pixels")
	// ErrTooDeep means a 16-bit image too large to decode at 8 bytes a pixel.
	ErrTooDeep = errors.New("uploads: 16-bit image too large")
	// ErrCorrupt means the image is of a supported type but cannot be read.
	ErrCorrupt = errors.New("uploads: image cannot be read")
	// ErrUnavailable means the photo store could not be reached or written;
	// the underlying cause is wrapped alongside it.
	ErrUnavailable = errors.New("uploads: photo store unavailable")
)

// MaxBytes is the largest upload accepted, in bytes.
const MaxBytes = 15 << 20

// MaxPixels is the largest pixel count accepted. It is checked from the image
// header before decoding, so a small file that would expand into gigabytes
// of pixels (a decompression bomb) is refused cheaply.
const MaxPixels = 40_000_000

// LinkTTL is how long a link from Store.URL stays valid.
const LinkTTL = 15 * time.Minute

// thumbSuffix is appended to a photo's key to name its thumbnail.
const thumbSuffix = ".thumb.jpg"

// NewKey returns a date-sharded object key such as "photos/2026/11/26/<id>".
// The date is taken in UTC so keys do not depend on the server's zone; id
// should be a URL-safe token such as a UUID.
func NewKey(now time.Time, id string) string {
	return "photos/" + now.UTC().Format("2006/01/02") + "/" + id
}

// checkKey refuses keys that could escape the disk store's directory, need
// escaping in a link, or collide with a thumbnail's name.
func checkKey(key string) error {
	if key == "" || len(key) > 512 || strings.HasSuffix(key, thumbSuffix) {
		return fmt.Errorf("uploads: invalid key %q", key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("uploads: invalid key %q", key)
		}
		for _, c := range seg {
			ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
				c == '-' || c == '_' || c == '.'
			if !ok {
				return fmt.Errorf("uploads: invalid key %q", key)
			}
		}
	}
	return nil
}

// objectKey names the stored object for a photo key: the original or its thumbnail.
func objectKey(key string, thumb bool) string {
	if thumb {
		return key + thumbSuffix
	}
	return key
}
