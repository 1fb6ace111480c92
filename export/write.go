package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// utf8BOM lets Excel read a CSV file as UTF-8 rather than the system's code page.
const utf8BOM = "\uFEFF"

// WriteCSV streams s as CSV, a row as it comes. begin is called once, before anything is
// written (before the first row is read when there is none, else once it has been read), and
// returns where the file goes: so a sheet whose first read fails has written nothing, and
// the caller can still answer with a proper error. An error after begin leaves a cut-off
// file behind, which the caller must not pass off as whole.
func WriteCSV(s Sheet, begin func() (io.Writer, error)) error {
	var w *csv.Writer
	start := func() error {
		out, err := begin()
		if err != nil {
			return err
		}
		if _, err := io.WriteString(out, utf8BOM); err != nil {
			return err
		}
		w = csv.NewWriter(out)
		w.UseCRLF = true
		return w.Write(s.Headers)
	}
	cells := make([]string, len(s.Headers))
	err := s.Rows(func(row Row) error {
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
		err = start() // an empty sheet is its header row
	}
	if err != nil {
		return err
	}
	w.Flush()
	return w.Error()
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

// Workbook is a sheet written as an XLSX file, complete and ready to send. Close it.
type Workbook struct{ f *excelize.File }

// WriteTo writes the file to w.
func (b *Workbook) WriteTo(w io.Writer) (int64, error) { return b.f.WriteTo(w) }

// Close removes the temporary files the workbook may hold.
func (b *Workbook) Close() error { return b.f.Close() }

// XLSX writes s as a spreadsheet. Rows go through excelize's stream writer, which keeps a
// large sheet in a temporary file rather than in memory; the file is returned only once it
// is complete, so any failure comes before a byte of it is sent.
func XLSX(s Sheet) (*Workbook, error) {
	f := excelize.NewFile()
	sw, err := startSheet(f, s)
	if err == nil {
		n := 1
		err = s.Rows(func(row Row) error {
			n++
			cell, err := excelize.CoordinatesToCellName(1, n)
			if err != nil {
				return err
			}
			return sw.SetRow(cell, row)
		})
	}
	if err == nil {
		if err = sw.Flush(); err != nil {
			err = fmt.Errorf("export: xlsx: %w", err)
		}
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return &Workbook{f: f}, nil
}

// startSheet names the only sheet after the ledger and starts it: column widths, wrapped
// text, a bold header row that stays in view.
func startSheet(f *excelize.File, s Sheet) (*excelize.StreamWriter, error) {
	if err := f.SetSheetName("Sheet1", s.Title); err != nil {
		return nil, fmt.Errorf("export: xlsx: %w", err)
	}
	sw, err := f.NewStreamWriter(s.Title)
	if err != nil {
		return nil, fmt.Errorf("export: xlsx: %w", err)
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8EEF7"}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	if err != nil {
		return nil, fmt.Errorf("export: xlsx: %w", err)
	}
	body, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return nil, fmt.Errorf("export: xlsx: %w", err)
	}
	for i, w := range s.Widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return nil, fmt.Errorf("export: xlsx: %w", err)
		}
	}
	if err := sw.SetColStyle(1, len(s.Headers), body); err != nil {
		return nil, fmt.Errorf("export: xlsx: %w", err)
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, fmt.Errorf("export: xlsx: %w", err)
	}
	header := make([]any, len(s.Headers))
	for i, h := range s.Headers {
		header[i] = excelize.Cell{StyleID: head, Value: h}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return nil, fmt.Errorf("export: xlsx: %w", err)
	}
	return sw, nil
}
