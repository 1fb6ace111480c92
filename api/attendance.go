package api

import (
	"net/http"

	"frontline/models"

	"github.com/labstack/echo/v4"
)

// Attendance (签到) of activities: the list, the convener's marks, the rotating check-in
// codes, a member's scan (queued on the phone, sent once) and a member's leave.

func (s *Server) listAttendance(c echo.Context) error {
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	items, err := s.store.ListAttendance(c.Request().Context(), v, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}

func (s *Server) markAttendance(c echo.Context) error {
	var req models.AttendanceInput
	if err := bind(c, &req); err != nil {
		return err
	}
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	row, err := s.store.MarkAttendance(c.Request().Context(), v, c.Param("id"), c.Param("user_id"), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, row)
}

// checkinCodesRequest asks for count codes (default 1): the app asks for an hour's worth,
// so the convener's phone can show fresh ones with no signal.
type checkinCodesRequest struct {
	Count int `json:"count"`
}

func (s *Server) issueCheckinCodes(c echo.Context) error {
	var req checkinCodesRequest
	if c.Request().ContentLength != 0 {
		if err := bind(c, &req); err != nil {
			return err
		}
	}
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	codes, err := s.store.IssueCheckinCodes(c.Request().Context(), v, s.checkinKey, c.Param("id"), req.Count)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"code": codes[0].Code, "expires_at": codes[0].Until, "codes": codes})
}

func (s *Server) checkIn(c echo.Context) error {
	var req models.CheckinInput
	if err := bind(c, &req); err != nil {
		return err
	}
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	row, created, err := s.store.CheckIn(c.Request().Context(), v, s.checkinKey, req)
	if err != nil {
		return err
	}
	return c.JSON(createdStatus(created), row)
}

type leaveRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) askLeave(c echo.Context) error {
	var req leaveRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	row, err := s.store.AskLeave(c.Request().Context(), v, c.Param("id"), req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, row)
}
