package api

import (
	"net/http"

	"frontline/models"

	"github.com/labstack/echo/v4"
)

// setup creates the first admin from the one-time link the server logged at a start without
// any admin (see models.SetupFirstAdmin), and signs them in as a login does.
func (s *Server) setup(c echo.Context) error {
	var req models.FirstAdmin
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	var u *models.User
	err := s.store.Tx(ctx, func(tx *models.Store) (err error) {
		if u, err = tx.SetupFirstAdmin(ctx, req); err != nil {
			return err
		}
		c.Set(ctxUser, u) // the audit row names the new admin as the one who acted
		return s.audit(c, tx, models.AuditFirstAdmin, models.AuditKindUser, u.ID, nil)
	})
	if err != nil {
		return err
	}
	return s.startSession(c, http.StatusCreated, u)
}
