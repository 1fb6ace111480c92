package pwa

import (
	"bytes"
	"io/fs"
	"regexp"
	"strings"
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

// TestAppDecidesFromMay keeps the app's decisions (which screens, tabs and buttons it
// offers) on what the server's policy says the user may do (GET /me's "may"), rather than on
// roles the app spells itself. A line that only picks a label may name a role.
func TestAppDecidesFromMay(t *testing.T) {
	spelt := regexp.MustCompile(`\.role\s*[!=]==?\s*'|roles:\s*\[|review_body\s*[!=]==?\s*'`)
	// Rules about other users than the viewer, which "may" does not speak of.
	others := map[string]string{
		"app/assets/screens/admin.js": "filter((u) => u.role !== 'admin')", // admins hold no room role (models.roomRoleFits)
	}
	err := fs.WalkDir(embedded, "app/assets", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".js") || path == "app/assets/words.js" {
			return err
		}
		b, err := embedded.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if !spelt.MatchString(line) || strings.Contains(line, "label(") || (others[path] != "" && strings.Contains(line, others[path])) {
				continue
			}
			t.Errorf("%s:%d decides by a role it spells; ask may() (state.js): %s", path, i+1, strings.TrimSpace(line))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	state, _ := embedded.ReadFile("app/assets/state.js")
	if !bytes.Contains(state, []byte("u.may")) {
		t.Error("state.js does not read the server's may")
	}
}

// TestPhotoPublishersFromServer keeps the app's choice of public photos asking the server
// (may.publish_rooms from GET /me) rather than a copy of its roles.
func TestPhotoPublishersFromServer(t *testing.T) {
	src, err := embedded.ReadFile("app/assets/photomark.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, word := range []string{"'convener'", "\"convener\"", "roomRole", "convenes("} {
		if bytes.Contains(src, []byte(word)) {
			t.Errorf("photomark.js spells %s: it should ask may()", word)
		}
	}
	if !bytes.Contains(src, []byte("may().publish_rooms")) {
		t.Error("photomark.js does not ask the server's abilities who chooses public photos")
	}
}
