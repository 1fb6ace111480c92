package pwa

import (
	"strings"
	"testing"

	"frontline/models"
)

// TestAuditLabels keeps the app's Chinese names of the audit actions the server's: every
// action the server records is named in the screen as the server's export names it.
func TestAuditLabels(t *testing.T) {
	src, err := embedded.ReadFile("app/assets/screens/audit.js")
	if err != nil {
		t.Fatal(err)
	}
	for action, name := range models.AuditActions {
		if want := "'" + action + "': '" + name + "'"; !strings.Contains(string(src), want) {
			t.Errorf("audit.js lacks %s", want)
		}
	}
}
