package api

import (
	"net/http"
	"time"

	"frontline/models"

	"github.com/labstack/echo/v4"
)

// Beyond the app: a responsible unit answers its recommendation through a link the convener
// shares, and a resident gives a verdict by the receipt code. These routes take no sign-in;
// the token or the code in the path is the credential, so each call is limited per address
// (and a unit's per link too) before anything is looked up.

// unitLinkPath is where the app shows a unit its recommendation; the app makes it a full
// address with its own origin.
const unitLinkPath = "/u/"

type unitLinkAnswer struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (s *Server) issueUnitLink(c echo.Context) error {
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	// A link is a credential given to someone outside: who gave it out, and when, is audited
	// with it.
	ctx, id := c.Request().Context(), c.Param("id")
	var l *models.IssuedLink
	err = s.store.Tx(ctx, func(tx *models.Store) (err error) {
		if l, err = tx.IssueUnitLink(ctx, v, id); err != nil {
			return err
		}
		return s.audit(c, tx, models.AuditUnitLinkIssue, models.AuditKindRecommendation, id, map[string]any{"expires_at": l.ExpiresAt})
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, unitLinkAnswer{URL: unitLinkPath + l.Token, ExpiresAt: l.ExpiresAt})
}

func (s *Server) revokeUnitLink(c echo.Context) error {
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	ctx, id := c.Request().Context(), c.Param("id")
	err = s.store.Tx(ctx, func(tx *models.Store) error {
		if err := tx.RevokeUnitLink(ctx, v, id); err != nil {
			return err
		}
		return s.audit(c, tx, models.AuditUnitLinkRevoke, models.AuditKindRecommendation, id, nil)
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// unitLink checks the limits and finds the live link the path's token opens.
func (s *Server) unitLink(c echo.Context) (*models.UnitLink, error) {
	if err := s.unitAddrLimit.allow(c.RealIP()); err != nil {
		return nil, err
	}
	token := c.Param("token")
	if err := s.unitLinkLimit.allowKey(models.HashUnitToken(token)); err != nil {
		return nil, err
	}
	return s.store.UnitLinkByToken(c.Request().Context(), token)
}

// unitReplyView is a unit's reply with fresh links to its photos.
type unitReplyView struct {
	models.ProgressNote
	Photos []photoView `json:"photos"`
}

type unitPageView struct {
	*models.UnitView
	Replies []unitReplyView `json:"replies"`
}

func (s *Server) viewUnitReply(n models.ProgressNote) unitReplyView {
	return unitReplyView{ProgressNote: n, Photos: s.viewPhotos(n.Photos)}
}

func (s *Server) getUnitLink(c echo.Context) error {
	l, err := s.unitLink(c)
	if err != nil {
		return err
	}
	v, err := s.store.UnitLinkView(c.Request().Context(), l)
	if err != nil {
		return err
	}
	out := unitPageView{UnitView: v, Replies: make([]unitReplyView, len(v.Replies))}
	for i, n := range v.Replies {
		out.Replies[i] = s.viewUnitReply(n)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) addUnitReply(c echo.Context) error {
	l, err := s.unitLink(c)
	if err != nil {
		return err
	}
	var req models.UnitReplyInput
	if err := bind(c, &req); err != nil {
		return err
	}
	n, created, err := s.store.AddUnitReply(c.Request().Context(), l, req)
	if err != nil {
		return err
	}
	return c.JSON(createdStatus(created), s.viewUnitReply(*n))
}

// uploadUnitPhoto takes a photo through a unit's link by the same rules as every upload; the
// photo is the link's until the reply it is sent with attaches it. A link that no longer
// takes replies takes no photos.
func (s *Server) uploadUnitPhoto(c echo.Context) error {
	l, err := s.unitLink(c)
	if err != nil {
		return err
	}
	if !l.Open(s.now()) {
		return models.Errorf(models.CodeWrongState, "this recommendation is settled; the link takes no more photos")
	}
	return s.receivePhoto(c, photoOwner{linkID: l.ID})
}

// rateReceipt takes a resident's verdict on the closed topic their opinion fed: 201 the
// first time, 200 for a change within the window, 409 before the topic closes or after the
// window. Limited with the receipt lookups.
func (s *Server) rateReceipt(c echo.Context) error {
	if err := s.receiptLimit.allow(c.RealIP()); err != nil {
		return err
	}
	var req models.RatingInput
	if err := bind(c, &req); err != nil {
		return err
	}
	r, created, err := s.store.RateByReceipt(c.Request().Context(), c.Param("code"), req)
	if err != nil {
		return err
	}
	return c.JSON(createdStatus(created), r)
}
