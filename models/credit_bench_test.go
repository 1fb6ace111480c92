package models_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"frontline/internal/testenv"
	"frontline/models"
)

// benchCreditOpinions is the opinions of a county at full size (see benchOpinions).
const benchCreditOpinions = 200_000

// BenchmarkFillCredits seeds benchCreditOpinions opinions, credits them once, then times a
// fill of the credits job when nothing is new (the job's usual turn) and when ten opinions
// are: each turn reads only the records changed since its mark (less CreditLag), and of
// those only the ones without their credit, by NOT EXISTS on the credits' unique key.
func BenchmarkFillCredits(b *testing.B) {
	s := testenv.Store(b)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, models.NewUser{Phone: "13800009999", Name: "委员", Password: "violet-harbour-42", Role: models.RoleMember})
	if err != nil {
		b.Fatal(err)
	}
	room, err := s.CreateRoom(ctx, models.RoomInput{Name: "东街议事室", Level: models.LevelVillage, Address: "东街1号", Rules: "章程"})
	if err != nil {
		b.Fatal(err)
	}
	// The county's opinions were stored a month ago; the new ones are stored now.
	seed := func(from, n int, now time.Time) {
		err := s.Tx(ctx, func(tx *models.Store) error {
			for i := from; i < from+n; i++ {
				err := tx.DB().Exec(`INSERT INTO opinions (id, room_id, collector_id, channel, category, content, collected_at, status, receipt_code, created_at, updated_at)
VALUES (?, ?, ?, 'door_to_door', '其他', '路灯坏了', ?, 'new', ?, ?, ?)`, models.NewID(), room.ID, u.ID, now, fmt.Sprintf("B%07d", i), now, now).Error
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	seed(0, benchCreditOpinions, time.Now().UTC().AddDate(0, 0, -30))
	start := time.Now()
	n, err := s.FillCredits(ctx)
	if err != nil || n != benchCreditOpinions {
		b.Fatalf("first fill: %d, %v", n, err)
	}
	b.Logf("%s: first fill of %d opinions in %v", s.Dialect(), n, time.Since(start).Round(time.Millisecond))
	b.Run("NothingNew", func(b *testing.B) {
		for range b.N {
			if n, err := s.FillCredits(ctx); err != nil || n != 0 {
				b.Fatalf("%d, %v", n, err)
			}
		}
	})
	next := benchCreditOpinions
	b.Run("TenNew", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			seed(next, 10, time.Now().UTC())
			next += 10
			b.StartTimer()
			if n, err := s.FillCredits(ctx); err != nil || n != 10 {
				b.Fatalf("%d, %v", n, err)
			}
		}
	})
}
