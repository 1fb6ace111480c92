package api

import (
	"context"
	"net/http"
	"strconv"

	"frontline/export"
	"frontline/models"

	"github.com/labstack/echo/v4"
)

// Credits (履职积分) are filled in from the field records by the credits job (see Jobs): a
// record is written by many routes, some of them other people's (attendance), and the job
// derives the credit from the record whichever route wrote it, idempotently on every
// instance by the credits' unique key. Reads run the same fill first (a member's for their
// own records, the county's for all), so what was done a moment ago shows at once; the job
// keeps the table current for everything else.

// yearParam reads ?year=, this year by default.
func (s *Server) yearParam(c echo.Context) (int, error) {
	p := models.Problems{}
	y := models.ParseYear(p, "year", c.QueryParam("year"), s.now())
	return y, p.Err()
}

func (s *Server) myCredits(c echo.Context) error {
	year, err := s.yearParam(c)
	if err != nil {
		return err
	}
	ctx, u := c.Request().Context(), currentUser(c)
	if _, err := s.store.FillUserCredits(ctx, u.ID); err != nil {
		return err
	}
	out, err := s.store.UserCredits(ctx, u.ID, year)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// creditFilter reads the county list's filters.
func (s *Server) creditFilter(c echo.Context) (models.CreditFilter, error) {
	year, err := s.yearParam(c)
	if err != nil {
		return models.CreditFilter{}, err
	}
	p := models.Problems{}
	f := models.CreditFilter{Year: year, Sector: queryText(c, p, "sector", maxFilterRunes), RoomID: queryID(c, p, "room_id"),
		Sort: queryText(c, p, "sort", maxFilterRunes)}
	if err := p.Err(); err != nil {
		return f, err
	}
	return f, f.Validate()
}

func (s *Server) countyCredits(c echo.Context) error {
	f, err := s.creditFilter(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.store.FillCredits(ctx); err != nil {
		return err
	}
	out, err := s.store.CountyCreditList(ctx, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) memberFile(c echo.Context) error {
	year, err := s.yearParam(c)
	if err != nil {
		return err
	}
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	ctx, id := c.Request().Context(), c.Param("id")
	if v.SeesMemberFile(id) {
		if _, err := s.store.FillUserCredits(ctx, id); err != nil {
			return err
		}
	}
	f, err := s.store.FindMemberFile(ctx, v, id, year)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, f)
}

func (s *Server) getCreditRule(c echo.Context) error {
	year, err := s.yearParam(c)
	if err != nil {
		return err
	}
	r, err := s.store.CreditRuleFor(c.Request().Context(), year)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) putCreditRule(c echo.Context) error {
	var req models.CreditRuleInput
	if err := bind(c, &req); err != nil {
		return err
	}
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var r *models.CreditRule
	err = s.store.Tx(ctx, func(tx *models.Store) (err error) {
		if r, err = tx.SetCreditRule(ctx, v, req); err != nil {
			return err
		}
		return s.audit(c, tx, models.AuditCreditRules, models.AuditKindCreditRules, strconv.Itoa(r.Year),
			map[string]any{"version": r.Version, "line": r.Line, "points": r.Points})
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

// rescoreCredits brings a year's credits to its rule as it stands, appending corrections:
// the one way a rule change reaches credits already given.
func (s *Server) rescoreCredits(c echo.Context) error {
	p := models.Problems{}
	year := models.ParseYear(p, "year", c.Param("year"), s.now())
	if err := p.Err(); err != nil {
		return err
	}
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var out *models.Rescore
	err = s.store.Tx(ctx, func(tx *models.Store) (err error) {
		if out, err = tx.RescoreCredits(ctx, v, year); err != nil {
			return err
		}
		return s.audit(c, tx, models.AuditCreditRescore, models.AuditKindCreditRules, strconv.Itoa(year),
			map[string]any{"rule_version": out.RuleVersion, "corrections": out.Corrections})
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) exportDutyXLSX(c echo.Context) error {
	year, err := s.yearParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.store.FillCredits(ctx); err != nil {
		return err
	}
	return s.writeXLSX(c, export.DutyLedger(ctx, s.store, year))
}

// fillCredits is the credits job.
func (s *Server) fillCredits(ctx context.Context) error {
	n, err := s.store.FillCredits(ctx)
	if n > 0 {
		s.log.Info("credits filled in", "count", n)
	}
	return err
}
