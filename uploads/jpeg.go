package uploads

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// JPEG markers that matter to the rewrite.
const (
	markerSOI  = 0xD8
	markerEOI  = 0xD9
	markerSOS  = 0xDA
	markerRST0 = 0xD0
	markerRST7 = 0xD7
	markerTEM  = 0x01
	markerAPP0 = 0xE0
	markerAPP1 = 0xE1
	markerAPP2 = 0xE2
	markerAPPE = 0xEE
	markerAPPF = 0xEF
	markerCOM  = 0xFE
)

var errJPEGTruncated = fmt.Errorf("%w: jpeg ends before its end marker", ErrCorrupt)

// cleanJPEG copies a JPEG segment by segment, dropping every APPn segment
// except JFIF (without its embedded thumbnail), ICC profiles and Adobe's
// colour-transform marker, every comment, and anything after the end marker
// (where phones append depth maps and preview images with their own EXIF).
// The pixels are copied untouched. The first EXIF segment is parsed on the
// way for its orientation and GPS position.
func cleanJPEG(r *bufio.Reader, w *bufio.Writer) (exifInfo, error) {
	info := exifInfo{orientation: 1}
	seenEXIF := false
	var soi [2]byte
	if _, err := io.ReadFull(r, soi[:]); err != nil || soi[0] != 0xFF || soi[1] != markerSOI {
		return info, fmt.Errorf("%w: jpeg: missing start marker", ErrCorrupt)
	}
	w.Write(soi[:])
	seg := make([]byte, 0, 1<<16)

	marker, err := nextMarker(r)
	for {
		if err != nil {
			return info, err
		}
		switch {
		case marker == markerEOI:
			w.WriteByte(0xFF)
			w.WriteByte(markerEOI)
			return info, nil
		case marker == markerSOI:
			return info, fmt.Errorf("%w: jpeg: unexpected start marker", ErrCorrupt)
		case marker >= markerRST0 && marker <= markerRST7, marker == markerTEM:
			w.WriteByte(0xFF)
			w.WriteByte(marker)
			marker, err = nextMarker(r)
			continue
		}

		var lenBuf [2]byte
		if _, err := io.ReadFull(r, lenBuf[:]); err != nil {
			return info, errJPEGTruncated
		}
		n := int(lenBuf[0])<<8 | int(lenBuf[1])
		if n < 2 {
			return info, fmt.Errorf("%w: jpeg: bad segment length", ErrCorrupt)
		}
		n -= 2

		switch {
		case marker >= markerAPP0 && marker <= markerAPPF || marker == markerCOM:
			seg = seg[:n]
			if _, err := io.ReadFull(r, seg); err != nil {
				return info, errJPEGTruncated
			}
			if marker == markerAPP1 && !seenEXIF && bytes.HasPrefix(seg, exifPrefix) {
				seenEXIF = true
				info = parseEXIFPayload(seg)
			}
			if keep := keptAPP(marker, seg); keep != nil {
				writeSegment(w, marker, keep)
			}
			marker, err = nextMarker(r)
		case marker == markerSOS:
			w.Write([]byte{0xFF, marker, lenBuf[0], lenBuf[1]})
			if _, err := io.CopyN(w, r, int64(n)); err != nil {
				return info, errJPEGTruncated
			}
			marker, err = copyScan(r, w)
		default:
			// Tables, frame headers and the like describe the pixels.
			w.Write([]byte{0xFF, marker, lenBuf[0], lenBuf[1]})
			if _, err := io.CopyN(w, r, int64(n)); err != nil {
				return info, errJPEGTruncated
			}
			marker, err = nextMarker(r)
		}
	}
}

// keptAPP returns the payload to write for an APPn or COM segment, or nil to
// drop it.
func keptAPP(marker byte, seg []byte) []byte {
	switch {
	case marker == markerAPP0 && len(seg) >= 14 && bytes.HasPrefix(seg, []byte("JFIF\x00")):
		// Keep the version and density but not the optional thumbnail,
		// which could show what the photo looked like before editing.
		keep := bytes.Clone(seg[:14])
		keep[12], keep[13] = 0, 0
		return keep
	case marker == markerAPP2 && bytes.HasPrefix(seg, []byte("ICC_PROFILE\x00")):
		// Colour profiles describe the display, not the photographer, and
		// dropping them would shift the colours of wide-gamut photos.
		return seg
	case marker == markerAPPE && bytes.HasPrefix(seg, []byte("Adobe")):
		// Tells decoders whether the channels are RGB, YCbCr or CMYK.
		return seg
	}
	return nil
}

func writeSegment(w *bufio.Writer, marker byte, payload []byte) {
	n := len(payload) + 2
	w.Write([]byte{0xFF, marker, byte(n >> 8), byte(n)})
	w.Write(payload)
}

// nextMarker reads the next marker between segments. Stray bytes before it
// are skipped, as libjpeg does, and are not copied.
func nextMarker(r *bufio.Reader) (byte, error) {
	for {
		b, err := r.ReadByte()
		if err != nil {
			return 0, errJPEGTruncated
		}
		if b != 0xFF {
			continue
		}
		for b == 0xFF { // fill bytes
			if b, err = r.ReadByte(); err != nil {
				return 0, errJPEGTruncated
			}
		}
		if b != 0 {
			return b, nil
		}
	}
}

// copyScan copies entropy-coded data up to the next marker that is neither a
// stuffed 0xFF nor a restart marker, and returns that marker.
func copyScan(r *bufio.Reader, w *bufio.Writer) (byte, error) {
	for {
		chunk, err := r.ReadSlice(0xFF)
		if errors.Is(err, bufio.ErrBufferFull) {
			w.Write(chunk)
			continue
		}
		if err != nil {
			return 0, errJPEGTruncated
		}
		w.Write(chunk[:len(chunk)-1])
		b, err := r.ReadByte()
		for err == nil && b == 0xFF {
			b, err = r.ReadByte()
		}
		if err != nil {
			return 0, errJPEGTruncated
		}
		if b == 0 || b >= markerRST0 && b <= markerRST7 {
			w.WriteByte(0xFF)
			w.WriteByte(b)
			continue
		}
		return b, nil
	}
}
