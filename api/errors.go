package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"frontline/models"

	"github.com/labstack/echo/v4"
)

// errorBody is the one error shape of the API.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

var statusByCode = map[string]int{
	models.CodeBadRequest:             http.StatusBadRequest,
	models.CodeUnauthorized:           http.StatusUnauthorized,
	models.CodeForbidden:              http.StatusForbidden,
	models.CodePasswordChangeRequired: http.StatusForbidden,
	models.CodeNotFound:               http.StatusNotFound,
	models.CodeConflict:               http.StatusConflict,
	models.CodeWrongState:             http.StatusConflict,
	models.CodeTooLarge:               http.StatusRequestEntityTooLarge,
	models.CodeUnsupported:            http.StatusUnsupportedMediaType,
	models.CodeInvalid:                http.StatusUnprocessableEntity,
	models.CodeRateLimited:            http.StatusTooManyRequests,
	models.CodeUnavailable:            http.StatusServiceUnavailable,
}

// codeByStatus names Echo's own errors (unknown route, wrong method, body too large).
var codeByStatus = map[int]string{
	http.StatusBadRequest:            models.CodeBadRequest,
	http.StatusUnauthorized:          models.CodeUnauthorized,
	http.StatusForbidden:             models.CodeForbidden,
	http.StatusNotFound:              models.CodeNotFound,
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusRequestEntityTooLarge: models.CodeTooLarge,
	http.StatusUnsupportedMediaType:  models.CodeUnsupported,
	http.StatusTooManyRequests:       models.CodeRateLimited,
	http.StatusServiceUnavailable:    models.CodeUnavailable,
}

// errorHandler turns every error a handler returns into the API's error shape. Domain errors
// carry their own code; anything unexpected is logged once here and shown as a generic 500.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, body := s.describe(err, c)
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	if status == http.StatusTooManyRequests {
		var rl *rateLimited
		if errors.As(err, &rl) {
			c.Response().Header().Set("Retry-After", fmt.Sprint(rl.retryAfterSeconds()))
		}
	}
	if werr := c.JSON(status, body); werr != nil {
		s.log.Warn("write error response", "err", werr)
	}
}

func (s *Server) describe(err error, c echo.Context) (int, errorBody) {
	var me *models.Error
	if errors.As(err, &me) {
		status, ok := statusByCode[me.Code]
		if !ok {
			status = http.StatusInternalServerError
		}
		return status, errorBody{errorDetail{Code: me.Code, Message: me.Message, Fields: me.Fields}}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code, ok := codeByStatus[he.Code]
		if !ok {
			code = strings.ToLower(strings.ReplaceAll(http.StatusText(he.Code), " ", "_"))
		}
		msg := http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok && m != "" {
			msg = m
		}
		if he.Code == http.StatusNotFound {
			msg = "no such resource"
		}
		if he.Code >= 500 {
			s.log.Error("request failed", "err", err, "path", c.Path(), "request_id", requestID(c))
		}
		return he.Code, errorBody{errorDetail{Code: code, Message: msg}}
	}
	if models.DatabaseDown(err) {
		s.log.Error("database unavailable", "err", err, "method", c.Request().Method, "path", c.Path(), "request_id", requestID(c))
		return http.StatusServiceUnavailable, errorBody{errorDetail{Code: models.CodeUnavailable, Message: "the database is unavailable; try again shortly"}}
	}
	s.log.Error("request failed", "err", err, "method", c.Request().Method, "path", c.Path(), "request_id", requestID(c))
	return http.StatusInternalServerError, errorBody{errorDetail{Code: "internal", Message: "internal error; it has been logged"}}
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// bind reads a JSON body into dst. A body that is not JSON is 400, a wrong type is 400 with
// the field named, and a body over the limit is 413.
func bind(c echo.Context, dst any) error {
	req := c.Request()
	if ct := req.Header.Get(echo.HeaderContentType); ct != "" && !strings.HasPrefix(strings.ToLower(ct), echo.MIMEApplicationJSON) {
		return models.Errorf(models.CodeUnsupported, "send JSON with Content-Type: application/json")
	}
	dec := json.NewDecoder(req.Body)
	if err := dec.Decode(dst); err != nil {
		var maxErr *http.MaxBytesError
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &maxErr):
			return models.Errorf(models.CodeTooLarge, "request body too large")
		case errors.As(err, &typeErr):
			field := typeErr.Field
			if field == "" {
				field = "body"
			}
			return &models.Error{Code: models.CodeBadRequest, Message: "malformed request",
				Fields: map[string]string{field: "must be a " + jsonKind(typeErr.Type.Kind().String())}}
		default:
			return models.Errorf(models.CodeBadRequest, "malformed JSON body")
		}
	}
	if dec.More() {
		return models.Errorf(models.CodeBadRequest, "malformed JSON body: more than one value")
	}
	return nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "list"
	case "struct", "map", "ptr":
		return "object"
	default:
		return "number"
	}
}

// logger returns the request-scoped logger.
func (s *Server) logger(c echo.Context) *slog.Logger {
	return s.log.With("request_id", requestID(c))
}
