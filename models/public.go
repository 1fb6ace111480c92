package models

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
)

// The public pages (公开页) of the county and of each room show what came of the work: the
// topics from approval on, their outcomes and recommendations with the units and their
// states, the room's six haves, and the photos a convener chose to show. Nothing here names
// or locates a resident or a member: no names, phones, addresses of opinions, user ids or
// unit contacts.

// Labels of a public photo: before or after the work.
const (
	PhotoBefore = "before"
	PhotoAfter  = "after"
)

// PublicTopicLimit bounds the topics one public page lists, newest first.
const PublicTopicLimit = 100

// PublicPhotoMark is a photo's mark as public, with its label.
type PublicPhotoMark struct {
	PhotoID  string    `json:"photo_id" gorm:"primaryKey"`
	Label    string    `json:"label"`
	MarkedBy string    `json:"-"`
	MarkedAt time.Time `json:"marked_at"`
}

// TableName is the migration's table.
func (PublicPhotoMark) TableName() string { return "public_photos" }

// PhotoPublicity is whether a photo shows on the public pages, and as what.
type PhotoPublicity struct {
	PhotoID string `json:"photo_id"`
	Public  bool   `json:"public"`
	Label   string `json:"label"`
}

// PhotoPublicInput marks a photo public (with a label) or takes the mark away.
type PhotoPublicInput struct {
	Public *bool  `json:"public"`
	Label  string `json:"label"`
}

func (in *PhotoPublicInput) validate() error {
	p := Problems{}
	if in.Public == nil {
		p.Add("public", "is required")
	}
	if in.Public != nil && *in.Public && !PhotoLabelWords.Has(in.Label) {
		p.Add("label", "must be one of "+strings.Join(PhotoLabelWords.Codes(), ", "))
	}
	if in.Public != nil && !*in.Public && in.Label != "" && !PhotoLabelWords.Has(in.Label) {
		p.Add("label", "must be one of "+strings.Join(PhotoLabelWords.Codes(), ", ")+", or left out")
	}
	return p.Err()
}

// photoPlaceJoins and photoPlaceCols find, for photos p, the room and the topic of the record
// a photo is attached to: a topic, an activity (whose topic may be none), or a follow-up
// note of a recommendation. A photo of an opinion has no place here: it shows where a
// resident lives, and is never public.
const (
	photoPlaceJoins = ` LEFT JOIN topics t1 ON t1.id = p.topic_id
LEFT JOIN activities a ON a.id = p.activity_id
LEFT JOIN progress_notes n ON n.id = p.progress_id
LEFT JOIN recommendations r ON r.id = n.recommendation_id
LEFT JOIN topics t3 ON t3.id = r.topic_id`
	photoPlaceRoom  = `COALESCE(t1.room_id, a.room_id, t3.room_id)`
	photoPlaceTopic = `COALESCE(p.topic_id, a.topic_id, t3.id)`
)

type photoPlace struct {
	PhotoID string
	RoomID  *string
	TopicID *string
	Label   string
}

// SetPhotoPublic marks a photo public with a label, or takes the mark away, for the
// convener of the room whose topic, activity or follow-up the photo is attached to. One who
// may not see the photo finds none; one who sees it but does not convene its room is
// refused.
func (s *Store) SetPhotoPublic(ctx context.Context, v *Viewer, photoID string, in PhotoPublicInput) (*PhotoPublicity, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	if _, err := s.FindPhotoFor(ctx, v, photoID); err != nil {
		return nil, err
	}
	var places []photoPlace
	err := s.conn(ctx).Raw(`SELECT p.id AS photo_id, `+photoPlaceRoom+` AS room_id, `+photoPlaceTopic+` AS topic_id
FROM photos p`+photoPlaceJoins+` WHERE p.id = ?`, photoID).Scan(&places).Error
	if err != nil {
		return nil, wrap("photo's place", err)
	}
	if len(places) == 0 || places[0].RoomID == nil {
		return nil, Invalid("photo", "only photos of topics, activities and follow-up may be public")
	}
	if !v.PublishesPhotos(*places[0].RoomID) {
		return nil, Errorf(CodeForbidden, "only the room's conveners choose its public photos")
	}
	out := &PhotoPublicity{PhotoID: photoID, Public: *in.Public}
	if !*in.Public {
		if err := s.conn(ctx).Where("photo_id = ?", photoID).Delete(&PublicPhotoMark{}).Error; err != nil {
			return nil, wrap("unmark photo", err)
		}
		return out, nil
	}
	out.Label = in.Label
	mark := &PublicPhotoMark{PhotoID: photoID, Label: in.Label, MarkedBy: v.ID, MarkedAt: s.now()}
	err = s.Tx(ctx, func(tx *Store) error {
		res := tx.conn(ctx).Model(&PublicPhotoMark{}).Where("photo_id = ?", photoID).
			Updates(map[string]any{"label": mark.Label, "marked_by": mark.MarkedBy, "marked_at": mark.MarkedAt})
		if res.Error != nil || res.RowsAffected > 0 {
			return res.Error
		}
		return tx.conn(ctx).Create(mark).Error
	})
	if isDuplicate(err) || errors.Is(err, gorm.ErrDuplicatedKey) {
		// Marked at the same moment by another request: the label was set either way.
		err = s.conn(ctx).Model(&PublicPhotoMark{}).Where("photo_id = ?", photoID).Update("label", in.Label).Error
	}
	if err != nil {
		return nil, wrap("mark photo", err)
	}
	return out, nil
}

// PublicPhoto is a photo as the public pages show it: its image, its label, and the topic
// it belongs to (nil for a room activity of no topic).
type PublicPhoto struct {
	Photo   Photo
	Label   string
	TopicID *string
}

// PublicRecommendation is a recommendation as the public sees it: no contact.
type PublicRecommendation struct {
	Content string `json:"content"`
	Unit    string `json:"unit"`
	Status  string `json:"status"`
	DueOn   string `json:"due_on"`
	Overdue bool   `json:"overdue"`
}

// PublicOutcome is an outcome as the public sees it.
type PublicOutcome struct {
	Consensus       string                 `json:"consensus"`
	PublishedOn     string                 `json:"published_on"`
	Recommendations []PublicRecommendation `json:"recommendations"`
}

// PublicTopic is a topic from approval on, as the public sees it.
type PublicTopic struct {
	ID          string         `json:"id"`
	RoomID      string         `json:"room_id"`
	Title       string         `json:"title"`
	Description string         `json:"description"`
	Category    string         `json:"category"`
	Source      string         `json:"source"`
	Status      string         `json:"status"`
	ApprovedOn  string         `json:"approved_on"`
	UpdatedAt   time.Time      `json:"updated_at"`
	Outcome     *PublicOutcome `json:"outcome"`
	Photos      []PublicPhoto  `json:"-"`
}

// PublicRoom is a room's public page.
type PublicRoom struct {
	ID                 string        `json:"id"`
	Name               string        `json:"name"`
	Level              string        `json:"level"`
	Address            string        `json:"address"`
	Checklist          Checklist     `json:"checklist"`
	ChecklistComplete  bool          `json:"checklist_complete"`
	ActivitiesThisYear int           `json:"activities_this_year"`
	ActivityQuota      int           `json:"activity_quota"`
	Topics             []PublicTopic `json:"topics"`
	// Photos are the public photos of the room's activities that belong to no topic.
	Photos []PublicPhoto `json:"-"`
}

// FindPublicRoom reads a room's public page.
func (s *Store) FindPublicRoom(ctx context.Context, id string) (*PublicRoom, error) {
	r, err := s.FindRoom(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.FillRoomDetails(ctx, r); err != nil {
		return nil, err
	}
	out := &PublicRoom{ID: r.ID, Name: r.Name, Level: r.Level, Address: r.Address, Checklist: *r.Checklist,
		ChecklistComplete: r.Checklist.Complete(), ActivitiesThisYear: *r.ActivitiesThisYear, ActivityQuota: ActivityQuota}
	var topics []Topic
	if err := s.conn(ctx).Where("room_id = ? AND status IN ?", id, PublicTopicStatuses).
		Order("updated_at DESC, id").Limit(PublicTopicLimit).Find(&topics).Error; err != nil {
		return nil, wrap("public topics", err)
	}
	if out.Topics, err = s.publicTopics(ctx, topics, true); err != nil {
		return nil, err
	}
	byID := map[string]*PublicTopic{}
	for i := range out.Topics {
		byID[out.Topics[i].ID] = &out.Topics[i]
	}
	var places []photoPlace
	err = s.conn(ctx).Raw(`SELECT p.id AS photo_id, `+photoPlaceRoom+` AS room_id, `+photoPlaceTopic+` AS topic_id, pp.label
FROM public_photos pp JOIN photos p ON p.id = pp.photo_id`+photoPlaceJoins+`
WHERE `+photoPlaceRoom+` = ? ORDER BY p.created_at, p.id`, id).Scan(&places).Error
	if err != nil {
		return nil, wrap("public photos", err)
	}
	ids := make([]string, len(places))
	for i, pl := range places {
		ids[i] = pl.PhotoID
	}
	photos := map[string]Photo{}
	if len(ids) > 0 {
		var rows []Photo
		if err := s.conn(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
			return nil, wrap("public photos", err)
		}
		for _, p := range rows {
			photos[p.ID] = p
		}
	}
	out.Photos = []PublicPhoto{}
	for _, pl := range places {
		pp := PublicPhoto{Photo: photos[pl.PhotoID], Label: pl.Label, TopicID: pl.TopicID}
		switch {
		case pl.TopicID == nil:
			out.Photos = append(out.Photos, pp)
		case byID[*pl.TopicID] != nil:
			// A topic not yet approved (or no longer listed) keeps its photos to itself.
			t := byID[*pl.TopicID]
			t.Photos = append(t.Photos, pp)
		}
	}
	return out, nil
}

// publicTopics shows topics to the public: the day both bodies approved each, and with
// outcomes when asked, their outcome and recommendations.
func (s *Store) publicTopics(ctx context.Context, topics []Topic, outcomes bool) ([]PublicTopic, error) {
	out := make([]PublicTopic, len(topics))
	ids := make([]string, len(topics))
	for i, t := range topics {
		ids[i] = t.ID
		out[i] = PublicTopic{ID: t.ID, RoomID: t.RoomID, Title: t.Title, Description: t.Description, Category: t.Category,
			Source: t.Source, Status: t.Status, UpdatedAt: t.UpdatedAt, Photos: []PublicPhoto{}}
	}
	if len(ids) == 0 {
		return out, nil
	}
	var approvals []struct {
		TopicID string
		At      time.Time
	}
	if err := s.conn(ctx).Model(&TopicHistory{}).Select("topic_id, at").
		Where("topic_id IN ? AND to_status = ?", ids, TopicApproved).Order("id").Scan(&approvals).Error; err != nil {
		return nil, wrap("approvals", err)
	}
	approved := map[string]string{}
	for _, a := range approvals {
		approved[a.TopicID] = a.At.UTC().Format(dateLayout)
	}
	var outs []Outcome
	var recs []Recommendation
	if outcomes {
		if err := s.conn(ctx).Where("topic_id IN ?", ids).Find(&outs).Error; err != nil {
			return nil, wrap("public outcomes", err)
		}
		if err := s.conn(ctx).Where("topic_id IN ?", ids).Order("position").Find(&recs).Error; err != nil {
			return nil, wrap("public recommendations", err)
		}
	}
	byTopic := map[string]*PublicOutcome{}
	for _, o := range outs {
		byTopic[o.TopicID] = &PublicOutcome{Consensus: o.Consensus, PublishedOn: o.PublishedAt.UTC().Format(dateLayout),
			Recommendations: []PublicRecommendation{}}
	}
	today := s.today()
	for _, r := range recs {
		if o := byTopic[r.TopicID]; o != nil {
			r.decorate(today)
			o.Recommendations = append(o.Recommendations, PublicRecommendation{Content: r.Content, Unit: r.Unit,
				Status: r.Status, DueOn: r.Due, Overdue: r.Overdue})
		}
	}
	for i := range out {
		out[i].ApprovedOn = approved[out[i].ID]
		out[i].Outcome = byTopic[out[i].ID]
	}
	return out, nil
}

// PublicRoomSummary is one room on the county's public page.
type PublicRoomSummary struct {
	ID                 string    `json:"id"`
	Name               string    `json:"name"`
	Level              string    `json:"level"`
	Checklist          Checklist `json:"checklist"`
	ChecklistComplete  bool      `json:"checklist_complete"`
	ActivitiesThisYear int64     `json:"activities_this_year"`
	Topics             int64     `json:"topics"`
}

// PublicCounty is the county's public page: every room with its six haves and activities,
// the public topics newest first, and the totals.
type PublicCounty struct {
	Rooms               []PublicRoomSummary `json:"rooms"`
	Topics              []PublicTopic       `json:"topics"`
	RoomsComplete       int                 `json:"rooms_complete"`
	TopicsTotal         int64               `json:"topics_total"`
	Recommendations     int64               `json:"recommendations"`
	RecommendationsDone int64               `json:"recommendations_done"`
	ActivityQuota       int                 `json:"activity_quota"`
}

// FindPublicCounty reads the county's public page. The rooms and their six haves come from
// the dashboard's own query.
func (s *Store) FindPublicCounty(ctx context.Context) (*PublicCounty, error) {
	p, err := StatsOptions{}.resolve(s.now())
	if err != nil {
		return nil, err
	}
	var st Stats
	if err := s.statsRooms(ctx, p, &st); err != nil {
		return nil, wrap("public rooms", err)
	}
	var counts []struct {
		RoomID string
		N      int64
	}
	if err := s.conn(ctx).Model(&Topic{}).Select("room_id, COUNT(*) AS n").Where("status IN ?", PublicTopicStatuses).
		Group("room_id").Scan(&counts).Error; err != nil {
		return nil, wrap("public topic counts", err)
	}
	perRoom := map[string]int64{}
	out := &PublicCounty{Rooms: make([]PublicRoomSummary, 0, len(st.Rooms)), ActivityQuota: ActivityQuota}
	for _, c := range counts {
		perRoom[c.RoomID] = c.N
		out.TopicsTotal += c.N
	}
	for _, r := range st.Rooms {
		out.Rooms = append(out.Rooms, PublicRoomSummary{ID: r.ID, Name: r.Name, Level: r.Level, Checklist: r.Checklist,
			ChecklistComplete: r.ChecklistComplete, ActivitiesThisYear: r.ActivitiesThisYear, Topics: perRoom[r.ID]})
		if r.ChecklistComplete {
			out.RoomsComplete++
		}
	}
	var recs []struct {
		Status string
		N      int64
	}
	if err := s.conn(ctx).Table("recommendations r").Joins("JOIN topics t ON t.id = r.topic_id").
		Select("r.status, COUNT(*) AS n").Where("t.status IN ?", PublicTopicStatuses).Group("r.status").Scan(&recs).Error; err != nil {
		return nil, wrap("public recommendations", err)
	}
	for _, r := range recs {
		out.Recommendations += r.N
		if r.Status == RecDone {
			out.RecommendationsDone += r.N
		}
	}
	var topics []Topic
	if err := s.conn(ctx).Where("status IN ?", PublicTopicStatuses).Order("updated_at DESC, id").
		Limit(PublicTopicLimit).Find(&topics).Error; err != nil {
		return nil, wrap("public topics", err)
	}
	if out.Topics, err = s.publicTopics(ctx, topics, false); err != nil {
		return nil, err
	}
	return out, nil
}
