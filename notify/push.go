package notify

import (
	"context"
	"crypto/ecdh"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"frontline/models"

	webpush "github.com/SherClockHolmes/webpush-go"
)

// VAPID is the server's identity towards push services (RFC 8292): a P-256 key pair,
// base64url, and a contact (mailto: or https:).
type VAPID struct {
	Public, Private, Subject string
}

// GenerateVAPID makes a new key pair.
func GenerateVAPID() (private, public string, err error) {
	return webpush.GenerateVAPIDKeys()
}

// CheckVAPID says what is wrong with a key pair, or nil: both decode, and the public key is
// the private key's.
func CheckVAPID(private, public string) error {
	pk, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(private, "="))
	if err != nil || len(pk) != 32 {
		return errors.New("the private key must be 32 bytes, base64url")
	}
	k, err := ecdh.P256().NewPrivateKey(pk)
	if err != nil {
		return fmt.Errorf("the private key: %w", err)
	}
	pub, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(public, "="))
	if err != nil || string(pub) != string(k.PublicKey().Bytes()) {
		return errors.New("the public key is not the private key's (65 bytes, base64url)")
	}
	return nil
}

// Push delivery outcomes other than success.
var (
	// ErrGone: the push service no longer knows the subscription (404, 410); drop it.
	ErrGone = errors.New("notify: push subscription gone")
	// ErrRefused: the endpoint leads to an address the server must not call; drop it.
	ErrRefused = errors.New("notify: push endpoint refused")
	// ErrRejected: the push service refused this message (400, 413 …); skip it.
	ErrRejected = errors.New("notify: push message rejected")
)

// SendTimeout bounds one request to a push service.
const SendTimeout = 10 * time.Second

// Pusher sends Web Push messages, encrypted for the subscription (RFC 8291, aes128gcm) and
// signed with the server's VAPID key. It connects only to public addresses, or to the hosts
// the configuration allows; the check is made on the address dialled, so a name that
// resolves inside the network later is still refused.
type Pusher struct {
	vapid  VAPID
	allow  []string
	client *http.Client
}

// NewPusher makes a sender with the server's keys; allowHosts ("host:port") may be reached
// although they are not public (a push service inside the network, or a test's).
func NewPusher(v VAPID, allowHosts []string) *Pusher {
	p := &Pusher{vapid: v, allow: allowHosts}
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !models.PublicAddr(ap.Addr()) {
			return fmt.Errorf("%w: %s is not a public address", ErrRefused, address)
		}
		return nil
	}}
	plain := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		Proxy: nil, // the address check must see the push service itself
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			for _, a := range p.allow {
				if strings.EqualFold(a, addr) {
					return plain.DialContext(ctx, network, addr)
				}
			}
			return dialer.DialContext(ctx, network, addr)
		},
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: SendTimeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       time.Minute,
	}
	p.client = &http.Client{Transport: tr, Timeout: SendTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return p
}

// PublicKey is the key browsers subscribe with (applicationServerKey).
func (p *Pusher) PublicKey() string { return p.vapid.Public }

// Send pushes payload to sub. It returns nil when the push service took it, ErrGone,
// ErrRefused or ErrRejected as they say, and any other error for a failure worth a retry
// (a timeout, 429, 5xx, or the service refusing our key).
func (p *Pusher) Send(ctx context.Context, sub *models.PushSubscription, payload []byte, urgency webpush.Urgency) error {
	if models.CheckPushEndpoint(sub.Endpoint, p.allow) != "" {
		return ErrRefused
	}
	subject := p.vapid.Subject
	// The library adds mailto: to anything that is not an https URL.
	subject = strings.TrimPrefix(subject, "mailto:")
	resp, err := webpush.SendNotificationWithContext(ctx, payload, &webpush.Subscription{Endpoint: sub.Endpoint,
		Keys: webpush.Keys{P256dh: sub.P256dh, Auth: sub.Auth}}, &webpush.Options{HTTPClient: p.client, Subscriber: subject,
		VAPIDPublicKey: p.vapid.Public, VAPIDPrivateKey: p.vapid.Private, TTL: 24 * 3600, Urgency: urgency})
	if err != nil {
		if errors.Is(err, ErrRefused) {
			return ErrRefused
		}
		return fmt.Errorf("notify: push: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return nil
	case c == http.StatusNotFound || c == http.StatusGone:
		return ErrGone
	case c == http.StatusTooManyRequests || c >= 500 || c == http.StatusUnauthorized || c == http.StatusForbidden:
		return fmt.Errorf("notify: push service answered %d", c)
	default:
		return fmt.Errorf("%w: push service answered %d", ErrRejected, c)
	}
}
