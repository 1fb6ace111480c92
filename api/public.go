package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"frontline/models"
	"frontline/uploads"

	"github.com/labstack/echo/v4"
)

// The public pages' data: no sign-in, no personal data, cacheable.
//
// Caching and photo links. An answer may be kept publicMaxAge by the browser and any proxy,
// and its photo links are signed for uploads.LinkTTL (15 minutes). The ETag names the
// content and the signing window (publicLinkWindow) the links were made in, so a cache can
// revalidate with a 304 only while the body it holds was signed in the current window: a body
// served from a cache is never older than publicLinkWindow + publicMaxAge, and its links are
// still valid for at least LinkTTL - publicLinkWindow - publicMaxAge (9 minutes). A new
// window changes the ETag, and the revalidation then fetches fresh links.
const (
	publicMaxAge     = time.Minute
	publicLinkWindow = uploads.LinkTTL / 3
)

// publicPhotoView is a public photo: its image, its label, never who took it.
type publicPhotoView struct {
	ID       string  `json:"id"`
	Label    string  `json:"label"`
	TopicID  *string `json:"topic_id"`
	Width    int     `json:"width"`
	Height   int     `json:"height"`
	URL      string  `json:"url"`
	ThumbURL string  `json:"thumb_url"`
}

type publicTopicView struct {
	models.PublicTopic
	Photos []publicPhotoView `json:"photos"`
}

type publicRoomView struct {
	*models.PublicRoom
	CountyName string            `json:"county_name"`
	Topics     []publicTopicView `json:"topics"`
	Photos     []publicPhotoView `json:"photos"`
}

type publicCountyView struct {
	*models.PublicCounty
	CountyName string `json:"county_name"`
}

func (s *Server) viewPublicPhotos(ps []models.PublicPhoto) []publicPhotoView {
	photos := make([]models.Photo, len(ps))
	for i, p := range ps {
		photos[i] = p.Photo
	}
	out := make([]publicPhotoView, len(ps))
	for i, v := range s.viewPhotos(photos) {
		out[i] = publicPhotoView{ID: v.ID, Label: ps[i].Label, TopicID: ps[i].TopicID, Width: v.Width, Height: v.Height,
			URL: v.URL, ThumbURL: v.ThumbURL}
	}
	return out
}

// publicCache sets the public pages' cache headers for content (the answer without its
// signed links) and reports whether the caller's copy is current, in which case the
// handler answers 304.
func (s *Server) publicCache(c echo.Context, content any) (notModified bool, err error) {
	b, err := json.Marshal(content)
	if err != nil {
		return false, err
	}
	sum := sha256.Sum256(b)
	window := s.now().Unix() / int64(publicLinkWindow/time.Second)
	etag := `W/"` + hex.EncodeToString(sum[:12]) + "-" + strconv.FormatInt(window, 36) + `"`
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(publicMaxAge/time.Second)))
	h.Set("ETag", etag)
	for _, tag := range strings.Split(c.Request().Header.Get("If-None-Match"), ",") {
		if t := strings.TrimSpace(tag); t == etag || "W/"+t == etag {
			return true, nil
		}
	}
	return false, nil
}

func (s *Server) publicCounty(c echo.Context) error {
	county, err := s.store.FindPublicCounty(c.Request().Context())
	if err != nil {
		return err
	}
	v := publicCountyView{PublicCounty: county, CountyName: s.countyName}
	if fresh, err := s.publicCache(c, v); err != nil || fresh {
		return notModified(c, err)
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) publicRoom(c echo.Context) error {
	room, err := s.store.FindPublicRoom(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	// The photos' ids and labels are the content; their links are signed afresh below.
	content := struct {
		Room   *models.PublicRoom
		County string
		Photos [][]models.PublicPhoto
	}{room, s.countyName, [][]models.PublicPhoto{room.Photos}}
	for _, t := range room.Topics {
		content.Photos = append(content.Photos, t.Photos)
	}
	if fresh, err := s.publicCache(c, content); err != nil || fresh {
		return notModified(c, err)
	}
	v := publicRoomView{PublicRoom: room, CountyName: s.countyName, Topics: make([]publicTopicView, len(room.Topics)),
		Photos: s.viewPublicPhotos(room.Photos)}
	for i, t := range room.Topics {
		v.Topics[i] = publicTopicView{PublicTopic: t, Photos: s.viewPublicPhotos(t.Photos)}
	}
	return c.JSON(http.StatusOK, v)
}

func notModified(c echo.Context, err error) error {
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNotModified)
}

// setPhotoPublic lets a room's convener show a photo of its topics, activities or follow-up
// on the public pages, labelled before or after, or take it off them.
func (s *Server) setPhotoPublic(c echo.Context) error {
	var req models.PhotoPublicInput
	if err := bind(c, &req); err != nil {
		return err
	}
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	out, err := s.store.SetPhotoPublic(c.Request().Context(), v, c.Param("id"), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// activityDetail is one activity as its own pages read it: with whether the caller takes
// its attendance (shows its check-in code, ticks who came), as the policy says.
type activityDetail struct {
	activityView
	MayTakeAttendance bool `json:"may_take_attendance"`
}

// getActivity reads one activity, for its attendance screen and its printed minutes.
func (s *Server) getActivity(c echo.Context) error {
	v, err := s.viewer(c)
	if err != nil {
		return err
	}
	a, err := s.store.FindActivity(c.Request().Context(), v, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, activityDetail{activityView: s.viewActivity(a), MayTakeAttendance: v.RecordsActivities(a.RoomID)})
}
