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

// Recommendation statuses. Overdue is not a status: it is a pending or in-progress
// recommendation past its due date.
const (
	RecPending    = "pending"
	RecInProgress = "in_progress"
	RecDone       = "done"
	RecNotAdopted = "not_adopted"
)

// recFlow: how a recommendation's follow-up (跟踪问效) may move.
var recFlow = map[string][]string{
	RecPending:    {RecInProgress, RecDone, RecNotAdopted},
	RecInProgress: {RecDone, RecNotAdopted},
}

// Outcome is the written consensus (协商成果) of a topic.
type Outcome struct {
	TopicID         string           `json:"topic_id" gorm:"primaryKey"`
	Consensus       string           `json:"consensus"`
	CreatedBy       string           `json:"created_by"`
	PublishedAt     time.Time        `json:"published_at"`
	Recommendations []Recommendation `json:"recommendations" gorm:"-"`
}

// Recommendation is one action of an outcome, owned by a responsible unit.
type Recommendation struct {
	ID                string     `json:"id" gorm:"primaryKey"`
	TopicID           string     `json:"topic_id"`
	Position          int        `json:"position"`
	Content           string     `json:"content"`
	Unit              string     `json:"unit"`
	Contact           string     `json:"contact"`
	DueOn             time.Time  `json:"-"`
	Status            string     `json:"status"`
	Reason            string     `json:"reason"`
	OverdueNotifiedAt *time.Time `json:"-"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`

	Due      string         `json:"due_on" gorm:"-"`
	Overdue  bool           `json:"overdue" gorm:"-"`
	Progress []ProgressNote `json:"progress" gorm:"-"`
}

// ProgressNote is one dated step of a recommendation's follow-up.
type ProgressNote struct {
	ID               string `json:"id" gorm:"primaryKey"`
	RecommendationID string `json:"recommendation_id"`
	From             string `json:"from" gorm:"column:from_status"`
	To               string `json:"to" gorm:"column:to_status"`
	Note             string `json:"note"`
	// CreatedBy is the user who wrote the note; empty (NULL) for a unit's reply.
	CreatedBy string `json:"created_by" gorm:"default:null"`
	// UnitLinkID is the link a unit's reply came through; nil for a member's note.
	UnitLinkID *string `json:"-"`
	// UnitStatus is the unit's own word (UnitReplyWords), ExpectedOn the date it expects to
	// finish: set on a unit's reply only.
	UnitStatus string     `json:"unit_status,omitempty"`
	ExpectedOn *time.Time `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	Photos     []Photo    `json:"-" gorm:"-"`

	FromUnit bool   `json:"from_unit" gorm:"-"`
	Expected string `json:"expected_on,omitempty" gorm:"-"`
}

// AfterFind says whether the note is a unit's and words its expected date.
func (n *ProgressNote) AfterFind(*gorm.DB) error {
	n.FromUnit = n.UnitLinkID != nil
	n.Expected = ""
	if n.ExpectedOn != nil {
		n.Expected = n.ExpectedOn.Format(DateLayout)
	}
	return nil
}

// OutcomeInput publishes an outcome.
type OutcomeInput struct {
	Consensus       string `json:"consensus"`
	Recommendations []struct {
		Content string `json:"content"`
		Unit    string `json:"unit"`
		Contact string `json:"contact"`
		DueOn   string `json:"due_on"`
	} `json:"recommendations"`
}

// PublishOutcome writes the outcome of a consulted topic with its recommendations, and
// moves the topic to concluded. A topic has one outcome, so a retry is known by its content:
// the same outcome again from the one who published it returns the stored one and
// created=false.
func (s *Store) PublishOutcome(ctx context.Context, v *Viewer, topicID string, in OutcomeInput) (*Outcome, bool, error) {
	p := Problems{}
	in.Consensus = strings.TrimSpace(in.Consensus)
	if n := utf8.RuneCountInString(in.Consensus); n == 0 || n > 50000 {
		p.Add("consensus", "must be 1 to 50000 characters")
	}
	CheckText(p, "consensus", in.Consensus, MaxConsensus, true)
	if len(in.Recommendations) == 0 || len(in.Recommendations) > 100 {
		p.Add("recommendations", "give 1 to 100 recommendations")
	}
	dues := make([]time.Time, len(in.Recommendations))
	for i, r := range in.Recommendations {
		d, ok := ParseDate(Problems{}, "due_on", r.DueOn)
		if strings.TrimSpace(r.Content) == "" || utf8.RuneCountInString(r.Content) > MaxRecContent || strings.TrimSpace(r.Unit) == "" || !ok ||
			utf8.RuneCountInString(r.Unit) > MaxRecUnit || utf8.RuneCountInString(r.Contact) > MaxRecContact {
			p.Add("recommendations", fmt.Sprintf("each needs content (≤ 5000 characters), a responsible unit (≤ 100) and a due date (2006-01-02, in %d–%d)", MinYear, MaxYear))
		}
		CheckText(p, "recommendations", r.Content, 0, true)
		CheckText(p, "recommendations", strings.TrimSpace(r.Unit)+strings.TrimSpace(r.Contact), 0, false)
		dues[i] = d
	}
	if err := p.Err(); err != nil {
		return nil, false, err
	}
	if o, err := s.repeatedOutcome(ctx, v, topicID, in, dues); o != nil || err != nil {
		return o, false, err
	}
	var out Outcome
	err := s.Tx(ctx, func(tx *Store) error {
		t, to, err := tx.stepTopic(ctx, v, topicID, ActConclude)
		if err != nil {
			return err
		}
		now := tx.now()
		out = Outcome{TopicID: t.ID, Consensus: in.Consensus, CreatedBy: v.ID, PublishedAt: now}
		if err := tx.conn(ctx).Create(&out).Error; err != nil {
			return err
		}
		for i, r := range in.Recommendations {
			rec := Recommendation{ID: NewID(), TopicID: t.ID, Position: i + 1, Content: strings.TrimSpace(r.Content),
				Unit: strings.TrimSpace(r.Unit), Contact: strings.TrimSpace(r.Contact), DueOn: dues[i], Status: RecPending,
				CreatedAt: now, UpdatedAt: now}
			if err := tx.conn(ctx).Create(&rec).Error; err != nil {
				return err
			}
		}
		return tx.moveAndTell(ctx, t, v.ID, ActConclude, to)
	})
	if isDuplicate(err) || ErrorCode(err) == CodeWrongState {
		if o, err := s.repeatedOutcome(ctx, v, topicID, in, dues); o != nil || err != nil {
			return o, false, err
		}
	}
	if err != nil {
		return nil, false, wrap("publish outcome", err)
	}
	o, err := s.outcomeOf(ctx, topicID)
	return o, true, err
}

// repeatedOutcome returns the topic's outcome when v already published exactly this one
// (consensus and recommendations in order, trimmed as stored), else nil: anything else is
// left to the state checks.
func (s *Store) repeatedOutcome(ctx context.Context, v *Viewer, topicID string, in OutcomeInput, dues []time.Time) (*Outcome, error) {
	var o Outcome
	err := s.conn(ctx).Where("topic_id = ?", topicID).Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("find outcome", err)
	}
	if o.CreatedBy != v.ID || o.Consensus != in.Consensus {
		return nil, nil
	}
	var recs []Recommendation
	if err := s.conn(ctx).Where("topic_id = ?", topicID).Order("position").Find(&recs).Error; err != nil {
		return nil, wrap("recommendations", err)
	}
	if len(recs) != len(in.Recommendations) {
		return nil, nil
	}
	for i, r := range in.Recommendations {
		got := recs[i]
		if got.Content != strings.TrimSpace(r.Content) || got.Unit != strings.TrimSpace(r.Unit) ||
			got.Contact != strings.TrimSpace(r.Contact) || got.DueOn.Format("2006-01-02") != dues[i].Format("2006-01-02") {
			return nil, nil
		}
	}
	return s.outcomeOf(ctx, topicID)
}

// FindOutcome returns the outcome of a topic v may see, with recommendations and progress.
func (s *Store) FindOutcome(ctx context.Context, v *Viewer, topicID string) (*Outcome, error) {
	if _, err := s.FindTopic(ctx, v, topicID); err != nil {
		return nil, err
	}
	return s.outcomeOf(ctx, topicID)
}

func (s *Store) outcomeOf(ctx context.Context, topicID string) (*Outcome, error) {
	var o Outcome
	if err := s.conn(ctx).Where("topic_id = ?", topicID).Take(&o).Error; err != nil {
		return nil, notFound(err, "outcome")
	}
	if err := s.conn(ctx).Where("topic_id = ?", topicID).Order("position").Find(&o.Recommendations).Error; err != nil {
		return nil, wrap("recommendations", err)
	}
	ids := make([]string, len(o.Recommendations))
	for i := range o.Recommendations {
		ids[i] = o.Recommendations[i].ID
	}
	var notes []ProgressNote
	if len(ids) > 0 {
		if err := s.conn(ctx).Where("recommendation_id IN ?", ids).Order("created_at, id").Find(&notes).Error; err != nil {
			return nil, wrap("progress notes", err)
		}
	}
	noteIDs := make([]string, len(notes))
	for i := range notes {
		noteIDs[i] = notes[i].ID
	}
	photos, err := s.PhotosOf(ctx, AttachProgress, noteIDs)
	if err != nil {
		return nil, err
	}
	byRec := map[string][]ProgressNote{}
	for _, n := range notes {
		n.Photos = photos[n.ID]
		if n.Photos == nil {
			n.Photos = []Photo{}
		}
		byRec[n.RecommendationID] = append(byRec[n.RecommendationID], n)
	}
	today := s.today()
	for i := range o.Recommendations {
		r := &o.Recommendations[i]
		r.decorate(today)
		r.Progress = byRec[r.ID]
		if r.Progress == nil {
			r.Progress = []ProgressNote{}
		}
	}
	return &o, nil
}

func (s *Store) today() time.Time {
	n := s.now()
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

func (r *Recommendation) decorate(today time.Time) {
	r.Due = r.DueOn.Format("2006-01-02")
	r.Overdue = r.DueOn.Before(today) && (r.Status == RecPending || r.Status == RecInProgress)
}

// ProgressInput is a follow-up step: a note, optionally a new status (a reason is needed for
// not_adopted), and photos.
type ProgressInput struct {
	ID       string   `json:"id"` // optional, made on the phone: a retry is then safe
	Status   string   `json:"status"`
	Note     string   `json:"note"`
	Reason   string   `json:"reason"`
	PhotoIDs []string `json:"photo_ids"`
}

// AddProgress records follow-up on a recommendation by a convener of the topic's room. When
// every recommendation of the topic is done or not adopted, the topic closes and the
// collectors of its opinions are told (反馈). Sending the same id again returns the
// recommendation as it is now and created=false, and changes nothing.
func (s *Store) AddProgress(ctx context.Context, v *Viewer, recID string, in ProgressInput) (*Recommendation, bool, error) {
	in.Note, in.Reason = strings.TrimSpace(in.Note), strings.TrimSpace(in.Reason)
	p := Problems{}
	CheckID(p, "id", in.ID)
	if n := utf8.RuneCountInString(in.Note); n == 0 || n > 5000 {
		p.Add("note", "must be 1 to 5000 characters")
	}
	CheckText(p, "note", in.Note, MaxProgressNote, true)
	CheckText(p, "reason", in.Reason, MaxProgressReason, true)
	for _, id := range in.PhotoIDs {
		CheckID(p, "photo_ids", id)
	}
	if in.Status != "" && !oneOf(in.Status, RecInProgress, RecDone, RecNotAdopted) {
		p.Add("status", "must be in_progress, done or not_adopted")
	}
	if in.Status == RecNotAdopted && in.Reason == "" {
		p.Add("reason", "is required when a recommendation is not adopted")
	}
	if err := p.Err(); err != nil {
		return nil, false, err
	}
	if r, err := s.repeatedProgress(ctx, v, in.ID, recID); r != nil || err != nil {
		return r, false, err
	}
	noteID := in.ID
	if noteID == "" {
		noteID = NewID()
	}
	var rec Recommendation
	err := s.Tx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).Where("id = ?", recID).Take(&rec).Error; err != nil {
			return notFound(err, "recommendation")
		}
		t, actor, err := tx.lockTopic(ctx, v, rec.TopicID)
		if err != nil {
			return err
		}
		if actor != ActorConvener {
			return Errorf(CodeForbidden, "only the room's conveners record follow-up")
		}
		if t.Status != TopicConcluded {
			return Errorf(CodeWrongState, "follow-up is recorded on a concluded topic; this one is %s", t.Status)
		}
		note := ProgressNote{ID: noteID, Note: in.Note, CreatedBy: v.ID}
		return tx.recordProgress(ctx, t, &rec, &note, in.Status, in.Reason, func() error {
			return tx.AttachPhotos(ctx, v.ID, AttachProgress, note.ID, "photo_ids", in.PhotoIDs)
		})
	})
	if retried(in.ID, err) {
		if r, err := s.repeatedProgress(ctx, v, in.ID, recID); r != nil || err != nil {
			return r, false, err
		}
	}
	if err != nil {
		return nil, false, wrap("add progress", err)
	}
	rec.decorate(s.today())
	return &rec, true, nil
}

// recordProgress writes note on rec (a recommendation of the concluded topic t, locked by
// the caller's transaction), moving rec to status when given and allowed, then attaches the
// note's photos with attach. When every recommendation of t is settled, t closes; the
// recommendation's unit links end with its settling. Convener and unit write through here.
func (s *Store) recordProgress(ctx context.Context, t *Topic, rec *Recommendation, note *ProgressNote, status, reason string, attach func() error) error {
	from, to := rec.Status, rec.Status
	if status != "" && status != rec.Status {
		if !oneOf(status, recFlow[rec.Status]...) {
			return Errorf(CodeWrongState, "a recommendation that is %s cannot become %s", rec.Status, status)
		}
		to = status
	}
	now := s.now()
	note.RecommendationID, note.From, note.To, note.CreatedAt = rec.ID, from, to, now
	if err := s.conn(ctx).Create(note).Error; err != nil {
		return err
	}
	if err := attach(); err != nil {
		return err
	}
	updates := map[string]any{"status": to, "updated_at": now}
	if to == RecNotAdopted {
		updates["reason"] = reason
	}
	if err := s.conn(ctx).Model(&Recommendation{}).Where("id = ?", rec.ID).Updates(updates).Error; err != nil {
		return err
	}
	rec.Status, rec.UpdatedAt = to, now
	if !rec.Settled() {
		return nil
	}
	if err := s.endUnitLinks(ctx, rec.ID); err != nil {
		return err
	}
	var open int64
	if err := s.conn(ctx).Model(&Recommendation{}).Where("topic_id = ? AND status IN ?", t.ID, []string{RecPending, RecInProgress}).Count(&open).Error; err != nil {
		return err
	}
	if open > 0 {
		return nil
	}
	return s.closeTopic(ctx, t)
}

// Settled says the recommendation is done or not adopted: its follow-up is over.
func (r *Recommendation) Settled() bool { return r.Status == RecDone || r.Status == RecNotAdopted }

// repeatedProgress returns the recommendation as it is now when v already sent the note
// with id for it; the id used by someone else or for another recommendation is a conflict.
// An empty id finds nothing.
func (s *Store) repeatedProgress(ctx context.Context, v *Viewer, id, recID string) (*Recommendation, error) {
	if id == "" {
		return nil, nil
	}
	var n ProgressNote
	err := s.conn(ctx).Where("id = ?", id).Take(&n).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("find progress note", err)
	}
	if n.CreatedBy != v.ID || n.RecommendationID != recID {
		return nil, idTaken("a progress note")
	}
	var rec Recommendation
	if err := s.conn(ctx).Where("id = ?", recID).Take(&rec).Error; err != nil {
		return nil, notFound(err, "recommendation")
	}
	rec.decorate(s.today())
	return &rec, nil
}

// closeTopic is the server's own move: every recommendation is settled, so the topic closes
// and the residents' collectors hear back.
func (s *Store) closeTopic(ctx context.Context, t *Topic) error {
	to, err := TopicStep(t.Status, ActClose, ActorSystem)
	if err != nil {
		return err
	}
	if err = s.moveAndTell(ctx, t, "system", ActClose, to); err != nil {
		return err
	}
	var collectors []string
	if err := s.conn(ctx).Model(&Opinion{}).Distinct("collector_id").Where("topic_id = ?", t.ID).Pluck("collector_id", &collectors).Error; err != nil {
		return err
	}
	var done int64
	if err := s.conn(ctx).Model(&Recommendation{}).Where("topic_id = ? AND status = ?", t.ID, RecDone).Count(&done).Error; err != nil {
		return err
	}
	_, err = s.AddEvents(ctx, Notice{Type: EventTopicClosed, Recipients: collectors,
		Data: map[string]any{"topic_id": t.ID, "title": t.Title, "recommendations_done": done}})
	return err
}

// NotifyOverdue finds recommendations past due and not settled that nobody was told of yet,
// and tells the topic's conveners and the county reviewers, once each. Each claim is a
// conditional update, so several instances running the job never notify twice.
func (s *Store) NotifyOverdue(ctx context.Context) ([]Event, error) {
	var due []Recommendation
	err := s.conn(ctx).Where("due_on < ? AND status IN ? AND overdue_notified_at IS NULL", s.today(), []string{RecPending, RecInProgress}).
		Order("due_on").Limit(500).Find(&due).Error
	if err != nil {
		return nil, wrap("find overdue", err)
	}
	var all []Event
	for _, r := range due {
		err := s.Tx(ctx, func(tx *Store) error {
			res := tx.conn(ctx).Model(&Recommendation{}).Where("id = ? AND overdue_notified_at IS NULL", r.ID).Update("overdue_notified_at", tx.now())
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error // another instance claimed it
			}
			t, err := tx.TopicByID(ctx, r.TopicID)
			if err != nil {
				return err
			}
			watchers, err := tx.followUpWatchers(ctx, t.RoomID)
			if err != nil {
				return err
			}
			evs, err := tx.AddEvents(ctx, Notice{Type: EventRecommendationDue, Recipients: watchers,
				Data: map[string]any{"recommendation_id": r.ID, "topic_id": t.ID, "title": t.Title, "unit": r.Unit,
					"due_on": r.DueOn.Format("2006-01-02")}})
			all = append(all, evs...)
			return err
		})
		if err != nil {
			return all, wrap("notify overdue", err)
		}
	}
	return all, nil
}

// PublicTopicStatuses are the statuses in which a topic's title may be shown to the public:
// from approval on.
var PublicTopicStatuses = []string{TopicApproved, TopicPlanned, TopicConsulted, TopicConcluded, TopicClosed}

// Receipt is what a resident may see of their opinion by its receipt code: nothing that
// names or locates anyone.
type Receipt struct {
	Code            string                  `json:"code"`
	OpinionStatus   string                  `json:"opinion_status"`
	Category        string                  `json:"category"`
	CollectedOn     string                  `json:"collected_on"`
	TopicTitle      string                  `json:"topic_title,omitempty"`
	TopicStatus     string                  `json:"topic_status,omitempty"`
	Outcome         string                  `json:"outcome,omitempty"`
	Recommendations []ReceiptRecommendation `json:"recommendations,omitempty"`
	// Path is the way the opinion went so far, step by step with the day of each.
	Path []ReceiptStep `json:"path"`
	// CanRate says the topic is closed and a verdict may be given (or changed); Rating is the
	// verdict given, if any.
	CanRate   bool           `json:"can_rate"`
	Rating    *ReceiptRating `json:"rating,omitempty"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// Steps of a receipt's path, in order.
const (
	StepReceived        = "received"
	StepInTopic         = "in_topic"
	StepApproved        = "approved"
	StepResearched      = "researched"
	StepConsulted       = "consulted"
	StepRecommendations = "recommendations"
	StepClosed          = "closed"
)

// ReceiptStep is one step of the path and the day it was reached.
type ReceiptStep struct {
	Step string `json:"step"`
	On   string `json:"on"`
}

// ReceiptRecommendation is a recommendation as the public sees it, with its unit's replies.
type ReceiptRecommendation struct {
	Content string         `json:"content"`
	Unit    string         `json:"unit"`
	Status  string         `json:"status"`
	DueOn   string         `json:"due_on"`
	Replies []ReceiptReply `json:"replies"`
}

// ReceiptReply is a unit's reply as the public sees it: its word, its note and the day.
type ReceiptReply struct {
	Status     string `json:"status"`
	Note       string `json:"note"`
	ExpectedOn string `json:"expected_on,omitempty"`
	On         string `json:"on"`
}

// FindReceipt looks an opinion up by its receipt code for the public.
func (s *Store) FindReceipt(ctx context.Context, code string) (*Receipt, error) {
	op, err := s.opinionByReceipt(ctx, code)
	if err != nil {
		return nil, err
	}
	r := &Receipt{Code: op.ReceiptCode, OpinionStatus: op.Status, Category: op.Category, CollectedOn: op.CollectedAt.Format(DateLayout), UpdatedAt: op.UpdatedAt,
		Path: []ReceiptStep{{StepReceived, op.CreatedAt.Format(DateLayout)}}}
	if op.TopicID == nil {
		return r, nil
	}
	t, err := s.TopicByID(ctx, *op.TopicID)
	if err != nil {
		return nil, err
	}
	r.TopicStatus = t.Status
	if t.UpdatedAt.After(r.UpdatedAt) {
		r.UpdatedAt = t.UpdatedAt
	}
	r.Path = append(r.Path, ReceiptStep{StepInTopic, op.UpdatedAt.Format(DateLayout)})
	if !oneOf(t.Status, PublicTopicStatuses...) {
		// Until both bodies approved it, a topic's title is the room's working text, not
		// something the county has put its name to.
		return r, nil
	}
	r.TopicTitle = t.Title
	if err := s.receiptPath(ctx, t, r); err != nil {
		return nil, err
	}
	if t.Status == TopicConcluded || t.Status == TopicClosed {
		if err := s.receiptOutcome(ctx, t, r); err != nil {
			return nil, err
		}
	}
	if t.Status == TopicClosed {
		var rt Rating
		err := s.conn(ctx).Where("opinion_id = ?", op.ID).Take(&rt).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			r.CanRate = true
		case err != nil:
			return nil, wrap("receipt rating", err)
		default:
			r.Rating = rt.receiptView()
			r.CanRate = s.now().Before(rt.CreatedAt.Add(RatingWindow))
		}
	}
	return r, nil
}

// receiptPath adds the steps of an approved topic, each on the first day it was reached.
func (s *Store) receiptPath(ctx context.Context, t *Topic, r *Receipt) error {
	var hist []TopicHistory
	if err := s.conn(ctx).Where("topic_id = ? AND action IN ?", t.ID, []string{ActApproveBoth, ActMeet, ActConclude, ActClose}).
		Order("at, id").Find(&hist).Error; err != nil {
		return wrap("receipt path", err)
	}
	first := map[string]time.Time{}
	for _, h := range hist {
		if _, ok := first[h.Action]; !ok {
			first[h.Action] = h.At
		}
	}
	var research []Activity
	if err := s.conn(ctx).Select("held_at").Where("topic_id = ? AND kind = ?", t.ID, KindResearch).Where(heldActivitySQL).Order("held_at").Limit(1).Find(&research).Error; err != nil {
		return wrap("receipt path", err)
	}
	if len(research) > 0 {
		first["research"] = research[0].HeldAt
	}
	for _, st := range []struct{ key, step string }{{ActApproveBoth, StepApproved}, {"research", StepResearched},
		{ActMeet, StepConsulted}, {ActConclude, StepRecommendations}, {ActClose, StepClosed}} {
		if at, ok := first[st.key]; ok {
			r.Path = append(r.Path, ReceiptStep{st.step, at.Format(DateLayout)})
		}
	}
	return nil
}

// receiptOutcome adds the outcome, its recommendations and the units' replies to them.
func (s *Store) receiptOutcome(ctx context.Context, t *Topic, r *Receipt) error {
	o, err := s.outcomeOf(ctx, t.ID)
	if ErrorCode(err) == CodeNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	r.Outcome = o.Consensus
	for _, rec := range o.Recommendations {
		rr := ReceiptRecommendation{Content: rec.Content, Unit: rec.Unit, Status: rec.Status, DueOn: rec.Due, Replies: []ReceiptReply{}}
		for _, n := range rec.Progress {
			if n.FromUnit {
				rr.Replies = append(rr.Replies, ReceiptReply{Status: n.UnitStatus, Note: n.Note, ExpectedOn: n.Expected, On: n.CreatedAt.Format(DateLayout)})
			}
		}
		r.Recommendations = append(r.Recommendations, rr)
	}
	return nil
}
