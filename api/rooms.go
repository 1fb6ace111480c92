package api

import (
	"net/http"

	"frontline/models"

	"github.com/labstack/echo/v4"
)

func (s *Server) createRoom(c echo.Context) error {
	var req models.RoomInput
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	var r *models.Room
	err := s.store.Tx(ctx, func(tx *models.Store) (err error) {
		if r, err = tx.CreateRoom(ctx, req); err != nil {
			return err
		}
		return s.audit(c, tx, models.AuditRoomCreate, models.AuditKindRoom, r.ID, map[string]any{"name": r.Name})
	})
	if err != nil {
		return err
	}
	if err := s.store.FillRoomDetails(c.Request().Context(), r); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}

func (s *Server) updateRoom(c echo.Context) error {
	var req models.RoomInput
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	var r *models.Room
	err := s.store.Tx(ctx, func(tx *models.Store) (err error) {
		if r, err = tx.UpdateRoom(ctx, c.Param("id"), req); err != nil {
			return err
		}
		return s.audit(c, tx, models.AuditRoomUpdate, models.AuditKindRoom, r.ID, map[string]any{"name": r.Name})
	})
	if err != nil {
		return err
	}
	if err := s.store.FillRoomDetails(c.Request().Context(), r); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) listRooms(c echo.Context) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	p := models.Problems{}
	f := models.RoomFilter{Level: queryText(c, p, "level", maxFilterRunes), Page: page}
	if err := p.Err(); err != nil {
		return err
	}
	if f.Viewer, err = s.viewer(c); err != nil {
		return err
	}
	rooms, next, err := s.store.ListRooms(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(rooms, next))
}

// getRoom answers 404, not 403, for a room the caller does not belong to: to them it does
// not exist.
func (s *Server) getRoom(c echo.Context) error {
	ctx := c.Request().Context()
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	r, err := s.store.FindRoom(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if !v.CanSeeRoom(r.ID) {
		return models.ErrNotFound
	}
	if err := s.store.FillRoomDetails(ctx, r); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

type memberRequest struct {
	Role string `json:"role"`
}

func (s *Server) setMember(c echo.Context) error {
	var req memberRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	var m *models.Membership
	err := s.store.Tx(ctx, func(tx *models.Store) (err error) {
		if m, err = tx.SetMembership(ctx, c.Param("id"), c.Param("user_id"), req.Role); err != nil {
			return err
		}
		return s.audit(c, tx, models.AuditMemberSet, models.AuditKindRoom, m.RoomID, map[string]any{"user_id": m.UserID, "role": m.Role})
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

func (s *Server) removeMember(c echo.Context) error {
	ctx := c.Request().Context()
	err := s.store.Tx(ctx, func(tx *models.Store) error {
		if err := tx.RemoveMembership(ctx, c.Param("id"), c.Param("user_id")); err != nil {
			return err
		}
		return s.audit(c, tx, models.AuditMemberRemove, models.AuditKindRoom, c.Param("id"), map[string]any{"user_id": c.Param("user_id")})
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listCategories(c echo.Context) error {
	cats, err := s.store.ListCategories(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listOf(cats, ""))
}

type categoryRequest struct {
	Name string `json:"name"`
}

func (s *Server) addCategory(c echo.Context) error {
	var req categoryRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	var cat *models.Category
	err := s.store.Tx(ctx, func(tx *models.Store) (err error) {
		if cat, err = tx.AddCategory(ctx, req.Name); err != nil {
			return err
		}
		return s.audit(c, tx, models.AuditCategoryCreate, models.AuditKindCategory, cat.Name, nil)
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, cat)
}
