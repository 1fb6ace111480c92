package models

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOneWayToSayInvalid: a validation error is made by Problems or Invalid, and an
// unexpected error is wrapped by wrap; no file spells either out again.
func TestOneWayToSayInvalid(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	api, err := filepath.Glob("../api/*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append(files, api...) {
		if strings.HasSuffix(f, "_test.go") || f == "errors.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		if strings.Contains(src, `"validation failed"`) {
			t.Errorf("%s spells out a validation error: use models.Invalid or Problems", f)
		}
		if strings.Contains(src, `ErrorCode(err) != ""`) {
			t.Errorf("%s decides by hand whether to wrap an error: use wrap", f)
		}
	}
}
