package models

import (
	"strings"
	"testing"
	"time"
)

// TestCheckinKey: a code says which activity and period it is for, fits the app's QR
// encoder (106 bytes), and any change to it, or another key, makes it no code at all.
func TestCheckinKey(t *testing.T) {
	key, other := CheckinKey("key-one"), CheckinKey("key-two")
	id := NewID()
	from := time.Date(2026, 5, 1, 9, 0, 30, 0, time.UTC)
	code := key.code(id, from)
	if len(code) > 106 {
		t.Fatalf("code of %d bytes: %s", len(code), code)
	}
	got, at, ok := key.read(code)
	if !ok || got != id || !at.Equal(from) {
		t.Fatalf("read %q: %s %v %v", code, got, at, ok)
	}
	last := code[len(code)-1:]
	flip := "A"
	if last == "A" {
		flip = "B"
	}
	for name, bad := range map[string]string{
		"signature":    code[:len(code)-1] + flip,
		"activity":     strings.Replace(code, id, NewID(), 1),
		"period":       strings.Join(append(strings.Split(code, ".")[:3], strings.Split(key.code(id, from.Add(time.Hour)), ".")[3]), "."),
		"truncated":    code[:40],
		"empty":        "",
		"garbage":      "c1.x.y.z",
		"other prefix": "c2" + code[2:],
	} {
		if _, _, ok := key.read(bad); ok {
			t.Errorf("%s changed: %q read as a code", name, bad)
		}
	}
	if _, _, ok := other.read(code); ok {
		t.Error("another key read the code")
	}
	if _, _, ok := CheckinKey(nil).read(code); ok {
		t.Error("no key read the code")
	}
}
