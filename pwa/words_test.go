package pwa

import (
	"bytes"
	"testing"
)

// TestWordsModuleCurrent keeps the committed words.js what the generator writes from the
// server's words now: a list changed in models without `go generate ./pwa` fails here.
func TestWordsModuleCurrent(t *testing.T) {
	got, err := embedded.ReadFile("app/assets/words.js")
	if err != nil {
		t.Fatal(err)
	}
	if want := WordsModule(); !bytes.Equal(got, want) {
		t.Errorf("app/assets/words.js is stale: run go generate ./pwa")
	}
}
