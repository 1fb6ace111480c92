package uploads

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestLinks: a page's links signed in one pass are the links signed one by one, the files
// behind them are served, and a key that cannot be signed gets none.
func TestLinks(t *testing.T) {
	s, _ := testDisk(t)
	fixed := time.Now()
	s.now = func() time.Time { return fixed }
	p, err := process(t, encodePNG(t, markerImage(32, 24)))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for i := range 3 {
		key := NewKey(fixed, fmt.Sprintf("k%d", i))
		if err := s.Put(context.Background(), key, p); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, key)
	}
	keys = append(keys, "../bad")
	links := s.Links(keys)
	for i, key := range keys[:3] {
		want, _ := s.URL(key, false)
		wantThumb, _ := s.URL(key, true)
		if links[i].URL != want || links[i].ThumbURL != wantThumb {
			t.Fatalf("Links[%d] = %+v, want %q and %q", i, links[i], want, wantThumb)
		}
		for _, link := range []string{links[i].URL, links[i].ThumbURL} {
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, link, nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s: %d", link, rec.Code)
			}
		}
	}
	if links[3] != (Link{}) {
		t.Fatalf("a bad key got links %+v", links[3])
	}
}

// TestMinIOLinksLocal: presigned links need no request to MinIO (the region is known), so a
// page of them is signed at once even while MinIO is down.
func TestMinIOLinksLocal(t *testing.T) {
	addr := freeAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	s, err := NewMinIO(ctx, MinIOConfig{Endpoint: "http://" + addr, AccessKey: "a", SecretKey: "b", Bucket: "photos"})
	if !errors.Is(err, ErrUnavailable) || s == nil {
		t.Fatalf("NewMinIO = %v, %v; want a Store and ErrUnavailable", s, err)
	}
	keys := make([]string, 40)
	for i := range keys {
		keys[i] = fmt.Sprintf("photos/p%d", i)
	}
	start := time.Now()
	links := s.Links(keys)
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("signing 40 links took %s", d)
	}
	for i, l := range links {
		if !strings.Contains(l.URL, addr+"/photos/"+keys[i]+"?") || !strings.Contains(l.ThumbURL, keys[i]+".thumb.jpg?") ||
			!strings.Contains(l.URL, "X-Amz-Signature=") {
			t.Fatalf("link %d = %+v", i, l)
		}
	}
}
