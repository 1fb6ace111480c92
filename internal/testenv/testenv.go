// Package testenv gives tests the real backends they run on: SQLite and disk by default,
// MariaDB and MinIO when the test run is told where they are (see deploy/dev/test.sh).
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"frontline/models"
	"frontline/uploads"

	mysqldriver "github.com/go-sql-driver/mysql"
	"golang.org/x/crypto/bcrypt"
)

// Backend names the selected backend set: "embedded" (SQLite + disk) or "services"
// (MariaDB + MinIO). It comes from FRONTLINE_TEST_BACKEND.
func Backend() string {
	if os.Getenv("FRONTLINE_TEST_BACKEND") == "services" {
		return "services"
	}
	return "embedded"
}

// requireServices fails the test when services are demanded but missing, and skips it on a
// developer's machine that simply has none.
func requireServices(tb testing.TB, what string) {
	tb.Helper()
	if Backend() == "services" || os.Getenv("CI") == "true" {
		tb.Fatalf("%s is required in this run but its address is not set (deploy/dev/services.sh sets it)", what)
	}
	tb.Skipf("%s not configured; run make test to start it", what)
}

// MySQLDSN returns the DSN of a fresh, empty database on the test MariaDB, dropped when the
// test ends.
func MySQLDSN(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv("FRONTLINE_TEST_MYSQL_DSN")
	if base == "" {
		requireServices(tb, "MariaDB")
	}
	cfg, err := mysqldriver.ParseDSN(base)
	if err != nil {
		tb.Fatalf("FRONTLINE_TEST_MYSQL_DSN: %v", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	admin := cfg.Clone()
	admin.DBName = ""
	db, err := sql.Open("mysql", admin.FormatDSN())
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		tb.Fatalf("create test database: %v", err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("mysql", admin.FormatDSN())
		if err == nil {
			_, _ = db.Exec("DROP DATABASE IF EXISTS " + name)
			db.Close()
		}
	})
	cfg.DBName = name
	return cfg.FormatDSN()
}

// Store opens a fresh store on the selected backend, closed when the test ends.
func Store(tb testing.TB) *models.Store {
	tb.Helper()
	ctx := context.Background()
	var (
		s   *models.Store
		err error
	)
	if Backend() == "services" {
		s, err = models.OpenMySQL(ctx, MySQLDSN(tb))
	} else {
		s, err = models.OpenSQLite(ctx, filepath.Join(tb.TempDir(), "test.db"))
	}
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	s.PasswordCost = bcrypt.MinCost
	tb.Cleanup(func() { s.Close() })
	return s
}

// NamedUsers adds active members with the given ids (and made-up phones), for tests whose
// notices, tickets or sign-ins name users by short ids: the keys refuse a user who is not
// there.
func NamedUsers(tb testing.TB, s *models.Store, ids ...string) {
	tb.Helper()
	now := time.Now().UTC()
	for i, id := range ids {
		if err := s.DB().Exec(`INSERT INTO users (id, phone, name, password_hash, role, review_body, active, created_at, updated_at)
VALUES (?, ?, ?, 'x', ?, '', ?, ?, ?)`, id, fmt.Sprintf("1390000%04d", i), id, models.RoleMember, true, now, now).Error; err != nil {
			tb.Fatalf("add user %s: %v", id, err)
		}
	}
}

// Photos opens a photo store on the selected backend: a temp dir on disk, or a fresh
// bucket on the test MinIO.
func Photos(tb testing.TB, secret []byte) *uploads.Store {
	tb.Helper()
	if Backend() != "services" {
		st, err := uploads.NewDisk(tb.TempDir(), secret)
		if err != nil {
			tb.Fatalf("disk photo store: %v", err)
		}
		return st
	}
	endpoint, access, key := MinIO(tb)
	st, err := uploads.NewMinIO(context.Background(), uploads.MinIOConfig{Endpoint: endpoint, AccessKey: access, SecretKey: key, Bucket: RandomName("t-")})
	if err != nil {
		tb.Fatalf("MinIO photo store: %v", err)
	}
	return st
}

// MinIO returns the test MinIO's endpoint and keys.
func MinIO(tb testing.TB) (endpoint, access, secret string) {
	tb.Helper()
	endpoint = os.Getenv("FRONTLINE_TEST_MINIO_ENDPOINT")
	if endpoint == "" {
		requireServices(tb, "MinIO")
	}
	return endpoint, os.Getenv("FRONTLINE_TEST_MINIO_ACCESS_KEY"), os.Getenv("FRONTLINE_TEST_MINIO_SECRET_KEY")
}

// RandomName returns a lower-case name with prefix, usable as a bucket or database name.
func RandomName(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return strings.ToLower(prefix) + hex.EncodeToString(b)
}
