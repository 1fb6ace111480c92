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
			return p, &models.Error{Code: models.CodeInvalid, Message: "validation failed", Fields: map[string]string{"limit": "must be a whole number"}}
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
	u, err := s.store.CreateUser(c.Request().Context(), req)
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
	u, err := s.store.UpdateUser(c.Request().Context(), c.Param("id"), req)
	if err != nil {
		return err
	}
	if !u.Active && s.onUserDisabled != nil {
		s.onUserDisabled(u.ID)
	}
	return c.JSON(http.StatusOK, u)
}
