package api

import (
	"fmt"
	"net/http"
	"testing"

	"frontline/models"

	"golang.org/x/crypto/bcrypt"
)

// BenchmarkImport imports a file of n new members (in 20 rooms the file creates) through
// the API into an empty database, at the store's production password cost: reading the
// XLSX, checking every row, hashing the first passwords on every core, inserting in batches
// in one transaction. "typed" has the office type every first password, which is hashed at
// the store's cost (a person chose it); otherwise the server makes them up (see
// models.InitialPasswordCost). Each run reports ms/import.
func BenchmarkImport(b *testing.B) {
	for _, c := range []struct {
		n     int
		typed bool
	}{{500, false}, {5000, false}, {500, true}} {
		name := fmt.Sprintf("members=%d", c.n)
		if c.typed {
			name += "/typed"
		}
		b.Run(name, func(b *testing.B) {
			lines := make([]importLine, c.n)
			for i := range lines {
				lines[i] = importLine{name: fmt.Sprintf("委员%05d", i), phone: fmt.Sprintf("137%08d", i), sector: "经济界", unit: "城关镇",
					rooms: fmt.Sprintf("第%d议事室", i%20)}
				if c.typed {
					lines[i].password = fmt.Sprintf("typed-first-%05d", i)
				}
			}
			var rooms []importRoomLine
			for i := 0; i < 20; i++ {
				rooms = append(rooms, importRoomLine{fmt.Sprintf("第%d议事室", i), "村", "村委会"})
			}
			file := importXLSX(b, lines, rooms)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				h := newHarness(b)
				h.store.PasswordCost = bcrypt.DefaultCost
				admin := h.user(models.RoleAdmin, "")
				b.StartTimer()
				res, code := h.postImport(admin, file, false)
				if code != http.StatusOK || res.Created != c.n {
					b.Fatalf("import: %d, %d created, problems %v", code, res.Created, res.Problems)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/import")
		})
	}
}
