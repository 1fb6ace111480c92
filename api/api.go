// Package api is Frontline's HTTP face: one route table, one error handler, and a handler
// per resource. It orchestrates the models store, the photo store and the event hub.
package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"log/slog"
	"net"
	"net/http"
	"time"

	"frontline/hub"
	"frontline/models"
	"frontline/uploads"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Options are what the server is built from.
type Options struct {
	Store   *models.Store
	Hub     *hub.Hub
	Photos  *uploads.Store // nil: uploads answer 503
	Secret  []byte         // HMAC key of access tokens
	Logger  *slog.Logger   // nil: discard
	Version string
	// Static serves the installable app at the root; nil serves nothing there.
	Static http.Handler
	// Probes are checked by /readyz besides the database, by name (e.g. "photos").
	Probes map[string]func(context.Context) error
	// QuotaCheckFrom ("MM-DD") is the day of the year from which rooms below the activity
	// quota are flagged; empty: the models default.
	QuotaCheckFrom string
	// CountyName heads the public pages and printed records; empty: models.DefaultCountyName.
	CountyName string
	// PhotoQuota bounds each user's uploads; nil: models.DefaultPhotoQuota.
	PhotoQuota *models.PhotoQuota
	// TrustedProxies are the proxies whose X-Forwarded-For entries are believed; the client
	// is the right-most address that is not one of them. Empty: the socket's peer.
	TrustedProxies []*net.IPNet
	// AuditRetention is how long audit rows are kept, ResidentRetention how long a
	// resident's name and phone outlive the opinion's purpose; zero: the defaults.
	AuditRetention, ResidentRetention time.Duration
	// PushKey is the VAPID public key browsers subscribe with; empty: push is off.
	PushKey string
	// PushAllowHosts ("host:port") may be push endpoints although they are not public.
	PushAllowHosts []string
	// Now replaces the clock in tests.
	Now func() time.Time
}

// Server holds the dependencies every handler uses.
type Server struct {
	store          *models.Store
	hub            *hub.Hub
	photos         *uploads.Store
	secret         []byte
	checkinKey     models.CheckinKey
	log            *slog.Logger
	version        string
	now            func() time.Time
	probes         map[string]func(context.Context) error
	loginLimit     *loginLimiter
	receiptLimit   *windowLimiter
	ready          probeStates
	quotaCheckFrom string
	countyName     string
	photoQuota     models.PhotoQuota
	linkPhotoQuota models.PhotoQuota
	// unitAddrLimit and unitLinkLimit bound what reaches the unit pages: per client address,
	// and per link (a leaked link used from many addresses).
	unitAddrLimit, unitLinkLimit *windowLimiter
	metrics                      *metrics
	registry                     *prometheus.Registry
	routes                       []route
	// auditRetention and residentRetention are the periods of the retention job.
	auditRetention, residentRetention time.Duration
	// pushKeyPublic and pushAllowHosts: see Options.PushKey and PushAllowHosts.
	pushKeyPublic  string
	pushAllowHosts []string
}

// route is one line of the route table: where, what, and who may call it.
type route struct {
	Method, Path string
	Guard        string
}

// JSON bodies are small; photos have their own, larger limit on their route.
const jsonBodyLimit = "1M"

// New builds the Echo instance with every route.
func New(opt Options) (*echo.Echo, *Server) {
	s := &Server{store: opt.Store, hub: opt.Hub, photos: opt.Photos, secret: opt.Secret, log: opt.Logger, version: opt.Version, now: opt.Now, probes: opt.Probes, quotaCheckFrom: opt.QuotaCheckFrom}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = func() time.Time { return time.Now().UTC() }
	}
	s.countyName = opt.CountyName
	if s.countyName == "" {
		s.countyName = models.DefaultCountyName
	}
	s.photoQuota = models.DefaultPhotoQuota
	if opt.PhotoQuota != nil {
		s.photoQuota = *opt.PhotoQuota
	}
	s.auditRetention, s.residentRetention = opt.AuditRetention, opt.ResidentRetention
	s.checkinKey = checkinKey(opt.Secret)
	s.pushKeyPublic, s.pushAllowHosts = opt.PushKey, opt.PushAllowHosts
	s.registry, s.metrics = newMetrics()
	s.loginLimit = newLoginLimiter(s.now, s.loginAlarm)
	s.loginLimit.failed = s.metrics.loginFailures.Inc
	s.receiptLimit = newWindowLimiter(s.now, time.Minute, 30)
	s.unitAddrLimit = newWindowLimiter(s.now, time.Minute, 30)
	s.unitLinkLimit = newWindowLimiter(s.now, time.Minute, 20)
	s.linkPhotoQuota = models.UnitLinkPhotoQuota
	s.ready.down = map[string]bool{}
	// The database pool: open, in use and idle connections, and waits for one.
	if db, err := s.store.DB().DB(); err == nil {
		s.registry.MustRegister(collectors.NewDBStatsCollector(db, "frontline"))
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.IPExtractor = ipExtractor(opt.TrustedProxies)
	e.Use(assignRequestID)
	e.Use(apiHeaders)
	e.Use(s.recoverPanics)
	e.Use(rejectUnknownMethods)
	e.Use(s.observe)

	// Metrics are not served here but on an address of their own: see MetricsHandler.
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)

	// JSON bodies are capped here; the photo route sets its own, larger cap.
	g := e.Group("/api/v1", middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
		Limit: jsonBodyLimit, Skipper: func(c echo.Context) bool {
			// Photos and the import have their own, larger caps.
			switch c.Path() {
			case "/api/v1/photos", "/api/v1/unit-replies/:token/photos", "/api/v1/imports/users":
				return true
			}
			return false
		},
	}), s.authenticate)
	add := func(method, path string, h echo.HandlerFunc, gd guard) {
		g.Add(method, path, h, gd.middleware, canonicalIDs)
		s.routes = append(s.routes, route{Method: method, Path: "/api/v1" + path, Guard: gd.name})
	}
	admin := requireRole(models.RoleAdmin)

	// The route table: every endpoint and who may call it. Finer checks (a room's convener,
	// a reviewer of this room) are the policy's (models.Viewer), asked by the store.
	add(http.MethodGet, "/openapi.json", s.openAPI, public)
	add(http.MethodPost, "/auth/login", s.login, public)
	add(http.MethodPost, "/auth/refresh", s.refresh, public)
	add(http.MethodPost, "/auth/logout", s.logout, public)
	add(http.MethodPost, "/setup", s.setup, public) // the first admin, by the one-time link the log printed
	add(http.MethodGet, "/me", s.me, ownAccount)
	add(http.MethodPost, "/me/password", s.changePassword, ownAccount)

	add(http.MethodPost, "/users", s.createUser, admin)
	add(http.MethodGet, "/users", s.listUsers, admin)
	add(http.MethodGet, "/users/:id", s.getUser, admin)
	add(http.MethodPatch, "/users/:id", s.updateUser, admin)
	add(http.MethodGet, "/imports/users/template.xlsx", s.importTemplate, admin)
	add(http.MethodPost, "/imports/users", s.importUsers, admin)

	add(http.MethodPost, "/rooms", s.createRoom, admin)
	add(http.MethodGet, "/rooms", s.listRooms, signedIn)
	add(http.MethodGet, "/rooms/:id", s.getRoom, signedIn)
	add(http.MethodPut, "/rooms/:id", s.updateRoom, admin)
	add(http.MethodPut, "/rooms/:id/members/:user_id", s.setMember, admin)
	add(http.MethodDelete, "/rooms/:id/members/:user_id", s.removeMember, admin)

	add(http.MethodGet, "/categories", s.listCategories, signedIn)
	add(http.MethodPost, "/categories", s.addCategory, admin)

	// Uploads are for those who can attach a photo to something (opinions, topics and
	// steps: members; room activities: members and admins).
	add(http.MethodPost, "/photos", s.uploadPhoto, requireRole(models.RoleMember, models.RoleAdmin))
	add(http.MethodGet, "/photos/:id", s.getPhoto, signedIn)
	// A room's conveners choose which photos the public pages show.
	add(http.MethodPut, "/photos/:id/public", s.setPhotoPublic, requireRole(models.RoleMember))

	add(http.MethodPost, "/opinions", s.createOpinion, requireRole(models.RoleMember))
	add(http.MethodGet, "/opinions", s.listOpinions, signedIn)
	add(http.MethodGet, "/opinions/:id", s.getOpinion, signedIn)
	add(http.MethodPatch, "/opinions/:id", s.updateOpinionStatus, requireRole(models.RoleMember))

	add(http.MethodPost, "/topics", s.createTopic, requireRole(models.RoleMember))
	add(http.MethodGet, "/topics", s.listTopics, signedIn)
	add(http.MethodGet, "/topics/:id", s.getTopic, signedIn)
	add(http.MethodPatch, "/topics/:id", s.updateTopic, requireRole(models.RoleMember))
	add(http.MethodPost, "/topics/:id/submit", s.submitTopic, requireRole(models.RoleMember))
	add(http.MethodPost, "/topics/:id/reviews", s.reviewTopic, requireRole(models.RoleReviewer))

	add(http.MethodPut, "/topics/:id/plan", s.savePlan, requireRole(models.RoleMember))
	add(http.MethodGet, "/topics/:id/plan", s.getPlan, signedIn)
	add(http.MethodPost, "/topics/:id/research", s.addResearch, requireRole(models.RoleMember))
	add(http.MethodPost, "/topics/:id/meeting", s.holdMeeting, requireRole(models.RoleMember))
	add(http.MethodGet, "/topics/:id/activities", s.topicActivities, signedIn)
	add(http.MethodPost, "/topics/:id/outcome", s.publishOutcome, requireRole(models.RoleMember))
	add(http.MethodGet, "/topics/:id/outcome", s.getOutcome, signedIn)
	add(http.MethodPost, "/recommendations/:id/progress", s.addProgress, requireRole(models.RoleMember))
	add(http.MethodPost, "/rooms/:id/activities", s.createActivity, requireRole(models.RoleMember, models.RoleAdmin))
	add(http.MethodGet, "/rooms/:id/activities", s.roomActivities, signedIn)
	add(http.MethodGet, "/activities/:id", s.getActivity, signedIn)
	add(http.MethodGet, "/activities/:id/attendance", s.listAttendance, signedIn)
	add(http.MethodPut, "/activities/:id/attendance/:user_id", s.markAttendance, requireRole(models.RoleMember, models.RoleAdmin))
	add(http.MethodPost, "/activities/:id/checkin-codes", s.issueCheckinCodes, requireRole(models.RoleMember, models.RoleAdmin))
	add(http.MethodPost, "/activities/:id/leave", s.askLeave, signedIn)
	add(http.MethodPost, "/checkins", s.checkIn, signedIn)
	add(http.MethodGet, "/receipts/:code", s.getReceipt, public)
	// The public pages' data: outcomes without personal data, cacheable.
	add(http.MethodGet, "/public/county", s.publicCounty, public)
	add(http.MethodGet, "/public/rooms/:id", s.publicRoom, public)
	add(http.MethodPost, "/receipts/:code/rating", s.rateReceipt, public)

	// Responsible units answer a recommendation through a link the convener shares: no
	// sign-in, the token in the path is the credential (see units.go).
	add(http.MethodPost, "/recommendations/:id/unit-link", s.issueUnitLink, requireRole(models.RoleMember))
	add(http.MethodDelete, "/recommendations/:id/unit-link", s.revokeUnitLink, requireRole(models.RoleMember))
	add(http.MethodGet, "/unit-replies/:token", s.getUnitLink, public)
	add(http.MethodPost, "/unit-replies/:token", s.addUnitReply, public)
	add(http.MethodPost, "/unit-replies/:token/photos", s.uploadUnitPhoto, public)

	add(http.MethodPost, "/events/ticket", s.eventTicket, signedIn)
	add(http.MethodGet, "/events", s.eventStream, public) // authenticates by ticket or bearer itself
	add(http.MethodGet, "/notifications", s.listNotifications, signedIn)
	add(http.MethodPost, "/notifications/read", s.readNotifications, signedIn)
	add(http.MethodPost, "/announcements", s.createAnnouncement, admin)
	add(http.MethodGet, "/push/key", s.pushKey, signedIn)
	add(http.MethodPost, "/push/subscriptions", s.subscribePush, signedIn)
	add(http.MethodDelete, "/push/subscriptions", s.unsubscribePush, signedIn)

	// The county dashboard and the ledgers: for those who see the whole county.
	add(http.MethodGet, "/stats", s.stats, countyView)
	add(http.MethodGet, "/exports/topics.csv", s.exportTopicsCSV, countyView)
	add(http.MethodGet, "/exports/topics.xlsx", s.exportTopicsXLSX, countyView)
	add(http.MethodGet, "/exports/rooms.csv", s.exportRoomsCSV, countyView)
	add(http.MethodGet, "/exports/rooms.xlsx", s.exportRoomsXLSX, countyView)
	// The duty record (履职): each member's own credits and file, everyone's for the county,
	// and the rules the admin sets.
	add(http.MethodGet, "/me/credits", s.myCredits, signedIn)
	add(http.MethodGet, "/members/:id/file", s.memberFile, signedIn) // the member themself or the county: models.Viewer
	add(http.MethodGet, "/credits", s.countyCredits, countyView)
	add(http.MethodGet, "/exports/duty.xlsx", s.exportDutyXLSX, countyView)
	add(http.MethodGet, "/credit-rules", s.getCreditRule, admin)
	add(http.MethodPut, "/credit-rules", s.putCreditRule, admin)
	add(http.MethodPost, "/credit-rules/:year/rescore", s.rescoreCredits, admin)

	add(http.MethodGet, "/audit", s.listAudit, admin)
	add(http.MethodGet, "/exports/audit.xlsx", s.exportAuditXLSX, admin)

	// Anything else under /api answers a JSON 404 rather than the app's index page.
	e.Any("/api/*", func(echo.Context) error { return echo.ErrNotFound })
	if s.photos != nil {
		if files := s.photos.Handler(); files != nil {
			// Photos on local disk are served here, behind their signed links.
			e.GET("/files/*", echo.WrapHandler(files))
			e.HEAD("/files/*", echo.WrapHandler(files))
		}
	}
	if opt.Static != nil {
		e.GET("/*", echo.WrapHandler(opt.Static))
		e.HEAD("/*", echo.WrapHandler(opt.Static))
	}
	return e, s
}

// checkinKey derives the key that signs check-in codes from the token secret, so that no
// token key signs a code.
func checkinKey(secret []byte) models.CheckinKey {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("checkin"))
	return m.Sum(nil)
}

// ipExtractor finds the client's address. Without trusted proxies it is the socket's peer,
// whatever the headers say; with them, the right-most X-Forwarded-For entry that is not a
// trusted proxy (the left ones are the client's to write).
func ipExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// Routes lists the API routes with their guards, for tests and the OpenAPI check.
func (s *Server) Routes() []route { return s.routes }

// recoverPanics turns a panic in a handler into a logged 500 instead of a dead connection.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.log.Error("panic in handler", "panic", r, "path", c.Path(), "request_id", requestID(c))
				err = echo.NewHTTPError(http.StatusInternalServerError)
			}
		}()
		return next(c)
	}
}
