package pwa

import (
	"strings"
	"testing"

	"frontline/models"
)

// TestAuditLabels keeps the app's Chinese names of the audit actions the server's: every
// action the server records is named in the app (words.js, which the screen reads) as the
// server's export names it.
func TestAuditLabels(t *testing.T) {
	src, err := embedded.ReadFile("app/assets/words.js")
	if err != nil {
		t.Fatal(err)
	}
	for action, name := range models.AuditActions {
		if want := "'" + action + "': '" + name + "'"; !strings.Contains(string(src), want) {
			t.Errorf("words.js lacks %s", want)
		}
	}
}
