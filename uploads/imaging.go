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
//
// A decoded JPEG (YCbCr or Gray) is turned in place: a second full-size
// buffer would double the memory a rotated photo costs, and portrait phone
// photos are usually stored sideways with an orientation tag. Other images
// are converted to RGBA and copied.
func orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	switch m := img.(type) {
	case *image.YCbCr:
		if r, ok := orientYCbCr(m, o); ok {
			return r
		}
	case *image.Gray:
		if r, ok := orientGray(m, o); ok {
			return r
		}
	}
	b := img.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
	pix, ow, oh := transformPlane(rgba.Pix, rgba.Stride, b.Dx(), b.Dy(), 4, o)
	return &image.RGBA{Pix: pix, Stride: 4 * ow, Rect: image.Rect(0, 0, ow, oh)}
}

// orientYCbCr turns m's planes in place. The JPEG decoder's planes are
// padded to whole MCUs, so the whole padded plane is turned and the visible
// part taken back out with SubImage; chroma stays aligned because the padded
// luma plane is an exact multiple of the chroma plane.
func orientYCbCr(m *image.YCbCr, o int) (image.Image, bool) {
	var fx, fy int
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio444:
		fx, fy = 1, 1
	case image.YCbCrSubsampleRatio420:
		fx, fy = 2, 2
	case image.YCbCrSubsampleRatio422:
		fx, fy = 2, 1
	case image.YCbCrSubsampleRatio440:
		fx, fy = 1, 2
	default:
		return nil, false
	}
	pw, ph, ok := planeSize(len(m.Y), m.YStride, m.Rect)
	if !ok || m.CStride*fx != pw || len(m.Cb) != len(m.Cr) || len(m.Cb)*fx*fy != len(m.Y) {
		return nil, false
	}
	ratio := m.SubsampleRatio
	if o >= 5 {
		switch ratio {
		case image.YCbCrSubsampleRatio422:
			ratio = image.YCbCrSubsampleRatio440
		case image.YCbCrSubsampleRatio440:
			ratio = image.YCbCrSubsampleRatio422
		}
	}
	visited := make([]uint64, (len(m.Y)+63)/64)
	ow, oh := permutePlane(m.Y, pw, ph, o, visited)
	cow, _ := permutePlane(m.Cb, m.CStride, ph/fy, o, visited)
	permutePlane(m.Cr, m.CStride, ph/fy, o, visited)
	full := &image.YCbCr{
		Y: m.Y, Cb: m.Cb, Cr: m.Cr,
		YStride: ow, CStride: cow,
		SubsampleRatio: ratio,
		Rect:           image.Rect(0, 0, ow, oh),
	}
	return full.SubImage(orientRect(m.Rect, pw, ph, o)), true
}

func orientGray(m *image.Gray, o int) (image.Image, bool) {
	pw, ph, ok := planeSize(len(m.Pix), m.Stride, m.Rect)
	if !ok {
		return nil, false
	}
	ow, oh := permutePlane(m.Pix, pw, ph, o, make([]uint64, (len(m.Pix)+63)/64))
	full := &image.Gray{Pix: m.Pix, Stride: ow, Rect: image.Rect(0, 0, ow, oh)}
	return full.SubImage(orientRect(m.Rect, pw, ph, o)), true
}

// planeSize returns the dimensions of a whole plane of n bytes with the
// given stride, if r lies at its origin, as it does for a decoded JPEG.
func planeSize(n, stride int, r image.Rectangle) (int, int, bool) {
	if stride <= 0 || n%stride != 0 || r.Min != (image.Point{}) || r.Max.X > stride || r.Max.Y > n/stride {
		return 0, 0, false
	}
	return stride, n / stride, true
}

// orientRect is where r, inside a w×h plane, lies once the plane is turned.
func orientRect(r image.Rectangle, w, h, o int) image.Rectangle {
	x0, y0 := destCoord(o, r.Min.X, r.Min.Y, w, h)
	x1, y1 := destCoord(o, r.Max.X-1, r.Max.Y-1, w, h)
	return image.Rect(min(x0, x1), min(y0, y1), max(x0, x1)+1, max(y0, y1)+1)
}

// srcCoord maps a pixel of the upright image to the w×h stored image it
// comes from.
func srcCoord(o, x, y, w, h int) (int, int) {
	switch o {
	case 2:
		return w - 1 - x, y
	case 3:
		return w - 1 - x, h - 1 - y
	case 4:
		return x, h - 1 - y
	case 5:
		return y, x
	case 6:
		return y, h - 1 - x
	case 7:
		return w - 1 - y, h - 1 - x
	case 8:
		return w - 1 - y, x
	}
	return x, y
}

// destCoord is the inverse of srcCoord.
func destCoord(o, x, y, w, h int) (int, int) {
	switch o {
	case 2:
		return w - 1 - x, y
	case 3:
		return w - 1 - x, h - 1 - y
	case 4:
		return x, h - 1 - y
	case 5:
		return y, x
	case 6:
		return h - 1 - y, x
	case 7:
		return h - 1 - y, w - 1 - x
	case 8:
		return y, w - 1 - x
	}
	return x, y
}

// permutePlane applies an orientation to a packed w×h plane of bytes in
// place by following the cycles of the permutation, and returns the new
// dimensions. visited must hold at least w*h bits; it is cleared first.
func permutePlane(p []byte, w, h, o int, visited []uint64) (int, int) {
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	n := w * h
	clear(visited[:(n+63)/64])
	from := func(i int) int {
		sx, sy := srcCoord(o, i%ow, i/ow, w, h)
		return sy*w + sx
	}
	for s := range n {
		if visited[s>>6]&(1<<(s&63)) != 0 {
			continue
		}
		first := p[s]
		cur := s
		for {
			visited[cur>>6] |= 1 << (cur & 63)
			next := from(cur)
			if next == s {
				p[cur] = first
				break
			}
			p[cur] = p[next]
			cur = next
		}
	}
	return ow, oh
}

// transformPlane returns a packed copy of a w×h plane of bpp-byte pixels with
// an orientation applied, and the copy's dimensions.
func transformPlane(pix []byte, stride, w, h, bpp, o int) ([]byte, int, int) {
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	out := make([]byte, ow*oh*bpp)
	i := 0
	for y := range oh {
		for x := range ow {
			sx, sy := srcCoord(o, x, y, w, h)
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
