package models

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
)

// A resident's verdict on a closed topic (已解决吗？).
const (
	RatingSatisfied          = "satisfied"
	RatingBasicallySatisfied = "basically_satisfied"
	RatingUnsatisfied        = "unsatisfied"
)

// RatingWindow is how long after first giving it a resident may change their verdict.
// After it the verdict stands (409).
const RatingWindow = 30 * 24 * time.Hour

// MaxRatingComment is the longest comment on a verdict, in characters.
const MaxRatingComment = 500

// Rating is a resident's verdict, one per opinion, given by its receipt code.
type Rating struct {
	OpinionID string `gorm:"primaryKey"`
	TopicID   string
	RoomID    string
	Rating    string
	Comment   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// RatingInput is what the receipt page sends.
type RatingInput struct {
	Rating  string `json:"rating"`
	Comment string `json:"comment"`
}

// ReceiptRating is a verdict as the receipt shows it back: no comment, which may hold
// what the resident would not want read out by whoever holds the code.
type ReceiptRating struct {
	Rating         string `json:"rating"`
	RatedOn        string `json:"rated_on"`
	ChangeableTill string `json:"changeable_till"`
}

func (r *Rating) receiptView() *ReceiptRating {
	return &ReceiptRating{Rating: r.Rating, RatedOn: r.UpdatedAt.Format(DateLayout),
		ChangeableTill: r.CreatedAt.Add(RatingWindow).Format(DateLayout)}
}

// RateByReceipt records the verdict of the resident holding code on the topic their opinion
// fed, once it is closed (409 before). The first verdict is created (true); within
// RatingWindow of it the verdict may be changed (false); after it, 409. An unsatisfied
// verdict, given or changed to, tells the room's conveners and the county reviewers.
func (s *Store) RateByReceipt(ctx context.Context, code string, in RatingInput) (*ReceiptRating, bool, error) {
	in.Comment = strings.TrimSpace(in.Comment)
	p := Problems{}
	if !RatingWords.Has(in.Rating) {
		p.Add("rating", "must be satisfied, basically_satisfied or unsatisfied")
	}
	CheckText(p, "comment", in.Comment, MaxRatingComment, true)
	if err := p.Err(); err != nil {
		return nil, false, err
	}
	op, err := s.opinionByReceipt(ctx, code)
	if err != nil {
		return nil, false, err
	}
	var out Rating
	created := false
	err = s.Tx(ctx, func(tx *Store) error {
		if op.TopicID == nil {
			return Errorf(CodeWrongState, "the opinion feeds no topic yet")
		}
		t, err := tx.lockTopicByID(ctx, *op.TopicID)
		if err != nil {
			return err
		}
		if t.Status != TopicClosed {
			return Errorf(CodeWrongState, "a verdict is given once the topic is closed")
		}
		now := tx.now()
		err = tx.conn(ctx).Where("opinion_id = ?", op.ID).Take(&out).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			out = Rating{OpinionID: op.ID, TopicID: t.ID, RoomID: t.RoomID, Rating: in.Rating, Comment: in.Comment, CreatedAt: now, UpdatedAt: now}
			if err := tx.conn(ctx).Create(&out).Error; err != nil {
				return err
			}
			created = true
		case err != nil:
			return err
		case !now.Before(out.CreatedAt.Add(RatingWindow)):
			return Errorf(CodeWrongState, "the verdict can be changed for 30 days after it was given; that time is over")
		default:
			was := out.Rating
			out.Rating, out.Comment, out.UpdatedAt = in.Rating, in.Comment, now
			if err := tx.conn(ctx).Model(&Rating{}).Where("opinion_id = ?", op.ID).
				Updates(map[string]any{"rating": out.Rating, "comment": out.Comment, "updated_at": now}).Error; err != nil {
				return err
			}
			if was == RatingUnsatisfied {
				return nil // they were told already
			}
		}
		if out.Rating != RatingUnsatisfied {
			return nil
		}
		watchers, err := tx.followUpWatchers(ctx, t.RoomID)
		if err != nil {
			return err
		}
		_, err = tx.AddEvents(ctx, Notice{Type: EventRatingUnsatisfied, Recipients: watchers,
			Data: map[string]any{"topic_id": t.ID, "title": t.Title, "room_id": t.RoomID, "rating": out.Rating, "comment": out.Comment}})
		return err
	})
	if isDuplicate(err) {
		// Two first verdicts at once: the other one won; this one is a change.
		return s.RateByReceipt(ctx, code, in)
	}
	if err != nil {
		return nil, false, wrap("rate", err)
	}
	return out.receiptView(), created, nil
}

func (s *Store) opinionByReceipt(ctx context.Context, code string) (*Opinion, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) != 8 || strings.Trim(code, receiptAlphabet) != "" {
		return nil, &Error{Code: CodeNotFound, Message: "no opinion has this receipt code"}
	}
	var op Opinion
	err := s.conn(ctx).Where("receipt_code = ?", code).Take(&op).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, &Error{Code: CodeNotFound, Message: "no opinion has this receipt code"}
	}
	if err != nil {
		return nil, wrap("find receipt", err)
	}
	return &op, nil
}
