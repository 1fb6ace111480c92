package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"strings"
	"syscall"

	mysqldriver "github.com/go-sql-driver/mysql"
)

// DatabaseDown reports whether err says the database could not be reached or the
// connection to it broke, rather than that it refused a statement: the server is then
// unavailable (503), not faulty (500). A caller's own cancellation is not an outage.
func DatabaseDown(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var opErr *net.OpError
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, mysqldriver.ErrInvalidConn),
		errors.Is(err, sql.ErrConnDone), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.As(err, &opErr), errors.As(err, &dnsErr):
		return true
	}
	// database/sql and the drivers say some of these only in words.
	msg := err.Error()
	for _, s := range []string{"sql: database is closed", "connection refused", "broken pipe",
		"i/o timeout", "invalid connection", "bad connection", "connection reset by peer"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// mysqlDeadlock is MySQL's "deadlock found when trying to get lock": InnoDB chose this
// transaction as the victim and rolled it back whole, so running it again is safe.
const mysqlDeadlock = 1213

// deadlocked reports whether err says the database rolled the transaction back to break a
// deadlock (two transactions taking gap locks on the same missing row, then inserting it).
func deadlocked(err error) bool {
	var me *mysqldriver.MySQLError
	return errors.As(err, &me) && me.Number == mysqlDeadlock
}
