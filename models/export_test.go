package models

import "context"

// Hooks for the tests of package models_test, which may import testenv.

// OpenSQLiteUntil opens a SQLite file with the migrations up to and including until only.
func OpenSQLiteUntil(ctx context.Context, path, until string) (*Store, error) {
	return openSQLite(ctx, path, until)
}

// OpenMySQLUntil connects to MySQL with the migrations up to and including until only.
func OpenMySQLUntil(ctx context.Context, dsn, until string) (*Store, error) {
	return openMySQL(ctx, dsn, until)
}

// TestMigration is a migration file made up by a test: its version and its SQL.
type TestMigration struct{ Version, SQL string }

// ApplyTestMigrations runs the given migrations on the store's database as start-up does.
func (s *Store) ApplyTestMigrations(ctx context.Context, list ...TestMigration) error {
	ms := make([]migration, len(list))
	for i, m := range list {
		ms[i] = migration{version: m.Version, sql: m.SQL}
	}
	return s.applyMigrations(ctx, ms)
}
