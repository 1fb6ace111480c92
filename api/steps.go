package api

import (
	"context"
	"net/http"
	"time"

	"frontline/jobs"
	"frontline/models"

	"github.com/labstack/echo/v4"
)

// The steps after approval: work plan, research, consultation meeting, outcome and
// follow-up. Each handler binds, makes one store call (which stores the events it raises), answers.
// The records a phone may queue offline answer 201 when stored and 200 on a retry.

// createdStatus is 201 for a new record and 200 for a retry that found the stored one.
func createdStatus(created bool) int {
	if created {
		return http.StatusCreated
	}
	return http.StatusOK
}

func (s *Server) savePlan(c echo.Context) error {
	var req models.Plan
	if err := bind(c, &req); err != nil {
		return err
	}
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	plan, err := s.store.SavePlan(c.Request().Context(), v, c.Param("id"), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, plan)
}

func (s *Server) getPlan(c echo.Context) error {
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	plan, err := s.store.FindPlan(c.Request().Context(), v, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, plan)
}

// activityView is an activity with fresh photo links, and whether it is open (scheduled or
// under way, its summary not written: models.Activity.Open), so the app need not decide it.
type activityView struct {
	*models.Activity
	Open   bool        `json:"open"`
	Photos []photoView `json:"photos"`
}

func (s *Server) viewActivity(a *models.Activity) activityView {
	return activityView{Activity: a, Open: a.Open(), Photos: s.viewPhotos(a.Photos)}
}

func (s *Server) addResearch(c echo.Context) error {
	var req models.ActivityInput
	if err := bind(c, &req); err != nil {
		return err
	}
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	a, created, err := s.store.AddResearch(c.Request().Context(), v, c.Param("id"), req)
	if err != nil {
		return err
	}
	return c.JSON(createdStatus(created), s.viewActivity(a))
}

func (s *Server) holdMeeting(c echo.Context) error {
	var req models.ActivityInput
	if err := bind(c, &req); err != nil {
		return err
	}
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	a, created, err := s.store.HoldMeeting(c.Request().Context(), v, c.Param("id"), req)
	if err != nil {
		return err
	}
	return c.JSON(createdStatus(created), s.viewActivity(a))
}

func (s *Server) topicActivities(c echo.Context) error {
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	if _, err := s.store.FindTopic(c.Request().Context(), v, c.Param("id")); err != nil {
		return err
	}
	return s.listActivitiesWith(c, models.ActivityFilter{TopicID: c.Param("id")})
}

func (s *Server) listActivitiesWith(c echo.Context, f models.ActivityFilter) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	p := models.Problems{}
	f.Page, f.Kind = page, queryText(c, p, "kind", maxFilterRunes)
	f.From, f.To = c.QueryParam("from"), c.QueryParam("to")
	if err := p.Err(); err != nil {
		return err
	}
	acts, next, err := s.store.ListActivities(c.Request().Context(), f)
	if err != nil {
		return err
	}
	views := make([]activityView, len(acts))
	for i, a := range acts {
		views[i] = s.viewActivity(a)
	}
	return c.JSON(http.StatusOK, listOf(views, next))
}

// outcomeView is an outcome with fresh links on its progress photos.
type outcomeView struct {
	*models.Outcome
	Recommendations []recommendationView `json:"recommendations"`
}

type recommendationView struct {
	models.Recommendation
	Progress []progressView `json:"progress"`
}

type progressView struct {
	models.ProgressNote
	Photos []photoView `json:"photos"`
}

func (s *Server) viewOutcome(o *models.Outcome) outcomeView {
	v := outcomeView{Outcome: o, Recommendations: make([]recommendationView, len(o.Recommendations))}
	for i, r := range o.Recommendations {
		rv := recommendationView{Recommendation: r, Progress: make([]progressView, len(r.Progress))}
		for j, p := range r.Progress {
			rv.Progress[j] = progressView{ProgressNote: p, Photos: s.viewPhotos(p.Photos)}
		}
		v.Recommendations[i] = rv
	}
	return v
}

func (s *Server) publishOutcome(c echo.Context) error {
	var req models.OutcomeInput
	if err := bind(c, &req); err != nil {
		return err
	}
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	o, created, err := s.store.PublishOutcome(c.Request().Context(), v, c.Param("id"), req)
	if err != nil {
		return err
	}
	return c.JSON(createdStatus(created), s.viewOutcome(o))
}

func (s *Server) getOutcome(c echo.Context) error {
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	o, err := s.store.FindOutcome(c.Request().Context(), v, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.viewOutcome(o))
}

func (s *Server) addProgress(c echo.Context) error {
	var req models.ProgressInput
	if err := bind(c, &req); err != nil {
		return err
	}
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	rec, created, err := s.store.AddProgress(c.Request().Context(), v, c.Param("id"), req)
	if err != nil {
		return err
	}
	return c.JSON(createdStatus(created), rec)
}

func (s *Server) createActivity(c echo.Context) error {
	var req models.ActivityInput
	if err := bind(c, &req); err != nil {
		return err
	}
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	a, created, err := s.store.CreateActivity(c.Request().Context(), v, c.Param("id"), req)
	if err != nil {
		return err
	}
	return c.JSON(createdStatus(created), s.viewActivity(a))
}

func (s *Server) roomActivities(c echo.Context) error {
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	if !v.CanSeeRoom(c.Param("id")) {
		return models.ErrNotFound
	}
	return s.listActivitiesWith(c, models.ActivityFilter{RoomID: c.Param("id")})
}

// getReceipt is public: a resident follows their opinion by its code. Lookups are limited
// per address so codes cannot be guessed by brute force.
func (s *Server) getReceipt(c echo.Context) error {
	if err := s.receiptLimit.allow(c.RealIP()); err != nil {
		return err
	}
	r, err := s.store.FindReceipt(c.Request().Context(), c.Param("code"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, r)
}

// Jobs lists the server's periodic work for the jobs loop: telling people of overdue
// recommendations, removing photos left attached to nothing, the retention of audit
// rows and residents' data, and reminding people of tomorrow's activities. Each is safe on several instances at once.
func (s *Server) Jobs() []jobs.Job {
	return []jobs.Job{
		{Name: "overdue recommendations", Every: 10 * time.Minute, Run: func(ctx context.Context) error {
			_, err := s.store.NotifyOverdue(ctx)
			return err
		}},
		{Name: "orphan photos", Every: 10 * time.Minute, Run: func(ctx context.Context) error {
			n, err := s.removeOrphanPhotos(ctx)
			if n > 0 {
				s.log.Info("removed orphan photos", "count", n)
			}
			return err
		}},
		{Name: "retention", Every: time.Hour, Run: s.runRetention},
		{Name: "activity reminders", Every: 10 * time.Minute, Run: func(ctx context.Context) error {
			_, err := s.store.RemindInvited(ctx)
			return err
		}},
		{Name: "credits", Every: 5 * time.Minute, Run: s.fillCredits},
	}
}
