package api

import (
	"context"
	_ "embed"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
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
	}
	reg.MustRegister(m.requests, m.duration, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg, m
}

// Registry exposes the metrics registry so other parts (the event hub) can add theirs.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// observe logs each request once and counts it by its route pattern, never its raw path, so
// ids do not explode the label set. An event stream is counted when it goes live: the hub
// then writes to its connection, and the handler returns.
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
		status := c.Response().Status
		elapsed := time.Since(start)
		s.metrics.requests.WithLabelValues(routePath, c.Request().Method, strconv.Itoa(status)).Inc()
		s.metrics.duration.WithLabelValues(routePath, c.Request().Method).Observe(elapsed.Seconds())
		if routePath != "/healthz" && routePath != "/metrics" {
			s.log.Info("request", "method", c.Request().Method, "path", c.Request().URL.Path, "route", routePath,
				"status", status, "ms", elapsed.Milliseconds(), "request_id", requestID(c))
		}
		return nil
	}
}

func (s *Server) metricsHandler() echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "version": s.version})
}

// readyz probes the database and every other dependency, each with a short timeout, and
// names the ones that failed.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{}
	failed := false
	probe := func(name string, fn func(context.Context) error) {
		if err := fn(ctx); err != nil {
			checks[name] = "down: " + err.Error()
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
