package models

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"time"
)

// The schema lives in numbered SQL files, written once for both databases. A file named
// NNNN_x.mysql.sql or NNNN_x.sqlite.sql replaces NNNN_x.sql on that database only. Two small
// rewrites keep the shared files portable: {{ID_PK}} becomes each database's auto-increment
// primary key, and on MySQL every CREATE TABLE gets InnoDB with utf8mb4. SQLite's driver
// reads a column back as a time only when it is declared exactly DATETIME, so DATETIME(6)
// (microseconds on MySQL) loses its precision there. A line "-- refuse orphans: t.c -> p.c"
// stops a file before it runs while rows of t name a missing row of p (see checkOrphans); a
// file applies whole or not at all on both databases (see applyMigration).
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version string // the file name without extension and dialect, e.g. 0001_users
	sql     string
}

func loadMigrations(dialect string) ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	byVersion := map[string]string{}
	overridden := map[string]bool{}
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".sql")
		version, only, _ := strings.Cut(name, ".")
		if only != "" && only != dialect {
			continue
		}
		if only == "" && overridden[version] {
			continue
		}
		body, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		byVersion[version] = string(body)
		if only != "" {
			overridden[version] = true
		}
	}
	out := make([]migration, 0, len(byVersion))
	for v, body := range byVersion {
		out = append(out, migration{version: v, sql: body})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// statements splits a migration into statements at semicolons that end a line, and applies
// the dialect rewrites.
func statements(body, dialect string) []string {
	idPK := "INTEGER PRIMARY KEY AUTOINCREMENT"
	if dialect == DialectMySQL {
		idPK = "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY"
	}
	body = strings.ReplaceAll(body, "{{ID_PK}}", idPK)
	if dialect == DialectSQLite {
		body = strings.ReplaceAll(body, "DATETIME(6)", "DATETIME")
	}
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(body, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--") || trimmed == "" {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trimmed, ";") {
			stmt := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			if dialect == DialectMySQL && strings.HasPrefix(strings.ToUpper(stmt), "CREATE TABLE") {
				stmt += " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"
			}
			out = append(out, stmt)
			cur.Reset()
		}
	}
	if rest := strings.TrimSpace(cur.String()); rest != "" {
		out = append(out, rest)
	}
	return out
}

// migrateUntil applies the migrations not yet recorded in schema_migrations, up to and
// including version until ("" for all). On
// MySQL a named lock keeps several instances starting together from applying the same file
// twice.
func (s *Store) migrateUntil(ctx context.Context, until string) error {
	list, err := loadMigrations(s.dialect)
	if err != nil {
		return fmt.Errorf("models: load migrations: %w", err)
	}
	if until != "" {
		for i, m := range list {
			if m.version > until {
				list = list[:i]
				break
			}
		}
	}
	return s.applyMigrations(ctx, list)
}

// applyMigrations applies those of list not yet recorded, in order.
func (s *Store) applyMigrations(ctx context.Context, list []migration) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("models: migrate: %w", err)
	}
	defer conn.Close()
	if s.dialect == DialectMySQL {
		var got sql.NullInt64
		if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK('frontline_migrate', 120)").Scan(&got); err != nil || got.Int64 != 1 {
			return fmt.Errorf("models: migrate: could not take the migration lock: %v", err)
		}
		defer conn.ExecContext(context.Background(), "SELECT RELEASE_LOCK('frontline_migrate')") //nolint:errcheck
	}
	for _, ddl := range []string{`CREATE TABLE IF NOT EXISTS schema_migrations (
		version VARCHAR(64) NOT NULL PRIMARY KEY,
		applied_at DATETIME(6) NOT NULL)`, `CREATE TABLE IF NOT EXISTS schema_migration_steps (
		version VARCHAR(64) NOT NULL,
		step INT NOT NULL,
		digest CHAR(64) NOT NULL,
		PRIMARY KEY (version, step))`} {
		if _, err := conn.ExecContext(ctx, ddl); err != nil {
			return fmt.Errorf("models: migrate: create migration tables: %w", err)
		}
	}
	applied := map[string]bool{}
	rows, err := conn.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("models: migrate: %w", err)
	}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		applied[v] = true
	}
	rows.Close()
	for _, m := range list {
		if applied[m.version] {
			continue
		}
		if err := s.applyMigration(ctx, conn, m); err != nil {
			return err
		}
	}
	return nil
}

// execer is what a migration runs its statements on: a transaction on SQLite, the bare
// connection on MySQL.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// applyMigration applies one file whole or not at all.
//
// SQLite runs DDL inside a transaction, so the whole file is one transaction and a failure
// leaves nothing behind. MySQL commits each DDL statement on its own (each one is atomic by
// itself), so there a file is applied a statement at a time and each statement done is
// recorded in schema_migration_steps with a digest of its text: a file that fails half-way
// is resumed at the statement that failed when the server starts again, after the cause is
// fixed, and the file counts as applied only once its last statement is. A statement that
// was applied and has since been edited stops the resume with a message saying so, rather
// than leaving the schema between two versions of the file.
func (s *Store) applyMigration(ctx context.Context, conn *sql.Conn, m migration) (err error) {
	var run execer = conn
	if s.dialect == DialectSQLite {
		// Keys are off while a file runs, so that a table can be built again under its old
		// name without its drop touching the rows that point at it; the keys of every table
		// are checked before the file commits instead. The pragma is a no-op inside a
		// transaction, so it is set on the connection first.
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
			return fmt.Errorf("models: migration %s: %w", m.version, err)
		}
		defer conn.ExecContext(context.Background(), "PRAGMA foreign_keys = ON") //nolint:errcheck
		tx, berr := conn.BeginTx(ctx, nil)
		if berr != nil {
			return berr
		}
		defer func() {
			if err != nil {
				_ = tx.Rollback()
			}
		}()
		run = tx
	}
	done, err := stepsDone(ctx, run, m.version)
	if err != nil {
		return fmt.Errorf("models: migration %s: %w", m.version, err)
	}
	if len(done) == 0 {
		if err := checkOrphans(ctx, run, m); err != nil {
			return err
		}
	}
	for i, stmt := range statements(m.sql, s.dialect) {
		digest := fmt.Sprintf("%x", sha256.Sum256([]byte(stmt)))
		if d, ok := done[i]; ok {
			if d != digest {
				return fmt.Errorf("models: migration %s: statement %d was applied and has changed since; "+
					"restore the file as it was, or undo that statement by hand and delete its row from schema_migration_steps", m.version, i+1)
			}
			continue
		}
		if _, err := run.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("models: migration %s, statement %d: %w", m.version, i+1, err)
		}
		if _, err := run.ExecContext(ctx, "INSERT INTO schema_migration_steps (version, step, digest) VALUES (?, ?, ?)",
			m.version, i, digest); err != nil {
			return fmt.Errorf("models: record migration %s, statement %d: %w", m.version, i+1, err)
		}
	}
	// The file is done: record it and forget its steps in one transaction.
	var tx *sql.Tx
	if t, ok := run.(*sql.Tx); ok {
		tx = t
		if err := foreignKeyCheck(ctx, tx, m.version); err != nil {
			return err
		}
	} else if tx, err = conn.BeginTx(ctx, nil); err != nil {
		return err
	}
	if _, err = tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
		m.version, time.Now().UTC()); err == nil {
		_, err = tx.ExecContext(ctx, "DELETE FROM schema_migration_steps WHERE version = ?", m.version)
	}
	if err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("models: record migration %s: %w", m.version, err)
	}
	return tx.Commit()
}

// foreignKeyCheck fails when a row of SQLite's database names a missing row through a key.
func foreignKeyCheck(ctx context.Context, tx *sql.Tx, version string) error {
	rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return fmt.Errorf("models: migration %s: %w", version, err)
	}
	defer rows.Close()
	bad := map[string]int{}
	for rows.Next() {
		var (
			table, parent string
			rowid, fkid   sql.NullInt64
		)
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return fmt.Errorf("models: migration %s: %w", version, err)
		}
		bad[table+" → "+parent]++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("models: migration %s: %w", version, err)
	}
	if len(bad) > 0 {
		return fmt.Errorf("models: migration %s would leave rows naming missing rows (table → parent: count): %v", version, bad)
	}
	return nil
}

// stepsDone returns the digests of the statements of version already applied, by index.
func stepsDone(ctx context.Context, q execer, version string) (map[int]string, error) {
	rows, err := q.QueryContext(ctx, "SELECT step, digest FROM schema_migration_steps WHERE version = ?", version)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	done := map[int]string{}
	for rows.Next() {
		var (
			i int
			d string
		)
		if err := rows.Scan(&i, &d); err != nil {
			return nil, err
		}
		done[i] = d
	}
	return done, rows.Err()
}

// orphanCheck is a line of a migration file that must hold before the file runs:
//
//	-- refuse orphans: child.column -> parent.column
//
// It counts the rows of child whose (non-null) column names no row of parent, and stops the
// migration with that count when there are any. A file adding a foreign key declares it for
// rows that are records someone must look at; rows that can only be garbage are deleted by
// a statement of the file instead.
var orphanCheck = regexp.MustCompile(`(?m)^--\s*refuse orphans:\s*(\w+)\.(\w+)\s*->\s*(\w+)\.(\w+)\s*$`)

func checkOrphans(ctx context.Context, q execer, m migration) error {
	for _, c := range orphanCheck.FindAllStringSubmatch(m.sql, -1) {
		child, col, parent, pcol := c[1], c[2], c[3], c[4]
		var n int64
		rows, err := q.QueryContext(ctx, fmt.Sprintf(
			"SELECT COUNT(*) FROM %s c WHERE c.%s IS NOT NULL AND NOT EXISTS (SELECT 1 FROM %s p WHERE p.%s = c.%s)",
			child, col, parent, pcol, col))
		if err != nil {
			return fmt.Errorf("models: migration %s: check %s.%s: %w", m.version, child, col, err)
		}
		if rows.Next() {
			err = rows.Scan(&n)
		}
		rows.Close()
		if err != nil {
			return fmt.Errorf("models: migration %s: check %s.%s: %w", m.version, child, col, err)
		}
		if n > 0 {
			return fmt.Errorf("models: migration %s stopped before changing anything: %d rows of %s have a %s that names no row of %s; "+
				"correct or delete them (SELECT * FROM %s WHERE %s NOT IN (SELECT %s FROM %s)), then start again",
				m.version, n, child, col, parent, child, col, pcol, parent)
		}
	}
	return nil
}

// AppliedMigrations lists the recorded migration versions in order.
func (s *Store) AppliedMigrations(ctx context.Context) ([]string, error) {
	var out []string
	err := s.conn(ctx).Raw("SELECT version FROM schema_migrations ORDER BY version").Scan(&out).Error
	return out, err
}
