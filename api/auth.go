package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"frontline/models"

	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"
)

// AccessTTL is the lifetime of an access token.
const AccessTTL = 15 * time.Minute

// claims are the fields of an access token.
type claims struct {
	Role string `json:"role"`
	SID  string `json:"sid"`
	jwt.RegisteredClaims
}

// ctxUser is the echo.Context key of the authenticated user.
const ctxUser = "frontline.user"

// ctxAuthErr is the echo.Context key of why a bearer token sent with the request was not
// taken: the guard of a route that needs a user answers with it.
const ctxAuthErr = "frontline.auth_error"

var errUnauthenticated = models.Errorf(models.CodeUnauthorized, "sign in first: a valid bearer token is required")

func (s *Server) issueAccess(u *models.User, sessionID string) (string, error) {
	now := s.now()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims{
		Role: u.Role,
		SID:  sessionID,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   u.ID,
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(AccessTTL)),
			ID:        models.NewID(),
		},
	})
	return tok.SignedString(s.secret)
}

// parseAccess verifies an access token: HS256 only, good signature, not expired.
func (s *Server) parseAccess(raw string) (*claims, error) {
	var cl claims
	_, err := jwt.ParseWithClaims(raw, &cl, func(*jwt.Token) (any, error) { return s.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(s.now),
	)
	if err != nil || cl.Subject == "" || cl.SID == "" {
		return nil, errUnauthenticated
	}
	return &cl, nil
}

// authenticate resolves the bearer token, when one is sent, to an active user with a live
// session. It does not require one: guards decide that, so a public route still sees who
// calls it. A header that names no user (malformed, expired, a sign-in that ended) leaves
// the request anonymous: a public route such as login or refresh still works for a phone
// that holds a stale token, and the guard of any other route answers 401 with the reason.
// Only a failure to check (the database down) fails the request here.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		if h == "" {
			return next(c)
		}
		scheme, raw, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
			c.Set(ctxAuthErr, errUnauthenticated)
			return next(c)
		}
		u, err := s.userForToken(c, strings.TrimSpace(raw))
		if models.ErrorCode(err) == models.CodeUnauthorized {
			c.Set(ctxAuthErr, err)
			return next(c)
		}
		if err != nil {
			return err
		}
		c.Set(ctxUser, u)
		return next(c)
	}
}

func (s *Server) userForToken(c echo.Context, raw string) (*models.User, error) {
	cl, err := s.parseAccess(raw)
	if err != nil {
		return nil, err
	}
	st, err := s.store.AuthState(c.Request().Context(), cl.Subject, cl.SID)
	if models.ErrorCode(err) == models.CodeNotFound {
		return nil, errUnauthenticated
	}
	if err != nil {
		return nil, err
	}
	if !st.User.Active || !st.SessionOK {
		return nil, models.Errorf(models.CodeUnauthorized, "this sign-in has ended; sign in again")
	}
	return st.User, nil
}

// authError is the 401 for a request without a user: why its bearer token was not taken,
// or that none was sent.
func authError(c echo.Context) error {
	if err, ok := c.Get(ctxAuthErr).(error); ok {
		return err
	}
	return errUnauthenticated
}

// currentUser returns the authenticated user; guards make sure there is one.
func currentUser(c echo.Context) *models.User {
	u, _ := c.Get(ctxUser).(*models.User)
	return u
}

// ctxViewer is the echo.Context key of the caller as the policy sees them.
const ctxViewer = "frontline.viewer"

// viewer returns the caller as the policy sees them (models.Viewer), reading their room
// roles once per request however many decisions the request makes.
func (s *Server) viewer(c echo.Context) (*models.Viewer, error) {
	if v, ok := c.Get(ctxViewer).(*models.Viewer); ok {
		return v, nil
	}
	v, err := s.store.Viewer(c.Request().Context(), currentUser(c))
	if err != nil {
		return nil, err
	}
	c.Set(ctxViewer, v)
	return v, nil
}

// A guard decides whether the caller may reach a route: 401 when not signed in, 403 when
// signed in but not allowed, or when the user must first replace a password an admin chose
// (unless the guard is one of the few that lead there).
type guard struct {
	name  string
	check func(u *models.User) bool
	// beforePasswordChange lets through users whose password an admin chose.
	beforePasswordChange bool
}

var (
	public   = guard{name: "public"}
	signedIn = guard{name: "signed in", check: func(*models.User) bool { return true }}
	// ownAccount is signedIn for the routes a user needs to replace an admin's password.
	ownAccount = guard{name: "signed in (own account)", check: signedIn.check, beforePasswordChange: true}
	// countyView lets through those who see the whole county (models.CountyViewers).
	countyView = guard{name: "admin|county reviewer", check: models.SeesCounty}
)

// errPasswordChangeRequired answers every other route while an admin's password stands.
var errPasswordChangeRequired = models.Errorf(models.CodePasswordChangeRequired, "choose your own password first (POST /api/v1/me/password)")

// requireRole lets through users with one of roles.
func requireRole(roles ...string) guard {
	return guard{name: strings.Join(roles, "|"), check: func(u *models.User) bool {
		for _, r := range roles {
			if u.Role == r {
				return true
			}
		}
		return false
	}}
}

func (g guard) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	if g.check == nil {
		return next
	}
	return func(c echo.Context) error {
		u := currentUser(c)
		if u == nil {
			return authError(c)
		}
		if u.MustChangePassword && !g.beforePasswordChange {
			return errPasswordChangeRequired
		}
		if !g.check(u) {
			return models.Errorf(models.CodeForbidden, "your role may not do this")
		}
		return next(c)
	}
}

// tokenPair is the answer to a login or a refresh.
type tokenPair struct {
	AccessToken  string       `json:"access_token"`
	RefreshToken string       `json:"refresh_token"`
	TokenType    string       `json:"token_type"`
	ExpiresIn    int          `json:"expires_in"`
	User         *models.User `json:"user"`
}

func (s *Server) pair(u *models.User, sessionID, refresh string) (*tokenPair, error) {
	access, err := s.issueAccess(u, sessionID)
	if err != nil {
		return nil, err
	}
	return &tokenPair{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer", ExpiresIn: int(AccessTTL / time.Second), User: u}, nil
}

type loginRequest struct {
	Phone    string `json:"phone"`
	Password string `json:"password"`
}

func (s *Server) login(c echo.Context) error {
	var req loginRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	phone, ip := strings.TrimSpace(req.Phone), c.RealIP()
	if !models.ValidPhone(phone) {
		phone = "" // not a phone: a failed sign-in counted against the source, never kept as a key
	}
	if err := s.loginLimit.check(phone, ip); err != nil {
		return err
	}
	var u *models.User
	var err error = models.ErrBadCredentials
	if phone != "" {
		u, err = s.store.CheckPassword(ctx, phone, req.Password)
	}
	if err != nil {
		if errors.Is(err, models.ErrBadCredentials) {
			s.loginLimit.fail(phone, ip)
			if aerr := s.audit(c, s.store, models.AuditSignInFailed, "", "", typedPhone(phone)); aerr != nil {
				return aerr
			}
		}
		return err
	}
	s.loginLimit.succeed(phone, ip)
	c.Set(ctxUser, u) // from here the request is theirs, and the audit row names them
	if err := s.audit(c, s.store, models.AuditSignIn, models.AuditKindUser, u.ID, nil); err != nil {
		return err
	}
	return s.startSession(c, http.StatusOK, u)
}

// startSession signs u in: a new session, and its token pair as the answer with status.
func (s *Server) startSession(c echo.Context, status int, u *models.User) error {
	sess, refresh, err := s.store.StartSession(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	p, err := s.pair(u, sess.ID, refresh)
	if err != nil {
		return err
	}
	return c.JSON(status, p)
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

func (s *Server) refresh(c echo.Context) error {
	var req refreshRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.RefreshToken == "" {
		return models.Invalid("refresh_token", "is required")
	}
	sess, u, fresh, err := s.store.RotateRefresh(c.Request().Context(), req.RefreshToken)
	if err != nil {
		return err
	}
	p, err := s.pair(u, sess.ID, fresh)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) logout(c echo.Context) error {
	var req refreshRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if err := s.store.EndSessionByToken(c.Request().Context(), req.RefreshToken); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// meResponse is the signed-in user with their rooms.
type meResponse struct {
	*models.User
	Memberships []membershipRef `json:"memberships"`
	UnreadCount int64           `json:"unread_count"`
	// May is what the app may offer this user (models.Viewer.Abilities).
	May models.Abilities `json:"may"`
}

type membershipRef struct {
	RoomID string `json:"room_id"`
	Role   string `json:"role"`
}

func (s *Server) me(c echo.Context) error {
	u := currentUser(c)
	ms, err := s.store.Memberships(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	out := meResponse{User: u, Memberships: make([]membershipRef, len(ms))}
	for i, m := range ms {
		out.Memberships[i] = membershipRef{RoomID: m.RoomID, Role: m.Role}
	}
	if out.UnreadCount, err = s.store.UnreadCount(c.Request().Context(), u.ID); err != nil {
		return err
	}
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	out.May = v.Abilities()
	return c.JSON(http.StatusOK, out)
}
