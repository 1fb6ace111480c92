package export

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"

	"frontline/models"

	"github.com/xuri/excelize/v2"
)

// The member import's file (批量导入模板): a sheet of members, a sheet of new rooms and a
// sheet of instructions, under Chinese headers and with the programme's Chinese words.

// Limits of an import file. The zipped file is capped by the API; what it unpacks to is
// capped here, before and while excelize reads it, so a small file that unpacks to gigabytes
// (a zip bomb) is refused. 10,000 rows of a template unpack to about 3 MB.
const (
	MaxImportBytes    = 5 << 20  // the uploaded file
	maxUnzippedBytes  = 64 << 20 // every part unpacked
	maxUnzippedXML    = 16 << 20 // a sheet held in memory; larger ones go to a temporary file
	maxImportZipParts = 200
	// maxSheetRows bounds the rows read, empty ones included, so a sheet that claims a last
	// row a million down is not walked to the end.
	maxSheetRows = 4 * models.MaxImportRows
)

// Import columns: the header of each and the field it fills. Aliases are read too.
const (
	colName     = "姓名"
	colPhone    = "手机号"
	colRole     = "角色"
	colBody     = "审核机关"
	colSector   = "界别"
	colUnit     = "单位/乡镇"
	colRooms    = "议事室及室内角色"
	colPassword = "初始密码"

	colRoomName    = "议事室名称"
	colRoomLevel   = "层级"
	colRoomAddress = "地址"
)

// UserImportHeaders are the columns of the members sheet, in the template's order.
var UserImportHeaders = []string{colName, colPhone, colRole, colBody, colSector, colUnit, colRooms, colPassword}

// RoomImportHeaders are the columns of the rooms sheet.
var RoomImportHeaders = []string{colRoomName, colRoomLevel, colRoomAddress}

// headerAliases are other headers people write for a column.
var headerAliases = map[string]string{"工作室及室内角色": colRooms, "议事室": colRooms, "单位": colUnit, "乡镇": colUnit,
	"电话": colPhone, "手机": colPhone, "密码": colPassword, "名称": colRoomName}

const instructionsSheet = "填写说明"

// UserTemplate is the import template: the two sheets with their headers and drop-down
// lists of the words, and the instructions.
func UserTemplate() (*Workbook, error) {
	f := excelize.NewFile()
	fail := func(err error) (*Workbook, error) {
		_ = f.Close()
		return nil, fmt.Errorf("export: template: %w", err)
	}
	if err := f.SetSheetName("Sheet1", models.ImportSheetUsers); err != nil {
		return fail(err)
	}
	for _, name := range []string{models.ImportSheetRooms, instructionsSheet} {
		if _, err := f.NewSheet(name); err != nil {
			return fail(err)
		}
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8EEF7"}}})
	if err != nil {
		return fail(err)
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": phone numbers stay text
	if err != nil {
		return fail(err)
	}
	sheets := []struct {
		name    string
		headers []string
		widths  []float64
		lists   map[string][]string // column letter → the words it takes
	}{
		{models.ImportSheetUsers, UserImportHeaders, []float64{12, 15, 10, 20, 14, 22, 44, 16},
			map[string][]string{"C": wordNames(models.RoleWords), "D": wordNames(models.BodyWords)}},
		{models.ImportSheetRooms, RoomImportHeaders, []float64{30, 14, 40},
			map[string][]string{"B": wordNames(models.LevelWords)}},
	}
	for _, s := range sheets {
		for i, h := range s.headers {
			cell, _ := excelize.CoordinatesToCellName(i+1, 1)
			col, _ := excelize.ColumnNumberToName(i + 1)
			if err := f.SetCellStr(s.name, cell, h); err != nil {
				return fail(err)
			}
			if err := f.SetColWidth(s.name, col, col, s.widths[i]); err != nil {
				return fail(err)
			}
			if err := f.SetColStyle(s.name, col, text); err != nil {
				return fail(err)
			}
		}
		last, _ := excelize.CoordinatesToCellName(len(s.headers), 1)
		if err := f.SetCellStyle(s.name, "A1", last, head); err != nil {
			return fail(err)
		}
		if err := f.SetPanes(s.name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return fail(err)
		}
		for col, words := range s.lists {
			dv := excelize.NewDataValidation(true)
			dv.Sqref = fmt.Sprintf("%s2:%s%d", col, col, models.MaxImportRows+1)
			if err := dv.SetDropList(words); err != nil {
				return fail(err)
			}
			if err := f.AddDataValidation(s.name, dv); err != nil {
				return fail(err)
			}
		}
	}
	for i, line := range instructions() {
		if err := f.SetCellStr(instructionsSheet, fmt.Sprintf("A%d", i+1), line); err != nil {
			return fail(err)
		}
	}
	if err := f.SetColWidth(instructionsSheet, "A", "A", 120); err != nil {
		return fail(err)
	}
	return &Workbook{f: f}, nil
}

func wordNames(ws models.Words) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Name
	}
	return out
}

// instructions is the instructions sheet, a line a row.
func instructions() []string {
	join := func(ws models.Words) string { return strings.Join(wordNames(ws), "、") }
	return []string{
		"委员及议事室批量导入 · 填写说明",
		"1. 在“委员”工作表中每行填写一人；第1行是表头，请勿改动。",
		"2. 姓名、手机号必填。手机号（11位）是识别用户的依据：同一手机号再次导入只更新有变化的内容，不会重复建号。",
		"3. 角色：" + join(models.RoleWords) + " 之一，留空为“委员”。",
		"4. 审核机关：只有审核人填写，" + join(models.BodyWords) + " 之一。",
		fmt.Sprintf("5. 界别（最多%d字）、单位/乡镇（最多%d字）可留空。", models.MaxSector, models.MaxUnit),
		"6. 议事室及室内角色：每个议事室写成“议事室名称：室内角色”，多个议事室用分号“；”隔开或在单元格内换行（Alt+回车）。",
		"   室内角色为 " + join(models.RoomRoleWords) + " 之一，省略时为“委员”。例：城关镇议事室：召集人；东街社区议事室",
		"   召集人和委员须是角色为“委员”的用户；属地审核只能由“所在地党委（党组）”的审核人担任。",
		"7. 系统中还没有的议事室，请列在“议事室”工作表（议事室名称、层级、地址），导入时新建；层级为 " + join(models.LevelWords) + " 之一。",
		"   预检结果会列出将新建的议事室。已有的议事室按名称对应，不会被修改。",
		fmt.Sprintf("8. 初始密码可留空：系统为每位新用户生成一次性初始密码，导入完成后只显示一次，请当场打印分发。自行填写时须至少%d个字符、不是常见密码、不含手机号。", models.MinPasswordLen),
		"   已有用户的密码不受影响。新用户首次登录须修改密码。",
		"9. 已有用户在议事室中的角色只增改、不删除；要移出议事室，请在议事室管理中操作。",
		fmt.Sprintf("10. 一次最多%d行。请先“预检”，确认没有问题后再“导入”；文件中有任何问题时，整份文件都不会导入。", models.MaxImportRows),
		"11. 单元格请直接填写文字，不要使用公式：公式按其文字读取，不会计算。",
	}
}

// ReadUserImport reads an import file. A file that is not an XLSX workbook, unpacks too
// large, or lacks the members sheet or its phone column is a validation error on "file".
// Cells are read as stored, never computed: a formula is read as its own text.
func ReadUserImport(data []byte) (models.ImportFile, error) {
	var out models.ImportFile
	bad := func(msg, why string) (models.ImportFile, error) {
		return out, &models.Error{Code: models.CodeInvalid, Message: msg, Fields: map[string]string{"file": why}}
	}
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return bad("不是 XLSX 文件：请用导入模板填写后上传", "is not an XLSX workbook")
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return bad("不是 XLSX 文件：请用导入模板填写后上传", "is not an XLSX workbook")
	}
	var unzipped uint64
	for _, part := range zr.File {
		unzipped += part.UncompressedSize64
	}
	if len(zr.File) > maxImportZipParts || unzipped > maxUnzippedBytes {
		return bad("文件解压后过大，不像导入模板", "unpacks to too much")
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxUnzippedBytes, UnzipXMLSizeLimit: maxUnzippedXML})
	if err != nil {
		return bad("无法读取该 XLSX 文件：请用导入模板填写后上传", "is not a readable XLSX workbook")
	}
	defer f.Close()
	users := sheetNamed(f, models.ImportSheetUsers, colPhone)
	if users == "" {
		return bad("找不到“委员”工作表（须有“手机号”列）", "has no members sheet")
	}
	err = readSheet(f, users, func(row int, get func(string) (string, bool)) {
		r := models.ImportRow{Row: row}
		for _, c := range []struct {
			col, field string
			to         *string
		}{{colName, "name", &r.Name}, {colPhone, "phone", &r.Phone}, {colRole, "role", &r.Role},
			{colBody, "review_body", &r.ReviewBody}, {colSector, "sector", &r.Sector}, {colUnit, "unit", &r.Unit},
			{colRooms, "rooms", &r.Rooms}, {colPassword, "password", &r.Password}} {
			v, formula := get(c.col)
			*c.to = v
			if formula {
				r.MarkFormula(c.field)
			}
		}
		out.Users = append(out.Users, r)
	})
	if err != nil {
		return out, err
	}
	if rooms := sheetNamed(f, models.ImportSheetRooms, colRoomLevel); rooms != "" {
		err = readSheet(f, rooms, func(row int, get func(string) (string, bool)) {
			name, _ := get(colRoomName)
			level, _ := get(colRoomLevel)
			addr, _ := get(colRoomAddress)
			out.Rooms = append(out.Rooms, models.ImportRoom{Row: row, Name: name, Level: level, Address: addr})
		})
	}
	return out, err
}

// sheetNamed finds the sheet of that name, or else the first whose header row has the column.
func sheetNamed(f *excelize.File, name, column string) string {
	if idx, err := f.GetSheetIndex(name); err == nil && idx >= 0 {
		return name
	}
	for _, s := range f.GetSheetList() {
		if s == instructionsSheet {
			continue
		}
		rows, err := f.Rows(s)
		if err != nil {
			continue
		}
		if rows.Next() {
			cols, _ := rows.Columns()
			for _, c := range cols {
				if canonicalHeader(c) == column {
					_ = rows.Close()
					return s
				}
			}
		}
		_ = rows.Close()
	}
	return ""
}

func canonicalHeader(h string) string {
	h = strings.TrimSpace(strings.ReplaceAll(h, "*", ""))
	if a, ok := headerAliases[h]; ok {
		return a
	}
	return h
}

// readSheet hands each non-empty data row to fn with a getter by header: the cell's text as
// stored and whether it held a formula. More than MaxImportRows data rows is an error.
func readSheet(f *excelize.File, sheet string, fn func(row int, get func(string) (string, bool))) error {
	rows, err := f.Rows(sheet)
	if err != nil {
		return &models.Error{Code: models.CodeInvalid, Message: "无法读取工作表“" + sheet + "”", Fields: map[string]string{"file": "has an unreadable sheet"}}
	}
	defer rows.Close()
	colOf := map[string]int{}
	n, data := 0, 0
	for rows.Next() {
		if n++; n > maxSheetRows {
			return &models.Error{Code: models.CodeInvalid, Message: fmt.Sprintf("工作表“%s”行数过多", sheet), Fields: map[string]string{"file": "has too many rows"}}
		}
		cols, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return &models.Error{Code: models.CodeInvalid, Message: fmt.Sprintf("工作表“%s”第%d行无法读取", sheet, n), Fields: map[string]string{"file": "has an unreadable row"}}
		}
		if n == 1 {
			for i, h := range cols {
				if h = canonicalHeader(h); h != "" {
					if _, dup := colOf[h]; !dup {
						colOf[h] = i
					}
				}
			}
			continue
		}
		empty := true
		for _, c := range cols {
			if strings.TrimSpace(c) != "" {
				empty = false
				break
			}
		}
		if empty {
			continue
		}
		if data++; data > models.MaxImportRows {
			return &models.Error{Code: models.CodeInvalid, Message: fmt.Sprintf("工作表“%s”超过%d行：请分成几个文件导入", sheet, models.MaxImportRows),
				Fields: map[string]string{"file": fmt.Sprintf("has more than %d rows", models.MaxImportRows)}}
		}
		row := n
		fn(row, func(header string) (string, bool) {
			i, ok := colOf[header]
			if !ok {
				return "", false
			}
			cell, _ := excelize.CoordinatesToCellName(i+1, row)
			if formula, _ := f.GetCellFormula(sheet, cell); formula != "" {
				return "=" + formula, true
			}
			if i < len(cols) {
				return cols[i], false
			}
			return "", false
		})
	}
	return nil
}
