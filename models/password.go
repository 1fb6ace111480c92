package models

import (
	_ "embed"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 10

// maxPasswordBytes is bcrypt's limit: it ignores anything past 72 bytes.
const maxPasswordBytes = 72

//go:embed common-passwords.txt
var commonPasswordsText string

// commonPasswords holds the list in lower case, so a password is compared case-insensitively.
var commonPasswords = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, line := range strings.Split(commonPasswordsText, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[strings.ToLower(line)] = struct{}{}
	}
	return m
}()

// PasswordProblem says what is wrong with pw as a new password for the account with phone,
// or "" when it is acceptable. Every place that sets a password asks this one function: user
// creation, an admin's reset, a change by the user and the admin made at start-up.
func PasswordProblem(pw, phone string) string {
	switch {
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		return fmt.Sprintf("must be at least %d characters", MinPasswordLen)
	case len(pw) > maxPasswordBytes:
		return fmt.Sprintf("must be at most %d bytes", maxPasswordBytes)
	}
	if _, common := commonPasswords[strings.ToLower(pw)]; common {
		return "is too common: choose one that is not on lists of popular passwords"
	}
	if phone != "" && strings.Contains(pw, phone) {
		return "must not contain the phone number"
	}
	return ""
}

func validPassword(p Problems, field, pw, phone string) {
	if why := PasswordProblem(pw, phone); why != "" {
		p.Add(field, why)
	}
}
