package models_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"frontline/internal/testenv"
	"frontline/models"
)

func TestMigrationsAreRecordedAndIdempotent(t *testing.T) {
	ctx := context.Background()
	var reopen func() *models.Store
	if testenv.Backend() == "services" {
		dsn := testenv.MySQLDSN(t)
		reopen = func() *models.Store {
			s, err := models.OpenMySQL(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	} else {
		path := filepath.Join(t.TempDir(), "m.db")
		reopen = func() *models.Store {
			s, err := models.OpenSQLite(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
	s := reopen()
	first, err := s.AppliedMigrations(ctx)
	if err != nil || len(first) == 0 {
		t.Fatalf("applied: %v %v", first, err)
	}
	if _, err := s.CreateUser(ctx, models.NewUser{Phone: "13800001111", Name: "甲", Password: "password123", Role: models.RoleMember}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = reopen() // a restart applies nothing twice and keeps the data
	defer s.Close()
	second, _ := s.AppliedMigrations(ctx)
	if strings.Join(first, ",") != strings.Join(second, ",") {
		t.Fatalf("migrations changed across restart: %v vs %v", first, second)
	}
	if _, err := s.FindUserByPhone(ctx, "13800001111"); err != nil {
		t.Fatalf("data lost across restart: %v", err)
	}
	cats, _ := s.ListCategories(ctx)
	if len(cats) != len(models.DefaultCategories) {
		t.Fatalf("categories seeded twice or not at all: %d", len(cats))
	}
}

func TestUnicodeRoundTrip(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	r, err := s.CreateRoom(ctx, models.RoomInput{Name: "东关街道委员议事室😀", Level: models.LevelSubdistrict, Rules: "六有：场地、门牌、制度"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.FindRoom(ctx, r.ID)
	if err != nil || got.Name != r.Name || got.Rules != r.Rules {
		t.Fatalf("round trip: %+v %v", got, err)
	}
}

func TestTxRollsBack(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	boom := models.Errorf(models.CodeConflict, "boom")
	err := s.Tx(ctx, func(tx *models.Store) error {
		if _, err := tx.CreateRoom(ctx, models.RoomInput{Name: "回滚", Level: models.LevelVillage}); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Fatalf("Tx returned %v", err)
	}
	rooms, _, err := s.ListRooms(ctx, models.RoomFilter{})
	if err != nil || len(rooms) != 0 {
		t.Fatalf("a rolled-back room survived: %v %v", rooms, err)
	}
}
