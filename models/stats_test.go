package models_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"frontline/export"
	"frontline/internal/testenv"
	"frontline/models"
)

// statsCounty is a small county seeded through the store, with every figure of the
// dashboard known in advance. Its clock stands at 15 September 2026, past the quota check.
type statsCounty struct {
	s                  *models.Store
	now                time.Time
	county, local      *models.User
	m1, m2, m3, m4     *models.User
	r1, r2, r3, r4, r5 *models.Room
	t1, t2, t3, t4, t5 string
	recs               map[string]string // recommendation ids by name
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func seedStatsCounty(t *testing.T) *statsCounty {
	t.Helper()
	ctx := context.Background()
	c := &statsCounty{s: testenv.Store(t), now: time.Date(2026, 9, 15, 10, 0, 0, 0, time.UTC), recs: map[string]string{}}
	clock := c.now
	c.s.Now = func() time.Time { return clock }
	at := func(tm time.Time) { clock = tm }
	s := c.s
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	user := func(name, phone, role, body string) *models.User {
		u, err := s.CreateUser(ctx, models.NewUser{Phone: phone, Name: name, Password: "violet-harbour-42", Role: role, ReviewBody: body})
		must(err)
		return u
	}
	c.county = user("县审", "13900000001", models.RoleReviewer, models.BodyCounty)
	c.local = user("镇审", "13900000002", models.RoleReviewer, models.BodyLocal)
	c.m1 = user("张三", "13900000011", models.RoleMember, "")
	c.m2 = user("李四", "13900000012", models.RoleMember, "")
	c.m3 = user("王五", "13900000013", models.RoleMember, "")
	c.m4 = user("赵六", "13900000014", models.RoleMember, "")

	room := func(name, level, address string, plate bool, rules string) *models.Room {
		r, err := s.CreateRoom(ctx, models.RoomInput{Name: name, Level: level, Address: address, HasDoorPlate: plate, Rules: rules})
		must(err)
		return r
	}
	c.r1 = room("东街社区议事室", models.LevelCommunity, "东街1号", true, "每月议事一次")
	c.r2 = room("西村议事室", models.LevelVillage, "西村村委会", true, " \n\t\u3000")
	c.r3 = room("城关镇议事室", models.LevelTownship, "", false, "章程")
	c.r4 = room("教育界别议事室", models.LevelSector, "县一中", true, "章程")
	c.r5 = room("化肥厂议事室", models.LevelEnterprise, "工业园", true, "章程")
	join := func(r *models.Room, u *models.User, role string) {
		_, err := s.SetMembership(ctx, r.ID, u.ID, role)
		must(err)
	}
	join(c.r1, c.m1, models.RoomConvener)
	join(c.r1, c.m2, models.RoomMember)
	join(c.r1, c.local, models.RoomLocalReviewer)
	join(c.r2, c.m3, models.RoomConvener)
	join(c.r2, c.m2, models.RoomMember)
	join(c.r2, c.local, models.RoomLocalReviewer)
	join(c.r4, c.m2, models.RoomConvener)
	join(c.r4, c.m4, models.RoomMember)
	join(c.r5, c.m4, models.RoomConvener)
	join(c.r5, c.m1, models.RoomMember)

	// as is u as a request sees them, room roles read now (as the api layer does per request).
	as := func(u *models.User) *models.Viewer {
		v, err := s.Viewer(ctx, u)
		must(err)
		return v
	}

	activity := func(r *models.Room, held time.Time) {
		must(s.DB().Exec(`INSERT INTO activities (id, room_id, kind, held_at, place, attendees, summary, created_by, created_at)
VALUES (?, ?, 'forum', ?, '', '{}', '座谈', ?, ?)`, models.NewID(), r.ID, held, c.m1.ID, held).Error)
	}
	for _, d := range []time.Time{day(2026, 1, 10), day(2026, 4, 2), day(2026, 8, 30), day(2025, 6, 1)} {
		activity(c.r1, d)
	}
	activity(c.r2, day(2026, 3, 3))
	for _, d := range []time.Time{day(2026, 2, 2), day(2026, 5, 5), day(2025, 3, 3), day(2025, 9, 9)} {
		activity(c.r4, d)
	}
	for _, d := range []time.Time{day(2026, 1, 1), day(2026, 2, 1), day(2026, 6, 1), day(2026, 12, 31).Add(23 * time.Hour), day(2027, 1, 10)} {
		activity(c.r5, d)
	}

	opinion := func(u *models.User, r *models.Room, when time.Time, channel, category string) string {
		at(when)
		op, _, err := s.CreateOpinion(ctx, as(u), models.NewOpinion{RoomID: r.ID, Channel: channel, Category: category,
			Content: category + "的问题", ResidentName: "居民", ResidentPhone: "13812345678", ResidentConsent: true})
		must(err)
		return op.ID
	}
	o1 := opinion(c.m1, c.r1, day(2026, 1, 5), models.ChannelDoorToDoor, "环境卫生")
	o2 := opinion(c.m1, c.r1, day(2026, 1, 6), models.ChannelDoorToDoor, "环境卫生")
	opinion(c.m1, c.r1, day(2026, 1, 7), models.ChannelForum, "交通出行")
	opinion(c.m1, c.r1, day(2026, 1, 8), models.ChannelOnline, "环境卫生")
	opinion(c.m1, c.r1, day(2025, 12, 31).Add(23*time.Hour), models.ChannelDoorToDoor, "教育")
	o6 := opinion(c.m2, c.r1, day(2026, 1, 9), models.ChannelDoorToDoor, "医疗卫生")
	opinion(c.m2, c.r1, day(2026, 1, 10), models.ChannelOnline, "交通出行")
	o8 := opinion(c.m2, c.r2, day(2026, 1, 11), models.ChannelForum, "乡村振兴")
	o9 := opinion(c.m3, c.r2, day(2026, 1, 12), models.ChannelDoorToDoor, "乡村振兴")
	opinion(c.m3, c.r2, day(2026, 1, 13), models.ChannelDoorToDoor, "乡村振兴")
	at(day(2026, 1, 20))
	_, err := s.SetOpinionStatus(ctx, as(c.m3), o8, models.OpinionAdopted, "")
	must(err)
	_, err = s.SetOpinionStatus(ctx, as(c.m3), o9, models.OpinionDismissed, "重复")
	must(err)

	topic := func(u *models.User, r *models.Room, when time.Time, title, source, category string, opinions []string) string {
		at(when)
		ch, err := s.CreateTopic(ctx, as(u), models.TopicInput{RoomID: r.ID, Title: &title, Source: &source, Category: &category, OpinionIDs: &opinions})
		must(err)
		return ch.ID
	}
	c.t1 = topic(c.m1, c.r1, day(2026, 2, 1), "东街污水外溢", models.SourceCollected, "环境卫生", []string{o1, o2, o6})
	at(day(2026, 2, 3))
	_, err = s.SubmitTopic(ctx, as(c.m1), c.t1)
	must(err)
	at(day(2026, 2, 5))
	_, err = s.ReviewTopic(ctx, as(c.county), c.t1, models.ReviewInput{Decision: models.DecisionApprove})
	must(err)
	at(day(2026, 2, 6))
	_, err = s.ReviewTopic(ctx, as(c.local), c.t1, models.ReviewInput{Decision: models.DecisionApprove, Comment: "同意开展"})
	must(err)
	c.t2 = topic(c.m3, c.r2, day(2026, 4, 1), "西村道路硬化", models.SourceRecommended, "乡村振兴", nil)
	at(day(2026, 4, 2))
	_, err = s.SubmitTopic(ctx, as(c.m3), c.t2)
	must(err)
	at(day(2026, 4, 4))
	_, err = s.ReviewTopic(ctx, as(c.county), c.t2, models.ReviewInput{Decision: models.DecisionReturn, Comment: "请补充调研"})
	must(err)
	c.t3 = topic(c.m1, c.r1, day(2026, 5, 1), "东街路灯", models.SourceAssigned, "交通出行", nil)
	at(c.now)

	// The later steps of a topic are written directly: this test is about counting them.
	c.t4, c.t5 = models.NewID(), models.NewID()
	insertTopic := func(id string, r *models.Room, created time.Time, title, category, status string) {
		must(s.DB().Exec(`INSERT INTO topics (id, room_id, title, description, source, category, status, round, created_by, created_at, updated_at)
VALUES (?, ?, ?, '', 'assigned', ?, ?, 1, ?, ?, ?)`, id, r.ID, title, category, status, c.m2.ID, created, created).Error)
	}
	insertTopic(c.t4, c.r4, day(2026, 3, 1), "课后服务", "教育", models.TopicClosed)
	insertTopic(c.t5, c.r2, day(2025, 11, 1), "西村供水", "乡村振兴", models.TopicConcluded)
	must(s.DB().Exec(`UPDATE topics SET status = ? WHERE id = ?`, models.TopicConcluded, c.t1).Error)
	outcome := func(topicID, consensus string) {
		must(s.DB().Exec(`INSERT INTO outcomes (topic_id, consensus, created_by, published_at) VALUES (?, ?, ?, ?)`,
			topicID, consensus, c.m1.ID, day(2026, 6, 1)).Error)
	}
	outcome(c.t1, "经协商，污水管网由住建局改造。")
	outcome(c.t4, strings.Repeat("课", 250))
	outcome(c.t5, "供水管道更换。")
	pos := map[string]int{}
	rec := func(name, topicID, content, unit string, due time.Time, status string) {
		id := models.NewID()
		c.recs[name] = id
		pos[topicID]++
		must(s.DB().Exec(`INSERT INTO recommendations (id, topic_id, position, content, unit, contact, due_on, status, reason, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, '李科长 13700000000', ?, ?, '', ?, ?)`, id, topicID, pos[topicID], content, unit, due, status, day(2026, 6, 1), day(2026, 6, 1)).Error)
	}
	rec("t1a", c.t1, "清理排污口", "环保局", day(2026, 7, 1), "done")
	rec("t1b", c.t1, "改造污水管网", "住建局", day(2026, 9, 1), "in_progress")
	rec("t1c", c.t1, "建立巡查制度", "街道办", day(2026, 12, 31), "pending")
	rec("t1d", c.t1, "公示整改进度", "街道办", day(2026, 9, 15), "pending")
	rec("t4a", c.t4, "延长课后服务", "教育局", day(2026, 5, 1), "done")
	rec("t4b", c.t4, "增加校车", "教育局", day(2026, 5, 1), "not_adopted")
	rec("t5a", c.t5, "更换供水管道", "水务局", day(2026, 6, 30), "pending")
	return c
}

func counts(pairs ...any) []models.StatsCount {
	out := make([]models.StatsCount, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, models.StatsCount{Key: pairs[i].(string), Count: int64(pairs[i+1].(int))})
	}
	return out
}

// sameJSON fails unless got and want encode to the same JSON, showing both when not.
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.MarshalIndent(got, "", "  ")
	w, _ := json.MarshalIndent(want, "", "  ")
	if string(g) != string(w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func (c *statsCounty) room(r *models.Room, haves [6]bool, thisYear, members int64, quotaChecked bool) models.StatsRoom {
	cl := models.Checklist{Venue: haves[0], DoorPlate: haves[1], Rules: haves[2], Convener: haves[3], Members: haves[4], ActivityRecords: haves[5]}
	out := models.StatsRoom{ID: r.ID, Name: r.Name, Level: r.Level, Checklist: cl, ChecklistComplete: cl.Complete(),
		ActivitiesThisYear: thisYear, BelowQuota: thisYear < models.ActivityQuota, Members: members, Flags: []string{}}
	if !cl.Complete() {
		out.Flags = append(out.Flags, models.StatsFlagChecklist)
	}
	if out.BelowQuota && quotaChecked {
		out.Flags = append(out.Flags, models.StatsFlagBelowQuota)
	}
	out.Flagged = len(out.Flags) > 0
	return out
}

func TestStatsCounty(t *testing.T) {
	c := seedStatsCounty(t)
	ctx := context.Background()
	st, err := c.s.Stats(ctx, models.StatsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	all := [6]bool{true, true, true, true, true, true}
	r1 := c.room(c.r1, all, 3, 2, true)
	r2 := c.room(c.r2, [6]bool{true, true, false, true, true, true}, 1, 2, true)
	r3 := c.room(c.r3, [6]bool{false, false, true, false, false, false}, 0, 0, true)
	r4 := c.room(c.r4, all, 2, 2, true)
	r5 := c.room(c.r5, all, 4, 2, true)
	cats := models.DefaultCategories
	catCounts := func(m map[string]int) []models.StatsCount {
		out := make([]models.StatsCount, len(cats))
		for i, k := range cats {
			out[i] = models.StatsCount{Key: k, Count: int64(m[k])}
		}
		return out
	}
	want := &models.Stats{
		From: "2026-01-01", To: "2026-12-31", Today: "2026-09-15",
		QuotaCheckFrom: "2026-07-01", QuotaChecked: true, ActivityQuota: 3,
		Totals: models.StatsTotals{Rooms: 5, RoomsFlagged: 3, ActivitiesThisYear: 10, Activities: 10,
			Opinions: 9, OpinionsAdopted: 4, Topics: 4, Recommendations: 7, ProblemsSolved: 2, Overdue: 2},
		RoomsByLevel: []models.StatsLevel{
			{Level: "township", Rooms: 1, ChecklistComplete: 0, BelowQuota: 1, Flagged: 1, ActivitiesThisYear: 0},
			{Level: "subdistrict"},
			{Level: "community", Rooms: 1, ChecklistComplete: 1, BelowQuota: 0, Flagged: 0, ActivitiesThisYear: 3},
			{Level: "village", Rooms: 1, ChecklistComplete: 0, BelowQuota: 1, Flagged: 1, ActivitiesThisYear: 1},
			{Level: "enterprise", Rooms: 1, ChecklistComplete: 1, BelowQuota: 0, Flagged: 0, ActivitiesThisYear: 4},
			{Level: "sector", Rooms: 1, ChecklistComplete: 1, BelowQuota: 1, Flagged: 1, ActivitiesThisYear: 2},
		},
		// Flagged first, then by level (township … sector) and name.
		Rooms:                   []models.StatsRoom{r3, r2, r4, r1, r5},
		OpinionsByChannel:       counts("door_to_door", 5, "forum", 2, "online", 2),
		OpinionsByCategory:      catCounts(map[string]int{"环境卫生": 3, "交通出行": 2, "医疗卫生": 1, "乡村振兴": 3}),
		TopicsByStatus:          counts("draft", 1, "in_review", 0, "returned", 1, "approved", 0, "rejected", 0, "planned", 0, "consulted", 0, "concluded", 1, "closed", 1),
		TopicsByCategory:        catCounts(map[string]int{"环境卫生": 1, "交通出行": 1, "乡村振兴": 1, "教育": 1}),
		RecommendationsByStatus: counts("pending", 3, "in_progress", 1, "done", 2, "not_adopted", 1),
		Overdue: []models.StatsOverdue{
			{RecommendationID: c.recs["t5a"], Content: "更换供水管道", Unit: "水务局", Status: "pending", DueOn: "2026-06-30",
				DaysOverdue: 77, TopicID: c.t5, TopicTitle: "西村供水", RoomID: c.r2.ID, RoomName: "西村议事室"},
			{RecommendationID: c.recs["t1b"], Content: "改造污水管网", Unit: "住建局", Status: "in_progress", DueOn: "2026-09-01",
				DaysOverdue: 14, TopicID: c.t1, TopicTitle: "东街污水外溢", RoomID: c.r1.ID, RoomName: "东街社区议事室"},
		},
		Members: []models.StatsMember{
			{UserID: c.m1.ID, Name: "张三", Collected: 4, Adopted: 2},
			{UserID: c.m2.ID, Name: "李四", Collected: 3, Adopted: 2},
			{UserID: c.m3.ID, Name: "王五", Collected: 2, Adopted: 0},
		},
	}
	sameJSON(t, "stats", st, want)

	t.Run("CheckBeforeQuotaDate", func(t *testing.T) {
		st, err := c.s.Stats(ctx, models.StatsOptions{QuotaCheckFrom: "10-01", MemberLimit: 2, OverdueLimit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if st.QuotaChecked || st.QuotaCheckFrom != "2026-10-01" {
			t.Errorf("quota check %v from %s, want not yet, from 2026-10-01", st.QuotaChecked, st.QuotaCheckFrom)
		}
		// Below quota is no reason to flag yet: only incomplete checklists are.
		sameJSON(t, "rooms", st.Rooms, []models.StatsRoom{c.room(c.r3, [6]bool{false, false, true, false, false, false}, 0, 0, false),
			c.room(c.r2, [6]bool{true, true, false, true, true, true}, 1, 2, false), r1, r5, c.room(c.r4, all, 2, 2, false)})
		if st.Totals.RoomsFlagged != 2 || st.RoomsByLevel[5].Flagged != 0 || st.RoomsByLevel[5].BelowQuota != 1 {
			t.Errorf("flagged %d, sector %+v", st.Totals.RoomsFlagged, st.RoomsByLevel[5])
		}
		if len(st.Members) != 2 || st.Members[1].UserID != c.m2.ID || len(st.Overdue) != 1 || st.Totals.Overdue != 2 {
			t.Errorf("limits not applied: %d members, %d overdue of %d", len(st.Members), len(st.Overdue), st.Totals.Overdue)
		}
	})

	t.Run("LastYear", func(t *testing.T) {
		st, err := c.s.Stats(ctx, models.StatsOptions{From: "2025-01-01", To: "2025-12-31"})
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprintf("%+v", st.Totals)
		wantTotals := fmt.Sprintf("%+v", models.StatsTotals{Rooms: 5, RoomsFlagged: 3, ActivitiesThisYear: 10, Activities: 3,
			Opinions: 1, OpinionsAdopted: 0, Topics: 1, Recommendations: 7, ProblemsSolved: 2, Overdue: 2})
		if got != wantTotals {
			t.Errorf("totals %s, want %s", got, wantTotals)
		}
		sameJSON(t, "members", st.Members, []models.StatsMember{{UserID: c.m1.ID, Name: "张三", Collected: 1}})
		sameJSON(t, "channels", st.OpinionsByChannel, counts("door_to_door", 1, "forum", 0, "online", 0))
		if st.TopicsByStatus[7] != (models.StatsCount{Key: "concluded", Count: 1}) {
			t.Errorf("topics by status %+v", st.TopicsByStatus)
		}
	})

	t.Run("OneDay", func(t *testing.T) {
		// Both ends are included: 5 January is one opinion.
		st, err := c.s.Stats(ctx, models.StatsOptions{From: "2026-01-05", To: "2026-01-05"})
		if err != nil {
			t.Fatal(err)
		}
		if st.Totals.Opinions != 1 || st.From != "2026-01-05" || st.To != "2026-01-05" {
			t.Errorf("one day: %d opinions, %s..%s", st.Totals.Opinions, st.From, st.To)
		}
	})

	t.Run("BadOptions", func(t *testing.T) {
		for _, o := range []models.StatsOptions{{From: "2026-13-01"}, {To: "yesterday"}, {From: "2026-05-01", To: "2026-04-30"}, {QuotaCheckFrom: "7/1"}} {
			_, err := c.s.Stats(ctx, o)
			if models.ErrorCode(err) != models.CodeInvalid {
				t.Errorf("%+v: %v, want invalid", o, err)
			}
		}
	})
}

func TestStatsEmpty(t *testing.T) {
	s := testenv.Store(t)
	st, err := s.Stats(context.Background(), models.StatsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Rooms) != 0 || st.Rooms == nil || st.Members == nil || st.Overdue == nil || len(st.RoomsByLevel) != len(models.RoomLevels) {
		t.Errorf("empty county: %+v", st)
	}
	if st.Totals != (models.StatsTotals{}) {
		t.Errorf("totals of an empty county: %+v", st.Totals)
	}
}

func TestStatsTopicLedger(t *testing.T) {
	c := seedStatsCounty(t)
	var rows []export.Row
	if err := export.TopicLedger(context.Background(), c.s, models.LedgerFilter{}).Rows(func(r export.Row) error {
		rows = append(rows, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 {
		t.Fatalf("%d rows, want 5 topics", len(rows))
	}
	for _, r := range rows {
		if len(r) != len(export.TopicHeaders) {
			t.Fatalf("row of %d cells for %d headers: %v", len(r), len(export.TopicHeaders), r)
		}
	}
	// Oldest first: t5 (2025), t1, t4, t2, t3.
	titles := []string{}
	for _, r := range rows {
		titles = append(titles, r[1].(string))
	}
	if strings.Join(titles, ",") != "西村供水,东街污水外溢,课后服务,西村道路硬化,东街路灯" {
		t.Errorf("order %v", titles)
	}
	wantT1 := export.Row{2, "东街污水外溢", "东街社区议事室", "环境卫生", "收集筛选", "已形成成果", "2026-02-01", "2026-02-03",
		"2026-02-05", "同意", "2026-02-06", "同意：同意开展", "经协商，污水管网由住建局改造。",
		"1. 清理排污口（责任单位：环保局；期限：2026-07-01；已办结）\n" +
			"2. 改造污水管网（责任单位：住建局；期限：2026-09-01；办理中，已逾期）\n" +
			"3. 建立巡查制度（责任单位：街道办；期限：2026-12-31；待办理）\n" +
			"4. 公示整改进度（责任单位：街道办；期限：2026-09-15；待办理）", ""}
	if !reflect.DeepEqual(rows[1], wantT1) {
		t.Errorf("t1 row:\n got %#v\nwant %#v", rows[1], wantT1)
	}
	wantT2 := export.Row{4, "西村道路硬化", "西村议事室", "乡村振兴", "委员推荐", "退回修改", "2026-04-01", "2026-04-02",
		"2026-04-04", "退回修改：请补充调研", "", "", "", "", ""}
	if !reflect.DeepEqual(rows[3], wantT2) {
		t.Errorf("t2 row:\n got %#v\nwant %#v", rows[3], wantT2)
	}
	if got := rows[2][12].(string); got != strings.Repeat("课", 200)+"…" {
		t.Errorf("summary not clipped to 200 characters: %d runes", len([]rune(got)))
	}
	for _, r := range rows {
		for _, cell := range r {
			if s, ok := cell.(string); ok && (strings.Contains(s, "1381234") || strings.Contains(s, "1370000")) {
				t.Errorf("a phone number leaked into the ledger: %q", s)
			}
		}
	}

	t.Run("Period", func(t *testing.T) {
		var n int
		err := export.TopicLedger(context.Background(), c.s, models.LedgerFilter{From: "2026-03-01", To: "2026-04-01"}).Rows(func(r export.Row) error {
			n++
			return nil
		})
		if err != nil || n != 2 {
			t.Errorf("March to 1 April: %d topics, %v; want 2", n, err)
		}
		err = export.TopicLedger(context.Background(), c.s, models.LedgerFilter{From: "2026-03-32"}).Rows(func(export.Row) error { return nil })
		if models.ErrorCode(err) != models.CodeInvalid {
			t.Errorf("bad date: %v", err)
		}
	})

	t.Run("StopsOnError", func(t *testing.T) {
		stop := fmt.Errorf("client gone")
		var n int
		err := export.TopicLedger(context.Background(), c.s, models.LedgerFilter{}).Rows(func(export.Row) error {
			n++
			return stop
		})
		if err != stop || n != 1 {
			t.Errorf("err %v after %d rows, want the callback's error after 1", err, n)
		}
	})
}

func TestStatsRoomLedger(t *testing.T) {
	c := seedStatsCounty(t)
	var rows []export.Row
	if err := export.RoomLedger(context.Background(), c.s).Rows(func(r export.Row) error {
		rows = append(rows, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []export.Row{
		{1, "城关镇议事室", "乡镇", "", "无", "无", "有", "无", "无", "无", int64(0), "否", "六有缺：场地、门牌、召集人、委员、活动记录；今年活动不足3次", int64(0), "", ""},
		{2, "东街社区议事室", "社区", "东街1号", "有", "有", "有", "有", "有", "有", int64(3), "是", "", int64(2), "张三", ""},
		{3, "西村议事室", "村", "西村村委会", "有", "有", "无", "有", "有", "有", int64(1), "否", "六有缺：制度；今年活动不足3次", int64(2), "王五", ""},
		{4, "化肥厂议事室", "企事业单位", "工业园", "有", "有", "有", "有", "有", "有", int64(4), "是", "", int64(2), "赵六", ""},
		{5, "教育界别议事室", "界别", "县一中", "有", "有", "有", "有", "有", "有", int64(2), "否", "今年活动不足3次", int64(2), "李四", ""},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %v", len(rows), len(want), rows)
	}
	for i := range want {
		if len(rows[i]) != len(export.RoomHeaders) || !reflect.DeepEqual(rows[i], want[i]) {
			t.Errorf("row %d:\n got %#v\nwant %#v", i+1, rows[i], want[i])
		}
	}

	t.Run("TwoConveners", func(t *testing.T) {
		c.s.Now = func() time.Time { return c.now.Add(time.Hour) } // joins after the first convener
		if _, err := c.s.SetMembership(context.Background(), c.r1.ID, c.m4.ID, models.RoomConvener); err != nil {
			t.Fatal(err)
		}
		var got export.Row
		_ = export.RoomLedger(context.Background(), c.s).Rows(func(r export.Row) error {
			if r[1] == "东街社区议事室" {
				got = r
			}
			return nil
		})
		if got == nil || got[13] != int64(3) || got[14] != "张三、赵六" {
			t.Errorf("room with two conveners: %#v", got)
		}
	})
}

// TestOpenActivitiesNotCounted: an activity scheduled or started ahead of its minutes (open)
// counts towards nothing — the room's page (six haves, activities this year), the
// dashboard, the room ledger — until its minutes are written; then it counts everywhere.
func TestOpenActivitiesNotCounted(t *testing.T) {
	c := seedStatsCounty(t)
	ctx := context.Background()
	open := func(r *models.Room, held time.Time) string {
		id := models.NewID()
		if err := c.s.DB().Exec(`INSERT INTO activities (id, room_id, kind, held_at, place, attendees, summary, created_by, created_at)
VALUES (?, ?, 'forum', ?, '村委会', '{}', '', ?, ?)`, id, r.ID, held, c.m1.ID, held).Error; err != nil {
			t.Fatal(err)
		}
		return id
	}
	// r3 has no activity at all; r2 one this year.
	a3 := open(c.r3, day(2026, 9, 1))
	open(c.r2, day(2026, 9, 2))
	open(c.r2, day(2026, 10, 1)) // scheduled ahead

	type figures struct {
		Total, Period int64
		R2, R3        int64 // this year, on the dashboard
		R3Records     bool  // the sixth have, on the dashboard
		PageCount     int   // r3's page
		PageRecords   bool
		LedgerCount   int64 // r3's ledger entry
		LedgerRecords bool
		PublicR3      int64
	}
	read := func() figures {
		t.Helper()
		var f figures
		st, err := c.s.Stats(ctx, models.StatsOptions{})
		if err != nil {
			t.Fatal(err)
		}
		f.Total, f.Period = st.Totals.ActivitiesThisYear, st.Totals.Activities
		for _, r := range st.Rooms {
			switch r.ID {
			case c.r2.ID:
				f.R2 = r.ActivitiesThisYear
			case c.r3.ID:
				f.R3, f.R3Records = r.ActivitiesThisYear, r.Checklist.ActivityRecords
			}
		}
		r, err := c.s.FindRoom(ctx, c.r3.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.s.FillRoomDetails(ctx, r); err != nil {
			t.Fatal(err)
		}
		f.PageCount, f.PageRecords = *r.ActivitiesThisYear, r.Checklist.ActivityRecords
		if err := c.s.StreamRoomLedger(ctx, func(e models.RoomLedgerEntry) error {
			if e.ID == c.r3.ID {
				f.LedgerCount, f.LedgerRecords = e.ThisYear, e.Haves[5]
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		pc, err := c.s.FindPublicCounty(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range pc.Rooms {
			if r.ID == c.r3.ID {
				f.PublicR3 = r.ActivitiesThisYear
			}
		}
		return f
	}
	if got, want := read(), (figures{Total: 10, Period: 10, R2: 1}); got != want {
		t.Errorf("with open activities:\n got %+v\nwant %+v", got, want)
	}
	if err := c.s.DB().Exec(`UPDATE activities SET summary = '座谈纪要' WHERE id = ?`, a3).Error; err != nil {
		t.Fatal(err)
	}
	want := figures{Total: 11, Period: 11, R2: 1, R3: 1, R3Records: true, PageCount: 1, PageRecords: true, LedgerCount: 1, LedgerRecords: true, PublicR3: 1}
	if got := read(); got != want {
		t.Errorf("once r3's minutes are written:\n got %+v\nwant %+v", got, want)
	}
}
