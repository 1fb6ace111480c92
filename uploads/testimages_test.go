package uploads

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"slices"
	"testing"
)

// Test images are built here, in code, so every byte a test relies on is
// visible and no fixture files are needed.

var (
	markerBG   = color.RGBA{128, 128, 128, 255}
	markerRed  = color.RGBA{230, 20, 20, 255}
	markerBlue = color.RGBA{20, 20, 230, 255}
)

// markerImage is grey with a red square at its top-left corner and a blue
// one at its top-right, so any rotation or flip can be told apart.
func markerImage(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(m, m.Rect, &image.Uniform{markerBG}, image.Point{}, draw.Src)
	draw.Draw(m, image.Rect(0, 0, 16, 16), &image.Uniform{markerRed}, image.Point{}, draw.Src)
	draw.Draw(m, image.Rect(w-16, 0, w, 16), &image.Uniform{markerBlue}, image.Point{}, draw.Src)
	return m
}

func encodeJPEG(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// withSegments inserts raw JPEG segments right after the start marker.
func withSegments(jpg []byte, segs ...[]byte) []byte {
	out := append([]byte(nil), jpg[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

func jpegSegment(marker byte, payload []byte) []byte {
	n := len(payload) + 2
	return append([]byte{0xFF, marker, byte(n >> 8), byte(n)}, payload...)
}

func app1EXIF(tiff []byte) []byte {
	return jpegSegment(0xE1, append([]byte("Exif\x00\x00"), tiff...))
}

type tiffEntry struct {
	tag, typ uint16
	count    uint32
	value    []byte
}

// buildTIFF lays out a TIFF block with IFD0 and, when gps is not nil, a GPS
// IFD that IFD0 points to. Values longer than four bytes go after the IFDs.
func buildTIFF(bo binary.ByteOrder, ifd0, gps []tiffEntry) []byte {
	n0 := len(ifd0)
	if gps != nil {
		n0++
	}
	gpsOff := 8 + 2 + 12*n0 + 4
	dataOff := gpsOff
	if gps != nil {
		dataOff += 2 + 12*len(gps) + 4
	}
	out := make([]byte, dataOff)
	if bo == binary.ByteOrder(binary.LittleEndian) {
		copy(out, "II")
	} else {
		copy(out, "MM")
	}
	bo.PutUint16(out[2:], 42)
	bo.PutUint32(out[4:], 8)
	var data []byte
	writeIFD := func(at int, entries []tiffEntry) {
		bo.PutUint16(out[at:], uint16(len(entries)))
		for i, e := range entries {
			p := at + 2 + 12*i
			bo.PutUint16(out[p:], e.tag)
			bo.PutUint16(out[p+2:], e.typ)
			bo.PutUint32(out[p+4:], e.count)
			if len(e.value) <= 4 {
				copy(out[p+8:], e.value)
				continue
			}
			bo.PutUint32(out[p+8:], uint32(dataOff+len(data)))
			data = append(data, e.value...)
			if len(data)%2 == 1 {
				data = append(data, 0)
			}
		}
	}
	entries := slices.Clone(ifd0)
	if gps != nil {
		entries = append(entries, tiffEntry{tagGPSIFD, tiffTypeLong, 1, u32(bo, uint32(gpsOff))})
	}
	slices.SortFunc(entries, func(a, b tiffEntry) int { return int(a.tag) - int(b.tag) })
	writeIFD(8, entries)
	if gps != nil {
		writeIFD(gpsOff, gps)
	}
	return append(out, data...)
}

func u16(bo binary.ByteOrder, v uint16) []byte {
	b := make([]byte, 2)
	bo.PutUint16(b, v)
	return b
}

func u32(bo binary.ByteOrder, v uint32) []byte {
	b := make([]byte, 4)
	bo.PutUint32(b, v)
	return b
}

// dms encodes |deg| as three RATIONALs, degrees, minutes and seconds.
func dms(bo binary.ByteOrder, deg float64) []byte {
	deg = math.Abs(deg)
	d := math.Floor(deg)
	m := math.Floor((deg - d) * 60)
	s := ((deg-d)*60 - m) * 60
	var out []byte
	for _, r := range [][2]uint32{{uint32(d), 1}, {uint32(m), 1}, {uint32(math.Round(s * 10000)), 10000}} {
		out = append(out, u32(bo, r[0])...)
		out = append(out, u32(bo, r[1])...)
	}
	return out
}

// testEXIF is a camera-like EXIF block: a maker, an orientation and, unless
// gps is nil, a GPS position.
func testEXIF(bo binary.ByteOrder, orientation int, gps *[2]float64) []byte {
	ifd0 := []tiffEntry{
		{0x010F, tiffTypeASCII, 12, []byte("SecretPhone\x00")},
	}
	if orientation != 0 {
		ifd0 = append(ifd0, tiffEntry{tagOrientation, tiffTypeShort, 1, u16(bo, uint16(orientation))})
	}
	var gpsIFD []tiffEntry
	if gps != nil {
		latRef, lngRef := "N\x00", "E\x00"
		if gps[0] < 0 {
			latRef = "S\x00"
		}
		if gps[1] < 0 {
			lngRef = "W\x00"
		}
		gpsIFD = []tiffEntry{
			{tagGPSLatRef, tiffTypeASCII, 2, []byte(latRef)},
			{tagGPSLat, tiffTypeRational, 3, dms(bo, gps[0])},
			{tagGPSLngRef, tiffTypeASCII, 2, []byte(lngRef)},
			{tagGPSLng, tiffTypeRational, 3, dms(bo, gps[1])},
		}
	}
	return buildTIFF(bo, ifd0, gpsIFD)
}

// pngChunk builds a PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// withChunks inserts PNG chunks right after IHDR.
func withChunks(p []byte, chunks ...[]byte) []byte {
	const afterIHDR = 8 + 8 + 13 + 4
	out := append([]byte(nil), p[:afterIHDR]...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, p[afterIHDR:]...)
}

// pngHeader is a PNG signature and IHDR claiming w×h RGBA pixels, and no
// pixel data: enough for DecodeConfig.
func pngHeader(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	return append(append([]byte(nil), pngSignature...), pngChunk("IHDR", ihdr)...)
}

type bitWriter struct {
	buf []byte
	acc uint64
	n   uint
}

// write appends the low bits of v, least significant first, as VP8L wants.
func (b *bitWriter) write(v uint64, bits uint) {
	b.acc |= v << b.n
	b.n += bits
	for b.n >= 8 {
		b.buf = append(b.buf, byte(b.acc))
		b.acc >>= 8
		b.n -= 8
	}
}

func (b *bitWriter) bytes() []byte {
	if b.n > 0 {
		return append(b.buf, byte(b.acc))
	}
	return b.buf
}

// vp8lTwoColour encodes a lossless WebP bitstream of w×h opaque pixels, left
// half a and right half b. With no transforms and "simple" prefix codes of
// two symbols per channel, each pixel costs three bits; a must be below b in
// every channel so that bit 0 selects a.
func vp8lTwoColour(w, h int, a, b color.NRGBA) []byte {
	bw := bitWriter{buf: []byte{0x2f}}
	bw.write(uint64(w-1), 14)
	bw.write(uint64(h-1), 14)
	bw.write(0, 1) // alpha hint
	bw.write(0, 3) // version
	bw.write(0, 1) // no transform
	bw.write(0, 1) // no colour cache
	bw.write(0, 1) // no meta prefix codes
	two := func(s0, s1 uint8) {
		bw.write(1, 1) // simple code
		bw.write(1, 1) // two symbols
		bw.write(1, 1) // first symbol has 8 bits
		bw.write(uint64(s0), 8)
		bw.write(uint64(s1), 8)
	}
	one := func(s uint8) {
		bw.write(1, 1)
		bw.write(0, 1)
		bw.write(1, 1)
		bw.write(uint64(s), 8)
	}
	two(a.G, b.G)
	two(a.R, b.R)
	two(a.B, b.B)
	one(255) // alpha
	one(0)   // distance
	for range h {
		for x := range w {
			bit := uint64(0)
			if x >= w/2 {
				bit = 1
			}
			bw.write(bit|bit<<1|bit<<2, 3) // green, red, blue
		}
	}
	return bw.bytes()
}

func riffChunk(fourcc string, data []byte) []byte {
	out := append([]byte(fourcc), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	out = append(out, data...)
	if len(data)%2 == 1 {
		out = append(out, 0)
	}
	return out
}

func webpFile(chunks ...[]byte) []byte {
	var body []byte
	for _, c := range chunks {
		body = append(body, c...)
	}
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(4+len(body)))...)
	out = append(out, "WEBP"...)
	return append(out, body...)
}

func vp8xChunk(flags byte, w, h int) []byte {
	d := make([]byte, 10)
	d[0] = flags
	d[4], d[5], d[6] = byte(w-1), byte((w-1)>>8), byte((w-1)>>16)
	d[7], d[8], d[9] = byte(h-1), byte((h-1)>>8), byte((h-1)>>16)
	return riffChunk("VP8X", d)
}

var (
	webpLeft  = color.NRGBA{10, 100, 200, 255}
	webpRight = color.NRGBA{200, 150, 250, 255}
)

// testWebP is a 24×16 lossless WebP, plain or wrapped in VP8X with EXIF
// (carrying GPS) and XMP chunks.
func testWebP(withMeta bool) []byte {
	const w, h = 24, 16
	vp8l := riffChunk("VP8L", vp8lTwoColour(w, h, webpLeft, webpRight))
	if !withMeta {
		return webpFile(vp8l)
	}
	exif := append([]byte("Exif\x00\x00"), testEXIF(binary.BigEndian, 1, &[2]float64{-33.8568, 151.2153})...)
	return webpFile(
		vp8xChunk(vp8xEXIF|vp8xXMP, w, h),
		vp8l,
		riffChunk("EXIF", exif),
		riffChunk("XMP ", []byte(`<x:xmpmeta><dc:creator>Secret Author</dc:creator></x:xmpmeta>`)),
		riffChunk("ZZZZ", []byte("unknown chunk")),
	)
}
