package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Topic sources (议题来源).
const (
	SourceAssigned    = "assigned"    // 点题 / 上级交办
	SourceRecommended = "recommended" // 委员推荐
	SourceCollected   = "collected"   // 收集筛选
)

// Decisions a review body can make.
const (
	DecisionApprove = "approve"
	DecisionReject  = "reject"
	DecisionReturn  = "return"
)

// Topic is a consultation topic (协商议题).
type Topic struct {
	ID          string    `json:"id" gorm:"primaryKey"`
	RoomID      string    `json:"room_id"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Source      string    `json:"source"`
	Category    string    `json:"category"`
	Status      string    `json:"status"`
	Round       int       `json:"round"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`

	OpinionIDs []string       `json:"opinion_ids" gorm:"-"`
	Photos     []Photo        `json:"-" gorm:"-"`
	Reviews    []Review       `json:"reviews,omitempty" gorm:"-"`
	History    []TopicHistory `json:"history,omitempty" gorm:"-"`
}

// Review is one body's decision on a topic in one round.
type Review struct {
	ID         string    `json:"id" gorm:"primaryKey"`
	TopicID    string    `json:"topic_id"`
	Round      int       `json:"round"`
	Body       string    `json:"body"`
	ReviewerID string    `json:"reviewer_id"`
	Decision   string    `json:"decision"`
	Comment    string    `json:"comment"`
	CreatedAt  time.Time `json:"created_at"`
}

// TopicHistory is one change of a topic: who did what, from which status to which.
type TopicHistory struct {
	ID      int64     `json:"-" gorm:"primaryKey;autoIncrement"`
	TopicID string    `json:"-"`
	At      time.Time `json:"at"`
	ActorID string    `json:"actor_id"`
	Action  string    `json:"action"`
	From    string    `json:"from" gorm:"column:from_status"`
	To      string    `json:"to" gorm:"column:to_status"`
	Round   int       `json:"round"`
}

// TableName keeps the history table's name singular, as in the migration.
func (TopicHistory) TableName() string { return "topic_history" }

// TopicInput is what a convener sends to draft or edit a topic. On edit, nil fields keep
// their value.
type TopicInput struct {
	RoomID      string    `json:"room_id"`
	Title       *string   `json:"title"`
	Description *string   `json:"description"`
	Source      *string   `json:"source"`
	Category    *string   `json:"category"`
	OpinionIDs  *[]string `json:"opinion_ids"`
	PhotoIDs    []string  `json:"photo_ids"`
}

func (in *TopicInput) validate(creating bool) Problems {
	p := Problems{}
	if creating {
		if in.RoomID == "" {
			p.Add("room_id", "is required")
		}
		CheckID(p, "room_id", in.RoomID)
		for _, f := range []struct {
			name string
			v    *string
		}{{"title", in.Title}, {"source", in.Source}, {"category", in.Category}} {
			if f.v == nil {
				p.Add(f.name, "is required")
			}
		}
		if in.Description == nil {
			empty := ""
			in.Description = &empty
		}
	}
	if in.Title != nil {
		*in.Title = strings.TrimSpace(*in.Title)
		if n := utf8.RuneCountInString(*in.Title); n == 0 || n > 100 {
			p.Add("title", "must be 1 to 100 characters")
		}
		CheckText(p, "title", *in.Title, MaxTopicTitle, false)
	}
	if in.Description != nil {
		CheckText(p, "description", *in.Description, MaxTopicDescription, true)
	}
	if in.Category != nil {
		CheckText(p, "category", *in.Category, maxCategoryRunes, false)
	}
	if in.Source != nil && !oneOf(*in.Source, SourceAssigned, SourceRecommended, SourceCollected) {
		p.Add("source", "must be assigned, recommended or collected")
	}
	if in.OpinionIDs != nil {
		if len(*in.OpinionIDs) > 100 {
			p.Add("opinion_ids", "at most 100 opinions")
		}
		for _, id := range *in.OpinionIDs {
			CheckID(p, "opinion_ids", id)
		}
		*in.OpinionIDs = dedupe(*in.OpinionIDs)
	}
	for _, id := range in.PhotoIDs {
		CheckID(p, "photo_ids", id)
	}
	return p
}

// CreateTopic drafts a topic from opinions of the room; the opinions become adopted and
// their collectors are told.
func (s *Store) CreateTopic(ctx context.Context, v *Viewer, in TopicInput) (*Topic, error) {
	p := in.validate(true)
	if err := p.Err(); err != nil {
		return nil, err
	}
	var out *Topic
	err := s.Tx(ctx, func(tx *Store) error {
		if _, err := tx.FindRoom(ctx, in.RoomID); err != nil {
			if ErrorCode(err) == CodeNotFound {
				return Invalid("room_id", "no such room")
			}
			return err
		}
		if v.TopicActor(in.RoomID) != ActorConvener {
			return Errorf(CodeForbidden, "only the room's conveners draft its topics")
		}
		if err := tx.checkCategory(ctx, *in.Category); err != nil {
			return err
		}
		now := tx.now()
		t := &Topic{ID: NewID(), RoomID: in.RoomID, Title: *in.Title, Description: *in.Description, Source: *in.Source,
			Category: *in.Category, Status: TopicDraft, CreatedBy: v.ID, CreatedAt: now, UpdatedAt: now}
		if err := tx.conn(ctx).Create(t).Error; err != nil {
			return err
		}
		if err := tx.addHistory(ctx, t, v.ID, ActCreate, "", TopicDraft); err != nil {
			return err
		}
		if _, err := tx.linkOpinions(ctx, t, nil, derefIDs(in.OpinionIDs)); err != nil {
			return err
		}
		if err := tx.AttachPhotos(ctx, v.ID, AttachTopic, t.ID, "photo_ids", in.PhotoIDs); err != nil {
			return err
		}
		out = t
		return nil
	})
	if err != nil {
		return nil, wrap("create topic", err)
	}
	return out, s.fillTopic(ctx, out, false)
}

func derefIDs(p *[]string) []string {
	if p == nil {
		return nil
	}
	return *p
}

func (s *Store) checkCategory(ctx context.Context, c string) error {
	ok, err := s.CategoryExists(ctx, c)
	if err != nil {
		return err
	}
	if !ok {
		return Invalid("category", "is not one of the configured categories")
	}
	return nil
}

// linkOpinions makes want the opinions of t: new ones must be of the room, not dismissed
// and not feeding another topic; they become adopted and their collectors get
// opinion.adopted. Opinions no longer wanted go back to new.
func (s *Store) linkOpinions(ctx context.Context, t *Topic, have, want []string) ([]Event, error) {
	var add, drop []string
	for _, id := range want {
		if !oneOf(id, have...) {
			add = append(add, id)
		}
	}
	for _, id := range have {
		if !oneOf(id, want...) {
			drop = append(drop, id)
		}
	}
	now := s.now()
	if len(drop) > 0 {
		err := s.conn(ctx).Model(&Opinion{}).Where("id IN ? AND topic_id = ?", drop, t.ID).
			Updates(map[string]any{"topic_id": nil, "status": OpinionNew, "updated_at": now}).Error
		if err != nil {
			return nil, err
		}
	}
	if len(add) == 0 {
		return nil, nil
	}
	res := s.conn(ctx).Model(&Opinion{}).
		Where("id IN ? AND room_id = ? AND topic_id IS NULL AND status IN ?", add, t.RoomID, []string{OpinionNew, OpinionAdopted}).
		Updates(map[string]any{"topic_id": t.ID, "status": OpinionAdopted, "updated_at": now})
	if res.Error != nil {
		return nil, res.Error
	}
	if int(res.RowsAffected) != len(add) {
		return nil, Invalid("opinion_ids", "each must be an opinion of this room that is not dismissed and feeds no other topic")
	}
	var ops []Opinion
	if err := s.conn(ctx).Select("id, collector_id").Where("id IN ?", add).Find(&ops).Error; err != nil {
		return nil, err
	}
	notices := make([]Notice, len(ops))
	for i, o := range ops {
		notices[i] = Notice{Type: EventOpinionAdopted, Data: map[string]string{"opinion_id": o.ID, "topic_id": t.ID, "title": t.Title},
			Recipients: []string{o.CollectorID}}
	}
	return s.AddEvents(ctx, notices...)
}

// UpdateTopic edits a draft or returned topic.
func (s *Store) UpdateTopic(ctx context.Context, v *Viewer, id string, in TopicInput) (*Topic, error) {
	if err := in.validate(false).Err(); err != nil {
		return nil, err
	}
	var out *Topic
	err := s.Tx(ctx, func(tx *Store) error {
		t, to, err := tx.stepTopic(ctx, v, id, ActEdit)
		if err != nil {
			return err
		}
		updates := map[string]any{"updated_at": tx.now()}
		if in.Title != nil {
			updates["title"], t.Title = *in.Title, *in.Title
		}
		if in.Description != nil {
			updates["description"], t.Description = *in.Description, *in.Description
		}
		if in.Source != nil {
			updates["source"], t.Source = *in.Source, *in.Source
		}
		if in.Category != nil {
			if err := tx.checkCategory(ctx, *in.Category); err != nil {
				return err
			}
			updates["category"], t.Category = *in.Category, *in.Category
		}
		if err := tx.conn(ctx).Model(&Topic{}).Where("id = ?", t.ID).Updates(updates).Error; err != nil {
			return err
		}
		if in.OpinionIDs != nil {
			have, err := tx.topicOpinionIDs(ctx, t.ID)
			if err != nil {
				return err
			}
			if _, err = tx.linkOpinions(ctx, t, have, *in.OpinionIDs); err != nil {
				return err
			}
		}
		if err := tx.AttachPhotos(ctx, v.ID, AttachTopic, t.ID, "photo_ids", in.PhotoIDs); err != nil {
			return err
		}
		if err := tx.addHistory(ctx, t, v.ID, ActEdit, t.Status, to); err != nil {
			return err
		}
		out = t
		return nil
	})
	if err != nil {
		return nil, wrap("update topic", err)
	}
	return out, s.fillTopic(ctx, out, false)
}

// SubmitTopic sends a draft or returned topic to both review bodies (双报告). The first
// submit is round 1; each resubmit after a return starts the next round.
func (s *Store) SubmitTopic(ctx context.Context, v *Viewer, id string) (*Topic, error) {
	var out *Topic
	err := s.Tx(ctx, func(tx *Store) error {
		t, to, err := tx.stepTopic(ctx, v, id, ActSubmit)
		if err != nil {
			return err
		}
		from := t.Status
		t.Round++
		if err := tx.moveTopic(ctx, t, v.ID, ActSubmit, to); err != nil {
			return err
		}
		reviewers, err := tx.topicReviewers(ctx, t.RoomID)
		if err != nil {
			return err
		}
		followers, err := tx.topicFollowers(ctx, t)
		if err != nil {
			return err
		}
		_, err = tx.AddEvents(ctx,
			Notice{Type: EventTopicSubmitted, Data: map[string]any{"topic_id": t.ID, "title": t.Title, "room_id": t.RoomID, "round": t.Round}, Recipients: reviewers},
			Notice{Type: EventTopicStatusChanged, Data: map[string]any{"topic_id": t.ID, "title": t.Title, "from": from, "to": to}, Recipients: followers})
		out = t
		return err
	})
	if err != nil {
		return nil, wrap("submit topic", err)
	}
	return out, s.fillTopic(ctx, out, true)
}

// ReviewInput is one body's decision.
type ReviewInput struct {
	Decision string `json:"decision"`
	Comment  string `json:"comment"`
}

// ErrAlreadyDecided answers a second decision by the same body in one round.
var ErrAlreadyDecided = &Error{Code: CodeConflict, Message: "your body has already decided this topic in this round"}

// ReviewTopic records a reviewer's decision for their body. The topic is approved when both
// bodies approved in the same round, rejected when either rejects, and returned for editing
// when either returns it.
func (s *Store) ReviewTopic(ctx context.Context, v *Viewer, id string, in ReviewInput) (*Review, error) {
	in.Comment = strings.TrimSpace(in.Comment)
	p := Problems{}
	if !oneOf(in.Decision, DecisionApprove, DecisionReject, DecisionReturn) {
		p.Add("decision", "must be approve, reject or return")
	}
	if (in.Decision == DecisionReject || in.Decision == DecisionReturn) && in.Comment == "" {
		p.Add("comment", "is required to reject or return a topic")
	}
	CheckText(p, "comment", in.Comment, MaxReviewComment, true)
	if err := p.Err(); err != nil {
		return nil, err
	}
	var rv *Review
	err := s.Tx(ctx, func(tx *Store) error {
		t, actor, err := tx.lockTopic(ctx, v, id)
		if err != nil {
			return err
		}
		action := map[string]string{DecisionReject: ActReject, DecisionReturn: ActReturn, DecisionApprove: ActApproveOne}[in.Decision]
		if _, err := TopicStep(t.Status, action, actor); err != nil {
			return err
		}
		body := actorBody(actor)
		if in.Decision == DecisionApprove {
			var others int64
			if err := tx.conn(ctx).Model(&Review{}).Where("topic_id = ? AND round = ? AND body <> ? AND decision = ?",
				t.ID, t.Round, body, DecisionApprove).Count(&others).Error; err != nil {
				return err
			}
			if others > 0 {
				action = ActApproveBoth
			}
		}
		to, err := TopicStep(t.Status, action, actor)
		if err != nil {
			return err
		}
		rv = &Review{ID: NewID(), TopicID: t.ID, Round: t.Round, Body: body, ReviewerID: v.ID, Decision: in.Decision,
			Comment: in.Comment, CreatedAt: tx.now()}
		if err := tx.conn(ctx).Create(rv).Error; err != nil {
			if isDuplicate(err) {
				return ErrAlreadyDecided
			}
			return err
		}
		from := t.Status
		if err := tx.moveTopic(ctx, t, v.ID, action, to); err != nil {
			return err
		}
		followers, err := tx.topicFollowers(ctx, t)
		if err != nil {
			return err
		}
		notices := []Notice{{Type: EventReviewDecided, Recipients: followers, Data: map[string]any{"topic_id": t.ID, "title": t.Title,
			"body": body, "decision": in.Decision, "comment": in.Comment, "topic_status": to, "round": t.Round}}}
		if to != from {
			notices = append(notices, Notice{Type: EventTopicStatusChanged, Recipients: followers,
				Data: map[string]any{"topic_id": t.ID, "title": t.Title, "from": from, "to": to}})
		}
		_, err = tx.AddEvents(ctx, notices...)
		return err
	})
	if err != nil {
		if isDuplicate(err) {
			return nil, ErrAlreadyDecided
		}
		return nil, wrap("review topic", err)
	}
	return rv, nil
}

// lockTopic reads a topic for a change, row-locked on MySQL so concurrent changes of one
// topic queue up (SQLite already serialises writers), and says who v is for it (the
// policy's TopicActor). A topic v may not see is not found.
func (s *Store) lockTopic(ctx context.Context, v *Viewer, id string) (*Topic, string, error) {
	var t Topic
	q := s.conn(ctx)
	if s.dialect == DialectMySQL {
		q = q.Clauses(lockingClause())
	}
	if err := q.Where("id = ?", id).Take(&t).Error; err != nil {
		return nil, "", notFound(err, "topic")
	}
	if !v.CanSeeRoom(t.RoomID) {
		return nil, "", &Error{Code: CodeNotFound, Message: "topic not found"}
	}
	return &t, v.TopicActor(t.RoomID), nil
}

// stepTopic locks a topic v may see and decides whether v may take action on it now,
// returning the topic and the status the action leads to.
func (s *Store) stepTopic(ctx context.Context, v *Viewer, id, action string) (*Topic, string, error) {
	t, actor, err := s.lockTopic(ctx, v, id)
	if err != nil {
		return nil, "", err
	}
	to, err := TopicStep(t.Status, action, actor)
	return t, to, err
}

// moveTopic sets the topic's status (and round) and writes the history row.
func (s *Store) moveTopic(ctx context.Context, t *Topic, actorID, action, to string) error {
	from := t.Status
	now := s.now()
	if err := s.conn(ctx).Model(&Topic{}).Where("id = ?", t.ID).
		Updates(map[string]any{"status": to, "round": t.Round, "updated_at": now}).Error; err != nil {
		return err
	}
	t.Status, t.UpdatedAt = to, now
	return s.addHistory(ctx, t, actorID, action, from, to)
}

func (s *Store) addHistory(ctx context.Context, t *Topic, actorID, action, from, to string) error {
	return s.conn(ctx).Create(&TopicHistory{TopicID: t.ID, At: s.now(), ActorID: actorID, Action: action, From: from, To: to, Round: t.Round}).Error
}

// topicReviewers are those who may review topics of room: every active county reviewer and
// the room's local reviewers.
func (s *Store) topicReviewers(ctx context.Context, roomID string) ([]string, error) {
	county, err := s.countyReviewers(ctx)
	if err != nil {
		return nil, err
	}
	local, err := s.RoomMemberIDs(ctx, roomID, RoomLocalReviewer)
	if err != nil {
		return nil, err
	}
	return append(county, local...), nil
}

// topicFollowers are told of every decision: the room's conveners and the collectors of
// every opinion linked to the topic.
func (s *Store) topicFollowers(ctx context.Context, t *Topic) ([]string, error) {
	conveners, err := s.RoomMemberIDs(ctx, t.RoomID, RoomConvener)
	if err != nil {
		return nil, err
	}
	var collectors []string
	if err := s.conn(ctx).Model(&Opinion{}).Distinct("collector_id").Where("topic_id = ?", t.ID).Pluck("collector_id", &collectors).Error; err != nil {
		return nil, err
	}
	return append(conveners, collectors...), nil
}

func (s *Store) topicOpinionIDs(ctx context.Context, topicID string) ([]string, error) {
	var ids []string
	err := s.conn(ctx).Model(&Opinion{}).Where("topic_id = ?", topicID).Order("created_at, id").Pluck("id", &ids).Error
	return ids, err
}

// FindTopic returns a topic v may see, with its opinions, photos, reviews and history.
func (s *Store) FindTopic(ctx context.Context, v *Viewer, id string) (*Topic, error) {
	var t Topic
	if err := s.conn(ctx).Where("id = ?", id).Take(&t).Error; err != nil {
		return nil, notFound(err, "topic")
	}
	if !v.CanSeeRoom(t.RoomID) {
		return nil, &Error{Code: CodeNotFound, Message: "topic not found"}
	}
	return &t, s.fillTopic(ctx, &t, true)
}

func (s *Store) fillTopic(ctx context.Context, t *Topic, details bool) error {
	if err := s.fillTopics(ctx, []*Topic{t}); err != nil {
		return err
	}
	if !details {
		return nil
	}
	t.Reviews, t.History = []Review{}, []TopicHistory{}
	if err := s.conn(ctx).Where("topic_id = ?", t.ID).Order("round, created_at").Find(&t.Reviews).Error; err != nil {
		return fmt.Errorf("models: topic reviews: %w", err)
	}
	if err := s.conn(ctx).Where("topic_id = ?", t.ID).Order("id").Find(&t.History).Error; err != nil {
		return fmt.Errorf("models: topic history: %w", err)
	}
	return nil
}

// fillTopics loads the opinion ids and photos of several topics in two queries.
func (s *Store) fillTopics(ctx context.Context, ts []*Topic) error {
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	var links []struct{ ID, TopicID string }
	if len(ids) > 0 {
		if err := s.conn(ctx).Model(&Opinion{}).Select("id, topic_id").Where("topic_id IN ?", ids).
			Order("created_at, id").Scan(&links).Error; err != nil {
			return fmt.Errorf("models: topic opinions: %w", err)
		}
	}
	byTopic := map[string][]string{}
	for _, l := range links {
		byTopic[l.TopicID] = append(byTopic[l.TopicID], l.ID)
	}
	photos, err := s.PhotosOf(ctx, AttachTopic, ids)
	if err != nil {
		return err
	}
	for _, t := range ts {
		t.OpinionIDs, t.Photos = byTopic[t.ID], photos[t.ID]
		if t.OpinionIDs == nil {
			t.OpinionIDs = []string{}
		}
		if t.Photos == nil {
			t.Photos = []Photo{}
		}
	}
	return nil
}

// TopicFilter selects topics for a list.
type TopicFilter struct {
	Viewer   *Viewer
	RoomID   string
	Status   string
	Category string
	// AwaitingMe keeps topics in review that the viewer's body has not decided this round.
	AwaitingMe bool
	Page       Page
}

// ListTopics lists the topics the viewer may see, newest first.
func (s *Store) ListTopics(ctx context.Context, f TopicFilter) ([]Topic, string, error) {
	db := s.conn(ctx)
	q := db.Model(&Topic{})
	v := f.Viewer
	if !v.SeesCounty() {
		q = q.Where("room_id IN ?", v.Rooms())
	}
	if f.RoomID != "" {
		q = q.Where("room_id = ?", f.RoomID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Category != "" {
		q = q.Where("category = ?", f.Category)
	}
	if f.AwaitingMe {
		body, rooms := v.Awaiting()
		if rooms != nil {
			q = q.Where("room_id IN ?", rooms)
		}
		q = q.Where("status = ?", TopicInReview).Where("NOT EXISTS (?)",
			db.Model(&Review{}).Select("1").Where("reviews.topic_id = topics.id AND reviews.round = topics.round AND reviews.body = ?", body))
	}
	rows, next, err := listPage(q, f.Page, "created_at", "id", func(t *Topic) (time.Time, string) { return t.CreatedAt, t.ID })
	if err != nil {
		return nil, "", err
	}
	ptrs := make([]*Topic, len(rows))
	for i := range rows {
		ptrs[i] = &rows[i]
	}
	return rows, next, s.fillTopics(ctx, ptrs)
}

// TopicByID reads a topic without checking who asks; for the server's own jobs.
func (s *Store) TopicByID(ctx context.Context, id string) (*Topic, error) {
	var t Topic
	err := s.conn(ctx).Where("id = ?", id).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, &Error{Code: CodeNotFound, Message: "topic not found"}
	}
	return &t, err
}
