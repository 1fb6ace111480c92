package uploads

import (
	"image"
	"image/draw"
)

const (
	// thumbMax is the long side of a thumbnail, in pixels.
	thumbMax = 320
	// thumbQuality is the JPEG quality of thumbnails, which are looked at
	// small and often, so size matters more than fidelity.
	thumbQuality = 80
)

// orient returns img turned upright according to an EXIF orientation (1..8).
// Decoded JPEGs are YCbCr or Gray, whose planes are transformed directly, so
// the copy costs what the decoded image costs (1.5 bytes per pixel for 4:2:0)
// rather than the 4 bytes per pixel of an RGBA conversion.
func orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := img.(type) {
	case *image.YCbCr:
		ratio, ok := orientedRatio(m.SubsampleRatio, o)
		if !ok || b.Min != (image.Point{}) {
			break
		}
		cw, ch := chromaSize(m.SubsampleRatio, w, h)
		y, ow, oh := transformPlane(m.Y, m.YStride, w, h, 1, o)
		cb, cow, _ := transformPlane(m.Cb, m.CStride, cw, ch, 1, o)
		cr, _, _ := transformPlane(m.Cr, m.CStride, cw, ch, 1, o)
		return &image.YCbCr{
			Y: y, Cb: cb, Cr: cr,
			YStride: ow, CStride: cow,
			SubsampleRatio: ratio,
			Rect:           image.Rect(0, 0, ow, oh),
		}
	case *image.Gray:
		if b.Min != (image.Point{}) {
			break
		}
		pix, ow, oh := transformPlane(m.Pix, m.Stride, w, h, 1, o)
		return &image.Gray{Pix: pix, Stride: ow, Rect: image.Rect(0, 0, ow, oh)}
	case *image.CMYK:
		if b.Min != (image.Point{}) {
			break
		}
		pix, ow, oh := transformPlane(m.Pix, m.Stride, w, h, 4, o)
		return &image.CMYK{Pix: pix, Stride: 4 * ow, Rect: image.Rect(0, 0, ow, oh)}
	}
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
	pix, ow, oh := transformPlane(rgba.Pix, rgba.Stride, w, h, 4, o)
	return &image.RGBA{Pix: pix, Stride: 4 * ow, Rect: image.Rect(0, 0, ow, oh)}
}

// orientedRatio is the chroma subsampling after the transform: a quarter
// turn swaps horizontal and vertical subsampling.
func orientedRatio(r image.YCbCrSubsampleRatio, o int) (image.YCbCrSubsampleRatio, bool) {
	switch r {
	case image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio420:
		return r, true
	case image.YCbCrSubsampleRatio422:
		if o >= 5 {
			return image.YCbCrSubsampleRatio440, true
		}
		return r, true
	case image.YCbCrSubsampleRatio440:
		if o >= 5 {
			return image.YCbCrSubsampleRatio422, true
		}
		return r, true
	}
	return r, false
}

func chromaSize(r image.YCbCrSubsampleRatio, w, h int) (int, int) {
	switch r {
	case image.YCbCrSubsampleRatio420:
		return (w + 1) / 2, (h + 1) / 2
	case image.YCbCrSubsampleRatio422:
		return (w + 1) / 2, h
	case image.YCbCrSubsampleRatio440:
		return w, (h + 1) / 2
	}
	return w, h
}

// transformPlane returns a packed copy of a w×h plane of bpp-byte pixels with
// an EXIF orientation applied, and the copy's dimensions.
func transformPlane(pix []byte, stride, w, h, bpp, o int) ([]byte, int, int) {
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	out := make([]byte, ow*oh*bpp)
	i := 0
	for y := 0; y < oh; y++ {
		for x := 0; x < ow; x++ {
			sx, sy := x, y
			switch o {
			case 2:
				sx = w - 1 - x
			case 3:
				sx, sy = w-1-x, h-1-y
			case 4:
				sy = h - 1 - y
			case 5:
				sx, sy = y, x
			case 6:
				sx, sy = y, h-1-x
			case 7:
				sx, sy = w-1-y, h-1-x
			case 8:
				sx, sy = w-1-y, x
			}
			s := sy*stride + sx*bpp
			copy(out[i:i+bpp], pix[s:s+bpp])
			i += bpp
		}
	}
	return out, ow, oh
}

// thumbSize fits w×h within a square of side limit, never enlarging.
func thumbSize(w, h, limit int) (int, int) {
	if w <= limit && h <= limit {
		return w, h
	}
	if w >= h {
		return limit, max(1, int((int64(h)*int64(limit)+int64(w)/2)/int64(w)))
	}
	return max(1, int((int64(w)*int64(limit)+int64(h)/2)/int64(h))), limit
}

// thumbnail shrinks img to fit within limit×limit with a box filter: every
// source pixel is averaged into exactly one thumbnail pixel, which is cheap,
// needs no buffer the size of the source, and does not alias the way
// point-sampling does at the large ratios of phone photos. Transparent areas
// are composited over white, since JPEG has no alpha.
func thumbnail(img image.Image, limit int) *image.RGBA {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	tw, th := thumbSize(sw, sh, limit)
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))

	colOf := make([]int32, sw)
	colCount := make([]uint64, tw)
	for x := range sw {
		c := int32(int64(x) * int64(tw) / int64(sw))
		colOf[x] = c
		colCount[c]++
	}
	sums := make([]uint64, 3*tw)

	// Source rows are converted to RGBA a strip at a time, which lets
	// image/draw use its fast paths without holding a full RGBA copy.
	strip := image.NewRGBA(image.Rect(0, 0, sw, min(max(1, (64<<10)/sw), sh)))

	curRow, rows := 0, uint64(0)
	flush := func() {
		o := curRow * dst.Stride
		for c := range tw {
			n := colCount[c] * rows
			if n == 0 {
				continue
			}
			dst.Pix[o+4*c] = uint8(sums[3*c] / n)
			dst.Pix[o+4*c+1] = uint8(sums[3*c+1] / n)
			dst.Pix[o+4*c+2] = uint8(sums[3*c+2] / n)
			dst.Pix[o+4*c+3] = 0xFF
		}
		clear(sums)
		rows = 0
	}
	for y0 := 0; y0 < sh; y0 += strip.Rect.Dy() {
		y1 := min(y0+strip.Rect.Dy(), sh)
		draw.Draw(strip, image.Rect(0, 0, sw, y1-y0), img, image.Pt(b.Min.X, b.Min.Y+y0), draw.Src)
		for y := y0; y < y1; y++ {
			r := int(int64(y) * int64(th) / int64(sh))
			if r != curRow {
				flush()
				curRow = r
			}
			rows++
			px := strip.Pix[(y-y0)*strip.Stride : (y-y0)*strip.Stride+4*sw]
			for x := range sw {
				// Premultiplied colour over white: c + (255 - alpha).
				a := 255 - uint64(px[4*x+3])
				c := 3 * int(colOf[x])
				sums[c] += uint64(px[4*x]) + a
				sums[c+1] += uint64(px[4*x+1]) + a
				sums[c+2] += uint64(px[4*x+2]) + a
			}
		}
	}
	flush()
	return dst
}
