package models_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"frontline/internal/testenv"
	"frontline/models"
)

func eventIDs(evs []models.Event) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

func TestAddEvents(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	testenv.NamedUsers(t, s, "u1", "u2")
	rows, err := s.AddEvents(ctx,
		models.Notice{Type: models.EventOpinionAdopted, Data: map[string]string{"opinion_id": "o1"}, Recipients: []string{"u1", "u2", "u1", ""}},
		models.Notice{Type: models.EventAnnouncement, Data: map[string]string{"title": "全体"}, Everyone: true},
		models.Notice{Type: models.EventTopicSubmitted, Data: 1}, // nobody: no row
	)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3 (u1, u2, everyone)", len(rows))
	}
	if *rows[0].RecipientID != "u1" || *rows[1].RecipientID != "u2" || rows[2].RecipientID != nil {
		t.Fatalf("recipients: %v %v %v", rows[0].RecipientID, rows[1].RecipientID, rows[2].RecipientID)
	}
	if !(rows[0].ID < rows[1].ID && rows[1].ID < rows[2].ID) {
		t.Fatalf("ids not increasing: %v", eventIDs(rows))
	}
	stored, err := s.EventsByID(ctx, eventIDs(rows))
	if err != nil || !slices.Equal(eventIDs(stored), eventIDs(rows)) {
		t.Fatalf("stored %v (%v), want %v", eventIDs(stored), err, eventIDs(rows))
	}
	if string(stored[0].Payload) != `{"opinion_id":"o1"}` || stored[2].Type != models.EventAnnouncement {
		t.Fatalf("stored %+v", stored)
	}
	if !stored[0].For("u1") || stored[0].For("u2") || !stored[2].For("anyone") {
		t.Fatal("For disagrees with the recipient")
	}
	if none, err := s.AddEvents(ctx); err != nil || none != nil {
		t.Fatalf("no notices: %v %v", none, err)
	}
	if _, err := s.AddEvents(ctx, models.Notice{Type: "x", Data: func() {}, Everyone: true}); err == nil {
		t.Fatal("a payload that is not JSON was stored")
	}
}

func TestAddEventsRollsBackWithTheChange(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.Tx(ctx, func(tx *models.Store) error {
		if _, err := tx.AddEvents(ctx, models.Notice{Type: "x", Data: 1, Everyone: true}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if last, err := s.LastEventID(ctx); err != nil || last != 0 {
		t.Fatalf("last id %d (%v) after a rollback, want 0", last, err)
	}
}

func TestEventsAfterAndBounds(t *testing.T) {
	s := testenv.Store(t)
	testenv.NamedUsers(t, s, "me", "other")
	ctx := context.Background()
	if last, err := s.LastEventID(ctx); err != nil || last != 0 {
		t.Fatalf("empty: last %d %v", last, err)
	}
	if oldest, err := s.OldestEventID(ctx); err != nil || oldest != 0 {
		t.Fatalf("empty: oldest %d %v", oldest, err)
	}
	var mine, all []int64
	for i := range 5 {
		r, err := s.AddEvents(ctx,
			models.Notice{Type: "x", Data: i, Recipients: []string{"me"}},
			models.Notice{Type: "x", Data: i, Recipients: []string{"other"}})
		if err != nil {
			t.Fatal(err)
		}
		mine = append(mine, r[0].ID)
		all = append(all, r[0].ID, r[1].ID)
	}
	b, _ := s.AddEvents(ctx, models.Notice{Type: "x", Data: "b", Everyone: true})
	mine, all = append(mine, b[0].ID), append(all, b[0].ID)

	got, err := s.EventsAfter(ctx, "me", 0, 100)
	if err != nil || !slices.Equal(eventIDs(got), mine) {
		t.Fatalf("mine: %v %v, want %v", eventIDs(got), err, mine)
	}
	got, _ = s.EventsAfter(ctx, "me", mine[2], 2)
	if !slices.Equal(eventIDs(got), mine[3:5]) {
		t.Fatalf("after %d limit 2: %v, want %v", mine[2], eventIDs(got), mine[3:5])
	}
	got, _ = s.EventsAfter(ctx, "", 0, 100)
	if !slices.Equal(eventIDs(got), all) {
		t.Fatalf("all: %v, want %v", eventIDs(got), all)
	}
	if last, _ := s.LastEventID(ctx); last != all[len(all)-1] {
		t.Fatalf("last %d, want %d", last, all[len(all)-1])
	}
	if oldest, _ := s.OldestEventID(ctx); oldest != all[0] {
		t.Fatalf("oldest %d, want %d", oldest, all[0])
	}
	if got, err := s.EventsByID(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("by no ids: %v %v", got, err)
	}
	got, _ = s.EventsByID(ctx, []int64{all[3], all[1], 1 << 40})
	if !slices.Equal(eventIDs(got), []int64{all[1], all[3]}) {
		t.Fatalf("by id: %v", eventIDs(got))
	}
}

func TestNotificationsAndReadWatermark(t *testing.T) {
	s := testenv.Store(t)
	testenv.NamedUsers(t, s, "me", "other")
	ctx := context.Background()
	var mine []int64
	for i := range 7 {
		r, err := s.AddEvents(ctx, models.Notice{Type: "x", Data: i, Recipients: []string{"me", "other"}})
		if err != nil {
			t.Fatal(err)
		}
		mine = append(mine, r[0].ID)
	}
	page, next, err := s.ListNotifications(ctx, models.NotificationFilter{UserID: "me", Limit: 3})
	if err != nil || !slices.Equal(eventIDs(page), []int64{mine[6], mine[5], mine[4]}) || next != mine[4] {
		t.Fatalf("page 1: %v next %d %v", eventIDs(page), next, err)
	}
	page, next, _ = s.ListNotifications(ctx, models.NotificationFilter{UserID: "me", Limit: 4, BeforeID: next})
	if !slices.Equal(eventIDs(page), []int64{mine[3], mine[2], mine[1], mine[0]}) || next != 0 {
		t.Fatalf("page 2 (exactly full, so no cursor): %v next %d", eventIDs(page), next)
	}
	var data int
	if err := json.Unmarshal(page[0].Payload, &data); err != nil || data != 3 {
		t.Fatalf("payload %s", page[0].Payload)
	}

	if n, _ := s.UnreadCount(ctx, "me"); n != 7 {
		t.Fatalf("unread %d, want 7", n)
	}
	if err := s.MarkRead(ctx, "me", mine[4]); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkRead(ctx, "me", mine[1]); err != nil { // never moves back
		t.Fatal(err)
	}
	if n, _ := s.UnreadCount(ctx, "me"); n != 2 {
		t.Fatalf("unread %d, want 2", n)
	}
	if n, _ := s.UnreadCount(ctx, "other"); n != 7 {
		t.Fatalf("other's unread %d, want 7", n)
	}
	unread, _, _ := s.ListNotifications(ctx, models.NotificationFilter{UserID: "me", UnreadOnly: true})
	if !slices.Equal(eventIDs(unread), []int64{mine[6], mine[5]}) || unread[0].Read {
		t.Fatalf("unread list %v", eventIDs(unread))
	}
	all, _, _ := s.ListNotifications(ctx, models.NotificationFilter{UserID: "me"})
	for _, e := range all {
		if e.Read != (e.ID <= mine[4]) {
			t.Fatalf("event %d read=%v with the watermark at %d", e.ID, e.Read, mine[4])
		}
	}
	if err := s.MarkRead(ctx, "me", -1); models.ErrorCode(err) != models.CodeInvalid {
		t.Fatalf("negative watermark: %v", err)
	}
}

func TestPruneEvents(t *testing.T) {
	s := testenv.Store(t)
	testenv.NamedUsers(t, s, "me")
	ctx := context.Background()
	base := time.Now().UTC()
	at := func(d time.Duration) { s.Now = func() time.Time { return base.Add(d) } }
	at(-200 * 24 * time.Hour)
	old, _ := s.AddEvents(ctx, models.Notice{Type: "x", Data: 1, Recipients: []string{"me"}}, models.Notice{Type: "x", Data: 2, Everyone: true})
	at(0)
	fresh, _ := s.AddEvents(ctx, models.Notice{Type: "x", Data: 3, Recipients: []string{"me"}})
	n, err := s.PruneEvents(ctx, base.Add(-180*24*time.Hour))
	if err != nil || n != int64(len(old)) {
		t.Fatalf("pruned %d (%v), want %d", n, err, len(old))
	}
	if oldest, _ := s.OldestEventID(ctx); oldest != fresh[0].ID {
		t.Fatalf("oldest %d, want %d", oldest, fresh[0].ID)
	}
	if n, _ := s.PruneEvents(ctx, base.Add(-180*24*time.Hour)); n != 0 {
		t.Fatalf("pruned again: %d", n)
	}
}

func TestRecipientsLookups(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	mk := func(phone, role, body string) *models.User {
		u, err := s.CreateUser(ctx, models.NewUser{Phone: phone, Name: "人", Password: "violet-harbour-42", Role: role, ReviewBody: body})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	county := mk("13900000001", models.RoleReviewer, models.BodyCounty)
	local := mk("13900000002", models.RoleReviewer, models.BodyLocal)
	member := mk("13900000003", models.RoleMember, "")
	convener := mk("13900000004", models.RoleMember, "")
	gone := mk("13900000005", models.RoleReviewer, models.BodyCounty)
	off := false
	if _, err := s.UpdateUser(ctx, gone.ID, models.UserPatch{Active: &off}); err != nil {
		t.Fatal(err)
	}
	room, err := s.CreateRoom(ctx, models.RoomInput{Name: "室", Level: models.LevelVillage, Address: "村", HasDoorPlate: true, Rules: "章程"})
	if err != nil {
		t.Fatal(err)
	}
	for u, role := range map[*models.User]string{member: models.RoomMember, convener: models.RoomConvener, local: models.RoomLocalReviewer} {
		if _, err := s.SetMembership(ctx, room.ID, u.ID, role); err != nil {
			t.Fatal(err)
		}
	}
	sorted := func(ids []string, err error) []string {
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(ids)
		return ids
	}
	want := []string{member.ID, convener.ID, local.ID}
	slices.Sort(want)
	if got := sorted(s.RoomMemberIDs(ctx, room.ID)); !slices.Equal(got, want) {
		t.Fatalf("room members %v, want %v", got, want)
	}
	if got := sorted(s.RoomMemberIDs(ctx, room.ID, models.RoomConvener)); !slices.Equal(got, []string{convener.ID}) {
		t.Fatalf("conveners %v", got)
	}
	if got := sorted(s.UsersWithRole(ctx, models.RoleReviewer, models.BodyCounty)); !slices.Equal(got, []string{county.ID}) {
		t.Fatalf("active county reviewers %v, want only %s", got, county.ID)
	}
	if got := sorted(s.UsersWithRole(ctx, models.RoleReviewer, "")); len(got) != 2 {
		t.Fatalf("active reviewers %v", got)
	}
}

func TestEventTickets(t *testing.T) {
	s := testenv.Store(t)
	testenv.NamedUsers(t, s, "u1", "u2")
	ctx := context.Background()
	now := time.Now().UTC()
	if err := s.AddEventTicket(ctx, "n1", "u1", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.UseEventTicket(ctx, "n1", "u2", now); ok || err != nil {
		t.Fatalf("someone else's ticket: %v %v", ok, err)
	}
	if ok, err := s.UseEventTicket(ctx, "n1", "u1", now); !ok || err != nil {
		t.Fatalf("first use: %v %v", ok, err)
	}
	if ok, _ := s.UseEventTicket(ctx, "n1", "u1", now); ok {
		t.Fatal("a ticket worked twice")
	}
	_ = s.AddEventTicket(ctx, "n2", "u1", now.Add(time.Minute))
	if ok, _ := s.UseEventTicket(ctx, "n2", "u1", now.Add(2*time.Minute)); ok {
		t.Fatal("an expired ticket worked")
	}
	_ = s.AddEventTicket(ctx, "n3", "u1", now.Add(10*time.Minute))
	if n, err := s.PruneEventTickets(ctx, now.Add(5*time.Minute)); err != nil || n != 1 {
		t.Fatalf("pruned %d (%v), want 1 (n2)", n, err)
	}
	if ok, _ := s.UseEventTicket(ctx, "n3", "u1", now); !ok {
		t.Fatal("pruning took a live ticket")
	}
}
