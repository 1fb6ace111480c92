package api

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"time"

	"frontline/export"
	"frontline/models"

	"github.com/labstack/echo/v4"
)

// Default retention periods (等保 and PIPL: keep the trail, not the residents' data).
const (
	DefaultAuditRetention    = 3 * 365 * 24 * time.Hour
	DefaultResidentRetention = 365 * 24 * time.Hour
)

// audit records what the caller did to a record, with when and from where. st is the store
// of the change's transaction when there is one (so both commit or neither does), else
// s.store. A failure to record is returned: an action that cannot be audited does not happen
// or is not shown.
func (s *Server) audit(c echo.Context, st *models.Store, action, kind, id string, detail map[string]any) error {
	e := &models.AuditEntry{At: s.now(), Action: action, TargetKind: kind, TargetID: id, IP: c.RealIP(), Detail: detail}
	if u := currentUser(c); u != nil {
		e.ActorID = u.ID
	}
	return st.AddAudit(c.Request().Context(), e)
}

// auditExport records an export of a ledger in a format, with the filters asked for. It is
// called once the ledger's query has passed its checks, so a refused export records nothing.
func (s *Server) auditExport(c echo.Context, l export.Sheet, format string) error {
	filters := map[string]any{}
	for _, k := range []string{"from", "to", "actor_id", "action", "year"} {
		if v := c.QueryParam(k); v != "" {
			filters[k] = clipRunes(v, 64)
		}
	}
	return s.audit(c, s.store, models.AuditExport, models.AuditKindExport, l.ASCII, map[string]any{"format": format, "filters": filters})
}

// auditContactRead records, in one row, that the caller is being shown the residents'
// names and phones of the opinions given, leaving out those the caller collected and those
// without any; nothing is recorded when none is left.
func (s *Server) auditContactRead(c echo.Context, shown ...*models.Opinion) error {
	u := currentUser(c)
	var ids []string
	for _, op := range shown {
		if op.CollectorID != u.ID && (op.ResidentName != "" || op.ResidentPhone != "") {
			ids = append(ids, op.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	target := ""
	if len(ids) == 1 {
		target = ids[0]
	}
	return s.audit(c, s.store, models.AuditContactRead, models.AuditKindOpinion, target, map[string]any{"opinion_ids": ids})
}

// typedPhone is what a failed sign-in's row keeps of what was typed: the phone when it is
// a well-formed one, else nothing (it may be a password typed in the wrong field).
func typedPhone(phone string) map[string]any {
	if !models.ValidPhone(phone) {
		return nil
	}
	return map[string]any{"phone": phone}
}

// clipRunes keeps at most n runes of v.
func clipRunes(v string, n int) string {
	if r := []rune(v); len(r) > n {
		return string(r[:n])
	}
	return v
}

// userPatchAudit names an admin's change of a user: a disabling, or an update of the
// fields listed (never their values: one may be a password).
func userPatchAudit(p models.UserPatch) (string, map[string]any) {
	fields := []string{}
	for name, set := range map[string]bool{"name": p.Name != nil, "password": p.Password != nil, "role": p.Role != nil,
		"review_body": p.ReviewBody != nil, "sector": p.Sector != nil, "unit": p.Unit != nil, "active": p.Active != nil} {
		if set {
			fields = append(fields, name)
		}
	}
	slices.Sort(fields)
	action := models.AuditUserUpdate
	if p.Active != nil && !*p.Active {
		action = models.AuditUserDisable
	}
	return action, map[string]any{"fields": fields}
}

// auditFilter reads the audit filters and page from the query.
func auditFilter(c echo.Context) (models.AuditFilter, error) {
	page, err := pageParams(c)
	f := models.AuditFilter{ActorID: c.QueryParam("actor_id"), Action: c.QueryParam("action"),
		From: c.QueryParam("from"), To: c.QueryParam("to"), Page: page}
	if err != nil {
		return f, err
	}
	return f, f.Validate()
}

func (s *Server) listAudit(c echo.Context) error {
	f, err := auditFilter(c)
	if err != nil {
		return err
	}
	rows, next, err := s.store.ListAudit(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(rows, next))
}

// exportAuditXLSX writes the filtered audit trail as a spreadsheet, newest first; the
// export is itself audited, as every export is.
func (s *Server) exportAuditXLSX(c echo.Context) error {
	f, err := auditFilter(c)
	if err != nil {
		return err
	}
	return s.writeXLSX(c, export.AuditLog(c.Request().Context(), s.store, f))
}

// runRetention deletes audit rows past their period and erases residents' names and phones
// whose purpose is spent, recording the erasure in the audit trail.
func (s *Server) runRetention(ctx context.Context) error {
	now := s.now()
	keepAudit, keepResidents := cmp.Or(s.auditRetention, DefaultAuditRetention), cmp.Or(s.residentRetention, DefaultResidentRetention)
	pruned, err := s.store.PruneAudit(ctx, now.Add(-keepAudit))
	if err != nil {
		return err
	}
	if pruned > 0 {
		if err := s.store.AddAudit(ctx, &models.AuditEntry{At: now, Action: models.AuditLogPruned,
			Detail: map[string]any{"count": pruned, "retention": keepAudit.String()}}); err != nil {
			return err
		}
	}
	erased, err := s.store.EraseResidents(ctx, now.Add(-keepResidents))
	if err != nil {
		return err
	}
	if erased == 0 {
		return nil
	}
	return s.store.AddAudit(ctx, &models.AuditEntry{At: now, Action: models.AuditResidentsErased, TargetKind: models.AuditKindOpinion,
		Detail: map[string]any{"count": erased, "retention": keepResidents.String()}})
}
