package api

import (
	"net/http"

	"frontline/models"

	"github.com/labstack/echo/v4"
)

// topicView is a topic with fresh photo links.
type topicView struct {
	*models.Topic
	Photos []photoView `json:"photos"`
}

func (s *Server) viewTopic(t *models.Topic) topicView {
	return topicView{Topic: t, Photos: s.viewPhotos(t.Photos)}
}

func (s *Server) createTopic(c echo.Context) error {
	var req models.TopicInput
	if err := bind(c, &req); err != nil {
		return err
	}
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	t, err := s.store.CreateTopic(c.Request().Context(), v, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.viewTopic(t))
}

func (s *Server) updateTopic(c echo.Context) error {
	var req models.TopicInput
	if err := bind(c, &req); err != nil {
		return err
	}
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	t, err := s.store.UpdateTopic(c.Request().Context(), v, c.Param("id"), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.viewTopic(t))
}

func (s *Server) submitTopic(c echo.Context) error {
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	t, err := s.store.SubmitTopic(c.Request().Context(), v, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.viewTopic(t))
}

func (s *Server) reviewTopic(c echo.Context) error {
	var req models.ReviewInput
	if err := bind(c, &req); err != nil {
		return err
	}
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	rv, err := s.store.ReviewTopic(c.Request().Context(), v, c.Param("id"), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, rv)
}

func (s *Server) getTopic(c echo.Context) error {
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	t, err := s.store.FindTopic(c.Request().Context(), v, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.viewTopic(t))
}

func (s *Server) listTopics(c echo.Context) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	p := models.Problems{}
	status := c.QueryParam("status")
	if status != "" && !contains(models.TopicStatuses, status) {
		p.Add("status", "is not a topic status")
	}
	f := models.TopicFilter{RoomID: queryID(c, p, "room_id"), Status: status,
		Category: queryText(c, p, "category", maxFilterRunes), AwaitingMe: c.QueryParam("awaiting_me") == "true", Page: page}
	if err := p.Err(); err != nil {
		return err
	}
	if f.Viewer, err = s.viewer(c); err != nil {
		return err
	}
	topics, next, err := s.store.ListTopics(c.Request().Context(), f)
	if err != nil {
		return err
	}
	views := make([]topicView, len(topics))
	for i := range topics {
		views[i] = s.viewTopic(&topics[i])
	}
	return c.JSON(http.StatusOK, listOf(views, next))
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
