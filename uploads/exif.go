package uploads

import (
	"bytes"
	"encoding/binary"
	"math"
)

// exifInfo is what an upload's EXIF may tell us before it is thrown away.
type exifInfo struct {
	orientation int // 1..8 as in the TIFF Orientation tag; 1 when absent or invalid
	lat, lng    *float64
}

const (
	tagOrientation   = 0x0112
	tagGPSIFD        = 0x8825
	tagGPSLatRef     = 0x0001
	tagGPSLat        = 0x0002
	tagGPSLngRef     = 0x0003
	tagGPSLng        = 0x0004
	maxIFDEntries    = 1024
	tiffTypeShort    = 3
	tiffTypeLong     = 4
	tiffTypeASCII    = 2
	tiffTypeRational = 5
)

// exifPrefix starts the EXIF payload of a JPEG APP1 segment; some WebP and
// PNG writers copy it into their EXIF chunk as well.
var exifPrefix = []byte("Exif\x00")

// parseEXIFPayload parses an EXIF block that may or may not carry the
// "Exif\0\0" prefix in front of its TIFF header.
func parseEXIFPayload(b []byte) exifInfo {
	if bytes.HasPrefix(b, exifPrefix) && len(b) >= 6 {
		b = b[6:]
	}
	return parseEXIF(b)
}

// parseEXIF reads the orientation and GPS position from a TIFF-structured
// EXIF block. Uploads come from anyone, so every offset is bounds-checked and
// anything malformed is ignored rather than reported: bad EXIF must not make
// a good photo fail.
func parseEXIF(b []byte) exifInfo {
	info := exifInfo{orientation: 1}
	if len(b) < 8 {
		return info
	}
	var bo binary.ByteOrder
	switch string(b[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return info
	}
	if bo.Uint16(b[2:]) != 42 {
		return info
	}
	ifd0 := readIFD(b, bo, bo.Uint32(b[4:]))
	if e, ok := ifd0[tagOrientation]; ok {
		if v, ok := e.uint(bo); ok && v >= 1 && v <= 8 {
			info.orientation = int(v)
		}
	}
	// Only IFD0 and the GPS IFD it points to are read, never chains, so a
	// crafted file cannot make the parser loop.
	if e, ok := ifd0[tagGPSIFD]; ok {
		if off, ok := e.uint(bo); ok {
			gps := readIFD(b, bo, off)
			lat, okLat := gpsCoord(gps, bo, tagGPSLat, tagGPSLatRef, 'N', 'S', 90)
			lng, okLng := gpsCoord(gps, bo, tagGPSLng, tagGPSLngRef, 'E', 'W', 180)
			// 0,0 is what many cameras write when they have no fix.
			if okLat && okLng && (lat != 0 || lng != 0) {
				info.lat, info.lng = &lat, &lng
			}
		}
	}
	return info
}

type ifdEntry struct {
	typ   uint16
	count uint32
	value []byte // the entry's value, resolved from its offset when it does not fit inline
}

// uint returns a SHORT or LONG entry's first value.
func (e ifdEntry) uint(bo binary.ByteOrder) (uint32, bool) {
	switch {
	case e.typ == tiffTypeShort && len(e.value) >= 2:
		return uint32(bo.Uint16(e.value)), true
	case e.typ == tiffTypeLong && len(e.value) >= 4:
		return bo.Uint32(e.value), true
	}
	return 0, false
}

func tiffTypeSize(t uint16) uint64 {
	switch t {
	case 1, 2, 6, 7: // BYTE, ASCII, SBYTE, UNDEFINED
		return 1
	case 3, 8: // SHORT, SSHORT
		return 2
	case 4, 9, 11: // LONG, SLONG, FLOAT
		return 4
	case 5, 10, 12: // RATIONAL, SRATIONAL, DOUBLE
		return 8
	}
	return 0
}

// readIFD returns the entries of the IFD at off whose values lie inside b.
func readIFD(b []byte, bo binary.ByteOrder, off uint32) map[uint16]ifdEntry {
	entries := map[uint16]ifdEntry{}
	start := uint64(off)
	if start+2 > uint64(len(b)) {
		return entries
	}
	n := uint64(bo.Uint16(b[start:]))
	n = min(n, maxIFDEntries, (uint64(len(b))-start-2)/12)
	for i := uint64(0); i < n; i++ {
		raw := b[start+2+12*i : start+2+12*i+12]
		e := ifdEntry{typ: bo.Uint16(raw[2:]), count: bo.Uint32(raw[4:])}
		size := tiffTypeSize(e.typ) * uint64(e.count)
		switch {
		case size == 0:
			continue
		case size <= 4:
			e.value = raw[8 : 8+size]
		default:
			voff := uint64(bo.Uint32(raw[8:]))
			if voff+size > uint64(len(b)) {
				continue
			}
			e.value = b[voff : voff+size]
		}
		tag := bo.Uint16(raw)
		if _, dup := entries[tag]; !dup {
			entries[tag] = e
		}
	}
	return entries
}

// gpsCoord converts a degrees/minutes/seconds GPS entry and its hemisphere
// reference into signed decimal degrees.
func gpsCoord(ifd map[uint16]ifdEntry, bo binary.ByteOrder, tag, refTag uint16, pos, neg byte, limit float64) (float64, bool) {
	ref, ok := ifd[refTag]
	if !ok || ref.typ != tiffTypeASCII || len(ref.value) == 0 {
		return 0, false
	}
	sign := 1.0
	switch ref.value[0] {
	case pos:
	case neg:
		sign = -1
	default:
		return 0, false
	}
	e, ok := ifd[tag]
	if !ok || e.typ != tiffTypeRational || len(e.value) < 8 {
		return 0, false
	}
	v := 0.0
	for i, scale := range []float64{1, 60, 3600} {
		if len(e.value) < 8*(i+1) {
			break
		}
		num := bo.Uint32(e.value[8*i:])
		den := bo.Uint32(e.value[8*i+4:])
		if den == 0 {
			return 0, false
		}
		v += float64(num) / float64(den) / scale
	}
	if math.IsNaN(v) || v > limit {
		return 0, false
	}
	return sign * v, true
}
