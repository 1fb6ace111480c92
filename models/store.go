// Package models holds Frontline's domain: the types with their rules, the topic state
// machine and the Store that keeps them in SQLite or MySQL through GORM.
package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
)

// Store is the one way into the database. Methods take the context first; a Store made by
// Tx runs every call inside that transaction.
type Store struct {
	db      *gorm.DB
	dialect string
	// Now returns the current time; tests replace it to control time.
	Now func() time.Time
	// PasswordCost is the bcrypt cost for new password hashes.
	PasswordCost int
	// RefreshKey derives each refresh token's successor from it (see successorToken); the
	// server sets it from its token secret. Refresh fails without it.
	RefreshKey []byte
	// auth caches sign-in state (see AuthState); shared by the Stores that Tx makes.
	auth *authCache

	// eventsStored is called once a commit stored events (see OnEventsStored).
	eventsStored func()
	// stored is set in a Store made by Tx: the transaction stored events.
	stored *bool
}

// OnEventsStored sets fn to be called after every commit that stored events, or at once
// for events stored outside a transaction: the event hub's wake-up, so that a change's
// notices go out when it commits without a handler having to remember to say so.
func (s *Store) OnEventsStored(fn func()) { s.eventsStored = fn }

// eventsAdded notes that events were written: at commit when inside a transaction.
func (s *Store) eventsAdded() {
	if s.stored != nil {
		*s.stored = true
	} else if s.eventsStored != nil {
		s.eventsStored()
	}
}

// Dialects the store runs on.
const (
	DialectSQLite = "sqlite"
	DialectMySQL  = "mysql"
)

// OpenSQLite opens (creating if needed) the SQLite database file at path, in WAL mode with a
// busy timeout, and applies the migrations. The file is made readable by its owner only;
// SQLite gives its -wal and -shm files the same mode.
func OpenSQLite(ctx context.Context, path string) (*Store, error) { return openSQLite(ctx, path, "") }

// openSQLite opens the file with the migrations up to until ("" for all).
func openSQLite(ctx context.Context, path, until string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("models: create data dir: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("models: create sqlite file: %w", err)
	}
	// A file from an older version may be readable by others: tighten it too.
	if err := errors.Join(f.Chmod(0o600), f.Close()); err != nil {
		return nil, fmt.Errorf("models: create sqlite file: %w", err)
	}
	dsn := path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := gorm.Open(sqlite.Open(dsn), gormConfig())
	if err != nil {
		return nil, fmt.Errorf("models: open sqlite: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("models: sqlite handle: %w", err)
	}
	// One writer at a time is SQLite's rule; a small pool keeps readers concurrent in WAL mode.
	sqlDB.SetMaxOpenConns(4)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	return newStore(ctx, db, DialectSQLite, until)
}

// OpenMySQL connects to MySQL or MariaDB with a go-sql-driver DSN and applies the migrations.
func OpenMySQL(ctx context.Context, dsn string) (*Store, error) { return openMySQL(ctx, dsn, "") }

// openMySQL connects with the migrations up to until ("" for all).
func openMySQL(ctx context.Context, dsn, until string) (*Store, error) {
	cfg, err := ParseMySQLDSN(dsn)
	if err != nil {
		return nil, err
	}
	db, err := gorm.Open(mysql.New(mysql.Config{DSNConfig: cfg}), gormConfig())
	if err != nil {
		return nil, fmt.Errorf("models: open mysql: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("models: mysql handle: %w", err)
	}
	sqlDB.SetMaxOpenConns(32)
	sqlDB.SetMaxIdleConns(16)
	sqlDB.SetConnMaxLifetime(30 * time.Minute)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	return newStore(ctx, db, DialectMySQL, until)
}

// ParseMySQLDSN checks a go-sql-driver DSN and forces the settings the store relies on:
// parsed times in UTC and utf8mb4.
func ParseMySQLDSN(dsn string) (*mysqldriver.Config, error) {
	cfg, err := mysqldriver.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("models: bad MySQL DSN: %w", err)
	}
	if cfg.DBName == "" {
		return nil, errors.New("models: bad MySQL DSN: no database name")
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	if _, ok := cfg.Params["charset"]; !ok {
		cfg.Params["charset"] = "utf8mb4"
	}
	return cfg, nil
}

func gormConfig() *gorm.Config {
	return &gorm.Config{
		Logger:                 logger.Default.LogMode(logger.Silent),
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		TranslateError:         true,
	}
}

func newStore(ctx context.Context, db *gorm.DB, dialect, until string) (*Store, error) {
	s := &Store{db: db, dialect: dialect, Now: defaultNow, PasswordCost: bcrypt.DefaultCost, auth: newAuthCache(AuthCacheSize, AuthCacheTTL)}
	if err := s.migrateUntil(ctx, until); err != nil {
		_ = s.Close()
		return nil, err
	}
	if err := s.seedCategories(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func defaultNow() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// now is the store's clock in UTC at the precision both databases keep.
func (s *Store) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Dialect names the database the store runs on.
func (s *Store) Dialect() string { return s.dialect }

// DB exposes the GORM handle for tests and tools that seed data in bulk.
func (s *Store) DB() *gorm.DB { return s.db }

// Close closes the database connections.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Tx runs fn in one transaction: it commits when fn returns nil and rolls back otherwise.
// A Tx inside another is a savepoint of the outer one, which alone tells of stored events.
func (s *Store) Tx(ctx context.Context, fn func(tx *Store) error) error {
	if s.stored != nil { // inside a transaction already: part of it
		return s.tx(ctx, fn, nil)
	}
	// The outermost transaction runs again when MySQL rolled it back to break a deadlock:
	// nothing of it stayed, and the next run reads what the other transaction wrote.
	var err error
	for attempt := 0; ; attempt++ {
		stored := false
		if err = s.tx(ctx, fn, &stored); err == nil {
			if stored && s.eventsStored != nil {
				s.eventsStored()
			}
			return nil
		}
		if !deadlocked(err) || attempt == maxDeadlockRetries {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(1+rand.IntN(10*(attempt+1))) * time.Millisecond):
		}
	}
}

// maxDeadlockRetries bounds how often a transaction runs again after a deadlock.
const maxDeadlockRetries = 4

// tx runs fn in a transaction, or a savepoint of the one s is in; stored is set when fn
// stores events (nil inside an outer transaction, which holds its own).
func (s *Store) tx(ctx context.Context, fn func(tx *Store) error, stored *bool) error {
	return s.db.WithContext(ctx).Transaction(func(gtx *gorm.DB) error {
		cp := *s
		cp.db = gtx
		if stored != nil {
			cp.stored = stored
		}
		return fn(&cp)
	}, &sql.TxOptions{})
}

// conn returns the GORM handle bound to ctx.
func (s *Store) conn(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// NewID returns a new random id.
func NewID() string { return uuid.NewString() }

// notFound maps GORM's missing record to the domain error and wraps anything else.
func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return &Error{Code: CodeNotFound, Message: what + " not found"}
	}
	return fmt.Errorf("models: find %s: %w", what, err)
}

// isDuplicate reports whether err is a unique-key violation on either database.
func isDuplicate(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	var me *mysqldriver.MySQLError
	if errors.As(err, &me) && me.Number == 1062 {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "Duplicate entry")
}

// retried reports whether a write with a client's id may have lost a race to a retry of
// itself: the id was stored meanwhile, or the step it takes was already taken.
func retried(id string, err error) bool {
	return id != "" && (isDuplicate(err) || ErrorCode(err) == CodeWrongState)
}

// idTaken is the conflict of a client's id already used for another record.
func idTaken(what string) error {
	return &Error{Code: CodeConflict, Message: what + " with this id was sent by someone else or for another record",
		Fields: map[string]string{"id": "is taken"}}
}

// lockingClause asks MySQL for a row lock on the rows a query reads.
func lockingClause() clause.Expression { return clause.Locking{Strength: "UPDATE"} }
