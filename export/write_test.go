package export

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func sheetOf(rows []Row, fail error) Sheet {
	return Sheet{Title: "表", ASCII: "t", Headers: []string{"序号", "内容"}, Rows: func(fn func(Row) error) error {
		if fail != nil {
			return fail
		}
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}}
}

// TestWriteCSV: nothing is begun when the first read fails, an empty sheet is its header
// row, and text a spreadsheet would run as a formula is written as text.
func TestWriteCSV(t *testing.T) {
	var out bytes.Buffer
	begun := 0
	begin := func() (io.Writer, error) { begun++; return &out, nil }
	boom := errors.New("query failed")
	if err := WriteCSV(sheetOf(nil, boom), begin); err != boom || begun != 0 {
		t.Fatalf("failed read: %v, begun %d times", err, begun)
	}
	if err := WriteCSV(sheetOf(nil, nil), begin); err != nil || begun != 1 || out.String() != utf8BOM+"序号,内容\r\n" {
		t.Fatalf("empty sheet: %v %q", err, out.String())
	}
	out.Reset()
	if err := WriteCSV(sheetOf([]Row{{1, "=1+1"}, {2, "好"}}, nil), begin); err != nil || begun != 2 ||
		out.String() != utf8BOM+"序号,内容\r\n1,'=1+1\r\n2,好\r\n" {
		t.Fatalf("rows: %v %q", err, out.String())
	}
}

// TestXLSXFailsBeforeSending: a sheet whose read fails gives no workbook.
func TestXLSXFailsBeforeSending(t *testing.T) {
	boom := errors.New("query failed")
	if b, err := XLSX(sheetOf(nil, boom)); err != boom || b != nil {
		t.Fatalf("XLSX of a failing sheet: %v %v", b, err)
	}
	b, err := XLSX(sheetOf([]Row{{1, "好"}}, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var out bytes.Buffer
	if _, err := b.WriteTo(&out); err != nil || !bytes.HasPrefix(out.Bytes(), []byte("PK")) {
		t.Fatalf("workbook: %v, %d bytes", err, out.Len())
	}
}
