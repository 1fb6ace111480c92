package models

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	mysqldriver "github.com/go-sql-driver/mysql"
)

func TestDatabaseDown(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: &net.AddrError{Err: "x"}}
	down := []error{
		driver.ErrBadConn, mysqldriver.ErrInvalidConn, dial,
		fmt.Errorf("models: list: %w", syscall.ECONNREFUSED),
		fmt.Errorf("models: find room: %w", errors.New("sql: database is closed")),
		errors.New("write tcp 127.0.0.1:1->127.0.0.1:2: write: broken pipe"),
		errors.New("read tcp: i/o timeout"),
		fmt.Errorf("models: x: %w", context.DeadlineExceeded),
	}
	for _, err := range down {
		if !DatabaseDown(err) {
			t.Errorf("DatabaseDown(%v) = false", err)
		}
	}
	up := []error{nil, ErrNotFound, context.Canceled, errors.New("UNIQUE constraint failed"),
		&mysqldriver.MySQLError{Number: 1064, Message: "syntax"}, errors.New("injected fault")}
	for _, err := range up {
		if DatabaseDown(err) {
			t.Errorf("DatabaseDown(%v) = true", err)
		}
	}
}
