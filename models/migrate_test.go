package models_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"frontline/internal/testenv"
	"frontline/models"
)

// openUntil opens a fresh database of the selected backend with the migrations up to until
// applied, and returns a function that opens it again with the migrations up to another
// version ("" for all).
func openUntil(t *testing.T, until string) (*models.Store, func(until string) (*models.Store, error)) {
	t.Helper()
	ctx := context.Background()
	var open func(until string) (*models.Store, error)
	if testenv.Backend() == "services" {
		dsn := testenv.MySQLDSN(t)
		open = func(until string) (*models.Store, error) { return models.OpenMySQLUntil(ctx, dsn, until) }
	} else {
		path := filepath.Join(t.TempDir(), "m.db")
		open = func(until string) (*models.Store, error) { return models.OpenSQLiteUntil(ctx, path, until) }
	}
	s, err := open(until)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, open
}

// TestMigrationResumesAfterFailure runs a file whose second statement fails, then the same
// file with that statement fixed: the second run completes from where the first stopped. On
// MySQL the first statement has committed by then, so a runner that started the file over
// would fail on it ("table exists"); on SQLite the whole file rolled back.
func TestMigrationResumesAfterFailure(t *testing.T) {
	ctx := context.Background()
	s, _ := openUntil(t, "0016_audit_log")
	broken := models.TestMigration{Version: "9001_pair", SQL: `CREATE TABLE t_first (id VARCHAR(36) NOT NULL PRIMARY KEY);
CREATE TABLE t_second (id VARCHAR(36) NOT NULL PRIMARY KEY, first_id VARCHAR(36) NOT NULL REFERENCES t_first (id),, );
CREATE INDEX t_second_first ON t_second (first_id);
`}
	err := s.ApplyTestMigrations(ctx, broken)
	if err == nil || !strings.Contains(err.Error(), "9001_pair, statement 2") {
		t.Fatalf("broken migration: %v", err)
	}
	if applied, _ := s.AppliedMigrations(ctx); strings.Contains(strings.Join(applied, ","), "9001") {
		t.Fatalf("a failed file was recorded as applied: %v", applied)
	}
	fixed := broken
	fixed.SQL = strings.Replace(broken.SQL, ",, )", ")", 1)
	if err := s.ApplyTestMigrations(ctx, fixed); err != nil {
		t.Fatalf("restart with the fixed file: %v", err)
	}
	applied, _ := s.AppliedMigrations(ctx)
	if !strings.Contains(strings.Join(applied, ","), "9001_pair") {
		t.Fatalf("fixed file not recorded: %v", applied)
	}
	for _, table := range []string{"t_first", "t_second"} {
		if err := s.DB().Exec("SELECT COUNT(*) FROM " + table).Error; err != nil {
			t.Fatalf("%s after the restart: %v", table, err)
		}
	}
	var steps int64
	if err := s.DB().Raw("SELECT COUNT(*) FROM schema_migration_steps").Scan(&steps).Error; err != nil || steps != 0 {
		t.Fatalf("steps left behind: %d %v", steps, err)
	}
	if err := s.ApplyTestMigrations(ctx, fixed); err != nil {
		t.Fatalf("a third start: %v", err)
	}
}

// TestMigrationRefusesAnEditedStep: on MySQL, a statement that was applied and then edited
// stops the resume with a message, rather than leaving the schema between two versions of
// the file. (SQLite keeps no steps: a failed file rolled back whole.)
func TestMigrationRefusesAnEditedStep(t *testing.T) {
	if testenv.Backend() != "services" {
		t.Skip("MySQL only: SQLite applies a file in one transaction")
	}
	ctx := context.Background()
	s, _ := openUntil(t, "0016_audit_log")
	broken := models.TestMigration{Version: "9002_pair", SQL: "CREATE TABLE t_a (id INT NOT NULL PRIMARY KEY);\nCREATE TABLE t_b (id INT,, );\n"}
	if err := s.ApplyTestMigrations(ctx, broken); err == nil {
		t.Fatal("broken migration applied")
	}
	edited := models.TestMigration{Version: "9002_pair", SQL: "CREATE TABLE t_a (id BIGINT NOT NULL PRIMARY KEY);\nCREATE TABLE t_b (id INT NOT NULL PRIMARY KEY);\n"}
	err := s.ApplyTestMigrations(ctx, edited)
	if err == nil || !strings.Contains(err.Error(), "statement 1 was applied and has changed") {
		t.Fatalf("edited step: %v", err)
	}
}
