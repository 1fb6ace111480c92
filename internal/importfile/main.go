// Command importfile writes a member import file for the browser tests and the import
// benchmark: the server's own template (export.UserTemplate), filled with the rows read as
// JSON from stdin ({"users": [[姓名, 手机号, 角色, 审核机关, 界别, 单位/乡镇, 议事室及室内角色, 初始密码]…],
// "rooms": [[议事室名称, 层级, 地址]…]}), written to stdout as XLSX.
//
//	go run ./internal/importfile < rows.json > members.xlsx
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"frontline/export"
	"frontline/models"

	"github.com/xuri/excelize/v2"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "importfile:", err)
		os.Exit(1)
	}
}

func run() error {
	var in struct {
		Users [][]string `json:"users"`
		Rooms [][]string `json:"rooms"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		return err
	}
	book, err := export.UserTemplate()
	if err != nil {
		return err
	}
	var tmpl bytes.Buffer
	_, err = book.WriteTo(&tmpl)
	book.Close()
	if err != nil {
		return err
	}
	f, err := excelize.OpenReader(&tmpl)
	if err != nil {
		return err
	}
	defer f.Close()
	for sheet, rows := range map[string][][]string{models.ImportSheetUsers: in.Users, models.ImportSheetRooms: in.Rooms} {
		for i, r := range rows {
			cells := make([]any, len(r))
			for j, v := range r {
				cells[j] = v
			}
			if err := f.SetSheetRow(sheet, fmt.Sprintf("A%d", i+2), &cells); err != nil {
				return err
			}
		}
	}
	_, err = f.WriteTo(os.Stdout)
	return err
}
