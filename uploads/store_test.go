package uploads

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"frontline/internal/testenv/proxy"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

var testSecret = []byte("0123456789abcdef-test-secret")

// servicesRequired reports whether the run must use real services instead
// of skipping when they are not configured.
func servicesRequired() bool {
	return os.Getenv("CI") == "true" || os.Getenv("FRONTLINE_TEST_BACKEND") == "services"
}

func skipOrFail(t *testing.T, what string) {
	t.Helper()
	if servicesRequired() {
		t.Fatalf("%s required (CI=true or FRONTLINE_TEST_BACKEND=services)", what)
	}
	t.Skipf("%s not configured", what)
}

// testMinIO returns a Store on the MinIO named by FRONTLINE_TEST_MINIO_*,
// in a bucket of its own that is emptied and removed after the test.
func testMinIO(t *testing.T) *Store {
	t.Helper()
	cfg := testMinIOConfig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := NewMinIO(ctx, cfg)
	if err != nil {
		t.Fatalf("NewMinIO: %v", err)
	}
	return s
}

// testMinIOConfig names the MinIO of FRONTLINE_TEST_MINIO_* and a fresh bucket on it,
// which is emptied and removed after the test.
func testMinIOConfig(t *testing.T) MinIOConfig {
	t.Helper()
	cfg := MinIOConfig{
		Endpoint:  os.Getenv("FRONTLINE_TEST_MINIO_ENDPOINT"),
		AccessKey: os.Getenv("FRONTLINE_TEST_MINIO_ACCESS_KEY"),
		SecretKey: os.Getenv("FRONTLINE_TEST_MINIO_SECRET_KEY"),
		Bucket:    randomBucket(),
	}
	if cfg.Endpoint == "" || cfg.AccessKey == "" || cfg.SecretKey == "" {
		skipOrFail(t, "MinIO (FRONTLINE_TEST_MINIO_ENDPOINT, _ACCESS_KEY, _SECRET_KEY)")
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeBucket(t, client, cfg.Bucket) })
	return cfg
}

func randomBucket() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "frontline-test-" + hex.EncodeToString(b)
}

func removeBucket(t *testing.T, client *minio.Client, bucket string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for obj := range client.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err == nil {
			client.RemoveObject(ctx, bucket, obj.Key, minio.RemoveObjectOptions{})
		}
	}
	if err := client.RemoveBucket(ctx, bucket); err != nil && minio.ToErrorResponse(err).Code != minio.NoSuchBucket {
		t.Logf("removing test bucket %s: %v", bucket, err)
	}
}

// testDisk returns a disk Store and the base URL of a server mounting its
// Handler at /files/ the way the app does.
func testDisk(t *testing.T) (*Store, string) {
	t.Helper()
	s, err := NewDisk(t.TempDir(), testSecret)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/files/", s.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func TestStoreDisk(t *testing.T) {
	s, base := testDisk(t)
	if s.Kind() != "disk" {
		t.Fatalf("Kind = %q", s.Kind())
	}
	testStore(t, s, base)
}

func TestStoreMinIO(t *testing.T) {
	s := testMinIO(t)
	if s.Kind() != "minio" || s.Handler() != nil {
		t.Fatalf("Kind = %q, Handler = %v", s.Kind(), s.Handler())
	}
	testStore(t, s, "")
}

func fetch(t *testing.T, link string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// testStore runs the behaviour both backends share; base is prefixed to
// relative links.
func testStore(t *testing.T, s *Store, base string) {
	ctx := context.Background()
	images := []struct {
		name string
		data []byte
	}{
		{"JPEG", encodeJPEG(t, markerImage(640, 480))},
		{"PNG", encodePNG(t, markerImage(64, 48))},
		{"WebP", testWebP(true)},
	}
	for _, img := range images {
		t.Run("PutAndFetch"+img.name, func(t *testing.T) {
			p, err := process(t, img.data)
			if err != nil {
				t.Fatal(err)
			}
			orig, thumb := stored(t, p)
			key := NewKey(time.Now(), "put-"+strings.ToLower(img.name)+"-"+randomBucket()[15:])
			if err := s.Put(ctx, key, p); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Delete(context.Background(), key) })
			for _, c := range []struct {
				thumb bool
				want  []byte
				ct    string
			}{{false, orig, p.ContentType}, {true, thumb, TypeJPEG}} {
				link, err := s.URL(key, c.thumb)
				if err != nil {
					t.Fatal(err)
				}
				resp, body := fetch(t, base+link)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s: %s %s", link, resp.Status, body)
				}
				if !bytes.Equal(body, c.want) {
					t.Errorf("thumb=%v: fetched %d bytes, stored %d", c.thumb, len(body), len(c.want))
				}
				if got := resp.Header.Get("Content-Type"); got != c.ct {
					t.Errorf("thumb=%v: Content-Type %q, want %q", c.thumb, got, c.ct)
				}
			}
		})
	}

	t.Run("DeleteRemovesBoth", func(t *testing.T) {
		p, err := process(t, images[0].data)
		if err != nil {
			t.Fatal(err)
		}
		key := NewKey(time.Now(), "del-"+randomBucket()[15:])
		if err := s.Put(ctx, key, p); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, key); err != nil {
			t.Fatal(err)
		}
		for _, thumb := range []bool{false, true} {
			link, _ := s.URL(key, thumb)
			if resp, _ := fetch(t, base+link); resp.StatusCode != http.StatusNotFound {
				t.Errorf("thumb=%v after Delete: %s, want 404", thumb, resp.Status)
			}
		}
		if err := s.Delete(ctx, key); err != nil {
			t.Errorf("deleting a missing photo: %v", err)
		}
	})

	t.Run("Ping", func(t *testing.T) {
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("InvalidKeys", func(t *testing.T) {
		p, err := process(t, images[1].data)
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"", "../etc/passwd", "photos/../../x", "/abs", "a//b", "a b", "x.thumb.jpg", "photos/%2e%2e"} {
			if err := s.Put(ctx, key, p); err == nil || errors.Is(err, ErrUnavailable) {
				t.Errorf("Put(%q) = %v, want a key error", key, err)
			}
			if _, err := s.URL(key, false); err == nil {
				t.Errorf("URL(%q) succeeded", key)
			}
		}
	})

	t.Run("PutClosed", func(t *testing.T) {
		p, err := process(t, images[1].data)
		if err != nil {
			t.Fatal(err)
		}
		p.Close()
		if err := s.Put(ctx, NewKey(time.Now(), "closed"), p); err == nil {
			t.Fatal("Put of a closed photo succeeded")
		}
	})
}

func TestDiskLinks(t *testing.T) {
	s, base := testDisk(t)
	p, err := process(t, encodePNG(t, markerImage(64, 48)))
	if err != nil {
		t.Fatal(err)
	}
	key := NewKey(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), "abc")
	if err := s.Put(context.Background(), key, p); err != nil {
		t.Fatal(err)
	}
	good, _ := s.URL(key, false)
	goodThumb, _ := s.URL(key, true)
	realNow := s.now
	s.now = func() time.Time { return realNow().Add(-LinkTTL - time.Minute) }
	expired, _ := s.URL(key, false)
	s.now = realNow

	u, _ := url.Parse(good)
	q := u.Query()
	withQuery := func(k, v string) string {
		q2 := url.Values{}
		for kk, vv := range q {
			q2[kk] = vv
		}
		q2.Set(k, v)
		return u.Path + "?" + q2.Encode()
	}
	tu, _ := url.Parse(goodThumb)

	cases := []struct {
		name   string
		method string
		link   string
		want   int
	}{
		{"Good", "GET", good, 200},
		{"Head", "HEAD", good, 200},
		{"Expired", "GET", expired, 403},
		{"BadSignature", "GET", withQuery("sig", strings.Repeat("0", 64)), 403},
		{"SignatureNotHex", "GET", withQuery("sig", "zz"), 403},
		{"NoSignature", "GET", u.Path + "?exp=" + q.Get("exp"), 403},
		{"LaterExpiry", "GET", withQuery("exp", fmt.Sprint(time.Now().Add(24*time.Hour).Unix())), 403},
		{"ThumbSignatureOnOriginal", "GET", u.Path + "?" + tu.RawQuery, 403},
		{"OriginalSignatureOnThumb", "GET", tu.Path + "?" + u.RawQuery, 403},
		{"OtherKey", "GET", strings.Replace(good, "abc", "abd", 1), 403},
		{"Traversal", "GET", "/files/../../etc/passwd?" + u.RawQuery, 404},
		{"Post", "POST", good, 405},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, base+tc.link, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("%s %s: %s, want %d", tc.method, tc.link, resp.Status, tc.want)
			}
			if tc.want == 200 {
				h := resp.Header
				if h.Get("Content-Type") != TypePNG || !strings.HasPrefix(h.Get("Cache-Control"), "private") ||
					h.Get("X-Content-Type-Options") != "nosniff" {
					t.Errorf("headers: %v", h)
				}
			}
		})
	}

	t.Run("MountedWithPrefixStripped", func(t *testing.T) {
		srv := httptest.NewServer(http.StripPrefix("/files", s.Handler()))
		defer srv.Close()
		if resp, _ := fetch(t, srv.URL+good); resp.StatusCode != 200 {
			t.Fatalf("%s", resp.Status)
		}
	})
	t.Run("LinkShape", func(t *testing.T) {
		if !strings.HasPrefix(good, "/files/photos/2026/11/26/abc?exp=") || !strings.HasPrefix(goodThumb, "/files/photos/2026/11/26/abc.thumb.jpg?exp=") {
			t.Fatalf("links %q, %q", good, goodThumb)
		}
	})
}

func TestNewDisk(t *testing.T) {
	if _, err := NewDisk(t.TempDir(), []byte("short")); err == nil {
		t.Error("a short secret was accepted")
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := NewDisk(file, testSecret); err == nil {
		t.Error("a file was accepted as the directory")
	}
	s, err := NewDisk(filepath.Join(t.TempDir(), "a", "b"), testSecret)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestDiskPingUnavailable(t *testing.T) {
	dir := t.TempDir()
	s, err := NewDisk(dir, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(dir)
	if err := s.Ping(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Ping with the directory gone = %v, want ErrUnavailable", err)
	}
}

func TestNewKey(t *testing.T) {
	at := time.Date(2026, 11, 26, 23, 30, 0, 0, time.FixedZone("UTC+8", 8*3600))
	if got, want := NewKey(at, "0b5e"), "photos/2026/11/26/0b5e"; got != want {
		t.Errorf("NewKey = %q, want %q", got, want)
	}
	if err := checkKey(NewKey(time.Now(), "4f9c2a7e-8f0b-4c3e-9a51-0c6f8e2d1b3a")); err != nil {
		t.Errorf("a UUID key is refused: %v", err)
	}
}

func TestNewMinIOConfig(t *testing.T) {
	cases := []struct {
		name string
		cfg  MinIOConfig
	}{
		{"BadBucket", MinIOConfig{Endpoint: "127.0.0.1:1", Bucket: "Bad_Bucket"}},
		{"BadScheme", MinIOConfig{Endpoint: "ftp://127.0.0.1:1", Bucket: "photos"}},
		{"PathInEndpoint", MinIOConfig{Endpoint: "http://127.0.0.1:1/minio", Bucket: "photos"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewMinIO(context.Background(), tc.cfg)
			if err == nil || s != nil || errors.Is(err, ErrUnavailable) {
				t.Fatalf("NewMinIO = %v, %v; want a configuration error", s, err)
			}
		})
	}
}

// With nothing listening, NewMinIO still returns a Store, whose operations
// fail quickly with ErrUnavailable while links can still be signed.
func TestMinIODown(t *testing.T) {
	addr := freeAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	s, err := NewMinIO(ctx, MinIOConfig{Endpoint: "http://" + addr, AccessKey: "a", SecretKey: "b", Bucket: "photos"})
	if !errors.Is(err, ErrUnavailable) || s == nil {
		t.Fatalf("NewMinIO = %v, %v; want a Store and ErrUnavailable", s, err)
	}
	p, perr := process(t, encodePNG(t, markerImage(16, 16)))
	if perr != nil {
		t.Fatal(perr)
	}
	if err := s.Ping(ctx); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Ping = %v", err)
	}
	if err := s.Put(ctx, "photos/x", p); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Put = %v", err)
	}
	if link, err := s.URL("photos/x", true); err != nil || !strings.Contains(link, addr+"/photos/photos/x.thumb.jpg?") {
		t.Errorf("URL = %q, %v", link, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("failing took %v", d)
	}
}

func TestMinIOPublicEndpoint(t *testing.T) {
	s, err := NewMinIO(context.Background(), MinIOConfig{
		Endpoint: freeAddr(t), AccessKey: "a", SecretKey: "b", Bucket: "photos",
		PublicEndpoint: "https://photos.example.org",
	})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("NewMinIO: %v", err)
	}
	link, err := s.URL("photos/2026/11/26/x", false)
	if err != nil || !strings.HasPrefix(link, "https://photos.example.org/photos/photos/2026/11/26/x?") ||
		!strings.Contains(link, "X-Amz-Expires=900") {
		t.Fatalf("URL = %q, %v", link, err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestMinIOFault cuts a real MinIO away from a Store and brings it back (the
// Store reaches MinIO through a TCP proxy that the test cuts, as a stopped
// MinIO or a dead network would) and checks that the Store reports the outage
// quickly and recovers without a restart.
func TestMinIOFault(t *testing.T) {
	cfg := testMinIOConfig(t)
	link := proxy.Start(t, cfg.Endpoint)
	cfg.Endpoint = link.Addr()

	within := func(d time.Duration) context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		t.Cleanup(cancel)
		return ctx
	}
	p, err := process(t, encodeJPEG(t, markerImage(64, 48)))
	if err != nil {
		t.Fatal(err)
	}

	// Down at start-up: a Store anyway, and the bucket made once MinIO is up.
	link.Cut()
	s, err := NewMinIO(within(3*time.Second), cfg)
	if !errors.Is(err, ErrUnavailable) || s == nil {
		t.Fatalf("NewMinIO while down = %v, %v", s, err)
	}
	link.Restore()
	if err := s.Put(within(10*time.Second), "photos/first", p); err != nil {
		t.Fatalf("Put once MinIO is up: %v", err)
	}

	link.Cut()
	for name, op := range map[string]func(context.Context) error{
		"Ping": s.Ping,
		"Put":  func(ctx context.Context) error { return s.Put(ctx, "photos/second", p) },
	} {
		start := time.Now()
		err := op(within(3 * time.Second))
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s while down = %v, want ErrUnavailable", name, err)
		}
		if d := time.Since(start); d > 4*time.Second {
			t.Errorf("%s took %v to fail", name, d)
		}
	}

	link.Restore()
	if err := s.Put(within(10*time.Second), "photos/third", p); err != nil {
		t.Fatalf("Put after restart: %v", err)
	}
	if err := s.Ping(within(3 * time.Second)); err != nil {
		t.Fatalf("Ping after restart: %v", err)
	}
	for _, key := range []string{"photos/first", "photos/third"} {
		link, _ := s.URL(key, false)
		if resp, _ := fetch(t, link); resp.StatusCode != 200 {
			t.Errorf("GET %s: %s", key, resp.Status)
		}
	}
}
