package api

import (
	"net/http"

	"frontline/models"

	"github.com/labstack/echo/v4"
)

type pushKeyResponse struct {
	PublicKey string `json:"public_key"`
}

// pushKey gives the VAPID public key browsers subscribe with (applicationServerKey).
func (s *Server) pushKey(c echo.Context) error {
	if s.pushKeyPublic == "" {
		return models.Errorf(models.CodeUnavailable, "push notices are not configured")
	}
	return c.JSON(http.StatusOK, pushKeyResponse{PublicKey: s.pushKeyPublic})
}

// subscribePush keeps this browser's subscription for the caller's sign-in: 201 new, 200
// when the endpoint was known (its keys and kinds updated).
func (s *Server) subscribePush(c echo.Context) error {
	var req models.PushSubscriptionInput
	if err := bind(c, &req); err != nil {
		return err
	}
	cl, err := s.bearerClaims(c)
	if err != nil {
		return errUnauthenticated
	}
	sub, created, err := s.store.SavePushSubscription(c.Request().Context(), currentUser(c).ID, cl.SID, req, s.pushAllowHosts)
	if err != nil {
		return err
	}
	return c.JSON(createdStatus(created), sub)
}

// unsubscribePush drops the caller's subscription named by ?endpoint=. It answers 204 also
// when there was none, so the app may call it again after a lost answer.
func (s *Server) unsubscribePush(c echo.Context) error {
	err := s.store.DeletePushSubscription(c.Request().Context(), currentUser(c).ID, c.QueryParam("endpoint"))
	if err != nil && models.ErrorCode(err) != models.CodeNotFound {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
