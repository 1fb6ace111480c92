package api

import (
	"net/http"
	"strconv"

	"frontline/models"

	"github.com/labstack/echo/v4"
)

// list is the shape of every list answer.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func listOf[T any](items []T, next string) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items, NextCursor: next}
}

// pageParams reads ?limit= and ?cursor=.
func pageParams(c echo.Context) (models.Page, error) {
	p := models.Page{Cursor: c.QueryParam("cursor")}
	if l := c.QueryParam("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			return p, models.Invalid("limit", "must be a whole number")
		}
		p.Limit = n
	}
	return p, p.Validate()
}

func (s *Server) createUser(c echo.Context) error {
	var req models.NewUser
	if err := bind(c, &req); err != nil {
		return err
	}
	req.MustChangePassword = true // the admin knows it: the user chooses their own at first sign-in
	ctx := c.Request().Context()
	var u *models.User
	err := s.store.Tx(ctx, func(tx *models.Store) (err error) {
		if u, err = tx.CreateUser(ctx, req); err != nil {
			return err
		}
		return s.audit(c, tx, models.AuditUserCreate, models.AuditKindUser, u.ID, map[string]any{"role": u.Role})
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, u)
}

func (s *Server) listUsers(c echo.Context) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	p := models.Problems{}
	f := models.UserFilter{Role: queryText(c, p, "role", maxFilterRunes), Page: page}
	if err := p.Err(); err != nil {
		return err
	}
	users, next, err := s.store.ListUsers(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(users, next))
}

func (s *Server) getUser(c echo.Context) error {
	u, err := s.store.FindUser(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (s *Server) updateUser(c echo.Context) error {
	var req models.UserPatch
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	var u *models.User
	err := s.store.Tx(ctx, func(tx *models.Store) (err error) {
		if u, err = tx.UpdateUser(ctx, c.Param("id"), req); err != nil {
			return err
		}
		action, detail := userPatchAudit(req)
		return s.audit(c, tx, action, models.AuditKindUser, u.ID, detail)
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

type passwordChange struct {
	OldPassword string `json:"old_password"`
	NewPassword string `json:"new_password"`
}

// changePassword sets the caller's own password and ends their other sign-ins; this one stays.
// A wrong old password is a 422 on old_password rather than a 401, so the app does not take it
// for an ended sign-in.
func (s *Server) changePassword(c echo.Context) error {
	var req passwordChange
	if err := bind(c, &req); err != nil {
		return err
	}
	cl, err := s.bearerClaims(c)
	if err != nil {
		return err
	}
	if err := s.store.ChangePassword(c.Request().Context(), currentUser(c).ID, cl.SID, req.OldPassword, req.NewPassword); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
