package api

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"

	"frontline/models"

	"github.com/labstack/echo/v4"
	"github.com/xuri/excelize/v2"
)

// countyView lets through those who see the whole county: admins and county reviewers.
var countyView = guard{name: "admin|county reviewer", check: seesAllRooms}

// stats answers the county dashboard for ?from=&to= (dates, both included; this calendar
// year by default).
func (s *Server) stats(c echo.Context) error {
	st, err := s.store.Stats(c.Request().Context(), models.StatsOptions{From: c.QueryParam("from"), To: c.QueryParam("to"), QuotaCheckFrom: s.quotaCheckFrom})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

// ledgerExport is a ledger ready to be written out: what it is called, its columns, and
// where its rows come from.
type ledgerExport struct {
	title   string // Chinese: names the sheet and the file
	ascii   string // the file name for clients that cannot read an RFC 5987 name
	headers []string
	widths  []float64 // column widths in the spreadsheet
	stream  func(fn func(models.LedgerRow) error) error
}

func (s *Server) topicLedger(c echo.Context) ledgerExport {
	f := models.LedgerFilter{From: c.QueryParam("from"), To: c.QueryParam("to")}
	return ledgerExport{title: "议题台账", ascii: "topic-ledger", headers: models.LedgerTopicHeaders,
		widths: []float64{6, 30, 20, 10, 10, 12, 12, 12, 12, 24, 12, 24, 40, 60},
		stream: func(fn func(models.LedgerRow) error) error {
			return s.store.StreamTopicLedger(c.Request().Context(), f, fn)
		}}
}

func (s *Server) roomLedger(c echo.Context) ledgerExport {
	return ledgerExport{title: "议事室台账", ascii: "room-ledger", headers: models.LedgerRoomHeaders,
		widths: []float64{6, 24, 12, 24, 10, 10, 10, 12, 10, 14, 14, 10, 36, 8, 20},
		stream: func(fn func(models.LedgerRow) error) error {
			return s.store.StreamRoomLedger(c.Request().Context(), fn)
		}}
}

func (s *Server) exportTopicsCSV(c echo.Context) error  { return s.writeCSV(c, s.topicLedger(c)) }
func (s *Server) exportTopicsXLSX(c echo.Context) error { return s.writeXLSX(c, s.topicLedger(c)) }
func (s *Server) exportRoomsCSV(c echo.Context) error   { return s.writeCSV(c, s.roomLedger(c)) }
func (s *Server) exportRoomsXLSX(c echo.Context) error  { return s.writeXLSX(c, s.roomLedger(c)) }

// utf8BOM lets Excel read a CSV file as UTF-8 rather than the system's code page.
const utf8BOM = "\uFEFF"

// writeCSV streams a ledger as CSV, a row as it comes from the database. Nothing is sent
// before the first row is read, so a failing query still answers with a proper error; a
// failure after that aborts the response, so a cut-off file is never taken for a whole one.
func (s *Server) writeCSV(c echo.Context, l ledgerExport) error {
	var w *csv.Writer
	start := func() error {
		if err := s.auditExport(c, l, "csv"); err != nil {
			return err
		}
		s.downloadHeaders(c, l, "csv", "text/csv; charset=utf-8")
		c.Response().WriteHeader(http.StatusOK)
		if _, err := c.Response().Write([]byte(utf8BOM)); err != nil {
			return err
		}
		w = csv.NewWriter(c.Response())
		w.UseCRLF = true
		return w.Write(l.headers)
	}
	cells := make([]string, len(l.headers))
	err := l.stream(func(row models.LedgerRow) error {
		if w == nil {
			if err := start(); err != nil {
				return err
			}
		}
		for i, v := range row {
			cells[i] = csvCell(v)
		}
		return w.Write(cells)
	})
	if err == nil && w == nil {
		err = start() // an empty ledger is its header row
	}
	if err == nil {
		w.Flush()
		err = w.Error()
	}
	if err != nil && c.Response().Committed {
		s.logger(c).Error("export cut off", "ledger", l.ascii, "err", err)
		panic(http.ErrAbortHandler)
	}
	return err
}

// csvCell writes a value as text. Text that a spreadsheet would run as a formula is
// prefixed with an apostrophe, which Excel shows as plain text.
func csvCell(v any) string {
	s, ok := v.(string)
	if !ok {
		return fmt.Sprint(v)
	}
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// writeXLSX writes a ledger as a spreadsheet. Rows go through excelize's stream writer,
// which keeps a large sheet in a temporary file rather than in memory; the file is sent once
// it is complete, so any failure before that answers with a proper error.
func (s *Server) writeXLSX(c echo.Context, l ledgerExport) error {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := ledgerSheet(f, l)
	if err != nil {
		return err
	}
	n := 1
	err = l.stream(func(row models.LedgerRow) error {
		n++
		cell, err := excelize.CoordinatesToCellName(1, n)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, row)
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("api: xlsx: %w", err)
	}
	if err := s.auditExport(c, l, "xlsx"); err != nil {
		return err
	}
	s.downloadHeaders(c, l, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Response().WriteHeader(http.StatusOK)
	if err := f.Write(c.Response()); err != nil {
		s.logger(c).Warn("export cut off", "ledger", l.ascii, "err", err)
	}
	return nil
}

// ledgerSheet names the only sheet after the ledger and starts it: column widths, wrapped
// text, a bold header row that stays in view.
func ledgerSheet(f *excelize.File, l ledgerExport) (*excelize.StreamWriter, error) {
	if err := f.SetSheetName("Sheet1", l.title); err != nil {
		return nil, fmt.Errorf("api: xlsx: %w", err)
	}
	sw, err := f.NewStreamWriter(l.title)
	if err != nil {
		return nil, fmt.Errorf("api: xlsx: %w", err)
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8EEF7"}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	if err != nil {
		return nil, fmt.Errorf("api: xlsx: %w", err)
	}
	body, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return nil, fmt.Errorf("api: xlsx: %w", err)
	}
	for i, w := range l.widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return nil, fmt.Errorf("api: xlsx: %w", err)
		}
	}
	if err := sw.SetColStyle(1, len(l.headers), body); err != nil {
		return nil, fmt.Errorf("api: xlsx: %w", err)
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, fmt.Errorf("api: xlsx: %w", err)
	}
	header := make([]any, len(l.headers))
	for i, h := range l.headers {
		header[i] = excelize.Cell{StyleID: head, Value: h}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return nil, fmt.Errorf("api: xlsx: %w", err)
	}
	return sw, nil
}

// downloadHeaders marks the answer as a file to save, named after the ledger and the day:
// an ASCII name for old clients and the Chinese one in RFC 5987 form for the rest.
func (s *Server) downloadHeaders(c echo.Context, l ledgerExport, ext, contentType string) {
	day := s.now().UTC().Format("20060102")
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, contentType)
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s-%s.%s"; filename*=UTF-8''%s`,
		l.ascii, day, ext, rfc5987(l.title+"-"+day+"."+ext)))
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
