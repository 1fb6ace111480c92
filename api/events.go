package api

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"frontline/hub"
	"frontline/models"

	"github.com/labstack/echo/v4"
)

// Live events: a ticket to open the stream from a browser, the stream itself, the same events
// as stored notices, and announcements.

const (
	// TicketTTL is how long an event-stream ticket can be used.
	TicketTTL = 60 * time.Second
	// streamWriteTimeout bounds each write of a stream's head and replay.
	streamWriteTimeout = 10 * time.Second
	// replayBatch is how many stored events a reconnecting stream reads per query.
	replayBatch = 500
)

// streamOpening is sent at once: a comment, so proxies and the client see the stream live,
// and how long the client should wait before reconnecting.
var streamOpening = []byte(": frontline events\nretry: 3000\n\n")

// ticketResponse is the answer to POST /events/ticket.
type ticketResponse struct {
	Ticket    string `json:"ticket"`
	ExpiresIn int    `json:"expires_in"`
}

// eventTicket issues a ticket for the event stream: a browser's EventSource cannot send an
// Authorization header, so it puts this in the URL instead. The ticket is signed (any
// instance can check it), names the user and the sign-in, and works once within TicketTTL.
func (s *Server) eventTicket(c echo.Context) error {
	u := currentUser(c)
	cl, err := s.bearerClaims(c)
	if err != nil {
		return err
	}
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	t := eventTicketClaims{UserID: u.ID, SessionID: cl.SID, Expires: s.now().Add(TicketTTL).Unix(),
		AccessUntil: cl.ExpiresAt.Unix(), Nonce: hex.EncodeToString(nonce)}
	if err := s.store.AddEventTicket(c.Request().Context(), t.Nonce, t.UserID, time.Unix(t.Expires, 0)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ticketResponse{Ticket: t.sign(s.secret), ExpiresIn: int(TicketTTL / time.Second)})
}

// bearerClaims reads the claims of the request's access token; authenticate checked it.
func (s *Server) bearerClaims(c echo.Context) (*claims, error) {
	_, raw, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
	return s.parseAccess(strings.TrimSpace(raw))
}

// eventTicketClaims is what a ticket says. On the wire it is base64url(user.session.expiry.
// access.nonce) "." base64url(HMAC-SHA256 of that under a key derived for tickets alone).
type eventTicketClaims struct {
	UserID, SessionID string
	Expires           int64 // Unix seconds: the ticket's own end
	AccessUntil       int64 // Unix seconds: the end of the access token it was bought with
	Nonce             string
}

func ticketMAC(secret []byte, payload string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("frontline event ticket\x00"))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

func (t eventTicketClaims) sign(secret []byte) string {
	payload := t.UserID + "." + t.SessionID + "." + strconv.FormatInt(t.Expires, 10) + "." +
		strconv.FormatInt(t.AccessUntil, 10) + "." + t.Nonce
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(ticketMAC(secret, payload))
}

var errBadTicket = models.Errorf(models.CodeUnauthorized, "the event ticket is invalid, expired or used; ask for a new one")

// parseTicket checks a ticket's signature and expiry; it does not spend it.
func parseTicket(secret []byte, raw string, now time.Time) (*eventTicketClaims, error) {
	enc := base64.RawURLEncoding
	p64, m64, ok := strings.Cut(raw, ".")
	if !ok {
		return nil, errBadTicket
	}
	payload, err1 := enc.DecodeString(p64)
	mac, err2 := enc.DecodeString(m64)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, ticketMAC(secret, string(payload))) {
		return nil, errBadTicket
	}
	parts := strings.Split(string(payload), ".")
	if len(parts) != 5 {
		return nil, errBadTicket
	}
	exp, err1 := strconv.ParseInt(parts[2], 10, 64)
	until, err2 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil || now.Unix() >= exp {
		return nil, errBadTicket
	}
	return &eventTicketClaims{UserID: parts[0], SessionID: parts[1], Expires: exp, AccessUntil: until, Nonce: parts[4]}, nil
}

// ticketSignin spends a ticket and returns its user and sign-in; streamUser then checks the
// sign-in is still live.
func (s *Server) ticketSignin(ctx context.Context, raw string) (string, hub.Signin, error) {
	now := s.now()
	t, err := parseTicket(s.secret, raw, now)
	if err != nil {
		return "", hub.Signin{}, err
	}
	first, err := s.store.UseEventTicket(ctx, t.Nonce, t.UserID, now)
	if err != nil {
		return "", hub.Signin{}, err
	}
	if !first {
		return "", hub.Signin{}, errBadTicket
	}
	return t.UserID, hub.Signin{Session: t.SessionID, Until: time.Unix(t.AccessUntil, 0)}, nil
}

// streamUser returns the user of a stream whose sign-in is still live. It is called after
// the stream subscribed: a sign-in that ends later closes the subscription through its
// session.ended event, one that ended before is caught here, so none slips between.
func (s *Server) streamUser(ctx context.Context, userID, sessionID string) (*models.User, error) {
	st, err := s.store.LoadAuthState(ctx, userID, sessionID)
	if models.ErrorCode(err) == models.CodeNotFound {
		return nil, errBadTicket
	}
	if err != nil {
		return nil, err
	}
	if !st.User.Active || !st.SessionOK {
		return nil, models.Errorf(models.CodeUnauthorized, "this sign-in has ended; sign in again")
	}
	if st.User.MustChangePassword {
		return nil, errPasswordChangeRequired
	}
	return st.User, nil
}

// eventStream serves GET /events: a user's events as server-sent events. It subscribes
// first, then replays what the client missed (after Last-Event-ID), then goes live; ids the
// replay sent are not sent again live, and nothing committed meanwhile is missed. The
// connection is then handed to the hub, which writes to it without a goroutine of its own
// per stream, so a stream needs plain HTTP/1.1 (nginx speaks it to the server). The
// stream belongs to one sign-in: it ends when that sign-in ends, on whichever instance, and
// when the access it was opened with runs out.
func (s *Server) eventStream(c echo.Context) error {
	ctx := c.Request().Context()
	var (
		userID string
		in     hub.Signin
	)
	if raw := c.QueryParam("ticket"); raw != "" {
		var err error
		if userID, in, err = s.ticketSignin(ctx, raw); err != nil {
			return err
		}
	} else if u := currentUser(c); u != nil {
		cl, err := s.bearerClaims(c)
		if err != nil {
			return err
		}
		userID, in = u.ID, hub.Signin{Session: cl.SID, Until: cl.ExpiresAt.Time}
	} else {
		return authError(c)
	}
	lastID, resume, err := lastEventID(c)
	if err != nil {
		return err
	}
	if s.hub == nil {
		return models.Errorf(models.CodeUnavailable, "live events are not available on this server")
	}

	sub := s.hub.Subscribe(userID, in)
	handedOver := false
	defer func() {
		if !handedOver {
			sub.Close()
		}
	}()
	u, err := s.streamUser(ctx, userID, in.Session)
	if err != nil {
		return err
	}
	r := c.Request()
	if !hub.DirectWrites() || r.TLS != nil {
		// The hub writes streams itself, on the connection taken over from the HTTP server.
		return echo.NewHTTPError(http.StatusHTTPVersionNotSupported, "event streams need a plain HTTP/1.1 connection (behind the proxy)")
	}
	// The response's head goes out at once, written by hand on the connection taken over: the
	// body is close-delimited (no chunked framing), so each event is one plain write.
	conn, _, err := http.NewResponseController(c.Response().Writer).Hijack()
	if err != nil {
		return echo.NewHTTPError(http.StatusHTTPVersionNotSupported, "event streams need a plain HTTP/1.1 connection (behind the proxy)")
	}
	c.Response().Committed = true
	_ = conn.SetDeadline(time.Time{}) // the server's timeouts would cut the stream
	h := c.Response().Header().Clone()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	h.Set("Connection", "close")
	st := &sseWriter{conn: conn, buf: append(make([]byte, 0, 512), "HTTP/1.1 200 OK\r\n"...)}
	for k, vs := range h {
		for _, v := range vs {
			st.buf = append(append(append(append(st.buf, k...), ": "...), v...), "\r\n"...)
		}
	}
	st.buf = append(st.buf, "\r\n"...)
	if st.write(streamOpening) != nil || st.flush() != nil {
		_ = conn.Close()
		return nil
	}
	var skip []int64
	if resume {
		if skip, err = s.replay(ctx, st, u.ID, lastID, sub.Floor()); err != nil {
			if ctx.Err() == nil {
				s.logger(c).Warn("event stream replay failed", "err", err, "user_id", u.ID)
			}
			_ = conn.Close()
			return nil
		}
	}
	_ = conn.SetWriteDeadline(time.Time{})
	handedOver = true
	if err := sub.Attach(conn, skip); err != nil {
		s.logger(c).Error("event stream: cannot hand the connection to the hub", "err", err)
		sub.Close()
		_ = conn.Close()
	}
	return nil
}

// replay writes the user's events after lastID, in id order, and returns the ids at or
// above floor: those may still arrive live and must not be sent twice. When history has
// been pruned past lastID the client gets a resync event instead and should reload; what
// comes after it is replayed as usual.
func (s *Server) replay(ctx context.Context, st *sseWriter, userID string, lastID, floor int64) ([]int64, error) {
	oldest, err := s.store.OldestEventID(ctx)
	if err != nil {
		return nil, err
	}
	if oldest > 0 && lastID < oldest-1 {
		newest, err := s.store.LastEventID(ctx)
		if err != nil {
			return nil, err
		}
		resync := hub.Format(&models.Event{ID: newest, Type: models.EventResync, Payload: []byte("{}")})
		if err := st.write(resync); err != nil {
			return nil, err
		}
		// The client reloads: it holds, as it were, every id up to the newest.
		lastID = newest
	}
	// The client already holds every id up to lastID. Those at or above floor may still be
	// on their way live (a fan-out or the tail has not reached them yet): they go in skip too,
	// or the client would see them twice.
	var skip []int64
	for from := floor - 1; from < lastID; {
		evs, err := s.store.EventsAfter(ctx, userID, from, replayBatch)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			if e.ID <= lastID {
				skip = append(skip, e.ID)
			}
		}
		if len(evs) < replayBatch {
			break
		}
		from = evs[len(evs)-1].ID
	}
	for {
		evs, err := s.store.EventsAfter(ctx, userID, lastID, replayBatch)
		if err != nil {
			return nil, err
		}
		for i := range evs {
			if err := st.write(hub.Format(&evs[i])); err != nil {
				return nil, err
			}
			if evs[i].ID >= floor {
				skip = append(skip, evs[i].ID)
			}
			lastID = evs[i].ID
		}
		if err := st.flush(); err != nil {
			return nil, err
		}
		if len(evs) < replayBatch {
			return skip, nil
		}
	}
}

// lastEventID reads Last-Event-ID, from the header an EventSource sends on reconnect or from
// ?last_event_id= for the first connection of a client that kept it.
func lastEventID(c echo.Context) (int64, bool, error) {
	v := strings.TrimSpace(c.Request().Header.Get("Last-Event-ID"))
	if v == "" {
		v = strings.TrimSpace(c.QueryParam("last_event_id"))
	}
	if v == "" {
		return 0, false, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 0 {
		return 0, false, &models.Error{Code: models.CodeBadRequest, Message: "malformed request",
			Fields: map[string]string{"last_event_id": "must be an event id"}}
	}
	return id, true, nil
}

// sseWriter writes the head and the replay of a stream on its connection, gathered into
// few writes, each with a deadline so a client that stopped reading cannot hold the handler
// forever.
type sseWriter struct {
	conn net.Conn
	buf  []byte
}

func (st *sseWriter) write(b []byte) error {
	st.buf = append(st.buf, b...)
	if len(st.buf) >= 32<<10 {
		return st.flush()
	}
	return nil
}

func (st *sseWriter) flush() error {
	if len(st.buf) == 0 {
		return nil
	}
	if err := st.conn.SetWriteDeadline(time.Now().Add(streamWriteTimeout)); err != nil {
		return err
	}
	_, err := st.conn.Write(st.buf)
	st.buf = st.buf[:0]
	return err
}

// listNotifications lists the caller's notices newest first: ?unread=true, ?limit=,
// ?cursor= (the next_cursor of the previous page).
func (s *Server) listNotifications(c echo.Context) error {
	f := models.NotificationFilter{UserID: currentUser(c).ID, Limit: models.DefaultLimit}
	prob := models.Problems{}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > models.MaxLimit {
			prob.Add("limit", "must be between 1 and "+strconv.Itoa(models.MaxLimit))
		}
		f.Limit = n
	}
	if v := c.QueryParam("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			prob.Add("cursor", "is not a cursor this server issued")
		}
		f.BeforeID = n
	}
	if v := c.QueryParam("unread"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			prob.Add("unread", "must be true or false")
		}
		f.UnreadOnly = b
	}
	if err := prob.Err(); err != nil {
		return err
	}
	items, next, err := s.store.ListNotifications(c.Request().Context(), f)
	if err != nil {
		return err
	}
	cursor := ""
	if next > 0 {
		cursor = strconv.FormatInt(next, 10)
	}
	return c.JSON(http.StatusOK, listOf(items, cursor))
}

// readRequest marks notices read up to an id.
type readRequest struct {
	UpToID *int64 `json:"up_to_id"`
}

func (s *Server) readNotifications(c echo.Context) error {
	var req readRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.UpToID == nil {
		return models.Invalid("up_to_id", "is required")
	}
	if err := s.store.MarkRead(c.Request().Context(), currentUser(c).ID, *req.UpToID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// announcement is a notice from the admins to everyone, or to the members of one room. It
// is both the request (without id) and the answer, and the data of its events.
type announcement struct {
	ID     string  `json:"id"`
	Title  string  `json:"title"`
	Body   string  `json:"body"`
	RoomID *string `json:"room_id"`
}

// validate trims and checks an announcement; an empty room_id means everyone.
func (a *announcement) validate() error {
	a.Title, a.Body = strings.TrimSpace(a.Title), strings.TrimSpace(a.Body)
	if a.RoomID != nil && strings.TrimSpace(*a.RoomID) == "" {
		a.RoomID = nil
	}
	p := models.Problems{}
	if n := utf8.RuneCountInString(a.Title); n < 1 || n > 100 {
		p.Add("title", "must be 1 to 100 characters")
	}
	if n := utf8.RuneCountInString(a.Body); n < 1 || n > 5000 {
		p.Add("body", "must be 1 to 5000 characters")
	}
	models.CheckText(p, "title", a.Title, models.MaxAnnouncementTitle, false)
	models.CheckText(p, "body", a.Body, models.MaxAnnouncementBody, true)
	if a.RoomID != nil {
		models.CheckID(p, "room_id", *a.RoomID)
	}
	return p.Err()
}

// createAnnouncement stores an announcement event for each recipient in one transaction;
// the hub delivers it from the outbox.
func (s *Server) createAnnouncement(c echo.Context) error {
	var a announcement
	if err := bind(c, &a); err != nil {
		return err
	}
	if err := a.validate(); err != nil {
		return err
	}
	a.ID = models.NewID()
	ctx := c.Request().Context()
	err := s.store.Tx(ctx, func(tx *models.Store) error {
		n := models.Notice{Type: models.EventAnnouncement, Data: a, Everyone: a.RoomID == nil}
		if a.RoomID != nil {
			if _, err := tx.FindRoom(ctx, *a.RoomID); err != nil {
				return err
			}
			members, err := tx.RoomMemberIDs(ctx, *a.RoomID)
			if err != nil {
				return err
			}
			n.Recipients = members
		}
		if _, err := tx.AddEvents(ctx, n); err != nil {
			return err
		}
		return s.audit(c, tx, models.AuditAnnouncement, models.AuditKindAnnouncement, a.ID, map[string]any{"title": a.Title, "room_id": a.RoomID})
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, a)
}
