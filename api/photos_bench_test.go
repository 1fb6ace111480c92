package api

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	rtmetrics "runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"frontline/internal/testenv"
	"frontline/models"
	"frontline/uploads"
)

// Upload benchmarks run through the real HTTP stack: a server on a loopback port and
// clients streaming multipart bodies. Every client reads the same shared image through its
// own bytes.Reader, so the client side, which shares the process with the server, allocates
// nothing in proportion to the file.

// grainyJPEG encodes a w×h photo-like image: gradients under random grain, which compress
// about as badly as a phone photo of gravel or foliage.
func grainyJPEG(tb testing.TB, w, h, grain, quality int) []byte {
	tb.Helper()
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	r := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Y[y*img.YStride+x] = uint8((x/8+y/5)%200 + r.IntN(grain+1))
		}
	}
	for i := range img.Cb {
		img.Cb[i] = uint8(100 + r.IntN(grain/2+1))
		img.Cr[i] = uint8(120 + r.IntN(grain/2+1))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

var (
	bigPhotoOnce, phonePhotoOnce sync.Once
	bigPhoto, phonePhoto         []byte
)

// bigJPEG is a 12-megapixel camera photo of about 10 MiB, under the 15 MiB limit.
func bigJPEG(tb testing.TB) []byte {
	bigPhotoOnce.Do(func() { bigPhoto = grainyJPEG(tb, 4000, 3000, 72, 95) })
	checkSize(tb, "big photo", bigPhoto, 9<<20, 12<<20)
	return bigPhoto
}

// phoneJPEG is a 6-megapixel phone photo of about 3 MB.
func phoneJPEG(tb testing.TB) []byte {
	phonePhotoOnce.Do(func() { phonePhoto = grainyJPEG(tb, 3000, 2000, 36, 92) })
	checkSize(tb, "phone photo", phonePhoto, 2_700_000, 3_300_000)
	return phonePhoto
}

func checkSize(tb testing.TB, what string, b []byte, lo, hi int) {
	tb.Helper()
	if len(b) < lo || len(b) > hi {
		tb.Fatalf("%s is %d bytes, want %d to %d", what, len(b), lo, hi)
	}
}

// uploadServer is the whole API on a loopback port with a signed-in member.
type uploadServer struct {
	tb     testing.TB
	url    string
	token  string
	client *http.Client
}

func newUploadServer(tb testing.TB, photos *uploads.Store) *uploadServer {
	tb.Helper()
	h := harnessWith(tb, photos, nil)
	h.srv.photoQuota = models.PhotoQuota{} // benchmarks upload far past a member's quota
	member := h.user(models.RoleMember, "")
	srv := httptest.NewServer(h.e)
	tb.Cleanup(srv.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	tb.Cleanup(client.CloseIdleConnections)
	return &uploadServer{tb: tb, url: srv.URL, token: member.token, client: client}
}

// upload posts file as a multipart upload, streamed: only the few hundred bytes of framing
// are allocated per request.
func (u *uploadServer) upload(file []byte) error {
	var framing bytes.Buffer
	mw := multipart.NewWriter(&framing)
	if _, err := mw.CreateFormFile("file", "photo.jpg"); err != nil {
		return err
	}
	head := bytes.Clone(framing.Bytes())
	framing.Reset()
	if err := mw.Close(); err != nil {
		return err
	}
	tail := framing.Bytes()
	body := io.MultiReader(bytes.NewReader(head), bytes.NewReader(file), bytes.NewReader(tail))
	req, err := http.NewRequest(http.MethodPost, u.url+"/api/v1/photos", body)
	if err != nil {
		return err
	}
	req.ContentLength = int64(len(head) + len(file) + len(tail))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+u.token)
	resp, err := u.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("upload: %s %s", resp.Status, answer)
	}
	return nil
}

// uploadAll sends n uploads of file, conc at a time, and returns the first error.
func (u *uploadServer) uploadAll(file []byte, n, conc int) error {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		firstErr error
		once     sync.Once
	)
	for range conc {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				if err := u.upload(file); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

// benchName names the database and the photo store a benchmark runs on, e.g. "sqlite+disk".
func benchName(photoKind string) string {
	db := "sqlite"
	if testenv.Backend() == "services" {
		db = "mariadb"
	}
	return db + "+" + photoKind
}

// heapSampler records the peak of the heap (live objects and garbage not yet swept) above
// a baseline taken after a collection.
type heapSampler struct {
	base, peak uint64
	stop, done chan struct{}
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func heapObjects() uint64 {
	s := []rtmetrics.Sample{{Name: heapMetric}}
	rtmetrics.Read(s)
	return s[0].Value.Uint64()
}

func startHeapSampler(every time.Duration) *heapSampler {
	runtime.GC()
	hs := &heapSampler{base: heapObjects(), stop: make(chan struct{}), done: make(chan struct{})}
	hs.peak = hs.base
	go func() {
		defer close(hs.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-hs.stop:
				return
			case <-t.C:
				hs.peak = max(hs.peak, heapObjects())
			}
		}
	}()
	return hs
}

// growthMiB stops sampling and returns the peak growth over the baseline, in MiB.
func (hs *heapSampler) growthMiB() float64 {
	close(hs.stop)
	<-hs.done
	hs.peak = max(hs.peak, heapObjects())
	return float64(hs.peak-hs.base) / (1 << 20)
}

// BenchmarkUploadMemory sends 20 uploads of a 10 MiB photo at once, per iteration, and
// reports how far the heap grew above where it was before (peak-heap-MiB). The photo
// pipeline spools to temporary files and decodes at most GOMAXPROCS images at a time, so
// the growth should stay near 64 MiB however many uploads are in flight.
func BenchmarkUploadMemory(b *testing.B) {
	const inFlight = 20
	file := bigJPEG(b)
	photos := testenv.Photos(b, testSecret)
	b.Run(benchName(photos.Kind()), func(b *testing.B) {
		srv := newUploadServer(b, photos)
		if err := srv.upload(file); err != nil { // warm up connections and code paths
			b.Fatal(err)
		}
		hs := startHeapSampler(2 * time.Millisecond)
		start := time.Now()
		n := 0
		for b.Loop() {
			if err := srv.uploadAll(file, inFlight, inFlight); err != nil {
				b.Fatal(err)
			}
			n += inFlight
		}
		growth := hs.growthMiB()
		b.ReportMetric(growth, "peak-heap-MiB")
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "uploads/s")
		b.Logf("%d uploads of %d bytes, %d at a time: heap peak %.1f MiB above a %.1f MiB baseline",
			n, len(file), inFlight, growth, float64(hs.base)/(1<<20))
	})
}

// BenchmarkUploadThroughput reports uploads per second of a 3 MB phone photo, one and
// eight at a time, on disk and (when FRONTLINE_TEST_MINIO_ENDPOINT is set) on MinIO.
func BenchmarkUploadThroughput(b *testing.B) {
	file := phoneJPEG(b)
	backends := []struct {
		kind string
		open func(testing.TB) (*uploads.Store, func() []string)
	}{{"disk", diskPhotos}, {"minio", minioPhotos}}
	for _, be := range backends {
		if be.kind == "minio" && os.Getenv("FRONTLINE_TEST_MINIO_ENDPOINT") == "" {
			b.Logf("FRONTLINE_TEST_MINIO_ENDPOINT not set: no MinIO figures")
			continue
		}
		photos, _ := be.open(b)
		srv := newUploadServer(b, photos)
		if err := srv.upload(file); err != nil { // warm up connections and code paths
			b.Fatal(err)
		}
		for _, conc := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/%d-at-a-time", benchName(be.kind), conc), func(b *testing.B) {
				start := time.Now()
				if err := srv.uploadAll(file, b.N, conc); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "uploads/s")
			})
		}
	}
}
