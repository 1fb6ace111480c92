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

// Plan is the work plan (工作方案) of an approved topic.
type Plan struct {
	TopicID          string         `json:"topic_id" gorm:"primaryKey"`
	Theme            string         `json:"theme"`
	Participants     Participants   `json:"participants" gorm:"serializer:json"`
	Content          string         `json:"content"`
	ResearchSteps    string         `json:"research_steps"`
	Schedule         []ScheduleItem `json:"schedule" gorm:"serializer:json"`
	MeetingProcedure string         `json:"meeting_procedure"`
	Transformation   string         `json:"transformation"`
	Lead             string         `json:"lead"`
	CreatedBy        string         `json:"created_by"`
	CreatedAt        time.Time      `json:"created_at"`
	UpdatedAt        time.Time      `json:"updated_at"`
}

// Participants of a plan: users of the system, told of the plan, and outside people.
type Participants struct {
	UserIDs []string        `json:"user_ids"`
	Outside []OutsidePerson `json:"outside"`
}

// OutsidePerson is a participant who does not sign in: a resident, a department's head.
type OutsidePerson struct {
	Name string `json:"name"`
	Unit string `json:"unit"`
}

// ScheduleItem is one dated step of a plan.
type ScheduleItem struct {
	Date string `json:"date"` // 2006-01-02
	Item string `json:"item"`
}

// SavePlan writes the work plan of an approved (or already planned) topic, moves it to
// planned, and tells every participant who is a user (plan.published). Participants are
// told the content in advance, as the programme asks.
func (s *Store) SavePlan(ctx context.Context, v *Viewer, topicID string, in Plan) (*Plan, error) {
	p := Problems{}
	in.Theme, in.Lead = strings.TrimSpace(in.Theme), strings.TrimSpace(in.Lead)
	if n := utf8.RuneCountInString(in.Theme); n == 0 || n > 200 {
		p.Add("theme", "must be 1 to 200 characters")
	}
	CheckText(p, "theme", in.Theme, MaxPlanTheme, false)
	if strings.TrimSpace(in.Content) == "" {
		p.Add("content", "is required")
	}
	if in.Lead == "" || utf8.RuneCountInString(in.Lead) > MaxPlanLead {
		p.Add("lead", "must be 1 to 100 characters")
	}
	CheckText(p, "lead", in.Lead, MaxPlanLead, false)
	for _, field := range []struct{ name, v string }{{"content", in.Content}, {"research_steps", in.ResearchSteps},
		{"meeting_procedure", in.MeetingProcedure}, {"transformation", in.Transformation}} {
		CheckText(p, field.name, field.v, MaxPlanText, true)
	}
	for _, it := range in.Schedule {
		if _, ok := ParseDate(Problems{}, "date", it.Date); !ok || strings.TrimSpace(it.Item) == "" || utf8.RuneCountInString(it.Item) > MaxScheduleItem {
			p.Add("schedule", fmt.Sprintf("each step needs a date (2006-01-02, in %d–%d) and an item of at most 500 characters", MinYear, MaxYear))
		}
		CheckText(p, "schedule", it.Item, 0, false)
	}
	for _, o := range in.Participants.Outside {
		if strings.TrimSpace(o.Name) == "" || utf8.RuneCountInString(o.Name) > MaxGuestName || utf8.RuneCountInString(o.Unit) > MaxGuestUnit {
			p.Add("participants", "each outside participant needs a name (≤ 50 characters); a unit has at most 100")
		}
		CheckText(p, "participants", o.Name+o.Unit, 0, false)
	}
	for _, id := range in.Participants.UserIDs {
		CheckID(p, "participants", id)
	}
	if len(in.Participants.UserIDs)+len(in.Participants.Outside) > 200 || len(in.Schedule) > 100 {
		p.Add("participants", "too many participants or schedule steps")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	in.Participants.UserIDs = dedupe(in.Participants.UserIDs)
	if in.Participants.UserIDs == nil {
		in.Participants.UserIDs = []string{}
	}
	if in.Participants.Outside == nil {
		in.Participants.Outside = []OutsidePerson{}
	}
	if in.Schedule == nil {
		in.Schedule = []ScheduleItem{}
	}
	var plan Plan
	err := s.Tx(ctx, func(tx *Store) error {
		t, to, err := tx.stepTopic(ctx, v, topicID, ActPlan)
		if err != nil {
			return err
		}
		if err := tx.checkParticipants(ctx, t, in.Participants.UserIDs); err != nil {
			return err
		}
		now := tx.now()
		plan = in
		plan.TopicID, plan.CreatedBy, plan.CreatedAt, plan.UpdatedAt = t.ID, v.ID, now, now
		var existing Plan
		err = tx.conn(ctx).Where("topic_id = ?", t.ID).Take(&existing).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			err = tx.conn(ctx).Create(&plan).Error
		case err == nil:
			plan.CreatedBy, plan.CreatedAt = existing.CreatedBy, existing.CreatedAt
			err = tx.conn(ctx).Save(&plan).Error
		}
		if err != nil {
			return err
		}
		from := t.Status
		if err := tx.moveTopic(ctx, t, v.ID, ActPlan, to); err != nil {
			return err
		}
		notices := []Notice{{Type: EventPlanPublished, Recipients: in.Participants.UserIDs,
			Data: map[string]any{"topic_id": t.ID, "title": t.Title, "theme": plan.Theme}}}
		if from != to {
			followers, err := tx.topicFollowers(ctx, t)
			if err != nil {
				return err
			}
			notices = append(notices, Notice{Type: EventTopicStatusChanged, Recipients: followers,
				Data: map[string]any{"topic_id": t.ID, "title": t.Title, "from": from, "to": to}})
		}
		_, err = tx.AddEvents(ctx, notices...)
		return err
	})
	if err != nil {
		return nil, wrap("save plan", err)
	}
	return &plan, nil
}

// checkParticipants: a plan's participants who are users must be able to see its topic
// (they are told its title): people of the topic's room, whatever their room role (its
// local reviewers hold one), and county reviewers. Any other id, whether or not a user
// has it, gets the same answer, so the check tells nothing of who exists.
func (s *Store) checkParticipants(ctx context.Context, t *Topic, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	var n int64
	err := s.conn(ctx).Model(&User{}).Where("id IN ?", ids).
		Where(seesTopicsOfSQL, t.RoomID).
		Count(&n).Error
	if err != nil {
		return err
	}
	if int(n) != len(ids) {
		return Invalid("participants", "user_ids must be people of the topic's room or its reviewers")
	}
	return nil
}

// FindPlan returns the plan of a topic v may see.
func (s *Store) FindPlan(ctx context.Context, v *Viewer, topicID string) (*Plan, error) {
	if _, err := s.FindTopic(ctx, v, topicID); err != nil {
		return nil, err
	}
	var p Plan
	if err := s.conn(ctx).Where("topic_id = ?", topicID).Take(&p).Error; err != nil {
		return nil, notFound(err, "plan")
	}
	return &p, nil
}

// AddResearch records a research visit (调研) of a planned topic: an activity of its room.
// Without findings it schedules (or starts) the visit and invites its people; the same id
// sent again with the findings writes them. Sending the same id again returns the stored
// activity and created=false, whatever the topic's state is now.
func (s *Store) AddResearch(ctx context.Context, v *Viewer, topicID string, in ActivityInput) (*Activity, bool, error) {
	in.Kind = KindResearch
	if err := in.validate(s.now()); err != nil {
		return nil, false, err
	}
	if a, err := s.repeatedActivity(ctx, v, in.ID, "", &topicID, in.Kind); a != nil || err != nil {
		return s.completeActivity(ctx, a, err, in, nil)
	}
	var a *Activity
	err := s.Tx(ctx, func(tx *Store) error {
		t, actor, err := tx.lockTopic(ctx, v, topicID)
		if err != nil {
			return err
		}
		if actor != ActorConvener {
			return Errorf(CodeForbidden, "only the room's conveners record research of its topics")
		}
		if !oneOf(t.Status, TopicApproved, TopicPlanned, TopicConsulted) {
			return Errorf(CodeWrongState, "research is recorded for an approved topic before its outcomes; this one is %s", t.Status)
		}
		in.TopicID = &t.ID
		a, err = tx.insertActivity(ctx, v, t.RoomID, in, t.Title)
		return err
	})
	if retried(in.ID, err) {
		if a, err := s.repeatedActivity(ctx, v, in.ID, "", &topicID, in.Kind); a != nil || err != nil {
			return s.completeActivity(ctx, a, err, in, nil)
		}
	}
	if err != nil {
		return nil, false, wrap("add research", err)
	}
	return a, true, nil
}

// HoldMeeting records the consultation meeting (协商会) of a planned topic and moves it to
// consulted. No research, no consultation (不调研不协商): the topic needs written research.
// Without minutes it schedules (or starts) the meeting, invites its people and leaves the
// topic planned; the same id sent again with the minutes writes them and moves the topic.
// Sending the same id again returns the stored meeting and created=false, and raises nothing.
func (s *Store) HoldMeeting(ctx context.Context, v *Viewer, topicID string, in ActivityInput) (*Activity, bool, error) {
	in.Kind = KindConsultation
	if err := in.validate(s.now()); err != nil {
		return nil, false, err
	}
	// ready checks the topic may hold its meeting now and returns where the minutes take it.
	ready := func(tx *Store) (*Topic, string, error) {
		t, to, err := tx.stepTopic(ctx, v, topicID, ActMeet)
		if err != nil {
			return nil, "", err
		}
		var research int64
		if err := tx.conn(ctx).Model(&Activity{}).Where("topic_id = ? AND kind = ?", t.ID, KindResearch).Where(heldActivitySQL).Count(&research).Error; err != nil {
			return nil, "", err
		}
		if research == 0 {
			return nil, "", Errorf(CodeWrongState, "no research, no consultation: record the topic's research first")
		}
		return t, to, nil
	}
	minutes := func(tx *Store) error {
		t, to, err := ready(tx)
		if err != nil {
			return err
		}
		return tx.moveAndTell(ctx, t, v.ID, ActMeet, to)
	}
	if a, err := s.repeatedActivity(ctx, v, in.ID, "", &topicID, in.Kind); a != nil || err != nil {
		return s.completeActivity(ctx, a, err, in, minutes)
	}
	var a *Activity
	err := s.Tx(ctx, func(tx *Store) error {
		t, to, err := ready(tx)
		if err != nil {
			return err
		}
		in.TopicID = &t.ID
		if a, err = tx.insertActivity(ctx, v, t.RoomID, in, t.Title); err != nil || a.Open() {
			return err
		}
		return tx.moveAndTell(ctx, t, v.ID, ActMeet, to)
	})
	if retried(in.ID, err) {
		if a, err := s.repeatedActivity(ctx, v, in.ID, "", &topicID, in.Kind); a != nil || err != nil {
			return s.completeActivity(ctx, a, err, in, minutes)
		}
	}
	if err != nil {
		return nil, false, wrap("hold meeting", err)
	}
	return a, true, nil
}

// moveAndTell moves a topic and tells its followers of the new status.
func (s *Store) moveAndTell(ctx context.Context, t *Topic, actorID, action, to string) error {
	from := t.Status
	if err := s.moveTopic(ctx, t, actorID, action, to); err != nil {
		return err
	}
	followers, err := s.topicFollowers(ctx, t)
	if err != nil {
		return err
	}
	_, err = s.AddEvents(ctx, Notice{Type: EventTopicStatusChanged, Recipients: followers,
		Data: map[string]any{"topic_id": t.ID, "title": t.Title, "from": from, "to": to}})
	return err
}
