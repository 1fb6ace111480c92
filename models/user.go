package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// User roles.
const (
	RoleAdmin    = "admin"
	RoleReviewer = "reviewer"
	RoleMember   = "member"
)

// Review bodies: the two bodies whose approval every topic needs (双报告).
const (
	BodyCounty = "county" // 县政协党组, reviews topics of every room
	BodyLocal  = "local"  // 所在地党委, reviews topics of the rooms where it is local_reviewer
)

// ValidPhone reports whether p is a mainland China mobile number.
func ValidPhone(p string) bool { return phonePattern.MatchString(p) }

// User is anyone who signs in.
type User struct {
	ID           string `json:"id" gorm:"primaryKey"`
	Phone        string `json:"phone"`
	Name         string `json:"name"`
	PasswordHash string `json:"-"`
	Role         string `json:"role"`
	ReviewBody   string `json:"review_body"`
	// Sector (界别) and Unit (the township or unit) are what the office files a member under.
	Sector string `json:"sector"`
	Unit   string `json:"unit"`
	Active bool   `json:"active"`
	// MustChangePassword is set when an admin chose the password (creation, reset): until the
	// user picks their own, only the routes that let them do so answer.
	MustChangePassword bool      `json:"must_change_password"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"-"`
}

// NewUser is what an admin sends to create a user.
type NewUser struct {
	Phone      string `json:"phone"`
	Name       string `json:"name"`
	Password   string `json:"password"`
	Role       string `json:"role"`
	ReviewBody string `json:"review_body"`
	Sector     string `json:"sector"`
	Unit       string `json:"unit"`
	// MustChangePassword marks a password chosen by someone else; the API sets it, never the
	// request body.
	MustChangePassword bool `json:"-"`
}

// Validate checks every field and reports all problems at once.
func (n *NewUser) Validate() error {
	n.Phone = strings.TrimSpace(n.Phone)
	n.Name = strings.TrimSpace(n.Name)
	n.Sector, n.Unit = strings.TrimSpace(n.Sector), strings.TrimSpace(n.Unit)
	p := Problems{}
	if !ValidPhone(n.Phone) {
		p.Add("phone", "must be an 11-digit mainland mobile number")
	}
	validName(p, n.Name)
	validPassword(p, "password", n.Password, n.Phone)
	validRole(p, n.Role, n.ReviewBody)
	CheckText(p, "sector", n.Sector, MaxSector, false)
	CheckText(p, "unit", n.Unit, MaxUnit, false)
	return p.Err()
}

func validName(p Problems, name string) {
	switch {
	case name == "":
		p.Add("name", "is required")
	default:
		CheckText(p, "name", name, MaxUserName, false)
	}
}

func validRole(p Problems, role, body string) {
	switch role {
	case RoleAdmin, RoleMember:
		if body != "" {
			p.Add("review_body", "only reviewers have a review body")
		}
	case RoleReviewer:
		if body != BodyCounty && body != BodyLocal {
			p.Add("review_body", "must be county or local for a reviewer")
		}
	default:
		p.Add("role", "must be admin, reviewer or member")
	}
}

// UserPatch is a partial update of a user by an admin; nil fields stay as they are.
type UserPatch struct {
	Name       *string `json:"name"`
	Password   *string `json:"password"`
	Role       *string `json:"role"`
	ReviewBody *string `json:"review_body"`
	Sector     *string `json:"sector"`
	Unit       *string `json:"unit"`
	Active     *bool   `json:"active"`
}

// CreateUser stores a new user with a hashed password; a taken phone is a conflict.
func (s *Store) CreateUser(ctx context.Context, n NewUser) (*User, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(n.Password), s.PasswordCost)
	if err != nil {
		return nil, fmt.Errorf("models: hash password: %w", err)
	}
	now := s.now()
	u := &User{ID: NewID(), Phone: n.Phone, Name: n.Name, PasswordHash: string(hash), Role: n.Role,
		ReviewBody: n.ReviewBody, Sector: n.Sector, Unit: n.Unit, Active: true, MustChangePassword: n.MustChangePassword, CreatedAt: now, UpdatedAt: now}
	if err := s.conn(ctx).Create(u).Error; err != nil {
		if isDuplicate(err) {
			return nil, &Error{Code: CodeConflict, Message: "phone already registered", Fields: map[string]string{"phone": "is taken"}}
		}
		return nil, fmt.Errorf("models: create user: %w", err)
	}
	return u, nil
}

// FindUser returns the user with id.
func (s *Store) FindUser(ctx context.Context, id string) (*User, error) {
	var u User
	if err := s.conn(ctx).Where("id = ?", id).Take(&u).Error; err != nil {
		return nil, notFound(err, "user")
	}
	return &u, nil
}

// FindUserByPhone returns the user with that phone. Only a well-formed phone is looked up:
// MySQL's collation ignores some characters (NUL, DEL, bidi marks), so "phone\x00" would
// otherwise find the user of "phone".
func (s *Store) FindUserByPhone(ctx context.Context, phone string) (*User, error) {
	if !ValidPhone(phone) {
		return nil, &Error{Code: CodeNotFound, Message: "user not found"}
	}
	var u User
	if err := s.conn(ctx).Where("phone = ?", phone).Take(&u).Error; err != nil {
		return nil, notFound(err, "user")
	}
	return &u, nil
}

// UserFilter selects users for a list.
type UserFilter struct {
	Role string
	Page Page
}

// ListUsers lists users newest first.
func (s *Store) ListUsers(ctx context.Context, f UserFilter) ([]User, string, error) {
	q := s.conn(ctx).Model(&User{})
	if f.Role != "" {
		q = q.Where("role = ?", f.Role)
	}
	return listPage(q, f.Page, "created_at", "id", func(u *User) (time.Time, string) { return u.CreatedAt, u.ID })
}

// UpdateUser applies an admin's patch. Disabling a user revokes every session they have.
func (s *Store) UpdateUser(ctx context.Context, id string, patch UserPatch) (*User, error) {
	var out *User
	err := s.Tx(ctx, func(tx *Store) error {
		u, err := tx.FindUser(ctx, id)
		if err != nil {
			return err
		}
		wasActiveAdmin := u.Role == RoleAdmin && u.Active
		p := Problems{}
		updates := map[string]any{}
		if patch.Name != nil {
			name := strings.TrimSpace(*patch.Name)
			validName(p, name)
			updates["name"] = name
			u.Name = name
		}
		if patch.Sector != nil {
			sector := strings.TrimSpace(*patch.Sector)
			CheckText(p, "sector", sector, MaxSector, false)
			updates["sector"] = sector
			u.Sector = sector
		}
		if patch.Unit != nil {
			unit := strings.TrimSpace(*patch.Unit)
			CheckText(p, "unit", unit, MaxUnit, false)
			updates["unit"] = unit
			u.Unit = unit
		}
		if patch.Role != nil || patch.ReviewBody != nil {
			role, body := u.Role, u.ReviewBody
			if patch.Role != nil {
				role = *patch.Role
				if role != RoleReviewer && patch.ReviewBody == nil {
					body = ""
				}
			}
			if patch.ReviewBody != nil {
				body = *patch.ReviewBody
			}
			validRole(p, role, body)
			updates["role"], updates["review_body"] = role, body
			u.Role, u.ReviewBody = role, body
		}
		if patch.Password != nil {
			validPassword(p, "password", *patch.Password, u.Phone)
		}
		if err := p.Err(); err != nil {
			return err
		}
		if patch.Password != nil {
			hash, err := bcrypt.GenerateFromPassword([]byte(*patch.Password), s.PasswordCost)
			if err != nil {
				return fmt.Errorf("models: hash password: %w", err)
			}
			// The admin knows this password now: the user must choose their own.
			updates["password_hash"], updates["must_change_password"] = string(hash), true
			u.MustChangePassword = true
		}
		if patch.Active != nil {
			updates["active"] = *patch.Active
			u.Active = *patch.Active
		}
		if wasActiveAdmin && (u.Role != RoleAdmin || !u.Active) {
			if err := tx.keepAnAdmin(ctx, id); err != nil {
				return err
			}
		}
		if len(updates) == 0 {
			out = u
			return nil
		}
		updates["updated_at"] = tx.now()
		if err := tx.conn(ctx).Model(&User{}).Where("id = ?", id).Updates(updates).Error; err != nil {
			return fmt.Errorf("models: update user: %w", err)
		}
		if (patch.Active != nil && !*patch.Active) || patch.Password != nil || patch.Role != nil {
			if err := tx.revokeUserSessions(ctx, id); err != nil {
				return err
			}
		}
		out = u
		return nil
	})
	if err == nil {
		s.forgetUsers(id) // a new name or role is served at once on this instance
	}
	return out, err
}

// ErrLastAdmin refuses to disable or demote the only active admin: nobody could undo it, and
// FRONTLINE_ADMIN_* creates an admin only when none exists at all.
var ErrLastAdmin = &Error{Code: CodeConflict, Message: "this is the only active admin: make another admin first"}

// keepAnAdmin fails with ErrLastAdmin unless an active admin other than id remains. On MySQL
// the other admins' rows are locked, so two admins demoting each other at once cannot both
// succeed; SQLite runs one writing transaction at a time anyway.
func (s *Store) keepAnAdmin(ctx context.Context, id string) error {
	q := s.conn(ctx).Model(&User{}).Where("role = ? AND active = ? AND id <> ?", RoleAdmin, true, id)
	if s.dialect == DialectMySQL {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var others []string
	if err := q.Pluck("id", &others).Error; err != nil {
		return fmt.Errorf("models: count admins: %w", err)
	}
	if len(others) == 0 {
		return ErrLastAdmin
	}
	return nil
}

// ChangePassword sets the user's own new password after checking the old one, clears
// must_change_password, and ends every other sign-in of the user; keepSessionID (the caller's
// own sign-in) stays. A wrong old password is a validation error on old_password.
func (s *Store) ChangePassword(ctx context.Context, userID, keepSessionID, oldPassword, newPassword string) error {
	defer s.forgetUsers(userID) // must_change_password is cleared for the sign-in kept
	return s.Tx(ctx, func(tx *Store) error {
		u, err := tx.FindUser(ctx, userID)
		if err != nil {
			return err
		}
		p := Problems{}
		if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(oldPassword)) != nil {
			p.Add("old_password", "is not your current password")
		} else if oldPassword == newPassword {
			p.Add("new_password", "must differ from the current password")
		}
		if len(p) == 0 {
			validPassword(p, "new_password", newPassword, u.Phone)
		}
		if err := p.Err(); err != nil {
			return err
		}
		hash, err := bcrypt.GenerateFromPassword([]byte(newPassword), s.PasswordCost)
		if err != nil {
			return fmt.Errorf("models: hash password: %w", err)
		}
		err = tx.conn(ctx).Model(&User{}).Where("id = ?", userID).Updates(map[string]any{
			"password_hash": string(hash), "must_change_password": false, "updated_at": tx.now()}).Error
		if err != nil {
			return fmt.Errorf("models: change password: %w", err)
		}
		return tx.RevokeOtherSessions(ctx, userID, keepSessionID)
	})
}

// CheckPassword returns the active user with phone and password. A wrong phone and a wrong
// password give the same error, and both cost one bcrypt comparison so timing tells nothing.
func (s *Store) CheckPassword(ctx context.Context, phone, password string) (*User, error) {
	u, err := s.FindUserByPhone(ctx, phone)
	if err != nil && ErrorCode(err) != CodeNotFound {
		return nil, err
	}
	hash := dummyHash
	if u != nil {
		hash = []byte(u.PasswordHash)
	}
	cmpErr := bcrypt.CompareHashAndPassword(hash, []byte(password))
	if u == nil || cmpErr != nil || !u.Active {
		return nil, ErrBadCredentials
	}
	return u, nil
}

// ErrBadCredentials is the one answer to a wrong phone, a wrong password or a disabled user.
var ErrBadCredentials = &Error{Code: CodeUnauthorized, Message: "wrong phone or password"}

var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("frontline-dummy-password"), bcrypt.DefaultCost)

// EnsureAdmin creates an admin with phone and password when no active admin exists. The
// operator chose that password, so it is not marked for a change.
func (s *Store) EnsureAdmin(ctx context.Context, phone, password string) (created bool, err error) {
	if has, err := s.HasActiveAdmin(ctx); err != nil || has {
		return false, err
	}
	if _, err = s.CreateUser(ctx, firstAdmin(phone, "管理员", password)); err != nil {
		return false, err
	}
	return true, nil
}

// firstAdmin is the account of a county's first admin: at start-up or by the setup link.
func firstAdmin(phone, name, password string) NewUser {
	return NewUser{Phone: phone, Name: name, Password: password, Role: RoleAdmin}
}

// HasActiveAdmin reports whether any active admin exists.
func (s *Store) HasActiveAdmin(ctx context.Context) (bool, error) {
	var n int64
	if err := s.conn(ctx).Model(&User{}).Where("role = ? AND active = ?", RoleAdmin, true).Count(&n).Error; err != nil {
		return false, fmt.Errorf("models: count admins: %w", err)
	}
	return n > 0, nil
}

// AuthState is what every authenticated request checks: the user is active and the login
// has not been revoked.
type AuthState struct {
	User      *User
	SessionOK bool
}

// LoadAuthState returns the user and whether the session is still live, in two primary-key reads.
func (s *Store) LoadAuthState(ctx context.Context, userID, sessionID string) (*AuthState, error) {
	st, _, err := s.loadAuthState(ctx, userID, sessionID)
	return st, err
}

// loadAuthState is LoadAuthState with the session's expiry, which a cached state is checked
// against.
func (s *Store) loadAuthState(ctx context.Context, userID, sessionID string) (*AuthState, time.Time, error) {
	u, err := s.FindUser(ctx, userID)
	if err != nil {
		return nil, time.Time{}, err
	}
	var sess Session
	err = s.conn(ctx).Where("id = ? AND user_id = ?", sessionID, userID).Take(&sess).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return &AuthState{User: u}, time.Time{}, nil
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("models: load session: %w", err)
	}
	return &AuthState{User: u, SessionOK: sess.RevokedAt == nil && sess.ExpiresAt.After(s.now())}, sess.ExpiresAt, nil
}
