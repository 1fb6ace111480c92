package models_test

import (
	"context"
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
