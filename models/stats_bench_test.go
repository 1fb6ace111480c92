package models_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"frontline/internal/testenv"
	"frontline/models"
)

// A county at full size, as the dashboard must serve it.
const (
	benchRooms    = 500
	benchMembers  = 2000
	benchOpinions = 200_000
	benchTopics   = 5_000
)

// BenchmarkStats seeds a county of benchRooms rooms, benchMembers members, benchOpinions
// opinions and benchTopics topics (with their reviews, outcomes, recommendations and the
// rooms' activities), then times the dashboard and the two ledgers. Each reports the median
// and the 95th percentile of its runs, over at least 40 runs.
func BenchmarkStats(b *testing.B) {
	s := testenv.Store(b)
	now := time.Date(2026, 9, 15, 10, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	start := time.Now()
	seedBenchCounty(b, s, now)
	b.Logf("%s: seeded %d rooms, %d members, %d opinions, %d topics in %v",
		s.Dialect(), benchRooms, benchMembers, benchOpinions, benchTopics, time.Since(start).Round(time.Millisecond))
	ctx := context.Background()

	b.Run("Dashboard", func(b *testing.B) {
		benchPercentiles(b, func() error {
			st, err := s.Stats(ctx, models.StatsOptions{})
			if err == nil && st.Totals.Rooms != benchRooms {
				err = fmt.Errorf("%d rooms on the dashboard", st.Totals.Rooms)
			}
			return err
		})
	})
	b.Run("TopicLedger", func(b *testing.B) {
		benchPercentiles(b, func() error {
			n := 0
			err := s.StreamTopicLedger(ctx, models.LedgerFilter{}, func(models.TopicLedgerEntry) error { n++; return nil })
			if err == nil && n != benchTopics {
				err = fmt.Errorf("%d topics in the ledger", n)
			}
			return err
		})
	})
	b.Run("RoomLedger", func(b *testing.B) {
		benchPercentiles(b, func() error {
			n := 0
			err := s.StreamRoomLedger(ctx, func(models.RoomLedgerEntry) error { n++; return nil })
			if err == nil && n != benchRooms {
				err = fmt.Errorf("%d rooms in the ledger", n)
			}
			return err
		})
	})
}

// benchPercentiles runs op b.N times under the timer, and more with the timer stopped
// when b.N is too small for a percentile to mean anything, then reports p50 and p95.
func benchPercentiles(b *testing.B, op func() error) {
	const minSamples = 40
	lat := make([]time.Duration, 0, max(b.N, minSamples))
	run := func() {
		t0 := time.Now()
		if err := op(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run()
	}
	b.StopTimer()
	for len(lat) < minSamples {
		run()
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
}

// benchInserter writes rows in multi-row INSERTs, prepared once, inside one transaction:
// the way to put a county's worth of rows into a database in seconds.
type benchInserter struct {
	tb testing.TB
	tx *sql.Tx
	// maxParams bounds the parameters of one INSERT. The SQLite driver matches each
	// parameter to its argument by a linear search, so there a few hundred is fastest.
	maxParams int
}

func (w benchInserter) insert(table string, cols []string, n int, row func(i int) []any) {
	w.tb.Helper()
	per := max(1, min(1000, w.maxParams/len(cols)))
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	query := func(k int) string { return head + strings.TrimSuffix(strings.Repeat(one+", ", k), ", ") }
	full, err := w.tx.Prepare(query(per))
	if err != nil {
		w.tb.Fatalf("seed %s: %v", table, err)
	}
	defer full.Close()
	args := make([]any, 0, per*len(cols))
	for done := 0; done < n; {
		k := min(per, n-done)
		args = args[:0]
		for i := done; i < done+k; i++ {
			args = append(args, row(i)...)
		}
		if k == per {
			_, err = full.Exec(args...)
		} else {
			_, err = w.tx.Exec(query(k), args...)
		}
		if err != nil {
			w.tb.Fatalf("seed %s: %v", table, err)
		}
		done += k
	}
}

// seedBenchCounty fills s with a county: rooms of every level (some missing a have), every
// member in one or two rooms, opinions and topics spread over eighteen months before now,
// reviews, outcomes and recommendations for the topics that got that far.
func seedBenchCounty(tb testing.TB, s *models.Store, now time.Time) {
	tb.Helper()
	ctx := context.Background()
	sqlDB, err := s.DB().DB()
	if err != nil {
		tb.Fatal(err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	if s.Dialect() == models.DialectSQLite {
		// Room for the indexes being built, and statement journals in memory rather than in
		// temporary files; put back once the rows are in.
		for _, p := range []string{"PRAGMA cache_size = -262144", "PRAGMA temp_store = MEMORY"} {
			if _, err := conn.ExecContext(ctx, p); err != nil {
				tb.Fatal(err)
			}
		}
		defer func() {
			_, _ = conn.ExecContext(ctx, "PRAGMA cache_size = -2000")
			_, _ = conn.ExecContext(ctx, "PRAGMA temp_store = DEFAULT")
		}()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op once committed; frees the connection after a failure
	w := benchInserter{tb: tb, tx: tx, maxParams: 30000}
	if s.Dialect() == models.DialectSQLite {
		w.maxParams = 256
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	span := int64(540 * 24 * time.Hour)
	past := func() time.Time { return now.Add(-time.Duration(rnd.Int64N(span))).Truncate(time.Microsecond) }
	id := func(kind byte, i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%c%011d", i, kind, i) }
	created := now.AddDate(-2, 0, 0)

	userID := func(i int) string { return id('a', i) }
	w.insert("users", []string{"id", "phone", "name", "password_hash", "role", "review_body", "active", "created_at", "updated_at"},
		benchMembers+20, func(i int) []any {
			role, body := models.RoleMember, ""
			if i >= benchMembers {
				role, body = models.RoleReviewer, models.BodyLocal
			}
			return []any{userID(i), fmt.Sprintf("139%08d", i), fmt.Sprintf("委员%04d", i), "x", role, body, true, created, created}
		})

	roomID := func(i int) string { return id('b', i) }
	levels := []string{}
	for level, n := range map[string]int{models.LevelTownship: 20, models.LevelSubdistrict: 10, models.LevelCommunity: 120,
		models.LevelVillage: 250, models.LevelEnterprise: 60, models.LevelSector: 40} {
		for range n {
			levels = append(levels, level)
		}
	}
	slices.Sort(levels)
	w.insert("rooms", []string{"id", "name", "level", "address", "has_door_plate", "rules", "created_at", "updated_at"},
		benchRooms, func(i int) []any {
			address, rules := fmt.Sprintf("第%d街", i), "每月议事一次，记录存档。"
			if i%17 == 0 {
				address = ""
			}
			if i%23 == 0 {
				rules = ""
			}
			return []any{roomID(i), fmt.Sprintf("议事室%03d", i), levels[i], address, i%13 != 0, rules, created, created}
		})

	// Members 0..499 convene the room of their number; the rest are members of room i%500,
	// and half of them of a second room too. Local reviewers sit in 25 rooms each.
	type pair struct{ room, user int }
	var ms []pair
	for u := 0; u < benchMembers; u++ {
		ms = append(ms, pair{u % benchRooms, u})
		if u >= benchRooms && u < benchRooms+benchMembers/2 {
			if r := (u*7 + 3) % benchRooms; r != u%benchRooms {
				ms = append(ms, pair{r, u})
			}
		}
	}
	for r := 0; r < benchRooms; r++ {
		ms = append(ms, pair{r, benchMembers + r%20})
	}
	w.insert("memberships", []string{"room_id", "user_id", "role", "created_at"}, len(ms), func(i int) []any {
		role := models.RoomMember
		switch {
		case ms[i].user >= benchMembers:
			role = models.RoomLocalReviewer
		case ms[i].user < benchRooms && ms[i].room == ms[i].user:
			role = models.RoomConvener
		}
		return []any{roomID(ms[i].room), userID(ms[i].user), role, created}
	})

	kinds := models.ActivityKinds
	w.insert("activities", []string{"id", "room_id", "topic_id", "kind", "held_at", "place", "attendees", "summary", "created_by", "created_at"},
		benchRooms*6, func(i int) []any {
			r := i % benchRooms
			if r%11 == 0 { // a few rooms that never meet
				r = (r + 1) % benchRooms
			}
			held := past()
			return []any{id('c', i), roomID(r), nil, kinds[i%len(kinds)], held, "", "{}", "活动纪要", userID(r), held}
		})

	cats := models.DefaultCategories
	// Topics: how far each got decides its reviews, outcome and recommendations.
	statuses := []string{models.TopicDraft, models.TopicInReview, models.TopicReturned, models.TopicApproved, models.TopicRejected,
		models.TopicPlanned, models.TopicConsulted, models.TopicConcluded, models.TopicClosed}
	weights := []int{5, 10, 5, 10, 5, 10, 10, 25, 20}
	type topic struct {
		status  string
		created time.Time
	}
	topics := make([]topic, benchTopics)
	for i := range topics {
		x, k := rnd.IntN(100), 0
		for ; x >= weights[k]; k++ {
			x -= weights[k]
		}
		topics[i] = topic{statuses[k], past()}
	}
	w.insert("topics", []string{"id", "room_id", "title", "description", "source", "category", "status", "round", "created_by", "created_at", "updated_at"},
		benchTopics, func(i int) []any {
			t := topics[i]
			return []any{id('d', i), roomID(i % benchRooms), fmt.Sprintf("议题%04d：东街污水外溢", i), "说明", models.SourceCollected,
				cats[i%len(cats)], t.status, 1, userID(i % benchRooms), t.created, t.created}
		})
	submitted := func(t topic) bool { return t.status != models.TopicDraft }
	var history, reviews []int
	for i, t := range topics {
		if submitted(t) {
			history = append(history, i)
			if t.status != models.TopicInReview {
				reviews = append(reviews, i)
			}
		}
	}
	w.insert("topic_history", []string{"topic_id", "at", "actor_id", "action", "from_status", "to_status", "round"},
		len(history), func(k int) []any {
			i := history[k]
			return []any{id('d', i), topics[i].created.Add(time.Hour), userID(i % benchRooms), models.ActSubmit, models.TopicDraft, models.TopicInReview, 1}
		})
	w.insert("reviews", []string{"id", "topic_id", "round", "body", "reviewer_id", "decision", "comment", "created_at"},
		2*len(reviews), func(k int) []any {
			i, body := reviews[k/2], models.BodyCounty
			if k%2 == 1 {
				body = models.BodyLocal
			}
			decision := models.DecisionApprove
			switch topics[i].status {
			case models.TopicReturned:
				decision = models.DecisionReturn
			case models.TopicRejected:
				decision = models.DecisionReject
			}
			return []any{id('f', k), id('d', i), 1, body, userID(benchMembers + k%20), decision, "", topics[i].created.Add(48 * time.Hour)}
		})
	// Opinions after the topics some of them were adopted into.
	channels := []string{models.ChannelDoorToDoor, models.ChannelForum, models.ChannelOnline}
	const alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
	receipt := func(i int) string {
		b := []byte("22222222")
		for k := 7; k >= 0 && i > 0; k-- {
			b[k] = alphabet[i%len(alphabet)]
			i /= len(alphabet)
		}
		return string(b)
	}
	w.insert("opinions", []string{"id", "room_id", "collector_id", "channel", "category", "content", "resident_name", "resident_phone",
		"resident_consent", "address", "collected_at", "status", "status_reason", "topic_id", "receipt_code", "created_at", "updated_at"},
		benchOpinions, func(i int) []any {
			u := rnd.IntN(benchMembers)
			at := past()
			status, topic := models.OpinionNew, any(nil)
			switch x := rnd.IntN(10); {
			case x < 3:
				status, topic = models.OpinionAdopted, id('d', rnd.IntN(benchTopics))
			case x < 4:
				status = models.OpinionDismissed
			}
			return []any{id('e', i), roomID(u % benchRooms), userID(u), channels[rnd.IntN(3)], cats[rnd.IntN(len(cats))],
				"路灯不亮，夜间出行不便，希望尽快维修。", "居民", "13812345678", true, "东街", at, status, "", topic, receipt(i), at, at}
		})

	var concluded []int
	for i, t := range topics {
		if t.status == models.TopicConcluded || t.status == models.TopicClosed {
			concluded = append(concluded, i)
		}
	}
	w.insert("outcomes", []string{"topic_id", "consensus", "created_by", "published_at"}, len(concluded), func(k int) []any {
		i := concluded[k]
		return []any{id('d', i), strings.Repeat("经协商一致，", 40), userID(i % benchRooms), topics[i].created.AddDate(0, 1, 0)}
	})
	recStatus := []string{"pending", "in_progress", "done", "not_adopted"}
	w.insert("recommendations", []string{"id", "topic_id", "position", "content", "unit", "contact", "due_on", "status", "reason", "created_at", "updated_at"},
		3*len(concluded), func(k int) []any {
			i := concluded[k/3]
			status := recStatus[rnd.IntN(4)]
			if topics[i].status == models.TopicClosed {
				status = "done"
			}
			due := topics[i].created.AddDate(0, 3, 0).Truncate(24 * time.Hour)
			at := topics[i].created.AddDate(0, 1, 0)
			return []any{id('g', k), id('d', i), k%3 + 1, "改造污水管网，限期完成。", "住建局", "李科长", due, status, "", at, at}
		})
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}
