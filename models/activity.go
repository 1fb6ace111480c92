package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Activity kinds (活动记录).
const (
	KindVisit        = "visit"
	KindForum        = "forum"
	KindResearch     = "research"
	KindConsultation = "consultation"
	KindTraining     = "training"
)

// ActivityKinds lists the kinds of room activity.
var ActivityKinds = []string{KindVisit, KindForum, KindResearch, KindConsultation, KindTraining}

// Attendees are who took part, by kind: members, residents' representatives, heads of the
// responsible units, and anyone else, by name; and the users invited, whose attendance is
// taken (attendance.go).
type Attendees struct {
	UserIDs   []string `json:"user_ids"`
	Members   []string `json:"members"`
	Residents []string `json:"residents"`
	Units     []string `json:"units"`
	Others    []string `json:"others"`
}

// Activity is a room activity; research visits and consultation meetings of a topic are
// activities of the topic's room too.
type Activity struct {
	ID        string    `json:"id" gorm:"primaryKey"`
	RoomID    string    `json:"room_id"`
	TopicID   *string   `json:"topic_id"`
	Kind      string    `json:"kind"`
	HeldAt    time.Time `json:"held_at"`
	Place     string    `json:"place"`
	Attendees Attendees `json:"attendees" gorm:"serializer:json"`
	Summary   string    `json:"summary"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`

	Photos []Photo `json:"-" gorm:"-"`
}

// Open reports whether the activity is scheduled or under way: its summary (findings,
// minutes) is not written yet. An open activity takes attendance and invites its users;
// the same record sent again with a summary writes it (see completeActivity). Until then
// it is not counted as held (heldActivitySQL).
func (a *Activity) Open() bool { return a.Summary == "" }

// heldActivitySQL is the condition, on a row of activities, that the activity counts as
// held: its summary is written. Every figure that counts activities (a room's yearly quota
// and its activity records among the six haves, the dashboard, the ledgers, the public
// pages, research before a meeting, a receipt's path) asks it, so an open activity counts
// nowhere until its minutes are written. The column is unqualified: use it where
// activities is the only table with a summary.
const heldActivitySQL = "summary <> ''"

// Invites reports whether userID is one of the users invited to the activity.
func (a *Activity) Invites(userID string) bool { return slices.Contains(a.Attendees.UserIDs, userID) }

// AfterFind gives activities stored before users were invited an empty list of them.
func (a *Activity) AfterFind(*gorm.DB) error {
	if a.Attendees.UserIDs == nil {
		a.Attendees.UserIDs = []string{}
	}
	return nil
}

// ActivityInput records an activity; for a topic's research the summary holds the findings,
// for its meeting the minutes. An empty summary schedules or starts the activity ahead of
// them (Open): the same id sent again with the summary writes it. ID is optional: one made
// on the phone makes a retry safe.
type ActivityInput struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	HeldAt    time.Time `json:"held_at"`
	Place     string    `json:"place"`
	Attendees Attendees `json:"attendees"`
	Summary   string    `json:"summary"`
	TopicID   *string   `json:"topic_id"`
	PhotoIDs  []string  `json:"photo_ids"`
}

func (in *ActivityInput) validate(now time.Time) error {
	in.Place = strings.TrimSpace(in.Place)
	in.Summary = strings.TrimSpace(in.Summary)
	p := Problems{}
	CheckID(p, "id", in.ID)
	if !oneOf(in.Kind, ActivityKinds...) {
		p.Add("kind", "must be one of "+strings.Join(ActivityKinds, ", "))
	}
	if in.HeldAt.IsZero() {
		p.Add("held_at", "is required")
	} else if in.HeldAt.After(now.Add(366 * 24 * time.Hour)) {
		p.Add("held_at", "is too far in the future")
	}
	CheckTime(p, "held_at", in.HeldAt)
	CheckText(p, "place", in.Place, MaxPlace, false)
	CheckText(p, "summary", in.Summary, MaxSummary, true)
	total, long := 0, false
	for _, l := range [][]string{in.Attendees.Members, in.Attendees.Residents, in.Attendees.Units, in.Attendees.Others} {
		total += len(l)
		for _, name := range l {
			long = long || utf8.RuneCountInString(name) > MaxAttendee
			CheckText(p, "attendees", name, 0, false)
		}
	}
	if total > 500 || long {
		p.Add("attendees", "at most 500 names of at most 100 characters")
	}
	for _, id := range in.Attendees.UserIDs {
		if !ValidID(id) {
			p.Add("attendees", "user_ids must be user ids")
		}
	}
	if len(in.Attendees.UserIDs) > 500 {
		p.Add("attendees", "at most 500 user_ids")
	}
	if in.TopicID != nil {
		CheckID(p, "topic_id", *in.TopicID)
	}
	for _, id := range in.PhotoIDs {
		if !ValidID(id) {
			p.Add("photo_ids", "must be photo ids")
		}
	}
	return p.Err()
}

// mayRecordActivities: a room's conveners record its activities; admins may too.
func (s *Store) mayRecordActivities(ctx context.Context, v *Viewer, roomID string) error {
	if !v.RecordsActivities(roomID) {
		return Errorf(CodeForbidden, "only the room's conveners record its activities")
	}
	return nil
}

// CreateActivity records an activity of room, with the recorder's photos. Sending the same
// id again returns the stored activity and created=false.
func (s *Store) CreateActivity(ctx context.Context, v *Viewer, roomID string, in ActivityInput) (*Activity, bool, error) {
	if err := in.validate(s.now()); err != nil {
		return nil, false, err
	}
	if in.TopicID != nil && oneOf(in.Kind, KindResearch, KindConsultation) {
		// A topic's research and meeting go through its own steps, which check its state:
		// recorded here they could satisfy "no research, no consultation" for a draft.
		return nil, false, Invalid("topic_id", "a topic's research and meeting are recorded through /topics/{id}/research and /topics/{id}/meeting")
	}
	if a, err := s.repeatedActivity(ctx, v, in.ID, roomID, in.TopicID, in.Kind); a != nil || err != nil {
		return s.completeActivity(ctx, a, err, in, nil)
	}
	var a *Activity
	err := s.Tx(ctx, func(tx *Store) error {
		if _, err := tx.FindRoom(ctx, roomID); err != nil {
			return err
		}
		if err := tx.mayRecordActivities(ctx, v, roomID); err != nil {
			return err
		}
		title := ""
		if in.TopicID != nil {
			t, err := tx.TopicByID(ctx, *in.TopicID)
			if err != nil || t.RoomID != roomID {
				return Invalid("topic_id", "must be a topic of this room")
			}
			title = t.Title
		}
		var err error
		a, err = tx.insertActivity(ctx, v, roomID, in, title)
		return err
	})
	if retried(in.ID, err) {
		if a, err := s.repeatedActivity(ctx, v, in.ID, roomID, in.TopicID, in.Kind); a != nil || err != nil {
			return s.completeActivity(ctx, a, err, in, nil)
		}
	}
	if err != nil {
		return nil, false, wrap("create activity", err)
	}
	return a, true, nil
}

// repeatedActivity finds the activity a client sent before under id. The same recorder
// sending the same kind of record for the same room and topic gets it back; anything else
// under that id is a conflict. An empty roomID matches any room (a topic's activities are
// in its room), and an empty id finds nothing.
func (s *Store) repeatedActivity(ctx context.Context, v *Viewer, id, roomID string, topicID *string, kind string) (*Activity, error) {
	if id == "" {
		return nil, nil
	}
	var a Activity
	err := s.conn(ctx).Where("id = ?", id).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("models: find activity: %w", err)
	}
	sameTopic := (a.TopicID == nil) == (topicID == nil) && (topicID == nil || *a.TopicID == *topicID)
	if a.CreatedBy != v.ID || a.Kind != kind || (roomID != "" && a.RoomID != roomID) || !sameTopic {
		return nil, idTaken("an activity")
	}
	return &a, s.fillActivityPhotos(ctx, []*Activity{&a})
}

// insertActivity stores a new activity. The users it names must be active users; an open
// one (scheduled or started ahead of its summary) invites them with the date and place
// (activity.invited). An open step of a topic that names no users (user_ids absent)
// invites the active participants of the topic's plan: the app offers them ticked, and the
// convener may untick some, which then names the users. title is the topic's, or "".
func (s *Store) insertActivity(ctx context.Context, v *Viewer, roomID string, in ActivityInput, title string) (*Activity, error) {
	if in.ID == "" {
		in.ID = NewID()
	}
	attendees := in.Attendees.normalised()
	if err := s.checkInvitees(ctx, attendees.UserIDs); err != nil {
		return nil, err
	}
	a := &Activity{ID: in.ID, RoomID: roomID, TopicID: in.TopicID, Kind: in.Kind, HeldAt: in.HeldAt.UTC().Truncate(time.Microsecond),
		Place: in.Place, Attendees: attendees, Summary: in.Summary, CreatedBy: v.ID, CreatedAt: s.now()}
	if a.Open() && a.TopicID != nil && in.Attendees.UserIDs == nil {
		var plan Plan
		err := s.conn(ctx).Where("topic_id = ?", *a.TopicID).Take(&plan).Error
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, err
		}
		participants, err := s.activeUserIDs(ctx, plan.Participants.UserIDs)
		if err != nil {
			return nil, err
		}
		a.Attendees.UserIDs = participants
	}
	if err := s.conn(ctx).Create(a).Error; err != nil {
		return nil, err
	}
	if err := s.AttachPhotos(ctx, v.ID, AttachActivity, a.ID, "photo_ids", in.PhotoIDs); err != nil {
		return nil, err
	}
	if a.Open() {
		invited := slices.DeleteFunc(slices.Clone(a.Attendees.UserIDs), func(id string) bool { return id == v.ID })
		if _, err := s.AddEvents(ctx, Notice{Type: EventActivityInvited, Recipients: invited, Data: a.noticeData(title)}); err != nil {
			return nil, err
		}
	}
	return a, s.fillActivityPhotos(ctx, []*Activity{a})
}

// noticeData is what an invitation or a reminder says of the activity: what, when, where.
func (a *Activity) noticeData(title string) map[string]any {
	return map[string]any{"activity_id": a.ID, "room_id": a.RoomID, "topic_id": a.TopicID, "title": title,
		"kind": a.Kind, "held_at": a.HeldAt, "place": a.Place}
}

// checkInvitees: the users an activity names must be active users. Any other id, whether
// or not a user has it, gets the same answer.
func (s *Store) checkInvitees(ctx context.Context, ids []string) error {
	active, err := s.activeUserIDs(ctx, ids)
	if err != nil {
		return err
	}
	if len(active) != len(ids) {
		return Invalid("attendees", "user_ids must be active users")
	}
	return nil
}

// activeUserIDs returns those of ids that name active users, in no order.
func (s *Store) activeUserIDs(ctx context.Context, ids []string) ([]string, error) {
	out := []string{}
	if len(ids) == 0 {
		return out, nil
	}
	err := s.conn(ctx).Model(&User{}).Where("id IN ? AND active = ?", ids, true).Pluck("id", &out).Error
	return out, err
}

// completeActivity answers a record sent again under the id of activity a (err is what
// finding it said). A retry gets a back unchanged. The summary of an open activity, sent
// with its id, is written now, with the place, the names and the photos sent with it;
// step, when given, runs in the same transaction first (a meeting's minutes move its topic
// on). Several instances writing at once write it once: the write is conditional on the
// summary being still empty.
func (s *Store) completeActivity(ctx context.Context, a *Activity, err error, in ActivityInput, step func(tx *Store) error) (*Activity, bool, error) {
	if err != nil || !a.Open() || in.Summary == "" {
		return a, false, err
	}
	err = s.Tx(ctx, func(tx *Store) error {
		if step != nil {
			if err := step(tx); err != nil {
				return err
			}
		}
		names := in.Attendees.normalised()
		attendees := a.Attendees
		attendees.Members, attendees.Residents, attendees.Units, attendees.Others = names.Members, names.Residents, names.Units, names.Others
		place := in.Place
		if place == "" {
			place = a.Place
		}
		res := tx.conn(ctx).Model(&Activity{ID: a.ID}).Where("summary = ?", "").Select("summary", "place", "attendees").
			Updates(&Activity{Summary: in.Summary, Place: place, Attendees: attendees})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error // written meanwhile: the retry gets the written one
		}
		return tx.AttachPhotos(ctx, a.CreatedBy, AttachActivity, a.ID, "photo_ids", in.PhotoIDs)
	})
	if err != nil {
		return nil, false, wrap("write activity", err)
	}
	var done Activity
	if err := s.conn(ctx).Where("id = ?", a.ID).Take(&done).Error; err != nil {
		return nil, false, wrap("write activity", err)
	}
	return &done, false, s.fillActivityPhotos(ctx, []*Activity{&done})
}

func (a Attendees) normalised() Attendees {
	clean := func(l []string) []string {
		out := []string{}
		for _, s := range l {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	ids := dedupe(a.UserIDs)
	if ids == nil {
		ids = []string{}
	}
	return Attendees{UserIDs: ids, Members: clean(a.Members), Residents: clean(a.Residents), Units: clean(a.Units), Others: clean(a.Others)}
}

func (s *Store) fillActivityPhotos(ctx context.Context, as []*Activity) error {
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	photos, err := s.PhotosOf(ctx, AttachActivity, ids)
	if err != nil {
		return err
	}
	for _, a := range as {
		a.Photos = photos[a.ID]
		if a.Photos == nil {
			a.Photos = []Photo{}
		}
	}
	return nil
}

// ActivityFilter selects activities.
type ActivityFilter struct {
	RoomID  string
	TopicID string
	Kind    string
	// From and To are the first and last day (2006-01-02, both included, UTC) the
	// activities were held in; empty means no bound.
	From, To string
	Page     Page
}

// ListActivities lists activities newest first (by when they were held).
func (s *Store) ListActivities(ctx context.Context, f ActivityFilter) ([]*Activity, string, error) {
	from, to, err := DayBounds(f.From, f.To)
	if err != nil {
		return nil, "", err
	}
	q := s.conn(ctx).Model(&Activity{})
	if from != nil {
		q = q.Where("held_at >= ?", *from)
	}
	if to != nil {
		q = q.Where("held_at < ?", *to)
	}
	if f.RoomID != "" {
		q = q.Where("room_id = ?", f.RoomID)
	}
	if f.TopicID != "" {
		q = q.Where("topic_id = ?", f.TopicID)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	rows, next, err := listPage(q, f.Page, "held_at", "id", func(a *Activity) (time.Time, string) { return a.HeldAt, a.ID })
	if err != nil {
		return nil, "", err
	}
	out := make([]*Activity, len(rows))
	for i := range rows {
		out[i] = &rows[i]
	}
	return out, next, s.fillActivityPhotos(ctx, out)
}

// FindActivity returns an activity v may see (see findActivity), with its photos.
func (s *Store) FindActivity(ctx context.Context, v *Viewer, id string) (*Activity, error) {
	a, err := s.findActivity(ctx, v, id)
	if err != nil {
		return nil, err
	}
	return a, s.fillActivityPhotos(ctx, []*Activity{a})
}
