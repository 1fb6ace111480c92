package api

import (
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"frontline/models"
)

type attendanceList struct {
	Items []models.AttendanceItem `json:"items"`
}

func (f *topicFixture) attendance(t *testing.T, a *actor, activityID string) map[string]models.AttendanceItem {
	t.Helper()
	var l attendanceList
	mustDecode(t, expectRec(t, f.h.do("GET", "/api/v1/activities/"+activityID+"/attendance", a.token, nil)), &l)
	out := map[string]models.AttendanceItem{}
	for _, it := range l.Items {
		if _, twice := out[it.UserID]; twice {
			t.Fatalf("user %s listed twice: %+v", it.UserID, l.Items)
		}
		out[it.UserID] = it
	}
	return out
}

type codesAnswer struct {
	Code      string               `json:"code"`
	ExpiresAt time.Time            `json:"expires_at"`
	Codes     []models.CheckinCode `json:"codes"`
}

// signInAgain gives each actor a fresh token after the clock moved past their old ones.
func signInAgain(h *harness, as ...*actor) {
	for _, a := range as {
		a.token = h.login(a.User).token
	}
}

// countAbout counts the events of typ about activity id.
func countAbout(t *testing.T, evs []models.Event, typ, id string) int {
	t.Helper()
	n := 0
	for _, e := range evs {
		var d struct {
			ActivityID string `json:"activity_id"`
		}
		if err := json.Unmarshal(e.Payload, &d); err != nil {
			t.Fatal(err)
		}
		if e.Type == typ && d.ActivityID == id {
			n++
		}
	}
	return n
}

func checkin(id, code string, at time.Time) map[string]string {
	return map[string]string{"id": id, "code": code, "scanned_at": at.Format(time.RFC3339Nano)}
}

// TestMeetingAttendance: a convener starts a topic's meeting ahead of its minutes; the
// people named are invited; members check in by the rotating
// code, once however often they send it; codes out of their period, forged or garbled are
// refused; the convener marks by hand; the minutes written later move the topic on.
func TestMeetingAttendance(t *testing.T) {
	f := newTopicFixture(t)
	h := f.h
	h.store.Now = h.clock
	tp, _ := f.approvedTopic(t)
	base := "/api/v1/topics/" + tp.ID
	expect(t, h.do("PUT", base+"/plan", f.convener.token, validPlan(f.member2.ID)), 200)
	expectRec201(t, h.do("POST", base+"/research", f.convener.token, activity("调研发现")))

	// Starting the meeting: no minutes yet; the topic stays planned.
	meeting := activity("")
	meeting["id"] = models.NewID()
	meeting["held_at"] = h.clock().Format(time.RFC3339)
	meeting["attendees"] = map[string]any{"user_ids": []string{f.member.ID, f.member2.ID}}
	var act activityView
	mustDecode(t, expectRec201(t, h.do("POST", base+"/meeting", f.convener.token, meeting)), &act)
	if f.status(t, tp.ID) != models.TopicPlanned || len(act.Attendees.UserIDs) != 2 {
		t.Fatalf("started meeting: topic %s, invited %v", f.status(t, tp.ID), act.Attendees.UserIDs)
	}
	for _, a := range []*actor{f.member, f.member2} {
		if n := countAbout(t, f.eventsFor(t, a), models.EventActivityInvited, act.ID); n != 1 {
			t.Fatalf("%s told %d times of the meeting", a.Name, n)
		}
	}
	if countAbout(t, f.eventsFor(t, f.convener), models.EventActivityInvited, act.ID) != 0 {
		t.Fatal("the convener invited themself")
	}
	att := "/api/v1/activities/" + act.ID
	if l := f.attendance(t, f.convener, act.ID); l[f.member.ID].Status != "absent" || l[f.member2.ID].Status != "absent" {
		t.Fatalf("started, nobody in yet: %+v", l)
	}

	// Codes: the convener's; several at once for showing offline.
	expectError(t, h.do("POST", att+"/checkin-codes", f.member.token, map[string]int{"count": 1}), 403, "forbidden")
	expectError(t, h.do("POST", att+"/checkin-codes", f.convener.token, map[string]int{"count": 241}), 422, "invalid")
	var codes codesAnswer
	mustDecode(t, expectRec201(t, h.do("POST", att+"/checkin-codes", f.convener.token, map[string]int{"count": 120})), &codes)
	if len(codes.Codes) != 120 || codes.Code != codes.Codes[0].Code || len(codes.Code) > 106 ||
		codes.Codes[1].From.Sub(codes.Codes[0].From) != models.CheckinPeriod || !codes.ExpiresAt.Equal(codes.Codes[0].Until) {
		t.Fatalf("codes: %d, first %q until %v", len(codes.Codes), codes.Code, codes.ExpiresAt)
	}

	// A scan made offline, sent later, then replayed: one row.
	scan := models.NewID()
	scannedAt := h.clock().Add(5 * time.Second)
	h.advance(3 * time.Hour)
	signInAgain(h, f.member, f.member2, f.convener)
	expectRec201(t, h.do("POST", "/api/v1/checkins", f.member.token, checkin(scan, codes.Code, scannedAt)))
	expectRec(t, h.do("POST", "/api/v1/checkins", f.member.token, checkin(scan, codes.Code, scannedAt)))
	expectRec(t, h.do("POST", "/api/v1/checkins", f.member.token, checkin(models.NewID(), codes.Codes[1].Code, scannedAt.Add(30*time.Second))))
	expectError(t, h.do("POST", "/api/v1/checkins", f.member2.token, checkin(scan, codes.Code, scannedAt)), 409, "conflict")
	var rows int64
	h.store.DB().Model(&models.Attendance{}).Where("activity_id = ?", act.ID).Count(&rows)
	if l := f.attendance(t, f.member, act.ID); rows != 1 || l[f.member.ID].Status != "present" || l[f.member.ID].Via != "qr" {
		t.Fatalf("%d rows; %+v", rows, l)
	}

	// The same scan sent at once from several retries: one row, one 201.
	signInAgain(h, f.county)
	again := models.NewID()
	oneCreated(t, 4, func() int {
		return h.do("POST", "/api/v1/checkins", f.county.token, checkin(again, codes.Code, scannedAt)).Code
	})
	h.store.DB().Model(&models.Attendance{}).Where("activity_id = ?", act.ID).Count(&rows)
	if rows != 2 {
		t.Fatalf("%d rows after the county reviewer's scans", rows)
	}

	// Out of the code's period, from the future, forged or garbled.
	otherKey, err := h.store.IssueCheckinCodes(ctxb(), viewerOf(t, h.store, f.convener.User), models.CheckinKey("another server"), act.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	late := codes.Codes[0].Until.Add(models.CheckinGrace + time.Second)
	early := codes.Codes[10].From.Add(-models.CheckinSkew - time.Second)
	for name, body := range map[string]map[string]string{
		"late":    checkin(models.NewID(), codes.Code, late),
		"early":   checkin(models.NewID(), codes.Codes[10].Code, early),
		"forged":  checkin(models.NewID(), codes.Code[:len(codes.Code)-2]+"xx", scannedAt),
		"garbled": checkin(models.NewID(), "你好", scannedAt),
		"another": checkin(models.NewID(), otherKey[0].Code, scannedAt),
	} {
		d := expectError(t, h.do("POST", "/api/v1/checkins", f.member2.token, body), 422, "invalid")
		if d.Fields["code"] == "" {
			t.Errorf("%s: fields %v", name, d.Fields)
		}
	}
	d := expectError(t, h.do("POST", "/api/v1/checkins", f.member2.token, checkin(models.NewID(), codes.Code, h.clock().Add(2*time.Minute))), 422, "invalid")
	if d.Fields["scanned_at"] == "" {
		t.Fatalf("fields %v", d.Fields)
	}
	// Someone who neither sees the room nor is invited does not find the activity.
	stranger := h.user(models.RoleMember, "")
	expectError(t, h.do("POST", "/api/v1/checkins", stranger.token, checkin(models.NewID(), codes.Code, scannedAt)), 404, "not_found")

	// The convener's marks; leave after the start is the convener's to give.
	expectError(t, h.do("POST", att+"/leave", f.member2.token, map[string]string{"reason": "生病"}), 409, "invalid_state")
	expectError(t, h.do("PUT", att+"/attendance/"+f.member2.ID, f.member.token, map[string]string{"status": "leave"}), 403, "forbidden")
	expectError(t, h.do("PUT", att+"/attendance/"+f.member2.ID, f.convener.token, map[string]string{"status": "late"}), 422, "invalid")
	expectError(t, h.do("PUT", att+"/attendance/"+models.NewID(), f.convener.token, map[string]string{"status": "leave"}), 404, "not_found")
	expectRec(t, h.do("PUT", att+"/attendance/"+f.member2.ID, f.convener.token, map[string]string{"status": "leave", "reason": "生病"}))
	if it := f.attendance(t, f.convener, act.ID)[f.member2.ID]; it.Status != "leave" || it.Via != "convener" || it.Reason != "生病" {
		t.Fatalf("marked: %+v", it)
	}

	// The minutes, written later under the meeting's id, move the topic on once.
	meeting["summary"] = "会议纪要"
	var done activityView
	mustDecode(t, expectRec(t, h.do("POST", base+"/meeting", f.convener.token, meeting)), &done)
	if done.ID != act.ID || done.Summary != "会议纪要" || f.status(t, tp.ID) != models.TopicConsulted || len(done.Attendees.UserIDs) != 2 {
		t.Fatalf("minutes: %+v, topic %s", done.Activity, f.status(t, tp.ID))
	}
	expectRec(t, h.do("POST", base+"/meeting", f.convener.token, meeting))
	moved := 0
	for _, e := range f.eventsFor(t, f.member) {
		var d struct {
			TopicID string `json:"topic_id"`
			To      string `json:"to"`
		}
		_ = json.Unmarshal(e.Payload, &d)
		if e.Type == models.EventTopicStatusChanged && d.TopicID == tp.ID && d.To == models.TopicConsulted {
			moved++
		}
	}
	if moved != 1 {
		t.Fatalf("told %d times of the move to consulted", moved)
	}
}

// TestStepInvitesPlanByDefault: a topic's research or meeting started without naming users
// invites the plan's participants; one that names users (the convener unticked some of
// the plan's) invites those only.
func TestStepInvitesPlanByDefault(t *testing.T) {
	f := newTopicFixture(t)
	h := f.h
	tp, _ := f.approvedTopic(t)
	base := "/api/v1/topics/" + tp.ID
	expect(t, h.do("PUT", base+"/plan", f.convener.token, validPlan(f.member2.ID, f.member.ID)), 200)
	start := func(userIDs []string) activityView {
		body := activity("")
		body["id"] = models.NewID()
		if userIDs != nil {
			body["attendees"] = map[string]any{"user_ids": userIDs}
		}
		var act activityView
		mustDecode(t, expectRec201(t, h.do("POST", base+"/research", f.convener.token, body)), &act)
		return act
	}
	all := start(nil)
	if got := all.Attendees.UserIDs; len(got) != 2 || !slices.Contains(got, f.member.ID) || !slices.Contains(got, f.member2.ID) {
		t.Fatalf("by default the plan's participants: %v", got)
	}
	some := start([]string{f.member2.ID})
	if got := some.Attendees.UserIDs; len(got) != 1 || got[0] != f.member2.ID {
		t.Fatalf("the named only: %v", got)
	}
	if countAbout(t, f.eventsFor(t, f.member), models.EventActivityInvited, some.ID) != 0 {
		t.Fatal("an unticked participant was invited")
	}
	none := start([]string{})
	if len(none.Attendees.UserIDs) != 0 {
		t.Fatalf("nobody named: %v", none.Attendees.UserIDs)
	}
}

// TestActivityLeave: an invited member asks for leave before the activity starts, with a
// reason; the convener sees it; others cannot; after the start it is too late.
func TestActivityLeave(t *testing.T) {
	f := newTopicFixture(t)
	h := f.h
	h.store.Now = h.clock
	body := map[string]any{"kind": "forum", "held_at": h.clock().Add(26 * time.Hour).Format(time.RFC3339), "place": "村委会",
		"attendees": map[string]any{"user_ids": []string{f.member.ID, f.county.ID}}}
	var act activityView
	mustDecode(t, expectRec201(t, h.do("POST", "/api/v1/rooms/"+f.room.ID+"/activities", f.convener.token, body)), &act)
	att := "/api/v1/activities/" + act.ID
	// The activity's own page: only its room's conveners take its attendance.
	for _, c := range []struct {
		who *actor
		may bool
	}{{f.convener, true}, {f.member, false}, {f.county, false}} {
		var d struct {
			Open              bool   `json:"open"`
			MayTakeAttendance bool   `json:"may_take_attendance"`
			RoomID            string `json:"room_id"`
		}
		mustDecode(t, expectRec(t, h.do("GET", att, c.who.token, nil)), &d)
		if !d.Open || d.MayTakeAttendance != c.may || d.RoomID != f.room.ID {
			t.Fatalf("%s reads %+v", c.who.Name, d)
		}
	}
	if it := f.attendance(t, f.convener, act.ID)[f.member.ID]; it.Status != "invited" || it.At != nil {
		t.Fatalf("before the start: %+v", it)
	}
	expectError(t, h.do("POST", att+"/leave", f.member.token, map[string]string{"reason": " "}), 422, "invalid")
	expectError(t, h.do("POST", att+"/leave", f.member2.token, map[string]string{"reason": "出差"}), 403, "forbidden")
	if n := countAbout(t, f.eventsFor(t, f.convener), models.EventActivityLeave, act.ID); n != 0 {
		t.Fatalf("refused leave told the convener %d times", n)
	}
	expectRec(t, h.do("POST", att+"/leave", f.member.token, map[string]string{"reason": "出差"}))
	if it := f.attendance(t, f.convener, act.ID)[f.member.ID]; it.Status != "leave" || it.Reason != "出差" || it.Via != "member" {
		t.Fatalf("leave: %+v", it)
	}
	// The room's conveners are told, with who and why; nobody else is.
	var told []models.Event
	for _, e := range f.eventsFor(t, f.convener) {
		if e.Type == models.EventActivityLeave {
			told = append(told, e)
		}
	}
	var said struct {
		ActivityID string `json:"activity_id"`
		UserID     string `json:"user_id"`
		Name       string `json:"name"`
		Reason     string `json:"reason"`
		Kind       string `json:"kind"`
	}
	if len(told) != 1 {
		t.Fatalf("convener told %d times of the leave", len(told))
	}
	if err := json.Unmarshal(told[0].Payload, &said); err != nil {
		t.Fatal(err)
	}
	if said.ActivityID != act.ID || said.UserID != f.member.ID || said.Name != f.member.Name || said.Reason != "出差" || said.Kind != "forum" {
		t.Fatalf("leave notice: %s", told[0].Payload)
	}
	for _, a := range []*actor{f.member, f.member2, f.county} {
		if n := countAbout(t, f.eventsFor(t, a), models.EventActivityLeave, act.ID); n != 0 {
			t.Fatalf("%s told of the leave", a.Name)
		}
	}
	h.advance(27 * time.Hour)
	signInAgain(h, f.county, f.convener)
	expectError(t, h.do("POST", att+"/leave", f.county.token, map[string]string{"reason": "出差"}), 409, "invalid_state")
	if l := f.attendance(t, f.county, act.ID); l[f.county.ID].Status != "absent" || l[f.member.ID].Status != "leave" {
		t.Fatalf("after the start: %+v", l)
	}
	if n := countAbout(t, f.eventsFor(t, f.convener), models.EventActivityLeave, act.ID); n != 1 {
		t.Fatalf("a refused leave told the convener: %d notices", n)
	}
}

// TestActivityInvitees: the users an activity names must be active users.
func TestActivityInvitees(t *testing.T) {
	f := newTopicFixture(t)
	h := f.h
	gone := h.user(models.RoleMember, "")
	no := false
	if _, err := h.store.UpdateUser(ctxb(), gone.ID, models.UserPatch{Active: &no}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{models.NewID(), gone.ID, "x"} {
		body := map[string]any{"kind": "forum", "held_at": time.Now().UTC().Format(time.RFC3339),
			"attendees": map[string]any{"user_ids": []string{f.member.ID, id}}}
		d := expectError(t, h.do("POST", "/api/v1/rooms/"+f.room.ID+"/activities", f.convener.token, body), 422, "invalid")
		if d.Fields["attendees"] == "" {
			t.Fatalf("%s: %v", id, d.Fields)
		}
	}
}

// TestActivityReminders: the day before an open activity each invited user is reminded
// once, however many instances run the job at once; not those on leave, and not when the
// invitation came less than a day ahead.
func TestActivityReminders(t *testing.T) {
	f := newTopicFixture(t)
	h := f.h
	h.store.Now = h.clock
	schedule := func(ahead time.Duration) string {
		body := map[string]any{"kind": "forum", "held_at": h.clock().Add(ahead).Format(time.RFC3339), "place": "村委会",
			"attendees": map[string]any{"user_ids": []string{f.member.ID, f.member2.ID, f.county.ID}}}
		var act activityView
		mustDecode(t, expectRec201(t, h.do("POST", "/api/v1/rooms/"+f.room.ID+"/activities", f.convener.token, body)), &act)
		return act.ID
	}
	ahead := schedule(30 * time.Hour)
	schedule(20 * time.Hour) // invited less than a day ahead: the invitation is the reminder
	expectRec(t, h.do("POST", "/api/v1/activities/"+ahead+"/leave", f.county.token, map[string]string{"reason": "出差"}))
	run := func() {
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := h.store.RemindInvited(ctxb()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	run()
	if n := countAbout(t, f.eventsFor(t, f.member), models.EventActivityReminder, ahead); n != 0 {
		t.Fatalf("reminded %d times two days ahead", n)
	}
	h.advance(7 * time.Hour)
	signInAgain(h, f.member, f.member2, f.county, f.convener)
	run()
	run()
	for a, want := range map[*actor]int{f.member: 1, f.member2: 1, f.county: 0, f.convener: 0} {
		evs := f.eventsFor(t, a)
		if n := countAbout(t, evs, models.EventActivityReminder, ahead); n != want {
			t.Errorf("%s reminded %d times, want %d", a.Name, n, want)
		}
		for _, e := range evs {
			var d map[string]any
			if e.Type == models.EventActivityReminder {
				if err := json.Unmarshal(e.Payload, &d); err != nil || d["activity_id"] != ahead || d["place"] != "村委会" || d["held_at"] == "" {
					t.Errorf("reminder data %s", e.Payload)
				}
			}
		}
	}
	var claims int64
	h.store.DB().Table("activity_reminders").Count(&claims)
	if claims != 2 {
		t.Fatalf("%d reminders claimed, want 2", claims)
	}
}
