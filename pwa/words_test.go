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

// TestCountyViewFromServer keeps the app's countyView on the server's list of who sees the
// whole county (COUNTY_VIEWERS in words.js) rather than a copy of its roles.
func TestCountyViewFromServer(t *testing.T) {
	state, err := embedded.ReadFile("app/assets/state.js")
	if err != nil {
		t.Fatal(err)
	}
	_, fn, _ := bytes.Cut(state, []byte("export function countyView("))
	fn, _, _ = bytes.Cut(fn, []byte("\n}\n"))
	for _, word := range []string{"'admin'", "'county'", "'reviewer'"} {
		if bytes.Contains(fn, []byte(word)) {
			t.Errorf("countyView spells %s: it should read words.js", word)
		}
	}
	if !bytes.Contains(fn, []byte("seesCounty")) || !bytes.Contains(WordsModule(), []byte("export const COUNTY_VIEWERS")) {
		t.Error("countyView does not ask words.js who sees the county")
	}
}

// TestPhotoPublishersFromServer keeps the app's choice of public photos asking the server's
// list of who makes it (PHOTO_PUBLISHERS in words.js) rather than a copy of its roles.
func TestPhotoPublishersFromServer(t *testing.T) {
	src, err := embedded.ReadFile("app/assets/photomark.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, word := range []string{"'convener'", "\"convener\"", "roomRole", "convenes("} {
		if bytes.Contains(src, []byte(word)) {
			t.Errorf("photomark.js spells %s: it should read words.js", word)
		}
	}
	if !bytes.Contains(src, []byte("publishesPhotos(")) || !bytes.Contains(WordsModule(), []byte("export const PHOTO_PUBLISHERS = ['convener'];")) {
		t.Error("photomark.js does not ask words.js who chooses public photos")
	}
}
