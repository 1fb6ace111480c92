package export

import (
	"context"
	"strings"

	"frontline/models"
)

// DutyHeaders are the columns of the duty ledger (履职积分台账): who, where they are filed,
// one column per credit kind in the order of models.CreditWords, then the totals.
func DutyHeaders() []string {
	h := []string{"序号", "姓名", "界别", "单位", "议事室"}
	for _, w := range models.CreditWords {
		h = append(h, w.Name)
	}
	return append(h, "合计", "达标线", "是否达标")
}

// DutyLedger is every member's credits of year, one row per member, by name.
func DutyLedger(ctx context.Context, st *models.Store, year int) Sheet {
	widths := []float64{6, 12, 14, 20, 30}
	for range models.CreditWords {
		widths = append(widths, 10)
	}
	widths = append(widths, 8, 8, 10)
	return Sheet{Title: "履职积分台账", ASCII: "duty-ledger", Headers: DutyHeaders(), Widths: widths,
		Rows: func(fn func(Row) error) error {
			n := 0
			return st.DutyRows(ctx, year, func(line int, m models.MemberCredits) error {
				n++
				return fn(dutyRow(n, line, m))
			})
		}}
}

func dutyRow(n, line int, m models.MemberCredits) Row {
	rooms := make([]string, len(m.Rooms))
	for i, r := range m.Rooms {
		rooms[i] = r.Name
	}
	row := Row{n, m.Name, m.Sector, m.Unit, strings.Join(rooms, "、")}
	for _, w := range models.CreditWords {
		row = append(row, m.ByKind[w.Code])
	}
	meets := "是"
	if m.Below {
		meets = "否"
	}
	return append(row, m.Total, line, meets)
}
