package api

import (
	"net/http"

	"frontline/models"

	"github.com/labstack/echo/v4"
)

// seesAllRooms reports whether u may see every room: admins and the county body.
func seesAllRooms(u *models.User) bool {
	return u.Role == models.RoleAdmin || u.IsCountyReviewer()
}

func (s *Server) createRoom(c echo.Context) error {
	var req models.RoomInput
	if err := bind(c, &req); err != nil {
		return err
	}
	r, err := s.store.CreateRoom(c.Request().Context(), req)
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
	r, err := s.store.UpdateRoom(c.Request().Context(), c.Param("id"), req)
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
	u := currentUser(c)
	p := models.Problems{}
	f := models.RoomFilter{Level: queryText(c, p, "level", maxFilterRunes), Page: page}
	if err := p.Err(); err != nil {
		return err
	}
	if !seesAllRooms(u) {
		f.ForUser = u.ID
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
	u := currentUser(c)
	r, err := s.store.FindRoom(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if !seesAllRooms(u) {
		role, err := s.store.RoomRole(ctx, r.ID, u.ID)
		if err != nil {
			return err
		}
		if role == "" {
			return models.ErrNotFound
		}
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
	m, err := s.store.SetMembership(c.Request().Context(), c.Param("id"), c.Param("user_id"), req.Role)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

func (s *Server) removeMember(c echo.Context) error {
	if err := s.store.RemoveMembership(c.Request().Context(), c.Param("id"), c.Param("user_id")); err != nil {
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
	cat, err := s.store.AddCategory(c.Request().Context(), req.Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, cat)
}
