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
	if _, err := s.CreateUser(ctx, models.NewUser{Phone: "13800001111", Name: "甲", Password: "violet-harbour-42", Role: models.RoleMember}); err != nil {
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

// TestLongTextUpgrade takes a MySQL database back to before migration 0014 (TEXT columns),
// stores a room, and starts again: the upgrade keeps the room, and afterwards a room's rules
// may hold more than the 64 KiB a TEXT column did.
func TestLongTextUpgrade(t *testing.T) {
	if testenv.Backend() != "services" {
		t.Skip("MySQL only: SQLite's TEXT has no limit, and 0014 does nothing there")
	}
	ctx := context.Background()
	dsn := testenv.MySQLDSN(t)
	s, err := models.OpenMySQL(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	db := s.DB()
	for _, stmt := range []string{
		"ALTER TABLE rooms MODIFY rules TEXT NOT NULL",
		"DELETE FROM schema_migrations WHERE version = '0014_long_text'",
	} {
		if err := db.Exec(stmt).Error; err != nil {
			t.Fatal(err)
		}
	}
	r, err := s.CreateRoom(ctx, models.RoomInput{Name: "升级前的议事室", Level: models.LevelVillage, Rules: "每月议事一次"})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("𠀀", 17000) // 68,000 bytes
	if _, err := s.UpdateRoom(ctx, r.ID, models.RoomInput{Name: r.Name, Level: r.Level, Rules: long}); err == nil {
		t.Fatal("a TEXT column took 68,000 bytes: the test does not stand before 0014")
	}
	s.Close()

	s, err = models.OpenMySQL(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	applied, _ := s.AppliedMigrations(ctx)
	if !strings.Contains(strings.Join(applied, ","), "0014_long_text") {
		t.Fatalf("0014 not applied again: %v", applied)
	}
	got, err := s.FindRoom(ctx, r.ID)
	if err != nil || got.Rules != "每月议事一次" {
		t.Fatalf("room after the upgrade: %+v %v", got, err)
	}
	if _, err := s.UpdateRoom(ctx, r.ID, models.RoomInput{Name: r.Name, Level: r.Level, Rules: long}); err != nil {
		t.Fatalf("68,000 bytes of rules after the upgrade: %v", err)
	}
	if got, _ := s.FindRoom(ctx, r.ID); got.Rules != long {
		t.Fatal("long rules not read back whole")
	}
}
