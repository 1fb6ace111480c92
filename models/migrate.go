package models

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"
)

// The schema lives in numbered SQL files, written once for both databases. A file named
// NNNN_x.mysql.sql or NNNN_x.sqlite.sql replaces NNNN_x.sql on that database only. Two small
// rewrites keep the shared files portable: {{ID_PK}} becomes each database's auto-increment
// primary key, and on MySQL every CREATE TABLE gets InnoDB with utf8mb4. SQLite's driver
// reads a column back as a time only when it is declared exactly DATETIME, so DATETIME(6)
// (microseconds on MySQL) loses its precision there.
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

// migrate applies every migration not yet recorded in schema_migrations. On MySQL a named
// lock keeps several instances starting together from applying the same file twice.
func (s *Store) migrate(ctx context.Context) error {
	list, err := loadMigrations(s.dialect)
	if err != nil {
		return fmt.Errorf("models: load migrations: %w", err)
	}
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
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version VARCHAR(64) NOT NULL PRIMARY KEY,
		applied_at DATETIME(6) NOT NULL)`); err != nil {
		return fmt.Errorf("models: migrate: create schema_migrations: %w", err)
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

func (s *Store) applyMigration(ctx context.Context, conn *sql.Conn, m migration) error {
	// SQLite runs DDL inside a transaction, so a failed file leaves nothing behind. MySQL
	// commits each DDL statement on its own, which is why every file holds one small change.
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, stmt := range statements(m.sql, s.dialect) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("models: migration %s: %w", m.version, err)
		}
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
		m.version, time.Now().UTC()); err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("models: record migration %s: %w", m.version, err)
	}
	return tx.Commit()
}

// AppliedMigrations lists the recorded migration versions in order.
func (s *Store) AppliedMigrations(ctx context.Context) ([]string, error) {
	var out []string
	err := s.conn(ctx).Raw("SELECT version FROM schema_migrations ORDER BY version").Scan(&out).Error
	return out, err
}
