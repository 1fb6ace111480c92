package models

import (
	"context"
	"fmt"
	"time"
)

// eraseBatch bounds one erasing statement, so the job never holds a long write lock.
const eraseBatch = 500

// EraseResidents blanks the resident's name and phone of every opinion whose purpose is
// spent (and the comments of verdicts last changed before cutoff): its topic was closed (follow-up done) before cutoff, or the opinion was dismissed
// before cutoff. The consent flag, the content and the receipt code stay, so the resident can
// still follow the opinion by its receipt. It works in batches, is safe to run again and on
// several instances at once, and returns how many opinions it erased.
func (s *Store) EraseResidents(ctx context.Context, cutoff time.Time) (int64, error) {
	cutoff = cutoff.UTC()
	// A verdict's comment is the resident's own words too: it goes once the verdict was last
	// changed before cutoff; the verdict itself stays, counted on the dashboard.
	for {
		res := s.conn(ctx).Exec(`UPDATE ratings SET comment = '' WHERE opinion_id IN (SELECT opinion_id FROM (
  SELECT opinion_id FROM ratings WHERE comment <> '' AND updated_at < ? ORDER BY opinion_id LIMIT ?) x)`, cutoff, eraseBatch)
		if res.Error != nil {
			return 0, fmt.Errorf("models: erase rating comments: %w", res.Error)
		}
		if res.RowsAffected < eraseBatch {
			break
		}
	}
	closed := s.conn(ctx).Model(&TopicHistory{}).Select("topic_id").Where("to_status = ? AND at < ?", TopicClosed, cutoff)
	var total int64
	for {
		var ids []string
		err := s.conn(ctx).Model(&Opinion{}).
			Where("(resident_name <> '' OR resident_phone <> '')").
			Where("(status = ? AND updated_at < ?) OR topic_id IN (?)", OpinionDismissed, cutoff, closed).
			Order("id").Limit(eraseBatch).Pluck("id", &ids).Error
		if err != nil {
			return total, fmt.Errorf("models: erase residents: %w", err)
		}
		if len(ids) == 0 {
			return total, nil
		}
		// The condition is repeated so a row another instance erased meanwhile is not counted.
		res := s.conn(ctx).Model(&Opinion{}).Where("id IN ? AND (resident_name <> '' OR resident_phone <> '')", ids).
			UpdateColumns(map[string]any{"resident_name": "", "resident_phone": ""}) // updated_at stays: the receipt shows when the case last moved
		if res.Error != nil {
			return total, fmt.Errorf("models: erase residents: %w", res.Error)
		}
		total += res.RowsAffected
		if len(ids) < eraseBatch {
			return total, nil
		}
	}
}
