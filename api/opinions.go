package api

import (
	"net/http"
	"time"

	"frontline/models"

	"github.com/labstack/echo/v4"
)

// opinionView is an opinion as one viewer may see it.
type opinionView struct {
	models.Opinion
	Photos []photoView `json:"photos"`
}

func (s *Server) viewOpinion(op *models.Opinion, acc models.OpinionAccess) opinionView {
	return s.viewOpinionWith(op, acc, s.viewPhotos(op.Photos))
}

// viewOpinionWith is viewOpinion with its photos' views made already.
func (s *Server) viewOpinionWith(op *models.Opinion, acc models.OpinionAccess, photos []photoView) opinionView {
	o := *op
	if !acc.FullContact {
		o = o.Masked()
	}
	return opinionView{Opinion: o, Photos: photos}
}

func (s *Server) createOpinion(c echo.Context) error {
	var req models.NewOpinion
	if err := bind(c, &req); err != nil {
		return err
	}
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	op, created, err := s.store.CreateOpinion(c.Request().Context(), v, req)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	return c.JSON(status, s.viewOpinion(op, models.OpinionAccess{Visible: true, FullContact: true}))
}

func (s *Server) getOpinion(c echo.Context) error {
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	op, err := s.store.FindOpinion(c.Request().Context(), v, c.Param("id"))
	if err != nil {
		return err
	}
	acc := v.OpinionAccess(op)
	if acc.FullContact {
		if err := s.auditContactRead(c, op); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, s.viewOpinion(op, acc))
}

func (s *Server) listOpinions(c echo.Context) error {
	ctx := c.Request().Context()
	f, err := opinionFilter(c)
	if err != nil {
		return err
	}
	// The viewer's room roles, read once, decide both which opinions they see and whose
	// contact.
	if f.Viewer, err = s.viewer(c); err != nil {
		return err
	}
	ops, next, err := s.store.ListOpinions(ctx, f)
	if err != nil {
		return err
	}
	// The page's photo links are signed in one pass.
	var all []models.Photo
	for _, op := range ops {
		all = append(all, op.Photos...)
	}
	photos := s.viewPhotos(all)
	views := make([]opinionView, len(ops))
	var unmasked []*models.Opinion
	for i, op := range ops {
		acc := f.Viewer.OpinionAccess(op)
		if acc.FullContact {
			unmasked = append(unmasked, op)
		}
		views[i] = s.viewOpinionWith(op, acc, photos[:len(op.Photos):len(op.Photos)])
		photos = photos[len(op.Photos):]
	}
	if err := s.auditContactRead(c, unmasked...); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(views, next))
}

func opinionFilter(c echo.Context) (models.OpinionFilter, error) {
	page, err := pageParams(c)
	if err != nil {
		return models.OpinionFilter{}, err
	}
	p := models.Problems{}
	f := models.OpinionFilter{RoomID: queryID(c, p, "room_id"), Status: c.QueryParam("status"),
		Mine: c.QueryParam("mine") == "true", Channel: queryText(c, p, "channel", maxFilterRunes),
		Category: queryText(c, p, "category", maxFilterRunes), Query: queryText(c, p, "q", maxSearchRunes), Page: page}
	for name, dst := range map[string]**time.Time{"from": &f.From, "to": &f.To} {
		if v := c.QueryParam(name); v != "" {
			if t, ok := models.ParseDateOrTime(p, name, v); ok {
				*dst = &t
			}
		}
	}
	if f.Status != "" && f.Status != models.OpinionNew && f.Status != models.OpinionAdopted && f.Status != models.OpinionDismissed {
		p.Add("status", "must be new, adopted or dismissed")
	}
	return f, p.Err()
}

type opinionStatusRequest struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
}

func (s *Server) updateOpinionStatus(c echo.Context) error {
	var req opinionStatusRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	op, err := s.store.SetOpinionStatus(c.Request().Context(), v, c.Param("id"), req.Status, req.Reason)
	if err != nil {
		return err
	}
	if err := s.auditContactRead(c, op); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.viewOpinion(op, models.OpinionAccess{Visible: true, FullContact: true}))
}
