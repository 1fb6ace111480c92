package models

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error codes shared by the domain and the HTTP layer. The API maps each code to one status.
const (
	CodeInvalid      = "invalid"       // 422: the request is well formed but a value is wrong
	CodeNotFound     = "not_found"     // 404: missing, or not visible to the caller
	CodeConflict     = "conflict"      // 409: duplicate, or an action in the wrong state
	CodeForbidden    = "forbidden"     // 403: authenticated but not allowed
	CodeUnauthorized = "unauthorized"  // 401: not authenticated
	CodeRateLimited  = "rate_limited"  // 429
	CodeUnavailable  = "unavailable"   // 503: a dependency is down
	CodeBadRequest   = "bad_request"   // 400: malformed request
	CodeTooLarge     = "too_large"     // 413
	CodeUnsupported  = "unsupported"   // 415
	CodeWrongState   = "invalid_state" // 409: the record is not in a state that allows the action
	// CodePasswordChangeRequired (403): the user must replace a password an admin chose first.
	CodePasswordChangeRequired = "password_change_required"
)

// Error is a domain error with a stable code, a message for people and, for validation
// failures, a message per field.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Code + ": " + e.Message
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return e.Code + ": " + e.Message + " (" + strings.Join(parts, "; ") + ")"
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrNotFound is the generic "does not exist or is not yours to see" error.
var ErrNotFound = &Error{Code: CodeNotFound, Message: "not found"}

// ErrorCode returns the code of err if it is an *Error, else "".
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Problems collects validation messages per field; its Err is nil when there are none.
type Problems map[string]string

// Add records why field is wrong, keeping the first reason given.
func (p Problems) Add(field, why string) {
	if _, ok := p[field]; !ok {
		p[field] = why
	}
}

// Invalid is the validation error of one field: 422 with fields[field] = why.
func Invalid(field, why string) error { return Problems{field: why}.Err() }

// Err turns the collected problems into an invalid *Error, or nil.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	return &Error{Code: CodeInvalid, Message: "validation failed", Fields: p}
}

// wrap prefixes an unexpected error with where it happened ("models: create opinion: …"),
// to be logged once at the boundary; a domain error, or nil, passes as it is.
func wrap(op string, err error) error {
	if err == nil || ErrorCode(err) != "" {
		return err
	}
	return fmt.Errorf("models: %s: %w", op, err)
}
