package uploads

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// pngKept lists the chunks a cleaned PNG keeps: the critical ones and those
// that only say how to render the pixels. Everything else goes, including
// text, time and eXIf chunks and chunks this list does not know, because an
// unknown chunk may carry anything and decoders must cope without it.
// Animation chunks go too, leaving the still default image.
var pngKept = map[string]bool{
	"IHDR": true, "PLTE": true, "IDAT": true, "IEND": true,
	"tRNS": true, "gAMA": true, "cHRM": true, "sRGB": true, "iCCP": true,
	"cICP": true, "mDCV": true, "cLLI": true, "sBIT": true, "bKGD": true, "pHYs": true,
}

// maxEXIFRead bounds how much of an EXIF chunk is read for GPS; larger ones
// are dropped unread.
const maxEXIFRead = 1 << 20

// cleanPNG copies a PNG chunk by chunk, keeping only pngKept chunks, and
// stops at IEND so that nothing appended to the file survives. Kept chunks
// are copied with their CRC unchanged; the decode that follows checks them.
func cleanPNG(r *bufio.Reader, w *bufio.Writer) (exifInfo, error) {
	info := exifInfo{orientation: 1}
	sig := make([]byte, len(pngSignature))
	if _, err := io.ReadFull(r, sig); err != nil || string(sig) != string(pngSignature) {
		return info, fmt.Errorf("%w: png: bad signature", ErrCorrupt)
	}
	w.Write(sig)
	var hdr [8]byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return info, fmt.Errorf("%w: png ends before IEND", ErrCorrupt)
		}
		n := int64(binary.BigEndian.Uint32(hdr[:4]))
		if n > 1<<31-1 {
			return info, fmt.Errorf("%w: png: bad chunk length", ErrCorrupt)
		}
		typ := string(hdr[4:8])
		switch {
		case pngKept[typ]:
			w.Write(hdr[:])
			if _, err := io.CopyN(w, r, n+4); err != nil {
				return info, fmt.Errorf("%w: png: truncated %s chunk", ErrCorrupt, typ)
			}
			if typ == "IEND" {
				return info, nil
			}
			continue
		case typ == "eXIf" && n <= maxEXIFRead:
			buf := make([]byte, n)
			if _, err := io.ReadFull(r, buf); err != nil {
				return info, fmt.Errorf("%w: png: truncated eXIf chunk", ErrCorrupt)
			}
			info = parseEXIFPayload(buf)
			n = 0
		}
		if _, err := r.Discard(int(n + 4)); err != nil {
			return info, fmt.Errorf("%w: png: truncated %s chunk", ErrCorrupt, typ)
		}
	}
}
