package uploads

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"testing"
	"time"

	"golang.org/x/image/webp"
)

func process(t testing.TB, data []byte) (*Processed, error) {
	t.Helper()
	p, err := Process(context.Background(), bytes.NewReader(data), t.TempDir())
	if err == nil {
		t.Cleanup(func() { p.Close() })
	}
	return p, err
}

// stored returns the cleaned original and thumbnail of p, after checking
// what every successful Process must guarantee.
func stored(t *testing.T, p *Processed) (orig, thumb []byte) {
	t.Helper()
	orig, err := os.ReadFile(p.origPath)
	if err != nil {
		t.Fatal(err)
	}
	thumb, err = os.ReadFile(p.thumbPath)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(orig)) != p.Size {
		t.Errorf("Size = %d, stored %d bytes", p.Size, len(orig))
	}
	if sum := sha256.Sum256(orig); hex.EncodeToString(sum[:]) != p.SHA256 {
		t.Errorf("SHA256 does not match the stored bytes")
	}
	img, err := decode(bytes.NewReader(orig), p.ContentType)
	if err != nil {
		t.Fatalf("stored image does not decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != p.Width || b.Dy() != p.Height {
		t.Errorf("stored image is %dx%d, Processed says %dx%d", b.Dx(), b.Dy(), p.Width, p.Height)
	}
	if int64(len(thumb)) != p.ThumbSize() {
		t.Errorf("ThumbSize = %d, thumbnail has %d bytes", p.ThumbSize(), len(thumb))
	}
	tc, err := jpeg.DecodeConfig(bytes.NewReader(thumb))
	if err != nil {
		t.Fatalf("thumbnail is not a JPEG: %v", err)
	}
	if max(tc.Width, tc.Height) > thumbMax {
		t.Errorf("thumbnail is %dx%d, long side over %d", tc.Width, tc.Height, thumbMax)
	}
	if (p.Width > p.Height) != (tc.Width > tc.Height) && p.Width != p.Height {
		t.Errorf("thumbnail %dx%d does not keep the orientation of %dx%d", tc.Width, tc.Height, p.Width, p.Height)
	}
	return orig, thumb
}

func mustNotContain(t *testing.T, data []byte, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if bytes.Contains(data, []byte(s)) {
			t.Errorf("stored bytes still contain %q", s)
		}
	}
}

func closeTo(p *float64, want float64) bool {
	return p != nil && math.Abs(*p-want) < 1e-6
}

func TestProcessAccepts(t *testing.T) {
	plainJPEG := encodeJPEG(t, markerImage(64, 48))
	plainPNG := encodePNG(t, markerImage(64, 48))
	cases := []struct {
		name     string
		data     []byte
		wantType string
		w, h     int
	}{
		{"JPEG", plainJPEG, TypeJPEG, 64, 48},
		{"PNG", plainPNG, TypePNG, 64, 48},
		{"WebP", testWebP(false), TypeWebP, 24, 16},
		{"WebPWithMetadata", testWebP(true), TypeWebP, 24, 16},
		{"JPEGNoEXIF", withSegments(plainJPEG, jpegSegment(0xFE, []byte("hello"))), TypeJPEG, 64, 48},
		{"LargeJPEGGetsSmallThumbnail", encodeJPEG(t, markerImage(1000, 600)), TypeJPEG, 1000, 600},
		{"TallPNG", encodePNG(t, markerImage(40, 900)), TypePNG, 40, 900},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := process(t, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if p.ContentType != tc.wantType || p.Width != tc.w || p.Height != tc.h {
				t.Fatalf("got %s %dx%d, want %s %dx%d", p.ContentType, p.Width, p.Height, tc.wantType, tc.w, tc.h)
			}
			stored(t, p)
		})
	}
}

func TestProcessRejects(t *testing.T) {
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, markerImage(8, 8), nil); err != nil {
		t.Fatal(err)
	}
	jpg := encodeJPEG(t, markerImage(64, 48))
	bomb := bytes.Clone(jpg)
	sof := bytes.Index(bomb, []byte{0xFF, 0xC0})
	binary.BigEndian.PutUint16(bomb[sof+5:], 10000) // height
	binary.BigEndian.PutUint16(bomb[sof+7:], 10000) // width
	tooBig := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, make([]byte, MaxBytes+1-4)...)
	justFits := tooBig[:MaxBytes]

	cases := []struct {
		name string
		r    func() io.Reader
		want error
	}{
		{"GIF", bytesReader(gifBuf.Bytes()), ErrUnsupported},
		{"PDF", bytesReader([]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")), ErrUnsupported},
		{"TextNamedJPG", bytesReader([]byte("this is not a photo.jpg, honest\n")), ErrUnsupported},
		{"Empty", bytesReader(nil), ErrUnsupported},
		{"OneByteOverLimit", bytesReader(tooBig), ErrTooLarge},
		{"OverCallerLimit", func() io.Reader {
			return http.MaxBytesReader(httptest.NewRecorder(), io.NopCloser(bytes.NewReader(jpg)), 100)
		}, ErrTooLarge},
		{"AtLimitIsNotTooLarge", bytesReader(justFits), ErrCorrupt},
		{"PNGBomb", bytesReader(pngHeader(10000, 10000)), ErrTooManyPixels},
		{"JPEGBomb", bytesReader(bomb), ErrTooManyPixels},
		{"TruncatedJPEG", bytesReader(jpg[:len(jpg)/2]), ErrCorrupt},
		{"JPEGWithoutScan", bytesReader(jpg[:20]), ErrCorrupt},
		{"TruncatedPNG", bytesReader(encodePNG(t, markerImage(64, 48))[:100]), ErrCorrupt},
		{"PNGHeaderOnly", bytesReader(pngHeader(10, 10)), ErrCorrupt},
		{"TruncatedWebP", bytesReader(testWebP(false)[:30]), ErrCorrupt},
		{"AnimatedWebP", bytesReader(webpFile(vp8xChunk(vp8xAnim, 24, 16), riffChunk("ANIM", make([]byte, 6)))), ErrUnsupported},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Process(context.Background(), tc.r(), t.TempDir())
			if !errors.Is(err, tc.want) {
				if p != nil {
					p.Close()
				}
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func bytesReader(b []byte) func() io.Reader {
	return func() io.Reader { return bytes.NewReader(b) }
}

// A decompression bomb must be refused from its header, before anything
// proportional to its pixel count is allocated.
func TestProcessBombDoesNotAllocate(t *testing.T) {
	bomb := pngHeader(30000, 30000)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Process(context.Background(), bytes.NewReader(bomb), t.TempDir())
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooManyPixels) {
		t.Fatalf("err = %v, want ErrTooManyPixels", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("refusing a bomb allocated %d bytes", grew)
	}
}

func TestProcessReadsOnlyWhatItNeeds(t *testing.T) {
	// An unsupported upload is refused from its first bytes, and an
	// oversize one just past the limit, without draining the rest.
	cases := []struct {
		name    string
		head    []byte
		maxRead int64
		want    error
	}{
		{"Unsupported", []byte("GIF89a"), 64, ErrUnsupported},
		{"TooLarge", []byte{0xFF, 0xD8, 0xFF}, MaxBytes + 64<<10, ErrTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &countingReader{r: io.MultiReader(bytes.NewReader(tc.head), zeros{})}
			_, err := Process(context.Background(), r, t.TempDir())
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if r.n > tc.maxRead {
				t.Errorf("read %d bytes, want at most %d", r.n, tc.maxRead)
			}
		})
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestProcessCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Process(ctx, bytes.NewReader(encodeJPEG(t, markerImage(64, 48))), t.TempDir())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestProcessStripsJPEGMetadata(t *testing.T) {
	src := markerImage(64, 48)
	jpg := encodeJPEG(t, src)
	lat, lng := 48.858370, 2.294481
	cases := []struct {
		name  string
		order binary.ByteOrder
	}{
		{"LittleEndianEXIF", binary.LittleEndian},
		{"BigEndianEXIF", binary.BigEndian},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			exif := testEXIF(tc.order, 1, &[2]float64{lat, lng})
			latBytes := dms(tc.order, lat)
			data := withSegments(jpg,
				jpegSegment(0xE0, append([]byte("JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x01\x01"), 1, 2, 3)),
				app1EXIF(exif),
				jpegSegment(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>Secret Author</x:xmpmeta>")),
				jpegSegment(0xED, []byte("Photoshop 3.0\x008BIM secret caption")),
				jpegSegment(0xFE, []byte("a secret comment")),
			)
			// Phones append extra images, with their own EXIF, after the end.
			data = append(data, app1EXIF(exif)...)
			data = append(data, "trailing secret"...)

			p, err := process(t, data)
			if err != nil {
				t.Fatal(err)
			}
			orig, _ := stored(t, p)
			mustNotContain(t, orig, "Exif", "SecretPhone", "Secret Author", "secret caption",
				"a secret comment", "trailing secret", string(latBytes))
			if !closeTo(p.ExifLat, lat) || !closeTo(p.ExifLng, lng) {
				t.Errorf("GPS = %v,%v, want %v,%v", deref(p.ExifLat), deref(p.ExifLng), lat, lng)
			}
			if !bytes.Contains(orig, []byte("JFIF\x00")) {
				t.Errorf("JFIF header was dropped")
			}
			// Without a rotation the pixels are copied, not re-encoded.
			want, _ := jpeg.Decode(bytes.NewReader(jpg))
			got, _ := jpeg.Decode(bytes.NewReader(orig))
			if !bytes.Equal(want.(*image.YCbCr).Y, got.(*image.YCbCr).Y) {
				t.Errorf("pixels changed although no rotation was needed")
			}
		})
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestProcessStripsPNGMetadata(t *testing.T) {
	src := encodePNG(t, markerImage(64, 48))
	exif := testEXIF(binary.LittleEndian, 0, &[2]float64{-22.9519, -43.2105})
	data := withChunks(src,
		pngChunk("tEXt", []byte("Comment\x00a secret comment")),
		pngChunk("zTXt", []byte("Author\x00\x00x\x9c\x01\x00\x00\xff\xff\x00\x00\x00\x01")),
		pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00<x:xmpmeta>Secret Author</x:xmpmeta>")),
		pngChunk("tIME", []byte{0x07, 0xEA, 11, 26, 12, 0, 0}),
		pngChunk("eXIf", exif),
		pngChunk("pHYs", []byte{0, 0, 0x0B, 0x13, 0, 0, 0x0B, 0x13, 1}),
	)
	data = append(data, "trailing secret"...)
	p, err := process(t, data)
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := stored(t, p)
	mustNotContain(t, orig, "tEXt", "zTXt", "iTXt", "tIME", "eXIf", "SecretPhone", "secret")
	if !bytes.Contains(orig, []byte("pHYs")) {
		t.Errorf("pHYs, which only describes the pixels, was dropped")
	}
	if !closeTo(p.ExifLat, -22.9519) || !closeTo(p.ExifLng, -43.2105) {
		t.Errorf("GPS = %v,%v", deref(p.ExifLat), deref(p.ExifLng))
	}
}

func TestProcessStripsWebPMetadata(t *testing.T) {
	data := testWebP(true)
	// The test file itself must be a WebP that x/image decodes.
	if _, err := webp.Decode(bytes.NewReader(data)); err != nil {
		t.Fatalf("test WebP does not decode: %v", err)
	}
	p, err := process(t, data)
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := stored(t, p)
	mustNotContain(t, orig, "EXIF", "Exif", "XMP ", "Secret", "ZZZZ")
	if !closeTo(p.ExifLat, -33.8568) || !closeTo(p.ExifLng, 151.2153) {
		t.Errorf("GPS = %v,%v", deref(p.ExifLat), deref(p.ExifLng))
	}
	if flags := orig[20]; flags&(vp8xEXIF|vp8xXMP) != 0 {
		t.Errorf("VP8X flags %08b still announce metadata", flags)
	}
	if size := binary.LittleEndian.Uint32(orig[4:]); int(size) != len(orig)-8 {
		t.Errorf("RIFF size %d, file has %d bytes after the header", size, len(orig)-8)
	}
	img, _ := webp.Decode(bytes.NewReader(orig))
	for _, c := range []struct {
		x    int
		want color.NRGBA
	}{{0, webpLeft}, {23, webpRight}} {
		if got := color.NRGBAModel.Convert(img.At(c.x, 5)); got != c.want {
			t.Errorf("pixel at x=%d is %v, want %v", c.x, got, c.want)
		}
	}
}

// Each EXIF orientation must turn the red (raw top-left) and blue (raw
// top-right) markers to where a viewer would show them.
func TestProcessAppliesOrientation(t *testing.T) {
	const w, h = 64, 48
	type corner int
	const (
		tl corner = iota
		tr
		bl
		br
	)
	cases := []struct {
		orientation int
		red, blue   corner
	}{
		{1, tl, tr}, {2, tr, tl}, {3, br, bl}, {4, bl, br},
		{5, tl, bl}, {6, tr, br}, {7, br, tr}, {8, bl, tl},
	}
	jpg := encodeJPEG(t, markerImage(w, h))
	for _, tc := range cases {
		t.Run(string(rune('0'+tc.orientation)), func(t *testing.T) {
			exif := testEXIF(binary.LittleEndian, tc.orientation, nil)
			p, err := process(t, withSegments(jpg, app1EXIF(exif)))
			if err != nil {
				t.Fatal(err)
			}
			wantW, wantH := w, h
			if tc.orientation >= 5 {
				wantW, wantH = h, w
			}
			if p.Width != wantW || p.Height != wantH {
				t.Fatalf("size %dx%d, want %dx%d", p.Width, p.Height, wantW, wantH)
			}
			orig, thumb := stored(t, p)
			mustNotContain(t, orig, "Exif", "SecretPhone")
			for name, data := range map[string][]byte{"stored": orig, "thumbnail": thumb} {
				img, err := jpeg.Decode(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				at := func(c corner) color.Color {
					b := img.Bounds()
					x, y := b.Min.X+4, b.Min.Y+4
					if c == tr || c == br {
						x = b.Max.X - 5
					}
					if c == bl || c == br {
						y = b.Max.Y - 5
					}
					return img.At(x, y)
				}
				if !near(at(tc.red), markerRed) || !near(at(tc.blue), markerBlue) {
					t.Errorf("%s: markers not where orientation %d puts them", name, tc.orientation)
				}
			}
		})
	}
}

// near allows for JPEG's loss.
func near(c color.Color, want color.RGBA) bool {
	r, g, b, _ := c.RGBA()
	d := func(a uint32, b uint8) bool { return math.Abs(float64(a>>8)-float64(b)) < 40 }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

func TestThumbnailSizes(t *testing.T) {
	cases := []struct{ w, h, tw, th int }{
		{1000, 600, 320, 192},
		{600, 1000, 192, 320},
		{320, 320, 320, 320},
		{100, 50, 100, 50},
		{4000, 3, 320, 1},
		{1, 2000, 1, 320},
	}
	for _, tc := range cases {
		img := image.NewGray(image.Rect(0, 0, tc.w, tc.h))
		got := thumbnail(img, thumbMax).Bounds()
		if got.Dx() != tc.tw || got.Dy() != tc.th {
			t.Errorf("%dx%d: thumbnail %dx%d, want %dx%d", tc.w, tc.h, got.Dx(), got.Dy(), tc.tw, tc.th)
		}
	}
}

func TestThumbnailCompositesOverWhite(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 640, 640)) // fully transparent
	th := thumbnail(img, thumbMax)
	if c := th.RGBAAt(100, 100); c != (color.RGBA{255, 255, 255, 255}) {
		t.Fatalf("transparent pixel became %v, want white", c)
	}
}

func TestProcessedClose(t *testing.T) {
	p, err := Process(context.Background(), bytes.NewReader(encodeJPEG(t, markerImage(64, 48))), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{p.origPath, p.thumbPath}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists after Close", path)
		}
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// A failed Process must leave nothing behind in tmpDir.
func TestProcessCleansUpOnError(t *testing.T) {
	jpg := encodeJPEG(t, markerImage(64, 48))
	for _, data := range [][]byte{jpg[:len(jpg)-40], []byte("GIF89a"), pngHeader(10000, 10000)} {
		dir := t.TempDir()
		if _, err := Process(context.Background(), bytes.NewReader(data), dir); err == nil {
			t.Fatal("Process succeeded on a bad upload")
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("left %d files in tmpDir", len(entries))
		}
	}
}

func FuzzProcess(f *testing.F) {
	jpg := encodeJPEG(f, markerImage(32, 24))
	f.Add(jpg)
	f.Add(withSegments(jpg, app1EXIF(testEXIF(binary.BigEndian, 6, &[2]float64{1, 2})), jpegSegment(0xFE, []byte("c"))))
	f.Add(encodePNG(f, markerImage(16, 16)))
	f.Add(testWebP(false))
	f.Add(testWebP(true))
	f.Add(pngHeader(10000, 10000))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		// Mutated headers easily declare tens of megapixels; decoding those
		// is correct but would slow fuzzing to a crawl.
		if cfg, err := decodeConfig(bytes.NewReader(data), sniff(data)); err == nil && cfg.Width*cfg.Height > 1<<16 {
			return
		}
		p, err := Process(context.Background(), bytes.NewReader(data), t.TempDir())
		if err != nil {
			for _, want := range []error{ErrUnsupported, ErrCorrupt, ErrTooManyPixels, ErrTooLarge} {
				if errors.Is(err, want) {
					return
				}
			}
			t.Fatalf("unexpected error kind: %v", err)
		}
		defer p.Close()
		stored(t, p)
	})
}

var (
	phoneJPEG     []byte
	phoneJPEGOnce = make(chan struct{})
)

// phoneLikeJPEG is a 4032×3024 JPEG of about 3 MB: smooth gradients with
// sensor-like noise, as a phone photo compresses.
func phoneLikeJPEG(b *testing.B) []byte {
	select {
	case <-phoneJPEGOnce:
		return phoneJPEG
	default:
	}
	const w, h = 4032, 3024
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	seed := uint32(1)
	for y := range h {
		for x := range w {
			seed = seed*1664525 + 1013904223
			img.Y[y*img.YStride+x] = uint8((x*200/w + y*50/h) + int(seed>>28))
		}
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = uint8(100+i%50), uint8(140-i%30)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
		b.Fatal(err)
	}
	phoneJPEG = withSegments(buf.Bytes(), app1EXIF(testEXIF(binary.LittleEndian, 1, &[2]float64{10, 20})))
	close(phoneJPEGOnce)
	return phoneJPEG
}

func BenchmarkProcess3MB(b *testing.B) {
	data := phoneLikeJPEG(b)
	dir := b.TempDir()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p, err := Process(context.Background(), bytes.NewReader(data), dir)
		if err != nil {
			b.Fatal(err)
		}
		p.Close()
	}
}

// BenchmarkProcessConcurrentHeap runs 20 uploads at once and reports how far
// the heap grew above where it started, the figure that decides how many
// uploads a small server survives. "Rotated" uploads need a re-encode.
func BenchmarkProcessConcurrentHeap(b *testing.B) {
	upright := phoneLikeJPEG(b)
	rotated := withSegments(upright, app1EXIF(testEXIF(binary.LittleEndian, 6, nil)))
	for _, bc := range []struct {
		name string
		data []byte
	}{{"Upright", upright}, {"Rotated", rotated}} {
		b.Run(bc.name, func(b *testing.B) {
			dir := b.TempDir()
			for b.Loop() {
				peak := measureHeapPeak(func() {
					done := make(chan error)
					for range 20 {
						go func() {
							p, err := Process(context.Background(), bytes.NewReader(bc.data), dir)
							if err == nil {
								p.Close()
							}
							done <- err
						}()
					}
					for range 20 {
						if err := <-done; err != nil {
							b.Error(err)
						}
					}
				})
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			}
		})
	}
}

// measureHeapPeak samples the heap while f runs and returns its highest
// growth over the heap before f, after a collection.
func measureHeapPeak(f func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	stop := make(chan struct{})
	peakc := make(chan uint64)
	go func() {
		var peak uint64
		for {
			select {
			case <-stop:
				peakc <- peak
				return
			default:
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > base {
				peak = max(peak, ms.HeapAlloc-base)
			}
			time.Sleep(time.Millisecond)
		}
	}()
	f()
	close(stop)
	return <-peakc
}

func TestSniff(t *testing.T) {
	cases := []struct {
		head string
		want string
	}{
		{"\xFF\xD8\xFF\xE0", TypeJPEG},
		{"\x89PNG\r\n\x1a\n", TypePNG},
		{"RIFF\x00\x00\x00\x00WEBPVP8 ", TypeWebP},
		{"RIFF\x00\x00\x00\x00WAVEfmt ", ""},
		{"GIF89a", ""},
		{"<svg xmlns=", ""},
		{"\xFF\xD8", ""},
		{"", ""},
	}
	for _, tc := range cases {
		if got := sniff([]byte(tc.head)); got != tc.want {
			t.Errorf("sniff(%q) = %q, want %q", tc.head, got, tc.want)
		}
	}
}

// decodedLike builds a YCbCr laid out as the JPEG decoder lays it out: planes
// padded to whole 16×16 MCUs, with the visible w×h part taken by SubImage.
func decodedLike(w, h int, ratio image.YCbCrSubsampleRatio, seed byte) *image.YCbCr {
	pw, ph := (w+15)/16*16, (h+15)/16*16
	full := image.NewYCbCr(image.Rect(0, 0, pw, ph), ratio)
	for i := range full.Y {
		full.Y[i] = byte(i*7) + seed
	}
	for i := range full.Cb {
		full.Cb[i], full.Cr[i] = byte(i*13)+seed, byte(i*5)-seed
	}
	return full.SubImage(image.Rect(0, 0, w, h)).(*image.YCbCr)
}

// orient turns decoded JPEGs in place; the result must match turning the
// pixels one by one, for every orientation, subsampling and odd size.
func TestOrientMatchesReference(t *testing.T) {
	ratios := []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio444,
		image.YCbCrSubsampleRatio411, // not turned in place: exercises the RGBA path
	}
	sizes := [][2]int{{37, 21}, {16, 16}, {1, 9}, {33, 48}}
	for _, ratio := range ratios {
		for _, sz := range sizes {
			for o := 1; o <= 8; o++ {
				w, h := sz[0], sz[1]
				ref := decodedLike(w, h, ratio, 3)
				got := orient(decodedLike(w, h, ratio, 3), o)
				ow, oh := w, h
				if o >= 5 {
					ow, oh = h, w
				}
				gb := got.Bounds()
				if gb.Dx() != ow || gb.Dy() != oh {
					t.Fatalf("%v %dx%d o=%d: bounds %v", ratio, w, h, o, gb)
				}
			check:
				for y := range oh {
					for x := range ow {
						sx, sy := srcCoord(o, x, y, w, h)
						wr, wg, wb, _ := ref.At(sx, sy).RGBA()
						gr, gg, gbl, _ := got.At(gb.Min.X+x, gb.Min.Y+y).RGBA()
						if wr>>8 != gr>>8 || wg>>8 != gg>>8 || wb>>8 != gbl>>8 {
							t.Errorf("%v %dx%d o=%d: pixel %d,%d differs", ratio, w, h, o, x, y)
							break check
						}
					}
				}
			}
		}
	}
}

func TestOrientGray(t *testing.T) {
	for o := 1; o <= 8; o++ {
		full := image.NewGray(image.Rect(0, 0, 24, 16))
		for i := range full.Pix {
			full.Pix[i] = byte(i)
		}
		ref := image.NewGray(full.Rect)
		copy(ref.Pix, full.Pix)
		got := orient(full.SubImage(image.Rect(0, 0, 19, 11)), o)
		gb := got.Bounds()
		ow, oh := 19, 11
		if o >= 5 {
			ow, oh = 11, 19
		}
		for y := range oh {
			for x := range ow {
				sx, sy := srcCoord(o, x, y, 19, 11)
				if got.At(gb.Min.X+x, gb.Min.Y+y) != ref.At(sx, sy) {
					t.Fatalf("o=%d: pixel %d,%d differs", o, x, y)
				}
			}
		}
	}
}

// cleanJPEG works on segments and entropy-coded bytes without decoding, so
// its byte handling is checked directly on hand-made streams.
func TestCleanJPEGSegments(t *testing.T) {
	sos := []byte{0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00}
	dqt := jpegSegment(0xDB, []byte{0x00, 1, 2, 3})
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	soi, eoi := []byte{0xFF, 0xD8}, []byte{0xFF, 0xD9}
	jfifThumb := append([]byte("JFIF\x00\x01\x02\x00\x00\x48\x00\x48\x01\x01"), 9, 9, 9)
	jfifKept := []byte("JFIF\x00\x01\x02\x00\x00\x48\x00\x48\x00\x00")
	icc := append([]byte("ICC_PROFILE\x00\x01\x01"), "profile"...)
	adobe := []byte("Adobe\x00\x64\x00\x00\x00\x00\x01")

	cases := []struct {
		name string
		in   []byte
		want []byte // nil: ErrCorrupt expected
	}{
		{
			"StuffingRestartsAndFill",
			cat(soi, dqt, sos, []byte{0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD0, 0x78, 0xFF, 0xFF, 0xFF}, eoi, []byte("trailer")),
			cat(soi, dqt, sos, []byte{0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD0, 0x78}, eoi),
		},
		{
			"CommentBetweenScans",
			cat(soi, sos, []byte{1, 2}, jpegSegment(0xFE, []byte("hidden")), dqt, sos, []byte{3}, eoi),
			cat(soi, sos, []byte{1, 2}, dqt, sos, []byte{3}, eoi),
		},
		{
			"KeptAndDroppedAPPn",
			cat(soi, jpegSegment(0xE0, jfifThumb), jpegSegment(0xE0, []byte("JFXX\x00\x10thumb")),
				jpegSegment(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<xmp/>")),
				jpegSegment(0xE2, icc), jpegSegment(0xE2, []byte("MPF\x00data")),
				jpegSegment(0xED, []byte("Photoshop 3.0\x00")), jpegSegment(0xEE, adobe),
				sos, []byte{7}, eoi),
			cat(soi, jpegSegment(0xE0, jfifKept), jpegSegment(0xE2, icc), jpegSegment(0xEE, adobe), sos, []byte{7}, eoi),
		},
		{
			"StrayBytesBeforeMarker",
			cat(soi, []byte{0x00, 0x11}, dqt, sos, []byte{7}, eoi),
			cat(soi, dqt, sos, []byte{7}, eoi),
		},
		{"NoEndMarker", cat(soi, dqt, sos, []byte{1, 2, 3}), nil},
		{"TruncatedSegment", cat(soi, []byte{0xFF, 0xDB, 0x00, 0x40, 1, 2}), nil},
		{"BadLength", cat(soi, []byte{0xFF, 0xDB, 0x00, 0x01}, eoi), nil},
		{"SecondStart", cat(soi, soi, eoi), nil},
		{"NotJPEG", []byte("nope"), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			bw := bufio.NewWriter(&out)
			_, err := cleanJPEG(bufio.NewReader(bytes.NewReader(tc.in)), bw)
			bw.Flush()
			if tc.want == nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("err = %v, want ErrCorrupt", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), tc.want) {
				t.Errorf("got  % x\nwant % x", out.Bytes(), tc.want)
			}
		})
	}
}
