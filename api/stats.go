package api

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"frontline/export"
	"frontline/models"

	"github.com/labstack/echo/v4"
)

// stats answers the county dashboard for ?from=&to= (dates, both included; this calendar
// year by default).
func (s *Server) stats(c echo.Context) error {
	st, err := s.store.Stats(c.Request().Context(), models.StatsOptions{From: c.QueryParam("from"), To: c.QueryParam("to"), QuotaCheckFrom: s.quotaCheckFrom})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

func (s *Server) topicLedger(c echo.Context) export.Sheet {
	f := models.LedgerFilter{From: c.QueryParam("from"), To: c.QueryParam("to")}
	return export.TopicLedger(c.Request().Context(), s.store, f)
}

func (s *Server) roomLedger(c echo.Context) export.Sheet {
	return export.RoomLedger(c.Request().Context(), s.store)
}

func (s *Server) exportTopicsCSV(c echo.Context) error  { return s.writeCSV(c, s.topicLedger(c)) }
func (s *Server) exportTopicsXLSX(c echo.Context) error { return s.writeXLSX(c, s.topicLedger(c)) }
func (s *Server) exportRoomsCSV(c echo.Context) error   { return s.writeCSV(c, s.roomLedger(c)) }
func (s *Server) exportRoomsXLSX(c echo.Context) error  { return s.writeXLSX(c, s.roomLedger(c)) }

// writeCSV streams a sheet as CSV, a row as it comes from the database. Nothing is sent
// before the first row is read, so a failing query still answers with a proper error; a
// failure after that aborts the response, so a cut-off file is never taken for a whole one.
func (s *Server) writeCSV(c echo.Context, l export.Sheet) error {
	err := export.WriteCSV(l, func() (io.Writer, error) {
		if err := s.auditExport(c, l, "csv"); err != nil {
			return nil, err
		}
		s.downloadHeaders(c, l, "csv", "text/csv; charset=utf-8")
		c.Response().WriteHeader(http.StatusOK)
		return c.Response(), nil
	})
	if err != nil && c.Response().Committed {
		s.logger(c).Error("export cut off", "ledger", l.ASCII, "err", err)
		panic(http.ErrAbortHandler)
	}
	return err
}

// writeXLSX writes a sheet as a spreadsheet, sent once it is complete, so any failure
// before that answers with a proper error.
func (s *Server) writeXLSX(c echo.Context, l export.Sheet) error {
	book, err := export.XLSX(l)
	if err != nil {
		return err
	}
	defer book.Close()
	if err := s.auditExport(c, l, "xlsx"); err != nil {
		return err
	}
	s.downloadHeaders(c, l, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Response().WriteHeader(http.StatusOK)
	if _, err := book.WriteTo(c.Response()); err != nil {
		s.logger(c).Warn("export cut off", "ledger", l.ASCII, "err", err)
	}
	return nil
}

// downloadHeaders marks the answer as a file to save, named after the ledger and the day:
// an ASCII name for old clients and the Chinese one in RFC 5987 form for the rest.
func (s *Server) downloadHeaders(c echo.Context, l export.Sheet, ext, contentType string) {
	day := s.now().UTC().Format("20060102")
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, contentType)
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s-%s.%s"; filename*=UTF-8''%s`,
		l.ASCII, day, ext, rfc5987(l.Title+"-"+day+"."+ext)))
	// A ledger names people and places: keep it out of shared caches.
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}

// rfc5987 percent-encodes s as an RFC 5987 value: every byte but the attr-chars.
func rfc5987(s string) string {
	const attrChars = "!#$&+-.^_`|~"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte(attrChars, ch) >= 0 {
			b.WriteByte(ch)
		} else {
			fmt.Fprintf(&b, "%%%02X", ch)
		}
	}
	return b.String()
}
