package models_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"frontline/models"
)

// before0017 is the last migration before the foreign keys.
const before0017 = "0016_audit_log"

// TestKeysUpgradeDeletesGarbage: rows that can only be garbage (a refresh token of a session
// that is gone, a photo's attachment to a record that is gone) do not stop the upgrade: the
// token is deleted, the photo left unattached for the sweep, and every sound row is kept.
func TestKeysUpgradeDeletesGarbage(t *testing.T) {
	ctx := context.Background()
	s, reopen := openUntil(t, before0017)
	now := time.Now().UTC().Truncate(time.Second)
	u := oldSchemaUser(t, s, "13800002222", "乙")
	r, err := s.CreateRoom(ctx, models.RoomInput{Name: "升级议事室", Level: models.LevelVillage})
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if err := s.DB().Exec(q, args...).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ('s1', ?, ?, ?)`, u.ID, now, now.Add(time.Hour))
	exec(`INSERT INTO refresh_tokens (hash, session_id, created_at, expires_at) VALUES (?, 's1', ?, ?)`, strings.Repeat("a", 64), now, now.Add(time.Hour))
	exec(`INSERT INTO refresh_tokens (hash, session_id, created_at, expires_at) VALUES (?, 'gone', ?, ?)`, strings.Repeat("b", 64), now, now.Add(time.Hour))
	exec(`INSERT INTO topics (id, room_id, title, description, source, category, status, round, created_by, created_at, updated_at)
VALUES ('t1', ?, '路灯', '', 'assigned', '交通出行', 'draft', 0, ?, ?, ?)`, r.ID, u.ID, now, now)
	photo := func(id, kind, attachedID string) {
		t.Helper()
		exec(`INSERT INTO photos (id, uploader_id, object_key, content_type, size, width, height, sha256, attached_kind, attached_id, created_at)
VALUES (?, ?, ?, 'image/jpeg', 1, 1, 1, ?, ?, ?, ?)`, id, u.ID, "k/"+id, strings.Repeat("0", 64), kind, attachedID, now)
	}
	photo("p-kept", models.AttachTopic, "t1")
	photo("p-dangling", models.AttachOpinion, "no-such-opinion")
	s.Close()

	s, err = reopen("")
	if err != nil {
		t.Fatalf("upgrade over garbage rows: %v", err)
	}
	defer s.Close()
	var hashes []string
	if err := s.DB().Raw("SELECT hash FROM refresh_tokens").Scan(&hashes).Error; err != nil || len(hashes) != 1 || hashes[0][0] != 'a' {
		t.Fatalf("refresh tokens after the upgrade: %v %v", hashes, err)
	}
	kept, err := s.FindPhoto(ctx, "p-kept")
	if err != nil || kept.AttachedKind != models.AttachTopic || kept.AttachedID == nil || *kept.AttachedID != "t1" {
		t.Fatalf("sound attachment after the upgrade: %+v %v", kept, err)
	}
	dangling, err := s.FindPhoto(ctx, "p-dangling")
	if err != nil || dangling.AttachedKind != "" || dangling.AttachedID != nil {
		t.Fatalf("dangling attachment after the upgrade: %+v %v", dangling, err)
	}
	stale, _ := s.StaleUnattachedPhotos(ctx, now.Add(time.Minute), 10)
	if len(stale) != 1 || stale[0].ID != "p-dangling" {
		t.Fatalf("the sweep would remove %v, want only p-dangling", stale)
	}
}

// TestKeysUpgradeStopsOnOrphans: a record naming a missing parent is not garbage (an opinion
// of a room that is gone is still a resident's opinion), so the upgrade stops before it
// changes that table, naming the table, the column and the count; once the rows are dealt
// with, the next start completes.
func TestKeysUpgradeStopsOnOrphans(t *testing.T) {
	ctx := context.Background()
	s, reopen := openUntil(t, before0017)
	now := time.Now().UTC().Truncate(time.Second)
	u := oldSchemaUser(t, s, "13800003333", "丙")
	for i, code := range []string{"AAAA0001", "AAAA0002"} {
		if err := s.DB().Exec(`INSERT INTO opinions (id, room_id, collector_id, channel, category, content, collected_at, status, receipt_code, created_at, updated_at)
VALUES (?, 'gone-room', ?, 'visit', '其他', '路灯坏了', ?, 'new', ?, ?, ?)`, "o"+string(rune('1'+i)), u.ID, now, code, now, now).Error; err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	_, err := reopen("")
	if err == nil {
		t.Fatal("the upgrade went over opinions of a missing room")
	}
	for _, want := range []string{"0020_opinions_keys", "2 rows of opinions", "room_id", "rooms"} {
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("message %q does not say %q", err, want)
		}
	}
	// The files before it are applied; this one changed nothing and is not recorded.
	if s, err = reopen(before0017); err != nil {
		t.Fatal(err)
	}
	applied, _ := s.AppliedMigrations(ctx)
	last := applied[len(applied)-1]
	if last != "0019_topics_keys" {
		t.Fatalf("applied up to %s, want 0019_topics_keys", last)
	}
	r, err := s.CreateRoom(ctx, models.RoomInput{Name: "补建议事室", Level: models.LevelVillage})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Exec("UPDATE opinions SET room_id = ?", r.ID).Error; err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = reopen("")
	if err != nil {
		t.Fatalf("the start after the rows were dealt with: %v", err)
	}
	defer s.Close()
	if err := s.DB().Exec("UPDATE opinions SET room_id = 'gone-again'").Error; err == nil {
		t.Fatal("an opinion could be moved to a missing room after the upgrade")
	}
}

// TestPhotoAttachmentKeys: a photo cannot be attached to a record that does not exist, and
// a record that goes takes its attachments with it, leaving the photo to the sweep.
func TestPhotoAttachmentKeys(t *testing.T) {
	ctx := context.Background()
	s, _ := openUntil(t, "")
	u, err := s.CreateUser(ctx, models.NewUser{Phone: "13800004444", Name: "丁", Password: "violet-harbour-42", Role: models.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.CreateRoom(ctx, models.RoomInput{Name: "照片议事室", Level: models.LevelVillage})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	p := &models.Photo{ID: models.NewID(), UploaderID: u.ID, ObjectKey: "k/1", ContentType: "image/jpeg", Size: 1, Width: 1, Height: 1,
		SHA256: strings.Repeat("0", 64), CreatedAt: now}
	if err := s.CreatePhoto(ctx, p); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{models.AttachOpinion, models.AttachTopic, models.AttachActivity, models.AttachProgress} {
		err := s.AttachPhotos(ctx, u.ID, kind, "no-such-record", "photo_ids", []string{p.ID})
		if models.ErrorCode(err) != models.CodeNotFound {
			t.Fatalf("attach to a missing %s: %v", kind, err)
		}
	}
	if got, _ := s.FindPhoto(ctx, p.ID); got.AttachedID != nil {
		t.Fatalf("photo attached to a missing record: %+v", got)
	}
	if err := s.DB().Exec(`INSERT INTO topics (id, room_id, title, description, source, category, status, round, created_by, created_at, updated_at)
VALUES ('t1', ?, '路灯', '', 'assigned', '交通出行', 'draft', 0, ?, ?, ?)`, r.ID, u.ID, now, now).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.AttachPhotos(ctx, u.ID, models.AttachTopic, "t1", "photo_ids", []string{p.ID}); err != nil {
		t.Fatal(err)
	}
	if byTopic, _ := s.PhotosOf(ctx, models.AttachTopic, []string{"t1"}); len(byTopic["t1"]) != 1 {
		t.Fatalf("photos of t1: %v", byTopic)
	}
	if stale, _ := s.StaleUnattachedPhotos(ctx, now.Add(time.Minute), 10); len(stale) != 0 {
		t.Fatalf("an attached photo is stale: %v", stale)
	}
	if err := s.DB().Exec("DELETE FROM topics WHERE id = 't1'").Error; err != nil {
		t.Fatal(err)
	}
	got, err := s.FindPhoto(ctx, p.ID)
	if err != nil || got.AttachedKind != "" || got.AttachedID != nil {
		t.Fatalf("photo of a deleted topic: %+v %v", got, err)
	}
	if stale, _ := s.StaleUnattachedPhotos(ctx, now.Add(time.Minute), 10); len(stale) != 1 || stale[0].ID != p.ID {
		t.Fatalf("the photo of a deleted topic is not left to the sweep: %v", stale)
	}
}

// oldSchemaUser adds a member to a store still at an older schema, where the model's
// newer columns do not exist yet.
func oldSchemaUser(t *testing.T, s *models.Store, phone, name string) models.User {
	t.Helper()
	u := models.User{ID: models.NewID(), Phone: phone, Name: name, Role: models.RoleMember, Active: true}
	now := time.Now().UTC()
	if err := s.DB().Exec(`INSERT INTO users (id, phone, name, password_hash, role, review_body, active, created_at, updated_at)
		VALUES (?, ?, ?, 'x', ?, '', ?, ?, ?)`, u.ID, u.Phone, u.Name, u.Role, true, now, now).Error; err != nil {
		t.Fatal(err)
	}
	return u
}

// before0064 is the last migration before the keys of sign-ins, notices, the audit trail and
// the tables added with the duty record, units and push.
const before0064 = "0052_notify_cursors"

// TestUserKeysUpgradeDeletesGarbage: sign-ins, notices, read marks, stream tickets,
// reminder claims and push subscriptions that name a missing user, activity or sign-in can
// serve no one: the upgrade deletes them and keeps every sound row. An audit row without an
// actor keeps saying so; a notice's id is never handed out again after the rebuild.
func TestUserKeysUpgradeDeletesGarbage(t *testing.T) {
	ctx := context.Background()
	s, reopen := openUntil(t, before0064)
	now := time.Now().UTC().Truncate(time.Second)
	u := oldSchemaUser(t, s, "13800005555", "戊")
	exec := func(q string, args ...any) {
		t.Helper()
		if err := s.DB().Exec(q, args...).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, id := range []string{"s-kept", "s-gone"} {
		user := u.ID
		if id == "s-gone" {
			user = "gone-user"
		}
		exec(`INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`, id, user, now, now.Add(time.Hour))
		exec(`INSERT INTO refresh_tokens (hash, session_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			strings.Repeat(id[2:3], 64), id, now, now.Add(time.Hour))
	}
	exec(`INSERT INTO events (recipient_id, type, payload, created_at) VALUES (?, 'x', '{}', ?)`, u.ID, now)
	exec(`INSERT INTO events (recipient_id, type, payload, created_at) VALUES (NULL, 'x', '{}', ?)`, now)
	exec(`INSERT INTO events (recipient_id, type, payload, created_at) VALUES ('gone-user', 'x', '{}', ?)`, now)
	var lastEvent int64
	if err := s.DB().Raw("SELECT MAX(id) FROM events").Scan(&lastEvent).Error; err != nil {
		t.Fatal(err)
	}
	for _, user := range []string{u.ID, "gone-user"} {
		exec(`INSERT INTO event_reads (user_id, up_to_id, updated_at) VALUES (?, 1, ?)`, user, now)
		exec(`INSERT INTO event_tickets (nonce, user_id, expires_at) VALUES (?, ?, ?)`, "n-"+user, user, now.Add(time.Minute))
	}
	exec(`INSERT INTO activity_reminders (activity_id, user_id, sent_at) VALUES ('gone-activity', ?, ?)`, u.ID, now)
	for _, sess := range []string{"s-kept", "s-missing"} {
		exec(`INSERT INTO push_subscriptions (id, user_id, session_id, endpoint, p256dh, auth, kinds, after_id, retry_at, lease_until, created_at, updated_at)
VALUES (?, ?, ?, ?, 'k', 'a', '', 0, ?, ?, ?, ?)`, "p-"+sess, u.ID, sess, "https://push.example/"+sess, now, now, now, now)
	}
	exec(`INSERT INTO audit_log (at, actor_id, action, detail) VALUES (?, '', ?, '{}')`, now, models.AuditSignInFailed)
	exec(`INSERT INTO audit_log (at, actor_id, action, detail) VALUES (?, ?, ?, '{}')`, now, u.ID, models.AuditSignIn)
	s.Close()

	s, err := reopen("")
	if err != nil {
		t.Fatalf("upgrade over garbage rows: %v", err)
	}
	defer s.Close()
	for q, want := range map[string]int64{
		"SELECT COUNT(*) FROM sessions WHERE id = 's-kept'":                           1,
		"SELECT COUNT(*) FROM sessions":                                               1,
		"SELECT COUNT(*) FROM refresh_tokens":                                         1,
		"SELECT COUNT(*) FROM events":                                                 2,
		"SELECT COUNT(*) FROM events WHERE recipient_id = 'gone-user'":                0,
		"SELECT COUNT(*) FROM event_reads":                                            1,
		"SELECT COUNT(*) FROM event_tickets":                                          1,
		"SELECT COUNT(*) FROM activity_reminders":                                     0,
		"SELECT COUNT(*) FROM push_subscriptions":                                     1,
		"SELECT COUNT(*) FROM push_subscriptions WHERE session_id = 's-kept'":         1,
		"SELECT COUNT(*) FROM audit_log WHERE actor_id IS NULL":                       1,
		"SELECT COUNT(*) FROM audit_log WHERE actor_id = '" + u.ID + "'":              1,
		"SELECT COUNT(*) FROM audit_log WHERE actor_id IS NOT NULL AND actor_id = ''": 0,
	} {
		var n int64
		if err := s.DB().Raw(q).Scan(&n).Error; err != nil || n != want {
			t.Errorf("%s: %d (%v), want %d", q, n, err, want)
		}
	}
	rows, _, err := s.ListAudit(ctx, models.AuditFilter{Page: models.Page{Limit: 10}})
	if err != nil || len(rows) != 2 || rows[0].ActorID != u.ID || rows[1].ActorID != "" {
		t.Fatalf("audit after the upgrade: %+v %v", rows, err)
	}
	added, err := s.AddEvents(ctx, models.Notice{Type: "x", Data: 1, Recipients: []string{u.ID}})
	if err != nil || added[0].ID <= lastEvent {
		t.Fatalf("a notice after the upgrade has id %v (%v), want above %d", added, err, lastEvent)
	}
}

// TestUserKeysUpgradeStopsOnOrphans: an audit row, a public photo's mark or a credit rule
// naming a missing user is a record someone must look at, so the upgrade stops before the
// file that adds the key, naming the file, the table, the column and the count; once the row
// is dealt with, the next start completes and the key holds.
func TestUserKeysUpgradeStopsOnOrphans(t *testing.T) {
	cases := []struct {
		name, version, table, column string
		insert                       string // args: a user's id, now, the missing user's id
		fix                          string // arg: a user's id
	}{
		{"audit", "0069_audit_log_keys", "audit_log", "actor_id",
			`INSERT INTO audit_log (at, actor_id, action, detail) VALUES (?, ?, 'user.create', '{}')`,
			`UPDATE audit_log SET actor_id = ?`},
		{"public photo", "0072_public_photos_keys", "public_photos", "marked_by",
			`INSERT INTO public_photos (photo_id, label, marked_by, marked_at) VALUES ('p1', 'before', ?, ?)`,
			`UPDATE public_photos SET marked_by = ?`},
		{"credit rule", "0073_credit_rules_keys", "credit_rules", "updated_by",
			`INSERT INTO credit_rules (year, version, line, points, updated_by, updated_at) VALUES (2026, 1, 10, '{}', ?, ?)`,
			`UPDATE credit_rules SET updated_by = ?`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			s, reopen := openUntil(t, before0064)
			now := time.Now().UTC().Truncate(time.Second)
			u := oldSchemaUser(t, s, "13800006666", "己")
			if err := s.DB().Exec(`INSERT INTO photos (id, uploader_id, object_key, content_type, size, width, height, sha256, created_at)
VALUES ('p1', ?, 'k/p1', 'image/jpeg', 1, 1, 1, ?, ?)`, u.ID, strings.Repeat("0", 64), now).Error; err != nil {
				t.Fatal(err)
			}
			var err error
			if c.table == "audit_log" {
				err = s.DB().Exec(c.insert, now, "gone-user").Error
			} else {
				err = s.DB().Exec(c.insert, "gone-user", now).Error
			}
			if err != nil {
				t.Fatal(err)
			}
			s.Close()

			_, err = reopen("")
			if err == nil {
				t.Fatalf("the upgrade went over a %s naming a missing user", c.name)
			}
			for _, want := range []string{c.version, "1 rows of " + c.table, c.column, "users"} {
				if !strings.Contains(err.Error(), want) {
					t.Fatalf("message %q does not say %q", err, want)
				}
			}
			if s, err = reopen(before0064); err != nil {
				t.Fatal(err)
			}
			applied, _ := s.AppliedMigrations(ctx)
			if last := applied[len(applied)-1]; last >= c.version {
				t.Fatalf("applied up to %s, over %s", last, c.version)
			}
			if err := s.DB().Exec(c.fix, u.ID).Error; err != nil {
				t.Fatal(err)
			}
			s.Close()
			if s, err = reopen(""); err != nil {
				t.Fatalf("the start after the row was dealt with: %v", err)
			}
			defer s.Close()
			if err := s.DB().Exec(fmt.Sprintf("UPDATE %s SET %s = 'gone-again'", c.table, c.column)).Error; err == nil {
				t.Fatalf("a %s could name a missing user after the upgrade", c.name)
			}
		})
	}
}

// TestUserKeysRefuseOrphans: on the current schema, no row of these tables can name a
// missing user, activity or sign-in.
func TestUserKeysRefuseOrphans(t *testing.T) {
	ctx := context.Background()
	s, _ := openUntil(t, "")
	u, err := s.CreateUser(ctx, models.NewUser{Phone: "13800007777", Name: "庚", Password: "violet-harbour-42", Role: models.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	if err := s.DB().Exec(`INSERT INTO photos (id, uploader_id, object_key, content_type, size, width, height, sha256, created_at)
VALUES ('p1', ?, 'k/p1', 'image/jpeg', 1, 1, 1, ?, ?)`, u.ID, strings.Repeat("0", 64), now).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Exec(`INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ('s1', ?, ?, ?)`, u.ID, now, now).Error; err != nil {
		t.Fatal(err)
	}
	for name, q := range map[string]string{
		"sessions.user_id":           `INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ('s2', 'gone', ?, ?)`,
		"events.recipient_id":        `INSERT INTO events (recipient_id, type, payload, created_at) VALUES ('gone', 'x', '{}', ?)`,
		"event_reads.user_id":        `INSERT INTO event_reads (user_id, up_to_id, updated_at) VALUES ('gone', 1, ?)`,
		"event_tickets.user_id":      `INSERT INTO event_tickets (nonce, user_id, expires_at) VALUES ('n', 'gone', ?)`,
		"audit_log.actor_id":         `INSERT INTO audit_log (at, actor_id, action, detail) VALUES (?, 'gone', 'user.create', '{}')`,
		"activity_reminders.user_id": `INSERT INTO activity_reminders (activity_id, user_id, sent_at) VALUES ('gone', 'gone', ?)`,
		"push_subscriptions.session_id": `INSERT INTO push_subscriptions (id, user_id, session_id, endpoint, p256dh, auth, kinds, after_id, retry_at, lease_until, created_at, updated_at)
VALUES ('p', '` + u.ID + `', 'gone', 'https://push.example/1', 'k', 'a', '', 0, ?, ?, ?, ?)`,
		"public_photos.marked_by": `INSERT INTO public_photos (photo_id, label, marked_by, marked_at) VALUES ('p1', 'before', 'gone', ?)`,
		"credit_rules.updated_by": `INSERT INTO credit_rules (year, version, line, points, updated_by, updated_at) VALUES (2026, 1, 10, '{}', 'gone', ?)`,
	} {
		args := make([]any, strings.Count(q, "?"))
		for i := range args {
			args[i] = now
		}
		if err := s.DB().Exec(q, args...).Error; err == nil {
			t.Errorf("%s: a row naming a missing parent was stored", name)
		}
	}
	// Rows without an actor or recipient are still welcome.
	if err := s.AddAudit(ctx, &models.AuditEntry{Action: models.AuditSignInFailed}); err != nil {
		t.Fatalf("an audit row without an actor: %v", err)
	}
	if _, err := s.AddEvents(ctx, models.Notice{Type: models.EventAnnouncement, Data: 1, Everyone: true}); err != nil {
		t.Fatalf("a notice to everyone: %v", err)
	}
}
