package models

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Attendance statuses, and how one was taken.
const (
	AttendPresent = "present" // the one status that earns credit: leave (请假) is no absence, and earns nothing either
	AttendLeave   = "leave"
	AttendAbsent  = "absent"
	// AttendInvited is never stored: it lists a user invited to an activity that has not
	// started, who has no row yet. Once it has started, such a user is listed absent.
	AttendInvited = "invited"

	ViaQR       = "qr"       // the member scanned the activity's code
	ViaConvener = "convener" // the convener ticked it
	ViaMember   = "member"   // the member asked for leave ahead
)

// Check-in codes. The convener's phone shows a new code every CheckinPeriod; it cannot
// make codes itself (it holds no key), so it fetches a batch covering the next hour while
// online. A scan is judged by the phone's scanned_at: within the code's period, less
// CheckinSkew for a phone's clock running behind, plus CheckinGrace for a slow scan; and
// not later than the server's clock plus CheckinSkew.
const (
	CheckinPeriod   = 30 * time.Second
	CheckinGrace    = 2 * time.Minute
	CheckinSkew     = time.Minute
	MaxCheckinCodes = 240 // two hours of codes in one batch
)

// Attendance is one user's presence at an activity (签到/出勤): the record that earns
// attendance credit. A QR check-in keeps its phone-made id, which makes its retry safe.
type Attendance struct {
	ActivityID string    `json:"activity_id" gorm:"primaryKey"`
	UserID     string    `json:"user_id" gorm:"primaryKey"`
	Status     string    `json:"status"`
	Via        string    `json:"via"`
	Reason     string    `json:"reason"`
	CheckinID  *string   `json:"checkin_id"`
	MarkedAt   time.Time `json:"at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// TableName is the table of attendance rows.
func (Attendance) TableName() string { return "attendance" }

// AttendanceItem is one line of an activity's attendance: a row, or an invited user
// without one (status invited before the start, absent after; via empty, at null).
type AttendanceItem struct {
	UserID string     `json:"user_id"`
	Name   string     `json:"name"`
	Status string     `json:"status"`
	Via    string     `json:"via"`
	Reason string     `json:"reason"`
	At     *time.Time `json:"at"`
}

// activityReminder claims the day-before reminder of one user for one activity: its key
// makes the reminder go once, however many instances run the job.
type activityReminder struct {
	ActivityID string `gorm:"primaryKey"`
	UserID     string `gorm:"primaryKey"`
	SentAt     time.Time
}

func (activityReminder) TableName() string { return "activity_reminders" }

// findActivity returns the activity v may see: those who see its room, and the users it
// invites. To anyone else it does not exist.
func (s *Store) findActivity(ctx context.Context, v *Viewer, id string) (*Activity, error) {
	var a Activity
	if err := s.conn(ctx).Where("id = ?", id).Take(&a).Error; err != nil {
		return nil, notFound(err, "activity")
	}
	if !v.SeesActivity(&a) {
		return nil, ErrNotFound
	}
	return &a, nil
}

// ListAttendance lists who attends an activity v may see: every row, and every invited
// user without one, by name.
func (s *Store) ListAttendance(ctx context.Context, v *Viewer, activityID string) ([]AttendanceItem, error) {
	a, err := s.findActivity(ctx, v, activityID)
	if err != nil {
		return nil, err
	}
	var rows []Attendance
	if err := s.conn(ctx).Where("activity_id = ?", a.ID).Order("marked_at").Find(&rows).Error; err != nil {
		return nil, wrap("list attendance", err)
	}
	missing := AttendInvited
	if !s.now().Before(a.HeldAt) {
		missing = AttendAbsent
	}
	items := make([]AttendanceItem, 0, len(rows)+len(a.Attendees.UserIDs))
	seen := map[string]bool{}
	for _, r := range rows {
		at := r.MarkedAt
		items = append(items, AttendanceItem{UserID: r.UserID, Status: r.Status, Via: r.Via, Reason: r.Reason, At: &at})
		seen[r.UserID] = true
	}
	for _, id := range a.Attendees.UserIDs {
		if !seen[id] {
			items = append(items, AttendanceItem{UserID: id, Status: missing})
		}
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.UserID
	}
	var users []User
	if len(ids) > 0 {
		if err := s.conn(ctx).Select("id", "name").Where("id IN ?", ids).Find(&users).Error; err != nil {
			return nil, wrap("list attendance", err)
		}
	}
	names := map[string]string{}
	for _, u := range users {
		names[u.ID] = u.Name
	}
	for i := range items {
		items[i].Name = names[items[i].UserID]
	}
	return items, nil
}

// AttendanceInput is the convener's mark of one user.
type AttendanceInput struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
}

// MarkAttendance sets a user's attendance at an activity by hand: the conveners of its
// room, and admins. The user must be active.
func (s *Store) MarkAttendance(ctx context.Context, v *Viewer, activityID, userID string, in AttendanceInput) (*Attendance, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	p := Problems{}
	if !oneOf(in.Status, AttendPresent, AttendLeave, AttendAbsent) {
		p.Add("status", "must be one of present, leave, absent")
	}
	CheckText(p, "reason", in.Reason, MaxAttendanceReason, false)
	if err := p.Err(); err != nil {
		return nil, err
	}
	var row *Attendance
	err := s.Tx(ctx, func(tx *Store) error {
		a, err := tx.findActivity(ctx, v, activityID)
		if err != nil {
			return err
		}
		if !v.RecordsActivities(a.RoomID) {
			return Errorf(CodeForbidden, "only the room's conveners take its attendance")
		}
		active, err := tx.activeUserIDs(ctx, []string{userID})
		if err != nil {
			return err
		}
		if len(active) == 0 {
			return Errorf(CodeNotFound, "user not found")
		}
		row, err = tx.putAttendance(ctx, a.ID, userID, in.Status, ViaConvener, in.Reason, nil)
		return err
	})
	if err != nil {
		return nil, wrap("mark attendance", err)
	}
	return row, nil
}

// putAttendance writes a user's row, keeping the check-in id a row had (so a replayed
// scan still finds it) unless a new one is given.
func (s *Store) putAttendance(ctx context.Context, activityID, userID, status, via, reason string, checkinID *string) (*Attendance, error) {
	now := s.now()
	var row Attendance
	err := s.conn(ctx).Clauses(lockingClause()).Where("activity_id = ? AND user_id = ?", activityID, userID).Take(&row).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		row = Attendance{ActivityID: activityID, UserID: userID, Status: status, Via: via, Reason: reason, CheckinID: checkinID, MarkedAt: now, UpdatedAt: now}
		err = s.conn(ctx).Create(&row).Error
	case err == nil:
		row.Status, row.Via, row.Reason, row.MarkedAt, row.UpdatedAt = status, via, reason, now, now
		if checkinID != nil {
			row.CheckinID = checkinID
		}
		err = s.conn(ctx).Save(&row).Error
	}
	return &row, err
}

// AskLeave records the leave (请假) a user invited to an activity asks for, with a reason,
// before the activity starts, and tells the room's conveners (activity.leave). Asking again
// changes the reason, and tells them again.
func (s *Store) AskLeave(ctx context.Context, v *Viewer, activityID, reason string) (*Attendance, error) {
	reason = strings.TrimSpace(reason)
	p := Problems{}
	if reason == "" {
		p.Add("reason", "is required")
	}
	CheckText(p, "reason", reason, MaxAttendanceReason, false)
	if err := p.Err(); err != nil {
		return nil, err
	}
	var row *Attendance
	err := s.Tx(ctx, func(tx *Store) error {
		a, err := tx.findActivity(ctx, v, activityID)
		if err != nil {
			return err
		}
		if !a.Invites(v.ID) {
			return Errorf(CodeForbidden, "only those invited to an activity ask leave of it")
		}
		if !tx.now().Before(a.HeldAt) {
			return Errorf(CodeWrongState, "leave is asked before the activity starts; ask the convener")
		}
		var present int64
		if err := tx.conn(ctx).Model(&Attendance{}).Where("activity_id = ? AND user_id = ? AND status = ?", a.ID, v.ID, AttendPresent).Count(&present).Error; err != nil {
			return err
		}
		if present > 0 {
			return Errorf(CodeWrongState, "you have signed in to this activity")
		}
		if row, err = tx.putAttendance(ctx, a.ID, v.ID, AttendLeave, ViaMember, reason, nil); err != nil {
			return err
		}
		return tx.tellLeave(ctx, a, v, reason)
	})
	if err != nil {
		return nil, wrap("ask leave", err)
	}
	return row, nil
}

// tellLeave tells the conveners of the activity's room that v asks leave of it, and why
// (activity.leave), in the transaction that records the leave.
func (s *Store) tellLeave(ctx context.Context, a *Activity, v *Viewer, reason string) error {
	conveners, err := s.RoomMemberIDs(ctx, a.RoomID, RoomConvener)
	if err != nil {
		return err
	}
	title := ""
	if a.TopicID != nil {
		t, err := s.TopicByID(ctx, *a.TopicID)
		if err != nil {
			return err
		}
		title = t.Title
	}
	data := a.noticeData(title)
	data["user_id"], data["name"], data["reason"] = v.ID, v.Name, reason
	_, err = s.AddEvents(ctx, Notice{Type: EventActivityLeave, Recipients: slices.DeleteFunc(conveners, func(id string) bool { return id == v.ID }), Data: data})
	return err
}

// CheckinCode is one code of an activity, shown from From until Until.
type CheckinCode struct {
	Code  string    `json:"code"`
	From  time.Time `json:"valid_from"`
	Until time.Time `json:"expires_at"`
}

// CheckinKey signs check-in codes. A code is "c1.<activity id>.<start, base 36 Unix
// seconds>.<16 characters of HMAC-SHA256>": about 64 bytes, well inside the 106 a QR of
// the app's encoder holds, and 96 bits of signature.
type CheckinKey []byte

func (k CheckinKey) sign(body string) string {
	m := hmac.New(sha256.New, k)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:12])
}

func (k CheckinKey) code(activityID string, from time.Time) string {
	body := "c1." + activityID + "." + strconv.FormatInt(from.Unix(), 36)
	return body + "." + k.sign(body)
}

// read returns the activity and the start of a code's period, or ok=false for a code the
// key did not sign.
func (k CheckinKey) read(code string) (activityID string, from time.Time, ok bool) {
	parts := strings.Split(code, ".")
	if len(k) == 0 || len(parts) != 4 || parts[0] != "c1" || !ValidID(parts[1]) {
		return "", time.Time{}, false
	}
	body := strings.Join(parts[:3], ".")
	if !hmac.Equal([]byte(parts[3]), []byte(k.sign(body))) {
		return "", time.Time{}, false
	}
	sec, err := strconv.ParseInt(parts[2], 36, 64)
	if err != nil || sec < 0 || sec > 1<<40 {
		return "", time.Time{}, false
	}
	return parts[1], time.Unix(sec, 0).UTC(), true
}

// IssueCheckinCodes makes count codes of an activity, one per CheckinPeriod from the
// current one on, for its room's conveners and admins to show.
func (s *Store) IssueCheckinCodes(ctx context.Context, v *Viewer, key CheckinKey, activityID string, count int) ([]CheckinCode, error) {
	if count == 0 {
		count = 1
	}
	if count < 1 || count > MaxCheckinCodes {
		return nil, Invalid("count", fmt.Sprintf("must be 1 to %d", MaxCheckinCodes))
	}
	a, err := s.findActivity(ctx, v, activityID)
	if err != nil {
		return nil, err
	}
	if !v.RecordsActivities(a.RoomID) {
		return nil, Errorf(CodeForbidden, "only the room's conveners show its check-in codes")
	}
	start := s.now().Truncate(CheckinPeriod)
	codes := make([]CheckinCode, count)
	for i := range codes {
		from := start.Add(time.Duration(i) * CheckinPeriod)
		codes[i] = CheckinCode{Code: key.code(a.ID, from), From: from, Until: from.Add(CheckinPeriod)}
	}
	return codes, nil
}

// CheckinInput is a member's scan of an activity's code, made on the phone under its own id.
type CheckinInput struct {
	ID        string    `json:"id"`
	Code      string    `json:"code"`
	ScannedAt time.Time `json:"scanned_at"`
}

// CheckIn records that v was at an activity, by a code its convener showed: they are
// present, by QR. The same id again returns the row and created=false; a second scan of
// the same activity under another id finds them present already and changes nothing.
// Those invited and those who see its room may check in; a scan outside the code's period
// (see CheckinPeriod), a code that is not the server's, or a scan the server's clock has
// not reached yet are refused.
func (s *Store) CheckIn(ctx context.Context, v *Viewer, key CheckinKey, in CheckinInput) (*Attendance, bool, error) {
	p := Problems{}
	if in.ID == "" {
		p.Add("id", "is required")
	}
	CheckID(p, "id", in.ID)
	activityID, from, ok := key.read(in.Code)
	if !ok {
		p.Add("code", "is not a check-in code of this server")
	}
	if in.ScannedAt.IsZero() {
		p.Add("scanned_at", "is required")
	}
	CheckTime(p, "scanned_at", in.ScannedAt)
	if err := p.Err(); err != nil {
		return nil, false, err
	}
	if row, err := s.repeatedCheckin(ctx, v, in.ID, activityID); row != nil || err != nil {
		return row, false, err
	}
	scanned := in.ScannedAt.UTC()
	switch {
	case scanned.After(s.now().Add(CheckinSkew)):
		return nil, false, Invalid("scanned_at", "is later than now")
	case scanned.Before(from.Add(-CheckinSkew)) || scanned.After(from.Add(CheckinPeriod+CheckinGrace)):
		return nil, false, Invalid("code", "had expired when it was scanned, or was not yet shown")
	}
	var row *Attendance
	created := false
	err := s.Tx(ctx, func(tx *Store) error {
		a, err := tx.findActivity(ctx, v, activityID)
		if err != nil {
			return err
		}
		var had Attendance
		err = tx.conn(ctx).Clauses(lockingClause()).Where("activity_id = ? AND user_id = ?", a.ID, v.ID).Take(&had).Error
		if err == nil && had.Status == AttendPresent {
			row = &had
			return nil
		}
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		id := in.ID
		row, err = tx.putAttendance(ctx, a.ID, v.ID, AttendPresent, ViaQR, "", &id)
		created = err == nil
		return err
	})
	if isDuplicate(err) {
		// A retry of this scan, or another scan of the same activity, stored meanwhile.
		if r, err := s.repeatedCheckin(ctx, v, in.ID, activityID); r != nil || err != nil {
			return r, false, err
		}
		var had Attendance
		if err := s.conn(ctx).Where("activity_id = ? AND user_id = ? AND status = ?", activityID, v.ID, AttendPresent).Take(&had).Error; err == nil {
			return &had, false, nil
		}
	}
	if err != nil {
		return nil, false, wrap("check in", err)
	}
	return row, created, nil
}

// repeatedCheckin finds the row a check-in with id made before. The same user's scan of
// the same activity gets it back; anything else under that id is a conflict.
func (s *Store) repeatedCheckin(ctx context.Context, v *Viewer, id, activityID string) (*Attendance, error) {
	var row Attendance
	err := s.conn(ctx).Where("checkin_id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("models: find check-in: %w", err)
	}
	if row.UserID != v.ID || row.ActivityID != activityID {
		return nil, idTaken("a check-in")
	}
	return &row, nil
}

// RemindInvited tells each user invited to an open activity, the day before it, of its
// date and place (activity.reminder): once per user and activity, however many instances
// run it, since each reminder is claimed by a row first. Those on leave are not reminded,
// nor are those invited less than a day ahead (the invitation was their reminder).
func (s *Store) RemindInvited(ctx context.Context) ([]Event, error) {
	now := s.now()
	var due []Activity
	err := s.conn(ctx).Where("summary = ? AND held_at > ? AND held_at <= ?", "", now, now.Add(24*time.Hour)).
		Order("held_at").Limit(500).Find(&due).Error
	if err != nil {
		return nil, wrap("find activities to remind of", err)
	}
	var all []Event
	for _, a := range due {
		if a.CreatedAt.After(a.HeldAt.Add(-24 * time.Hour)) {
			continue
		}
		var away []string
		if err := s.conn(ctx).Model(&Attendance{}).Where("activity_id = ? AND status = ?", a.ID, AttendLeave).Pluck("user_id", &away).Error; err != nil {
			return all, wrap("remind invited", err)
		}
		title := ""
		if a.TopicID != nil {
			t, err := s.TopicByID(ctx, *a.TopicID)
			if err != nil {
				return all, wrap("remind invited", err)
			}
			title = t.Title
		}
		for _, userID := range a.Attendees.UserIDs {
			if userID == a.CreatedBy || slices.Contains(away, userID) {
				continue
			}
			err := s.Tx(ctx, func(tx *Store) error {
				if err := tx.conn(ctx).Create(&activityReminder{ActivityID: a.ID, UserID: userID, SentAt: now}).Error; err != nil {
					return err
				}
				evs, err := tx.AddEvents(ctx, Notice{Type: EventActivityReminder, Recipients: []string{userID}, Data: a.noticeData(title)})
				all = append(all, evs...)
				return err
			})
			if err != nil && !isDuplicate(err) { // a duplicate: another instance reminded them
				return all, wrap("remind invited", err)
			}
		}
	}
	return all, nil
}
