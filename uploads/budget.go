package uploads

import (
	"container/list"
	"context"
	"fmt"
	"image"
	"image/color"
	"sync"
	"sync/atomic"
)

// DefaultDecodeBudget is how many bytes of decoded pixels all uploads together may hold
// at once unless SetDecodeBudget says otherwise: room for one 40-megapixel RGBA PNG
// (160 MiB) or a dozen 6-megapixel phone JPEGs (18 MiB each), on a server of 1 GiB.
const DefaultDecodeBudget = 256 << 20

// MinDecodeBudget and MaxDecodeBudget bound a configured budget: below 32 MiB a 12-megapixel
// phone photo decoded at full chroma (36 MiB) would be refused; past 16 GiB the figure is
// surely a typing slip, since no upload may hold more than 40 megapixels.
const (
	MinDecodeBudget = 32 << 20
	MaxDecodeBudget = 16 << 30
)

// max16BitBytes bounds the decoded size of a 16-bit PNG: Go decodes one at 8 bytes a
// pixel (RGBA64), so 300 KB of file can ask for 320 MiB. Past 8 megapixels it is refused
// from its header; a photo has no need of 16 bits a channel.
const max16BitBytes = 64 << 20

var decodeBudget atomic.Pointer[byteBudget]

func init() { decodeBudget.Store(newByteBudget(DefaultDecodeBudget)) }

// SetDecodeBudget sets how many bytes of decoded pixels all uploads together may hold at
// once; n <= 0 restores DefaultDecodeBudget. An image whose own estimate passes the budget
// is refused with ErrTooManyPixels. Call it at start-up, before uploads are served.
func SetDecodeBudget(n int64) {
	if n <= 0 {
		n = DefaultDecodeBudget
	}
	decodeBudget.Store(newByteBudget(n))
}

// DecodeBudget reports the budget in force, in bytes.
func DecodeBudget() int64 { return decodeBudget.Load().size }

// decodedBytes estimates the memory a decode of cfg takes, by the decoder's pixel type:
// 1 byte a pixel for grey and paletted images, 2 for 16-bit grey, at most 3 for YCbCr
// (4:4:4; phones write 4:2:0 at 1.5), 4 for RGBA, CMYK and YCbCr with alpha, 8 for 16-bit
// colour. Turning an image other than YCbCr or grey upright adds two RGBA copies.
func decodedBytes(cfg image.Config, orientation int) int64 {
	px := int64(cfg.Width) * int64(cfg.Height)
	bpp := int64(4)
	switch cfg.ColorModel {
	case color.GrayModel, color.AlphaModel:
		bpp = 1
	case color.Gray16Model:
		bpp = 2
	case color.YCbCrModel:
		bpp = 3
	case color.RGBA64Model, color.NRGBA64Model, color.Alpha16Model:
		bpp = 8
	}
	if _, ok := cfg.ColorModel.(color.Palette); ok {
		bpp = 1
	}
	n := px * bpp
	if orientation != 1 && cfg.ColorModel != color.YCbCrModel && cfg.ColorModel != color.GrayModel {
		n += 2 * 4 * px
	}
	return n
}

// checkDecodable refuses, from the header alone, an image that could never be decoded
// within the budget, and 16-bit images past max16BitBytes.
func checkDecodable(cfg image.Config) error {
	n := decodedBytes(cfg, 1)
	switch cfg.ColorModel {
	case color.Gray16Model, color.RGBA64Model, color.NRGBA64Model, color.Alpha16Model:
		if n > max16BitBytes {
			return fmt.Errorf("%w: %dx%d at 16 bits a channel", ErrTooDeep, cfg.Width, cfg.Height)
		}
	}
	if n > decodeBudget.Load().size {
		return fmt.Errorf("%w: %dx%d needs %d MiB to decode", ErrTooManyPixels, cfg.Width, cfg.Height, n>>20)
	}
	return nil
}

// byteBudget is a weighted semaphore of bytes, first come first served, so that a large
// image is not starved by a stream of small ones.
type byteBudget struct {
	mu      sync.Mutex
	size    int64
	used    int64
	waiters list.List // of *budgetWaiter
}

type budgetWaiter struct {
	n     int64
	ready chan struct{}
}

func newByteBudget(size int64) *byteBudget { return &byteBudget{size: size} }

// acquire takes n bytes (at most the budget's size), waiting for them or for ctx to end.
func (b *byteBudget) acquire(ctx context.Context, n int64) error {
	n = min(n, b.size)
	b.mu.Lock()
	if b.waiters.Len() == 0 && b.used+n <= b.size {
		b.used += n
		b.mu.Unlock()
		return nil
	}
	w := &budgetWaiter{n: n, ready: make(chan struct{})}
	el := b.waiters.PushBack(w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		select {
		case <-w.ready:
			// Granted as ctx ended: hand the bytes on.
			b.used -= n
		default:
			b.waiters.Remove(el)
		}
		b.grant()
		b.mu.Unlock()
		return fmt.Errorf("uploads: waiting to decode: %w", ctx.Err())
	}
}

// release gives back n bytes taken by acquire.
func (b *byteBudget) release(n int64) {
	b.mu.Lock()
	b.used -= min(n, b.size)
	b.grant()
	b.mu.Unlock()
}

// grant wakes the waiters at the front of the queue whose bytes now fit.
func (b *byteBudget) grant() {
	for e := b.waiters.Front(); e != nil; e = b.waiters.Front() {
		w := e.Value.(*budgetWaiter)
		if b.used+w.n > b.size {
			return
		}
		b.used += w.n
		b.waiters.Remove(e)
		close(w.ready)
	}
}
