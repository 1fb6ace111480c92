package api

import (
	"strings"

	"frontline/models"

	"github.com/labstack/echo/v4"
)

// canonicalIDs answers 404 when an id in the path is not a canonical UUID: no record has
// such an id, so the store is not asked. It runs after the route's guard, so a caller who
// may not use the route still hears 401 or 403 first.
func canonicalIDs(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for _, name := range c.ParamNames() {
			if (name == "id" || strings.HasSuffix(name, "_id")) && !models.ValidID(c.Param(name)) {
				return models.ErrNotFound
			}
		}
		return next(c)
	}
}

// Longest values of the free-text filters of lists.
const (
	maxSearchRunes = 200 // ?q=
	maxFilterRunes = 50  // ?category=, ?kind=, ?level=, ?role=, ?channel=
)

// queryText reads a free-text query parameter: one line of at most max characters.
func queryText(c echo.Context, p models.Problems, name string, max int) string {
	v := c.QueryParam(name)
	models.CheckText(p, name, v, max, false)
	return v
}

// queryID reads a query parameter that names a record: empty, or a canonical id.
func queryID(c echo.Context, p models.Problems, name string) string {
	v := c.QueryParam(name)
	models.CheckID(p, name, v)
	return v
}
