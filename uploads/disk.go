package uploads

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// minSecretLen is the shortest link-signing secret accepted: a shorter one
// could be guessed from a single link.
const minSecretLen = 16

type diskBackend struct {
	dir    string
	secret []byte
}

// NewDisk returns a Store keeping files under dir, created if missing, whose
// links are signed with secret (at least 16 bytes) and served by Handler.
func NewDisk(dir string, secret []byte) (*Store, error) {
	if len(secret) < minSecretLen {
		return nil, fmt.Errorf("uploads: link secret must be at least %d bytes", minSecretLen)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("uploads: disk store: %w", err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("uploads: disk store: %w", err)
	}
	d := &diskBackend{dir: abs, secret: append([]byte(nil), secret...)}
	if err := d.ping(context.Background()); err != nil {
		return nil, err
	}
	return &Store{b: d, now: time.Now}, nil
}

func (d *diskBackend) kind() string { return "disk" }

func (d *diskBackend) path(obj string) string {
	return filepath.Join(d.dir, filepath.FromSlash(obj))
}

// put copies the file at path into place through a temporary file and a
// rename, so a reader never sees a half-written photo.
func (d *diskBackend) put(ctx context.Context, obj, _, path string, _ int64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("uploads: disk put: %w", err)
	}
	dst := d.path(obj)
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return unavailable("disk put", err)
	}
	src, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("uploads: disk put: %w", err)
	}
	defer src.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".put-*")
	if err != nil {
		return unavailable("disk put", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	_, err = io.Copy(tmp, src)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o640)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		return unavailable("disk put", err)
	}
	return nil
}

func (d *diskBackend) remove(_ context.Context, obj string) error {
	if err := os.Remove(d.path(obj)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return unavailable("disk delete", err)
	}
	return nil
}

// ping checks that the directory exists and can be written to.
func (d *diskBackend) ping(context.Context) error {
	f, err := os.CreateTemp(d.dir, ".ping-*")
	if err != nil {
		return unavailable("disk ping", err)
	}
	f.Close()
	if err := os.Remove(f.Name()); err != nil {
		return unavailable("disk ping", err)
	}
	return nil
}

// sign is the link signature: it binds the key, the expiry and whether the
// link is for the thumbnail, so none of them can be changed.
func (d *diskBackend) sign(key, exp string, thumb bool) []byte {
	return signWith(hmac.New(sha256.New, d.secret), key, exp, thumb)
}

// signWith is sign with a keyed HMAC that may be reused: Reset keeps the key's state.
func signWith(m hash.Hash, key, exp string, thumb bool) []byte {
	flag := "0"
	if thumb {
		flag = "1"
	}
	m.Reset()
	io.WriteString(m, key+"\n"+exp+"\n"+flag)
	return m.Sum(nil)
}

func (d *diskBackend) url(key string, thumb bool, now time.Time) (string, error) {
	return d.signer(now)(key, thumb)
}

// signer shares one keyed HMAC and one expiry among the links it signs.
func (d *diskBackend) signer(now time.Time) func(string, bool) (string, error) {
	m := hmac.New(sha256.New, d.secret)
	e := strconv.FormatInt(now.Add(LinkTTL).Unix(), 10)
	return func(key string, thumb bool) (string, error) {
		return "/files/" + objectKey(key, thumb) + "?exp=" + e + "&sig=" + hex.EncodeToString(signWith(m, key, e, thumb)), nil
	}
}

func (d *diskBackend) handler(now func() time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.serve(w, r, now())
	})
}

func (d *diskBackend) serve(w http.ResponseWriter, r *http.Request, now time.Time) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	obj := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/files/"), "/")
	key, thumb := strings.CutSuffix(obj, thumbSuffix)
	if checkKey(key) != nil {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	exp, err := strconv.ParseInt(q.Get("exp"), 10, 64)
	sig, serr := hex.DecodeString(q.Get("sig"))
	if err != nil || serr != nil || now.Unix() > exp || !hmac.Equal(sig, d.sign(key, q.Get("exp"), thumb)) {
		http.Error(w, "link invalid or expired", http.StatusForbidden)
		return
	}
	f, err := os.Open(d.path(obj))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			http.NotFound(w, r)
			return
		}
		http.Error(w, "photo store unavailable", http.StatusServiceUnavailable)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	ct := TypeJPEG
	if !thumb {
		head := make([]byte, 16)
		n, _ := f.ReadAt(head, 0)
		if ct = sniff(head[:n]); ct == "" {
			ct = "application/octet-stream"
		}
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("X-Content-Type-Options", "nosniff")
	// The link is the credential, so shared caches must not keep the file,
	// and the browser need not keep it past the link's life.
	h.Set("Cache-Control", "private, max-age="+strconv.FormatInt(min(exp-now.Unix(), int64(LinkTTL/time.Second)), 10))
	http.ServeContent(w, r, "", st.ModTime(), f)
}
