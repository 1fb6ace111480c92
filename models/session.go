package models

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// RefreshTTL is how long a login lasts without use.
const RefreshTTL = 30 * 24 * time.Hour

// RefreshGrace is how long the last spent refresh token of a login still gets the same new
// pair: a phone whose refresh answer was lost in a dead zone tries again with the token it
// still holds, and must not be signed out for it.
const RefreshGrace = 60 * time.Second

// Session is one login. Its refresh tokens rotate on every use; the session ends when it
// expires, on logout, when a spent refresh token is presented again, or when the user is
// disabled.
type Session struct {
	ID        string `gorm:"primaryKey"`
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt *time.Time
}

// RefreshToken is stored only as the SHA-256 of the token the client holds.
type RefreshToken struct {
	Hash      string `gorm:"primaryKey"`
	SessionID string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// ErrRefreshInvalid answers any refresh token that cannot be used.
var ErrRefreshInvalid = &Error{Code: CodeUnauthorized, Message: "refresh token is invalid or expired"}

func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// successorToken is the refresh token that replaces tok. It is derived, not drawn, so that the
// same answer can be given again within the grace window although only hashes are stored;
// without the server's key nobody can compute it from a stolen spent token.
func (s *Store) successorToken(tok string) (string, error) {
	if len(s.RefreshKey) == 0 {
		return "", errors.New("models: no refresh key: set Store.RefreshKey")
	}
	m := hmac.New(sha256.New, s.RefreshKey)
	m.Write([]byte(tok))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)), nil
}

func newRefreshToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// StartSession opens a login for user and returns its first refresh token.
func (s *Store) StartSession(ctx context.Context, userID string) (*Session, string, error) {
	now := s.now()
	sess := &Session{ID: NewID(), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(RefreshTTL)}
	tok := newRefreshToken()
	err := s.Tx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).Create(sess).Error; err != nil {
			return err
		}
		return tx.conn(ctx).Create(&RefreshToken{Hash: hashToken(tok), SessionID: sess.ID, CreatedAt: now, ExpiresAt: sess.ExpiresAt}).Error
	})
	if err != nil {
		return nil, "", fmt.Errorf("models: start session: %w", err)
	}
	return sess, tok, nil
}

// RotateRefresh spends tok and returns its session and the token that follows it. Presenting
// a spent token again revokes the whole session, since someone else may hold a copy, except
// for the last token spent in the session within RefreshGrace of its use: that gets the same
// successor again (see successorToken), and so do two refreshes racing with one token.
func (s *Store) RotateRefresh(ctx context.Context, tok string) (*Session, *User, string, error) {
	next, err := s.successorToken(tok)
	if err != nil {
		return nil, nil, "", err
	}
	var (
		sess  Session
		user  *User
		spent *RefreshToken
	)
	err = s.Tx(ctx, func(tx *Store) error {
		now := tx.now()
		var rt RefreshToken
		if err := tx.conn(ctx).Where("hash = ?", hashToken(tok)).Take(&rt).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrRefreshInvalid
			}
			return err
		}
		if err := tx.conn(ctx).Where("id = ?", rt.SessionID).Take(&sess).Error; err != nil {
			return ErrRefreshInvalid
		}
		if sess.RevokedAt != nil || !sess.ExpiresAt.After(now) || !rt.ExpiresAt.After(now) {
			return ErrRefreshInvalid
		}
		// Spend the token with a conditional update so two concurrent refreshes cannot both win.
		res := tx.conn(ctx).Model(&RefreshToken{}).Where("hash = ? AND used_at IS NULL", rt.Hash).Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			spent = &rt
			return nil
		}
		u, err := tx.activeUser(ctx, sess.UserID)
		if err != nil {
			return err
		}
		user = u
		sess.ExpiresAt = now.Add(RefreshTTL)
		if err := tx.conn(ctx).Model(&Session{}).Where("id = ?", sess.ID).Update("expires_at", sess.ExpiresAt).Error; err != nil {
			return err
		}
		return tx.conn(ctx).Create(&RefreshToken{Hash: hashToken(next), SessionID: sess.ID, CreatedAt: now, ExpiresAt: sess.ExpiresAt}).Error
	})
	if err == nil && spent != nil {
		// Decided outside the transaction above: on MySQL its snapshot may predate the commit
		// of a racing refresh that spent the same token and stored the successor.
		user, err = s.regrant(ctx, &sess, spent.Hash, next)
	}
	if err != nil {
		return nil, nil, "", wrap("rotate refresh token", err)
	}
	return &sess, user, next, nil
}

// regrant answers a spent token: within the grace window, and when its successor next has not
// been spent in turn (so it is the last token spent in the session), the same successor again;
// otherwise the session is revoked.
func (s *Store) regrant(ctx context.Context, sess *Session, spentHash, next string) (*User, error) {
	var rt, succ RefreshToken
	if err := s.conn(ctx).Where("hash = ?", spentHash).Take(&rt).Error; err != nil {
		return nil, err
	}
	err := s.conn(ctx).Where("hash = ? AND session_id = ?", hashToken(next), sess.ID).Take(&succ).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, err
	}
	now := s.now()
	if err == nil && succ.UsedAt == nil && rt.UsedAt != nil && !now.After(rt.UsedAt.Add(RefreshGrace)) {
		if err := s.conn(ctx).Where("id = ?", sess.ID).Take(sess).Error; err != nil {
			return nil, err
		}
		if sess.RevokedAt != nil || !sess.ExpiresAt.After(now) {
			return nil, ErrRefreshInvalid
		}
		return s.activeUser(ctx, sess.UserID)
	}
	if err := s.RevokeSession(ctx, sess.ID); err != nil {
		return nil, err
	}
	return nil, ErrRefreshInvalid
}

// activeUser returns the user of a session being refreshed; a disabled one cannot refresh.
func (s *Store) activeUser(ctx context.Context, id string) (*User, error) {
	u, err := s.FindUser(ctx, id)
	if err != nil {
		return nil, err
	}
	if !u.Active {
		return nil, ErrRefreshInvalid
	}
	return u, nil
}

// EndSessionByToken revokes the login that tok belongs to (logout). An unknown token is
// not an error: the client is signed out either way.
func (s *Store) EndSessionByToken(ctx context.Context, tok string) error {
	var rt RefreshToken
	err := s.conn(ctx).Where("hash = ?", hashToken(tok)).Take(&rt).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("models: logout: %w", err)
	}
	return s.RevokeSession(ctx, rt.SessionID)
}

// RevokeSession ends one login.
func (s *Store) RevokeSession(ctx context.Context, id string) error {
	return s.revokeSessions(ctx, "id = ?", id)
}

// RevokeOtherSessions ends every login of a user but keep (a password changed by its owner).
func (s *Store) RevokeOtherSessions(ctx context.Context, userID, keep string) error {
	return s.revokeSessions(ctx, "user_id = ? AND id <> ?", userID, keep)
}

func (s *Store) revokeUserSessions(ctx context.Context, userID string) error {
	return s.revokeSessions(ctx, "user_id = ?", userID)
}

// revokeSessions ends the live logins that match where. In the same transaction it stores a
// session.ended event for their user, which every instance's hub reads from the outbox and
// answers by closing that login's event streams: a sign-in ends everywhere, not only on the
// instance that handled the request.
func (s *Store) revokeSessions(ctx context.Context, where string, args ...any) error {
	var users []string
	err := s.Tx(ctx, func(tx *Store) error {
		var live []Session
		if err := tx.conn(ctx).Where(where, args...).Where("revoked_at IS NULL").Find(&live).Error; err != nil {
			return err
		}
		if len(live) == 0 {
			return nil
		}
		ids := make([]string, len(live))
		byUser := map[string][]string{}
		for i, ss := range live {
			ids[i] = ss.ID
			byUser[ss.UserID] = append(byUser[ss.UserID], ss.ID)
		}
		if err := tx.conn(ctx).Model(&Session{}).Where("id IN ? AND revoked_at IS NULL", ids).Update("revoked_at", tx.now()).Error; err != nil {
			return err
		}
		for userID, sids := range byUser {
			users = append(users, userID)
			n := Notice{Type: EventSessionEnded, Data: SessionEnded{SessionIDs: sids}, Recipients: []string{userID}}
			if _, err := tx.AddEvents(ctx, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("models: revoke sessions: %w", err)
	}
	// Refused at once here; other instances hear of it from the outbox. Inside a caller's
	// transaction this is before the commit, so such callers forget again after theirs.
	s.forgetUsers(users...)
	return nil
}
