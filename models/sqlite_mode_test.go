package models_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"frontline/models"
)

// TestSQLiteFilesPrivate: the database, its WAL and shared-memory files and the folder made
// for them are for the server's user only, whatever the umask.
func TestSQLiteFilesPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "frontline.db")
	s, err := models.OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// A write, so the WAL and its index exist.
	if _, err := s.CreateUser(context.Background(), models.NewUser{Phone: "13900000001", Name: "甲", Password: "quiet-lantern-7", Role: models.RoleMember}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s: mode %v, want 0600", filepath.Base(name), m)
		}
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != 0o700 {
		t.Errorf("data dir: mode %v, want 0700", m)
	}
}
