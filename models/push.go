package models

import (
	"context"
	"crypto/ecdh"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// MaxPushSubscriptions is how many devices one user may have subscribed at once.
const MaxPushSubscriptions = 10

// MaxPushEndpoint is the longest endpoint URL accepted, in bytes; browsers' are a few hundred.
const MaxPushEndpoint = 1024

// PushSubscription is one browser's Web Push subscription, kept for the sign-in that made it:
// when that sign-in ends, the device gets no more notices. Its id is the SHA-256 of the
// endpoint, so one browser has one row whoever subscribes it.
type PushSubscription struct {
	ID         string    `json:"-" gorm:"primaryKey"`
	UserID     string    `json:"-"`
	SessionID  string    `json:"-"`
	Endpoint   string    `json:"endpoint"`
	P256dh     string    `json:"-" gorm:"column:p256dh"`
	Auth       string    `json:"-"`
	KindList   string    `json:"-" gorm:"column:kinds"`
	Kinds      []string  `json:"kinds" gorm:"-"`
	AfterID    int64     `json:"-"`
	Failures   int       `json:"-"`
	RetryAt    time.Time `json:"-"`
	LeaseOwner string    `json:"-"`
	LeaseUntil time.Time `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func (p *PushSubscription) fill() {
	p.Kinds = []string{}
	if p.KindList != "" {
		p.Kinds = strings.Split(p.KindList, ",")
	}
}

// Wants reports whether the subscription's user chose to be pushed events of type kind.
func (p *PushSubscription) Wants(kind string) bool {
	for _, k := range strings.Split(p.KindList, ",") {
		if k == kind {
			return true
		}
	}
	return false
}

// PushKeys are the browser's keys of a subscription, base64url as PushSubscription.toJSON
// gives them.
type PushKeys struct {
	P256dh string `json:"p256dh"`
	Auth   string `json:"auth"`
}

// PushSubscriptionInput is a browser's PushSubscription JSON plus the kinds to push; without
// kinds, every kind.
type PushSubscriptionInput struct {
	Endpoint string    `json:"endpoint"`
	Keys     PushKeys  `json:"keys"`
	Kinds    *[]string `json:"kinds"`
	// ExpirationTime is sent by browsers and ignored: a dead endpoint answers 404 or 410.
	ExpirationTime any `json:"expirationTime"`
}

// Validate checks the endpoint against the push-service rules (see CheckPushEndpoint), the
// keys' lengths and curve, and the kinds.
func (in *PushSubscriptionInput) Validate(allowHosts []string) error {
	p := Problems{}
	if why := CheckPushEndpoint(in.Endpoint, allowHosts); why != "" {
		p.Add("endpoint", why)
	}
	if b, err := decodeB64URL(in.Keys.P256dh); err != nil || len(b) != 65 {
		p.Add("keys.p256dh", "must be an uncompressed P-256 public key (65 bytes, base64url)")
	} else if _, err := ecdh.P256().NewPublicKey(b); err != nil {
		p.Add("keys.p256dh", "is not a point on P-256")
	}
	if b, err := decodeB64URL(in.Keys.Auth); err != nil || len(b) != 16 {
		p.Add("keys.auth", "must be a 16-byte secret, base64url")
	}
	if in.Kinds != nil {
		if len(*in.Kinds) > len(PushKindWords) {
			p.Add("kinds", fmt.Sprintf("must list at most %d kinds", len(PushKindWords)))
		}
		for _, k := range *in.Kinds {
			if !PushKindWords.Has(k) {
				p.Add("kinds", "must be kinds of notice: "+strings.Join(PushKindWords.Codes(), ", "))
			}
		}
	}
	return p.Err()
}

// kindList is the chosen kinds in the order of PushKindWords, each once.
func (in *PushSubscriptionInput) kindList() string {
	if in.Kinds == nil {
		return strings.Join(PushKindWords.Codes(), ",")
	}
	var out []string
	for _, w := range PushKindWords {
		for _, k := range *in.Kinds {
			if k == w.Code {
				out = append(out, k)
				break
			}
		}
	}
	return strings.Join(out, ",")
}

func decodeB64URL(s string) ([]byte, error) {
	if len(s) > 200 {
		return nil, errors.New("too long")
	}
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// CheckPushEndpoint says why raw cannot be a push endpoint, or "" when it can. A push
// service is a public HTTPS host on port 443: an endpoint naming this network's own hosts
// (loopback, private, link-local, a bare or .local name) would let a user make the server
// call inside its network. Hosts in allowHosts ("host:port", e.g. a test's push service)
// are exempt, over http too. The sender checks each address again as it connects, since a
// name may resolve elsewhere later (see notify's dialer).
func CheckPushEndpoint(raw string, allowHosts []string) string {
	if raw == "" {
		return "is required"
	}
	if len(raw) > MaxPushEndpoint {
		return fmt.Sprintf("must be at most %d bytes", MaxPushEndpoint)
	}
	tp := Problems{}
	if CheckText(tp, "endpoint", raw, 0, false); len(tp) > 0 {
		return "must be a URL without control characters"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "must be an absolute URL"
	}
	if u.User != nil || u.Fragment != "" {
		return "must not carry credentials or a fragment"
	}
	if PushHostAllowed(u.Host, u.Scheme, allowHosts) {
		return ""
	}
	if u.Scheme != "https" {
		return "must be an https URL"
	}
	if p := u.Port(); p != "" && p != "443" {
		return "must use port 443"
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if addr, err := netip.ParseAddr(host); err == nil {
		if !PublicAddr(addr) {
			return "must be a public address"
		}
		return ""
	}
	if !strings.Contains(host, ".") || host == "localhost" {
		return "must be a public host name"
	}
	for _, suffix := range []string{".localhost", ".local", ".internal", ".lan", ".home.arpa", ".intranet", ".corp"} {
		if strings.HasSuffix(host, suffix) {
			return "must be a public host name"
		}
	}
	return ""
}

// PushHostAllowed reports whether hostport (with scheme) is one the configuration lets the
// push sender reach although it is not public.
func PushHostAllowed(hostport, scheme string, allowHosts []string) bool {
	if scheme != "https" && scheme != "http" {
		return false
	}
	h, p, err := net.SplitHostPort(hostport)
	if err != nil {
		h, p = hostport, map[string]string{"https": "443", "http": "80"}[scheme]
	}
	for _, a := range allowHosts {
		if strings.EqualFold(net.JoinHostPort(h, p), a) {
			return true
		}
	}
	return false
}

// PublicAddr reports whether addr is reachable on the public internet: not loopback,
// private, link-local, shared (CGNAT), multicast, unspecified, reserved, or a NAT64 or
// 6to4 wrapping of such an address.
func PublicAddr(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsGlobalUnicast() || addr.IsPrivate() || addr.IsLoopback() || addr.IsLinkLocalUnicast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

var nonPublic = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "64:ff9b::/96", "64:ff9b:1::/48", "2002::/16",
		"2001::/32", "2001:db8::/32", "100::/64"} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// pushID is a subscription's id: the SHA-256 of its endpoint.
func pushID(endpoint string) string {
	sum := sha256.Sum256([]byte(endpoint))
	return hex.EncodeToString(sum[:])
}

// SavePushSubscription subscribes a browser for the user's sign-in session. The same
// endpoint again updates its keys and kinds (created false); from another user or sign-in it
// moves to them, starting from now. A new device starts at the newest event: it is pushed
// what happens from now on. A user has at most MaxPushSubscriptions devices (409).
func (s *Store) SavePushSubscription(ctx context.Context, userID, sessionID string, in PushSubscriptionInput, allowHosts []string) (*PushSubscription, bool, error) {
	if err := in.Validate(allowHosts); err != nil {
		return nil, false, err
	}
	id := pushID(in.Endpoint)
	var out PushSubscription
	created := false
	err := s.Tx(ctx, func(tx *Store) error {
		now := tx.now()
		last, err := tx.LastEventID(ctx)
		if err != nil {
			return err
		}
		err = tx.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&out).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			var n int64
			if err := tx.conn(ctx).Model(&PushSubscription{}).Where("user_id = ?", userID).Count(&n).Error; err != nil {
				return err
			}
			if n >= MaxPushSubscriptions {
				return Errorf(CodeConflict, "at most %d devices may receive notices; turn one off first", MaxPushSubscriptions)
			}
			out = PushSubscription{ID: id, UserID: userID, SessionID: sessionID, Endpoint: in.Endpoint, P256dh: in.Keys.P256dh,
				Auth: in.Keys.Auth, KindList: in.kindList(), AfterID: last, RetryAt: now, LeaseUntil: now, CreatedAt: now, UpdatedAt: now}
			created = true
			return tx.conn(ctx).Create(&out).Error
		case err != nil:
			return err
		}
		if out.UserID != userID || out.SessionID != sessionID {
			// Another sign-in on this browser: it gets nothing meant for the one before.
			out.AfterID, out.Failures, out.RetryAt = last, 0, now
		}
		out.UserID, out.SessionID, out.P256dh, out.Auth, out.KindList, out.UpdatedAt = userID, sessionID, in.Keys.P256dh, in.Keys.Auth, in.kindList(), now
		return tx.conn(ctx).Model(&PushSubscription{}).Where("id = ?", id).Updates(map[string]any{
			"user_id": out.UserID, "session_id": out.SessionID, "p256dh": out.P256dh, "auth": out.Auth, "kinds": out.KindList,
			"after_id": out.AfterID, "failures": out.Failures, "retry_at": out.RetryAt, "updated_at": now}).Error
	})
	if err != nil {
		return nil, false, wrap("save push subscription", err)
	}
	out.fill()
	return &out, created, nil
}

// DeletePushSubscription drops the user's subscription of endpoint; 404 when the user has
// none there.
func (s *Store) DeletePushSubscription(ctx context.Context, userID, endpoint string) error {
	if endpoint == "" || len(endpoint) > MaxPushEndpoint {
		return Invalid("endpoint", "must name a subscribed endpoint")
	}
	res := s.conn(ctx).Where("id = ? AND user_id = ?", pushID(endpoint), userID).Delete(&PushSubscription{})
	if res.Error != nil {
		return fmt.Errorf("models: delete push subscription: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// DropPushSubscription deletes a subscription the push service says is gone.
func (s *Store) DropPushSubscription(ctx context.Context, id string) error {
	if err := s.conn(ctx).Where("id = ?", id).Delete(&PushSubscription{}).Error; err != nil {
		return fmt.Errorf("models: drop push subscription: %w", err)
	}
	return nil
}

// DropEndedPushSubscriptions deletes the subscriptions whose sign-in ended (logout,
// revocation, expiry) or whose user was disabled, and returns how many went.
func (s *Store) DropEndedPushSubscriptions(ctx context.Context) (int64, error) {
	now := s.now()
	res := s.conn(ctx).Where("session_id NOT IN (SELECT id FROM sessions WHERE revoked_at IS NULL AND expires_at > ?)"+
		" OR user_id NOT IN (SELECT id FROM users WHERE active = ?)", now, true).Delete(&PushSubscription{})
	if res.Error != nil {
		return 0, fmt.Errorf("models: drop ended push subscriptions: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// DuePushSubscriptions lists the subscriptions not held back by a failure nor leased to an
// instance now.
func (s *Store) DuePushSubscriptions(ctx context.Context) ([]PushSubscription, error) {
	now := s.now()
	var out []PushSubscription
	if err := s.conn(ctx).Where("retry_at <= ? AND lease_until <= ?", now, now).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("models: due push subscriptions: %w", err)
	}
	for i := range out {
		out[i].fill()
	}
	return out, nil
}

// PendingPushEvents returns, in id order, up to limit events after the subscription's
// watermark that its user receives and chose to be pushed, created at or before settled
// (events younger than that may still have a lower-numbered neighbour uncommitted).
func (s *Store) PendingPushEvents(ctx context.Context, p *PushSubscription, settled time.Time, limit int) ([]Event, error) {
	if p.KindList == "" {
		return nil, nil
	}
	var out []Event
	err := s.conn(ctx).Where("id > ? AND (recipient_id = ? OR recipient_id IS NULL) AND type IN ? AND created_at <= ?",
		p.AfterID, p.UserID, strings.Split(p.KindList, ","), settled.UTC()).Order("id").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("models: pending push events: %w", err)
	}
	return out, nil
}

// Lease is an instance's hold on one delivery watermark (a push subscription's, or an
// outside channel's cursor): only its owner moves the watermark until it expires.
type Lease struct {
	table, id, owner string
	ttl              time.Duration
}

// ClaimPushSubscription takes the subscription for owner for ttl, provided no other
// instance holds it and its watermark is still afterID (so the events the caller read are
// the ones to send). The conditional UPDATE is the claim: of instances racing, one wins.
func (s *Store) ClaimPushSubscription(ctx context.Context, id string, afterID int64, owner string, ttl time.Duration) (*Lease, error) {
	return s.claim(ctx, "push_subscriptions", id, afterID, owner, ttl)
}

func (s *Store) claim(ctx context.Context, table, id string, afterID int64, owner string, ttl time.Duration) (*Lease, error) {
	now := s.now()
	res := s.conn(ctx).Table(table).Where("id = ? AND after_id = ? AND lease_until <= ? AND retry_at <= ?", id, afterID, now, now).
		Updates(map[string]any{"lease_owner": owner, "lease_until": now.Add(ttl)})
	if res.Error != nil {
		return nil, fmt.Errorf("models: claim %s: %w", table, res.Error)
	}
	if res.RowsAffected != 1 {
		return nil, nil
	}
	return &Lease{table: table, id: id, owner: owner, ttl: ttl}, nil
}

// Advance records that everything up to eventID was served, and renews the lease. It
// reports false when the lease was lost (expired and taken): the caller must stop.
func (s *Store) Advance(ctx context.Context, l *Lease, eventID int64) (bool, error) {
	now := s.now()
	res := s.conn(ctx).Table(l.table).Where("id = ? AND lease_owner = ? AND lease_until > ? AND after_id < ?", l.id, l.owner, now, eventID).
		Updates(map[string]any{"after_id": eventID, "failures": 0, "lease_until": now.Add(l.ttl)})
	if res.Error != nil {
		return false, fmt.Errorf("models: advance %s: %w", l.table, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Fail records a failed attempt: the watermark stays, and nobody tries again before retry.
// It returns the number of failures in a row.
func (s *Store) Fail(ctx context.Context, l *Lease, retry time.Time) (int, error) {
	err := s.conn(ctx).Table(l.table).Where("id = ? AND lease_owner = ?", l.id, l.owner).
		Updates(map[string]any{"failures": gorm.Expr("failures + 1"), "retry_at": retry.UTC()}).Error
	if err != nil {
		return 0, fmt.Errorf("models: fail %s: %w", l.table, err)
	}
	var n int
	if err := s.conn(ctx).Table(l.table).Where("id = ?", l.id).Select("failures").Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("models: fail %s: %w", l.table, err)
	}
	return n, nil
}

// Release gives the lease back so another pass may start at once.
func (s *Store) Release(ctx context.Context, l *Lease) error {
	err := s.conn(ctx).Table(l.table).Where("id = ? AND lease_owner = ?", l.id, l.owner).
		Updates(map[string]any{"lease_owner": "", "lease_until": s.now()}).Error
	if err != nil {
		return fmt.Errorf("models: release %s: %w", l.table, err)
	}
	return nil
}

// NotifyCursor is how far an outside channel has read the events outbox.
type NotifyCursor struct {
	ID         string `gorm:"primaryKey"`
	AfterID    int64
	Failures   int
	RetryAt    time.Time
	LeaseOwner string
	LeaseUntil time.Time
}

// TableName names the cursors' table.
func (NotifyCursor) TableName() string { return "notify_cursors" }

// ClaimNotifyCursor takes the named channel's cursor for owner for ttl, making it at the
// newest event the first time (a new channel starts from now). It returns nil when another
// instance holds it or it waits for a retry.
func (s *Store) ClaimNotifyCursor(ctx context.Context, name, owner string, ttl time.Duration) (*NotifyCursor, *Lease, error) {
	last, err := s.LastEventID(ctx)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	fresh := NotifyCursor{ID: name, AfterID: last, RetryAt: now, LeaseUntil: now}
	if err := s.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&fresh).Error; err != nil {
		return nil, nil, fmt.Errorf("models: notify cursor: %w", err)
	}
	var c NotifyCursor
	if err := s.conn(ctx).Where("id = ?", name).Take(&c).Error; err != nil {
		return nil, nil, fmt.Errorf("models: notify cursor: %w", err)
	}
	l, err := s.claim(ctx, "notify_cursors", name, c.AfterID, owner, ttl)
	if err != nil || l == nil {
		return nil, nil, err
	}
	return &c, l, nil
}

// ChannelEvents returns, in id order, up to limit events for one recipient each, of the
// given types, after afterID and created at or before settled.
func (s *Store) ChannelEvents(ctx context.Context, afterID int64, types []string, settled time.Time, limit int) ([]Event, error) {
	var out []Event
	err := s.conn(ctx).Where("id > ? AND recipient_id IS NOT NULL AND type IN ? AND created_at <= ?", afterID, types, settled.UTC()).
		Order("id").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("models: channel events: %w", err)
	}
	return out, nil
}
