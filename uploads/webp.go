package uploads

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// VP8X feature flags that announce metadata and colour-profile chunks.
const (
	vp8xICC  = 1 << 5
	vp8xEXIF = 1 << 3
	vp8xXMP  = 1 << 2
	vp8xAnim = 1 << 1
)

// maxWebPChunks bounds the chunks looked at: a still WebP has at most four
// that matter, so thousands of tiny chunks can only be an attack on the
// parser.
const maxWebPChunks = 1024

type webpChunk struct {
	fourcc    string
	off, size int64 // payload offset and unpadded size
}

// cleanWebP rewrites a WebP's RIFF container with only the chunks that make
// up a still image (VP8X, ICCP, ALPH, VP8, VP8L). EXIF, XMP and unknown
// chunks are dropped, the VP8X flags for them cleared and the RIFF size
// recomputed. Animated WebP is refused: it cannot be decoded here for a
// thumbnail.
func cleanWebP(r *io.SectionReader, w *bufio.Writer) (exifInfo, error) {
	info := exifInfo{orientation: 1}
	var hdr [12]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return info, fmt.Errorf("%w: webp: short header", ErrCorrupt)
	}
	riffSize := int64(binary.LittleEndian.Uint32(hdr[4:8]))
	if riffSize < 4 {
		return info, fmt.Errorf("%w: webp: bad RIFF size", ErrCorrupt)
	}
	end := min(8+riffSize, r.Size())

	var kept []webpChunk
	hasICC := false
	total := int64(4) // "WEBP"
	off := int64(12)
	for i := 0; off+8 <= end; i++ {
		if i == maxWebPChunks {
			return info, fmt.Errorf("%w: webp: too many chunks", ErrCorrupt)
		}
		var ch [8]byte
		if _, err := r.ReadAt(ch[:], off); err != nil {
			return info, fmt.Errorf("%w: webp: %w", ErrCorrupt, err)
		}
		c := webpChunk{fourcc: string(ch[:4]), off: off + 8, size: int64(binary.LittleEndian.Uint32(ch[4:]))}
		if c.off+c.size > end {
			return info, fmt.Errorf("%w: webp: truncated %q chunk", ErrCorrupt, c.fourcc)
		}
		next := c.off + c.size + c.size&1
		switch c.fourcc {
		case "VP8X":
			if c.size >= 1 {
				var flags [1]byte
				if _, err := r.ReadAt(flags[:], c.off); err != nil {
					return info, fmt.Errorf("%w: webp: %w", ErrCorrupt, err)
				}
				if flags[0]&vp8xAnim != 0 {
					return info, fmt.Errorf("%w: animated webp", ErrUnsupported)
				}
			}
			fallthrough
		case "ICCP", "ALPH", "VP8 ", "VP8L":
			hasICC = hasICC || c.fourcc == "ICCP"
			kept = append(kept, c)
			total += 8 + c.size + c.size&1
		case "ANIM", "ANMF":
			return info, fmt.Errorf("%w: animated webp", ErrUnsupported)
		case "EXIF":
			if c.size <= maxEXIFRead {
				buf := make([]byte, c.size)
				if _, err := r.ReadAt(buf, c.off); err != nil {
					return info, fmt.Errorf("%w: webp: %w", ErrCorrupt, err)
				}
				info = parseEXIFPayload(buf)
			}
		}
		off = next
	}
	if len(kept) == 0 {
		return info, fmt.Errorf("%w: webp: no image data", ErrCorrupt)
	}

	var out [12]byte
	copy(out[:4], "RIFF")
	binary.LittleEndian.PutUint32(out[4:8], uint32(total))
	copy(out[8:], "WEBP")
	w.Write(out[:])
	for _, c := range kept {
		var ch [8]byte
		copy(ch[:4], c.fourcc)
		binary.LittleEndian.PutUint32(ch[4:], uint32(c.size))
		w.Write(ch[:])
		payload := io.NewSectionReader(r, c.off, c.size)
		if c.fourcc == "VP8X" && c.size >= 1 {
			var flags [1]byte
			payload.Read(flags[:])
			flags[0] &^= vp8xEXIF | vp8xXMP
			if !hasICC {
				flags[0] &^= vp8xICC
			}
			w.Write(flags[:])
		}
		if _, err := io.Copy(w, payload); err != nil {
			return info, fmt.Errorf("%w: webp: %w", ErrCorrupt, err)
		}
		if c.size&1 == 1 {
			// The pad byte is written as zero whether or not the source had it.
			w.WriteByte(0)
		}
	}
	return info, nil
}
