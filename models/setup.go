package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm/clause"
)

// SetupTokenTTL is how long a first-run setup link stays valid.
const SetupTokenTTL = time.Hour

// SetupToken is a one-time token of the first-run setup page (/setup?token=…). Only its
// SHA-256 is stored: the clear token is printed once in the log of the instance that made it.
// It lives in the database rather than in memory so that, behind a load balancer, the
// instance that answers the setup page need not be the one whose log printed it.
type SetupToken struct {
	TokenHash string `gorm:"primaryKey"`
	ExpiresAt time.Time
	CreatedAt time.Time
}

func setupTokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewSetupToken makes a one-time setup token, valid for SetupTokenTTL, when no active admin
// exists; otherwise it returns "" and makes none. Expired tokens are dropped on the way.
func (s *Store) NewSetupToken(ctx context.Context) (token string, expires time.Time, err error) {
	err = s.Tx(ctx, func(tx *Store) error {
		has, err := tx.HasActiveAdmin(ctx)
		if err != nil || has {
			return err
		}
		now := tx.now()
		if err := tx.conn(ctx).Where("expires_at <= ?", now).Delete(&SetupToken{}).Error; err != nil {
			return fmt.Errorf("models: prune setup tokens: %w", err)
		}
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return fmt.Errorf("models: setup token: %w", err)
		}
		token, expires = base64.RawURLEncoding.EncodeToString(b), now.Add(SetupTokenTTL)
		if err := tx.conn(ctx).Create(&SetupToken{TokenHash: setupTokenHash(token), ExpiresAt: expires, CreatedAt: now}).Error; err != nil {
			return fmt.Errorf("models: store setup token: %w", err)
		}
		return nil
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return token, expires, nil
}

// FirstAdmin is what the setup page sends to create the first admin.
type FirstAdmin struct {
	Token    string `json:"token"`
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	Password string `json:"password"`
}

// ErrSetupDone answers the setup page once an active admin exists.
var ErrSetupDone = &Error{Code: CodeConflict, Message: "an admin already exists: sign in instead"}

// errSetupToken answers a token that is unknown, used or expired.
var errSetupToken = &Error{Code: CodeNotFound, Message: "this setup link is unknown, used or expired: restart the server for a new one",
	Fields: map[string]string{"token": "is unknown, used or expired"}}

// SetupFirstAdmin redeems a setup token: while no active admin exists and the token is
// unexpired and unused, it creates the admin and spends every setup token, so each link
// works once and none works after. The password is the admin's own choice, so it need not be
// changed. The token rows are locked first (MySQL), so two redemptions at once cannot both
// see "no admin yet"; SQLite runs one writing transaction at a time anyway.
func (s *Store) SetupFirstAdmin(ctx context.Context, in FirstAdmin) (*User, error) {
	in.Token = strings.TrimSpace(in.Token)
	if in.Token == "" {
		return nil, Invalid("token", "is required")
	}
	n := firstAdmin(in.Phone, in.Name, in.Password)
	if err := n.Validate(); err != nil {
		return nil, err
	}
	var u *User
	err := s.Tx(ctx, func(tx *Store) error {
		q := tx.conn(ctx).Model(&SetupToken{})
		if tx.dialect == DialectMySQL {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var tokens []SetupToken
		if err := q.Order("token_hash").Find(&tokens).Error; err != nil {
			return fmt.Errorf("models: read setup tokens: %w", err)
		}
		has, err := tx.HasActiveAdmin(ctx)
		if err != nil {
			return err
		}
		if has {
			return ErrSetupDone
		}
		hash, now, found := setupTokenHash(in.Token), tx.now(), false
		for _, t := range tokens {
			if t.TokenHash == hash && t.ExpiresAt.After(now) {
				found = true
			}
		}
		if !found {
			return errSetupToken
		}
		if err := tx.conn(ctx).Where("1 = 1").Delete(&SetupToken{}).Error; err != nil {
			return fmt.Errorf("models: spend setup tokens: %w", err)
		}
		u, err = tx.CreateUser(ctx, n)
		return err
	})
	return u, err
}
