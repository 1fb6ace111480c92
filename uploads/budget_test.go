package uploads

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"runtime"
	"sync"
	"testing"
	"time"
)

var (
	deepPNGOnce sync.Once
	deepPNG     []byte
)

// deep16PNG is a 6300×6300 PNG at 16 bits a channel (RGBA): about 300 KB of file that
// image/png decodes into 6300×6300×8 bytes, 303 MiB. It is written row by row so that
// making it does not hold the pixels either.
func deep16PNG(tb testing.TB) []byte {
	deepPNGOnce.Do(func() {
		const side = 6300
		ihdr := binary.BigEndian.AppendUint32(nil, side)
		ihdr = binary.BigEndian.AppendUint32(ihdr, side)
		ihdr = append(ihdr, 16, 6, 0, 0, 0)
		var idat bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&idat, zlib.BestCompression)
		row := make([]byte, 1+side*8) // filter byte, then transparent black
		for range side {
			zw.Write(row)
		}
		zw.Close()
		out := append([]byte(nil), pngSignature...)
		out = append(out, pngChunk("IHDR", ihdr)...)
		out = append(out, pngChunk("IDAT", idat.Bytes())...)
		deepPNG = append(out, pngChunk("IEND", nil)...)
	})
	if len(deepPNG) > MaxBytes {
		tb.Fatalf("the 16-bit PNG is %d bytes", len(deepPNG))
	}
	return deepPNG
}

// TestDeepPNGRefusedFromHeader: a 16-bit PNG past 8 megapixels is refused before its
// pixels are decoded, without allocating anything like their size.
func TestDeepPNGRefusedFromHeader(t *testing.T) {
	bomb := deep16PNG(t)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Process(context.Background(), bytes.NewReader(bomb), t.TempDir())
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooDeep) {
		t.Fatalf("err = %v, want ErrTooDeep", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Errorf("refusing a 16-bit bomb allocated %d MiB", grew>>20)
	}
	// A small 16-bit PNG is still a picture.
	small := image.NewNRGBA64(image.Rect(0, 0, 64, 48))
	p, err := Process(context.Background(), bytes.NewReader(encodePNG(t, small)), t.TempDir())
	if err != nil {
		t.Fatalf("a small 16-bit PNG: %v", err)
	}
	p.Close()
}

// TestDecodeBudget: an image that could never fit the budget is refused from its header;
// images that fit decode only while their estimates fit the budget together.
func TestDecodeBudget(t *testing.T) {
	SetDecodeBudget(1 << 20)
	defer SetDecodeBudget(0)
	big := encodePNG(t, markerImage(600, 600)) // 1.4 MiB decoded
	if _, err := Process(context.Background(), bytes.NewReader(big), t.TempDir()); !errors.Is(err, ErrTooManyPixels) {
		t.Fatalf("err = %v, want ErrTooManyPixels", err)
	}
	ok := encodePNG(t, markerImage(400, 400)) // 625 KiB decoded
	p, err := Process(context.Background(), bytes.NewReader(ok), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p.Close()

	for _, c := range []struct {
		cfg  image.Config
		o    int
		want int64
	}{
		{image.Config{ColorModel: color.YCbCrModel, Width: 100, Height: 10}, 6, 3000},
		{image.Config{ColorModel: color.GrayModel, Width: 100, Height: 10}, 1, 1000},
		{image.Config{ColorModel: color.CMYKModel, Width: 100, Height: 10}, 6, 12000},
		{image.Config{ColorModel: color.NRGBA64Model, Width: 100, Height: 10}, 1, 8000},
		{image.Config{ColorModel: color.Palette{color.Black}, Width: 100, Height: 10}, 1, 1000},
	} {
		if got := decodedBytes(c.cfg, c.o); got != c.want {
			t.Errorf("decodedBytes(%v, %d) = %d, want %d", c.cfg.ColorModel, c.o, got, c.want)
		}
	}
}

// TestByteBudgetQueues: bytes are handed out first come first served; a waiter whose
// context ends leaves the queue and lets those behind it on.
func TestByteBudgetQueues(t *testing.T) {
	b := newByteBudget(100)
	ctx := context.Background()
	if err := b.acquire(ctx, 70); err != nil {
		t.Fatal(err)
	}
	got := make(chan int64, 3)
	cctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- b.acquire(cctx, 60) }() // waits: 70 + 60 > 100
	time.Sleep(20 * time.Millisecond)
	go func() { b.acquire(ctx, 20); got <- 20 }() // fits, but queues behind the 60
	select {
	case n := <-got:
		t.Fatalf("%d jumped the queue", n)
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	select {
	case <-got:
	case <-time.After(time.Second):
		t.Fatal("the 20 was not let on when the 60 left")
	}
	go func() { b.acquire(ctx, 500); got <- 500 }() // more than the budget: waits for all of it
	time.Sleep(20 * time.Millisecond)
	b.release(70)
	select {
	case <-got:
		t.Fatal("granted while 20 were held")
	case <-time.After(50 * time.Millisecond):
	}
	b.release(20)
	select {
	case <-got:
	case <-time.After(time.Second):
		t.Fatal("the whole budget was not granted")
	}
	b.release(500)
	if b.used != 0 || b.waiters.Len() != 0 {
		t.Fatalf("used %d, %d waiting", b.used, b.waiters.Len())
	}
}

// TestDeepPNGBurstPeakHeap sends six 16-bit bombs at once and reports the heap's peak
// growth: each decodes to 303 MiB when it is let through.
func TestDeepPNGBurstPeakHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("measures memory")
	}
	bomb := deep16PNG(t)
	dir := t.TempDir()
	peak := measureHeapPeak(func() {
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				if p, err := Process(context.Background(), bytes.NewReader(bomb), dir); err == nil {
					p.Close()
				}
			})
		}
		wg.Wait()
	})
	t.Logf("six 16-bit 6300x6300 PNGs at once: peak heap growth %d MiB", peak>>20)
	if peak > 64<<20 {
		t.Errorf("peak heap growth %d MiB", peak>>20)
	}
}

// TestPhotoBurstPeakHeap sends six 4000×4000 RGBA PNGs (61 MiB each decoded) at once and
// reports the heap's peak growth: the budget, not the number of CPUs, bounds it.
func TestPhotoBurstPeakHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("measures memory")
	}
	SetDecodeBudget(128 << 20)
	defer SetDecodeBudget(0)
	img := encodePNG(t, markerImage(4000, 4000))
	dir := t.TempDir()
	peak := measureHeapPeak(func() {
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				p, err := Process(context.Background(), bytes.NewReader(img), dir)
				if err != nil {
					t.Error(err)
					return
				}
				p.Close()
			})
		}
		wg.Wait()
	})
	t.Logf("six 4000x4000 RGBA PNGs at once, GOMAXPROCS %d: peak heap growth %d MiB", runtime.GOMAXPROCS(0), peak>>20)
	if peak > 160<<20 {
		t.Errorf("peak heap growth %d MiB over a budget of 128 MiB", peak>>20)
	}
}
