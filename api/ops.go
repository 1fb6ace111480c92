package api

import (
	"context"
	_ "embed"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"frontline/models"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type metrics struct {
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	loginFailures prometheus.Counter
	loginAlarms   *prometheus.CounterVec
}

func newMetrics() (*prometheus.Registry, *metrics) {
	reg := prometheus.NewRegistry()
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontline_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "frontline_http_request_duration_seconds", Help: "HTTP request latency by route and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		loginFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "frontline_login_failures_total", Help: "Failed sign-ins, all phones and sources.",
		}),
		loginAlarms: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontline_login_alarms_total",
			Help: "Times failed sign-ins passed an alarm mark in a window: for one phone from all sources (one_phone), or for all phones (all_phones).",
		}, []string{"signal"}),
	}
	m.loginAlarms.WithLabelValues(alarmOnePhone)
	m.loginAlarms.WithLabelValues(alarmAllPhones)
	reg.MustRegister(m.requests, m.duration, m.loginFailures, m.loginAlarms,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg, m
}

// Registry exposes the metrics registry so other parts (the event hub) can add theirs.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// MetricsHandler serves the metrics in Prometheus' format. It is not on the public handler:
// the caller serves it on an address of its own, kept off the internet.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})
}

// knownMethods are the methods counted under their own name; the API uses only these.
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// rejectUnknownMethods answers 501 to any other method before the request is counted or
// logged: a method is the client's own text, and as a label or a log field it would let
// anyone grow the metrics and the log at will.
func rejectUnknownMethods(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !knownMethods[c.Request().Method] {
			return echo.NewHTTPError(http.StatusNotImplemented, "unsupported method")
		}
		return next(c)
	}
}

// methodLabel is the request's method when it is one of knownMethods, else "other".
func methodLabel(m string) string {
	if knownMethods[m] {
		return m
	}
	return "other"
}

// assignRequestID gives every request an id made here. One sent by the client is dropped: it
// would let a caller write what it likes into the log, or pass as another's request.
func assignRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Request().Header.Del(echo.HeaderXRequestID)
		c.Response().Header().Set(echo.HeaderXRequestID, models.NewID())
		return next(c)
	}
}

// apiHeaders marks every API answer, errors included, as not to be stored by any cache nor
// read as anything but its declared type.
func apiHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if strings.HasPrefix(c.Request().URL.Path, "/api/") {
			h := c.Response().Header()
			h.Set("Cache-Control", "no-store")
			h.Set("X-Content-Type-Options", "nosniff")
		}
		return next(c)
	}
}

// observe logs each request once and counts it by its route pattern, never its raw path, so
// ids do not explode the label set and receipt codes stay out of the log. An event stream is
// counted when it goes live: the hub then writes to its connection, and the handler returns.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		routePath := c.Path()
		if routePath == "" {
			routePath = "unmatched"
		}
		method := methodLabel(c.Request().Method)
		status := c.Response().Status
		elapsed := time.Since(start)
		s.metrics.requests.WithLabelValues(routePath, method, strconv.Itoa(status)).Inc()
		s.metrics.duration.WithLabelValues(routePath, method).Observe(elapsed.Seconds())
		if routePath != "/healthz" {
			s.log.Info("request", "method", method, "route", routePath,
				"status", status, "ms", elapsed.Milliseconds(), "request_id", requestID(c))
		}
		return nil
	}
}

// loginAlarm is told by the login limiter when failed sign-ins pass an alarm mark: it is
// logged once per window and counted. The phone is logged with its middle digits hidden.
func (s *Server) loginAlarm(signal, phone string, count int) {
	s.metrics.loginAlarms.WithLabelValues(signal).Inc()
	if phone != "" {
		phone = phone[:3] + "****" + phone[len(phone)-4:]
	}
	s.log.Warn("many failed sign-ins", "signal", signal, "phone", phone, "failures", count, "window", loginWindow.String())
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "version": s.version})
}

// probeStates remember which dependencies were down at the last probe, so a failure is
// logged when it starts and when it ends, not at every probe.
type probeStates struct {
	mu   sync.Mutex
	down map[string]bool
}

// readyz probes the database and every other dependency, each with a short timeout. The
// answer says only which are down; why goes to the log, since the route is public.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{}
	failed := false
	probe := func(name string, fn func(context.Context) error) {
		err := fn(ctx)
		s.ready.mu.Lock()
		was := s.ready.down[name]
		s.ready.down[name] = err != nil
		s.ready.mu.Unlock()
		switch {
		case err != nil && !was:
			s.log.Error("dependency down", "check", name, "err", err)
		case err == nil && was:
			s.log.Info("dependency back", "check", name)
		}
		if err != nil {
			checks[name] = "down"
			failed = true
			return
		}
		checks[name] = "ok"
	}
	probe("database", s.store.Ping)
	for name, fn := range s.probes {
		probe(name, fn)
	}
	if failed {
		return c.JSON(http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "checks": checks})
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ok", "checks": checks})
}

//go:embed openapi.json
var openAPIDoc []byte

func (s *Server) openAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openAPIDoc)
}
