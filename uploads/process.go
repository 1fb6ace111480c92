package uploads

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"os"
	"runtime"

	"golang.org/x/image/webp"
)

// Content types of accepted uploads.
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeWebP = "image/webp"
)

// collectAfterPixels is the size of decode after which render collects
// garbage: about 1.5 MiB of decoded JPEG.
const collectAfterPixels = 1 << 20

// jpegQuality is used when a JPEG must be re-encoded to apply its rotation:
// high enough that the one generation of loss is not visible.
const jpegQuality = 90

// Processed is an upload after checking and cleaning. The cleaned original
// and its thumbnail live in temporary files rather than in memory; Close
// removes them.
type Processed struct {
	ContentType   string // TypeJPEG, TypePNG or TypeWebP
	Width, Height int    // as displayed, after the EXIF orientation is applied
	Size          int64  // bytes of the cleaned original
	SHA256        string // hex SHA-256 of the cleaned original
	// ExifLat and ExifLng are the GPS position read from the upload's EXIF
	// before it was stripped; they are never written into the stored image.
	ExifLat, ExifLng *float64

	origPath  string
	thumbPath string
	thumbSize int64
}

// Close removes the temporary files. It is safe to call more than once.
func (p *Processed) Close() error {
	var errs []error
	for _, path := range []*string{&p.origPath, &p.thumbPath} {
		if *path == "" {
			continue
		}
		if err := os.Remove(*path); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
		*path = ""
	}
	return errors.Join(errs...)
}

// ThumbSize is the size in bytes of the JPEG thumbnail.
func (p *Processed) ThumbSize() int64 { return p.thumbSize }

// Process reads an upload from r and returns it checked and cleaned.
//
// At most MaxBytes are read (more is ErrTooLarge, whatever limit the caller
// also applies). The type is judged from the first bytes only, never from a
// name or a Content-Type header. Image dimensions are read from the header
// before any decoding. Metadata (EXIF, GPS, XMP, comments, PNG text and time
// chunks, WebP EXIF and XMP chunks, anything after the image) is dropped by
// rewriting the container; pixels are re-encoded only for a JPEG whose EXIF
// orientation must be applied. Decoding, for the thumbnail, waits until its
// estimated memory fits the decode budget shared by all uploads (see
// SetDecodeBudget), or for ctx to end; an image that could never fit, or a
// 16-bit one past 8 megapixels, is refused from its header. Temporary files
// go to tmpDir, "" meaning os.TempDir().
func Process(ctx context.Context, r io.Reader, tmpDir string) (_ *Processed, err error) {
	if tmpDir == "" {
		tmpDir = os.TempDir()
	}
	raw, err := os.CreateTemp(tmpDir, "upload-*.raw")
	if err != nil {
		return nil, fmt.Errorf("uploads: spool: %w", err)
	}
	defer func() {
		raw.Close()
		os.Remove(raw.Name())
	}()

	ct, rawSize, err := spool(ctx, r, raw)
	if err != nil {
		return nil, err
	}
	cfg, err := decodeConfig(io.NewSectionReader(raw, 0, rawSize), ct)
	if err != nil {
		return nil, err
	}
	if err := checkDecodable(cfg); err != nil {
		return nil, err
	}

	p := &Processed{ContentType: ct, Width: cfg.Width, Height: cfg.Height}
	defer func() {
		if err != nil {
			p.Close()
		}
	}()
	out, err := os.CreateTemp(tmpDir, "upload-*.img")
	if err != nil {
		return nil, fmt.Errorf("uploads: clean: %w", err)
	}
	p.origPath = out.Name()
	defer out.Close()

	info, err := clean(io.NewSectionReader(raw, 0, rawSize), out, ct)
	if err != nil {
		return nil, err
	}
	p.ExifLat, p.ExifLng = info.lat, info.lng
	// The raw upload, metadata and all, is not needed any more.
	raw.Close()
	os.Remove(raw.Name())

	// Only a JPEG's orientation is applied: that is where cameras write it,
	// and there is no Go WebP encoder to rewrite a rotated WebP with.
	orientation := 1
	if ct == TypeJPEG {
		orientation = info.orientation
	}
	if orientation >= 5 {
		p.Width, p.Height = p.Height, p.Width
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("uploads: %w", err)
	}

	if err := p.render(ctx, out, tmpDir, orientation, decodedBytes(cfg, orientation)); err != nil {
		return nil, err
	}
	if p.Size, p.SHA256, err = hashFile(out); err != nil {
		return nil, fmt.Errorf("uploads: hash: %w", err)
	}
	return p, nil
}

// spool copies the upload into f, refusing unsupported content as soon as
// its first bytes arrive and oversize content as soon as it passes MaxBytes.
func spool(ctx context.Context, r io.Reader, f *os.File) (ct string, size int64, err error) {
	head := make([]byte, 16)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return "", 0, readError(err)
	}
	head = head[:n]
	if ct = sniff(head); ct == "" {
		return "", 0, ErrUnsupported
	}
	if _, err := f.Write(head); err != nil {
		return "", 0, fmt.Errorf("uploads: spool: %w", err)
	}
	size = int64(n)
	if n < len(head) {
		return ct, size, nil
	}
	buf := make([]byte, 32<<10)
	for {
		if err := ctx.Err(); err != nil {
			return "", 0, fmt.Errorf("uploads: %w", err)
		}
		// Never ask for more than one byte past the limit: that byte is
		// enough to know the upload is too large.
		want := min(int64(len(buf)), MaxBytes+1-size)
		n, rerr := r.Read(buf[:want])
		if n > 0 {
			size += int64(n)
			if size > MaxBytes {
				return "", 0, ErrTooLarge
			}
			if _, err := f.Write(buf[:n]); err != nil {
				return "", 0, fmt.Errorf("uploads: spool: %w", err)
			}
		}
		if errors.Is(rerr, io.EOF) {
			return ct, size, nil
		}
		if rerr != nil {
			return "", 0, readError(rerr)
		}
	}
}

func readError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fmt.Errorf("%w: %w", ErrTooLarge, err)
	}
	return fmt.Errorf("uploads: read upload: %w", err)
}

// sniff names the type of an image from its first bytes, or returns "".
func sniff(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return TypeJPEG
	case bytes.HasPrefix(b, pngSignature):
		return TypePNG
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return TypeWebP
	}
	return ""
}

func decodeConfig(r io.Reader, ct string) (image.Config, error) {
	br := bufio.NewReader(r)
	var cfg image.Config
	var err error
	switch ct {
	case TypeJPEG:
		cfg, err = jpeg.DecodeConfig(br)
	case TypePNG:
		cfg, err = png.DecodeConfig(br)
	case TypeWebP:
		cfg, err = webp.DecodeConfig(br)
	}
	if err != nil {
		return cfg, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return cfg, fmt.Errorf("%w: empty image", ErrCorrupt)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return cfg, fmt.Errorf("%w: %dx%d", ErrTooManyPixels, cfg.Width, cfg.Height)
	}
	return cfg, nil
}

func decode(r io.Reader, ct string) (image.Image, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var img image.Image
	var err error
	switch ct {
	case TypeJPEG:
		img, err = jpeg.Decode(br)
	case TypePNG:
		img, err = png.Decode(br)
	case TypeWebP:
		img, err = webp.Decode(br)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return img, nil
}

// clean writes r's image to w without its metadata.
func clean(r *io.SectionReader, w *os.File, ct string) (exifInfo, error) {
	bw := bufio.NewWriterSize(w, 32<<10)
	var info exifInfo
	var err error
	switch ct {
	case TypeJPEG:
		info, err = cleanJPEG(bufio.NewReaderSize(r, 32<<10), bw)
	case TypePNG:
		info, err = cleanPNG(bufio.NewReaderSize(r, 32<<10), bw)
	case TypeWebP:
		info, err = cleanWebP(r, bw)
	}
	if err != nil {
		return info, err
	}
	if err := bw.Flush(); err != nil {
		return info, fmt.Errorf("uploads: clean: %w", err)
	}
	return info, nil
}

// render decodes the cleaned image in out, once, holding its estimated bytes
// of the decode budget: to make the thumbnail and, when the orientation is not
// 1, to rewrite out with the pixels turned upright.
func (p *Processed) render(ctx context.Context, out *os.File, tmpDir string, orientation int, need int64) error {
	budget := decodeBudget.Load()
	if err := budget.acquire(ctx, need); err != nil {
		return err
	}
	defer budget.release(need)

	if _, err := out.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("uploads: render: %w", err)
	}
	img, err := decode(out, p.ContentType)
	if err != nil {
		return err
	}
	if orientation != 1 {
		img = orient(img, orientation)
		if err := rewriteJPEG(out, img); err != nil {
			return err
		}
	}
	thumb := thumbnail(img, thumbMax)
	if b := img.Bounds(); b.Dx()*b.Dy() >= collectAfterPixels {
		// Left to the pacer, the garbage collector lets dead pixel buffers
		// pile up to the size of the live heap before it runs, so a burst
		// of uploads would need twice the memory the decode budget bounds.
		// img is not used past this point, so collecting here, while the
		// budget is still held, hands its buffer back before the next upload
		// decodes; the few milliseconds this costs are small next to the
		// decode itself.
		runtime.GC()
	}

	tf, err := os.CreateTemp(tmpDir, "upload-*.thumb.jpg")
	if err != nil {
		return fmt.Errorf("uploads: thumbnail: %w", err)
	}
	p.thumbPath = tf.Name()
	defer tf.Close()
	bw := bufio.NewWriter(tf)
	if err := jpeg.Encode(bw, thumb, &jpeg.Options{Quality: thumbQuality}); err != nil {
		return fmt.Errorf("uploads: thumbnail: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("uploads: thumbnail: %w", err)
	}
	st, err := tf.Stat()
	if err != nil {
		return fmt.Errorf("uploads: thumbnail: %w", err)
	}
	p.thumbSize = st.Size()
	return tf.Close()
}

// rewriteJPEG replaces the content of f with img encoded as a JPEG.
func rewriteJPEG(f *os.File, img image.Image) error {
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("uploads: re-encode: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("uploads: re-encode: %w", err)
	}
	bw := bufio.NewWriterSize(f, 32<<10)
	if err := jpeg.Encode(bw, img, &jpeg.Options{Quality: jpegQuality}); err != nil {
		return fmt.Errorf("uploads: re-encode: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("uploads: re-encode: %w", err)
	}
	return nil
}

func hashFile(f *os.File) (int64, string, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, "", err
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}
