package models

import (
	"context"
	"slices"
)

// This file is the one place that says who may see and do what, besides the route table's
// guards (api/api.go), which only sort callers by their account's role. Store methods and
// the few handlers that decide anything ask a Viewer; nothing else compares roles.

// CountyViewer names a role, and the review body when one is needed, that sees the whole
// county: every room with its topics, activities and opinions, the dashboard and ledgers.
type CountyViewer struct {
	Role string `json:"role"`
	Body string `json:"body,omitempty"`
}

// CountyViewers are those who see the whole county: admins and the county body's reviewers.
// The app learns it from GET /me (may.see_county, Viewer.Abilities).
var CountyViewers = []CountyViewer{{Role: RoleAdmin}, {Role: RoleReviewer, Body: BodyCounty}}

// SeesCounty reports whether u sees the whole county (see CountyViewers).
func SeesCounty(u *User) bool {
	for _, c := range CountyViewers {
		if u.Role == c.Role && (c.Body == "" || u.ReviewBody == c.Body) {
			return true
		}
	}
	return false
}

// IsCountyReviewer reports whether u reviews for the county body.
func (u *User) IsCountyReviewer() bool { return u.Role == RoleReviewer && u.ReviewBody == BodyCounty }

// IsLocalReviewer reports whether u reviews for a local party committee.
func (u *User) IsLocalReviewer() bool { return u.Role == RoleReviewer && u.ReviewBody == BodyLocal }

// Viewer is a signed-in user as the policy sees them: their account and their role in each
// room where they hold one. It is built once per request (Store.Viewer) and asked by every
// store method that decides what its user may see or do.
//
// It is the one way a store method is told who acts: a method that acts for a signed-in
// user takes the request's *Viewer, never a *User to build one from (TestStoreActsForViewers
// keeps it so). The rule is that the request's viewer decides the whole request, and no
// method reads its user's room roles again inside its transaction. A second read would not
// be fresher in any way that counts: memberships are read without a lock, so a role taken
// away just after that read is as stale as one taken away just after the request began,
// on SQLite and MariaDB alike; and a request that reads twice may decide its steps by two
// different sets of roles. A role change reaches the user's next request.
type Viewer struct {
	*User
	rooms map[string]string // room id → room role
}

// NewViewer is the viewer of u holding rooms (room id → room role); Store.Viewer reads them.
func NewViewer(u *User, rooms map[string]string) *Viewer {
	if rooms == nil {
		rooms = map[string]string{}
	}
	return &Viewer{User: u, rooms: rooms}
}

// Viewer reads u's room roles in one query and returns the policy's view of u. An admin's
// are not read: an admin holds no room role (only members and local reviewers join rooms)
// and sees everything anyway.
func (s *Store) Viewer(ctx context.Context, u *User) (*Viewer, error) {
	if u.Role == RoleAdmin {
		return NewViewer(u, nil), nil
	}
	roles, err := s.RoomRoles(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	return NewViewer(u, roles), nil
}

// RoomRoles returns u's role in each room where they hold one.
func (s *Store) RoomRoles(ctx context.Context, userID string) (map[string]string, error) {
	ms, err := s.Memberships(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(ms))
	for _, m := range ms {
		out[m.RoomID] = m.Role
	}
	return out, nil
}

// SeesCounty reports whether v sees the whole county.
func (v *Viewer) SeesCounty() bool { return SeesCounty(v.User) }

// RoomRole is v's role in room, or "".
func (v *Viewer) RoomRole(roomID string) string { return v.rooms[roomID] }

// Rooms are the rooms where v holds a role, in no order.
func (v *Viewer) Rooms() []string {
	out := make([]string, 0, len(v.rooms))
	for room := range v.rooms {
		out = append(out, room)
	}
	return out
}

func (v *Viewer) roomsWith(roles ...string) []string {
	out := []string{}
	for room, role := range v.rooms {
		if slices.Contains(roles, role) {
			out = append(out, room)
		}
	}
	return out
}

// CanSeeRoom reports whether v may see a room, its topics (with their plans, outcomes and
// progress) and its activities: those who see the county, and anyone with a role in it. To
// anyone else the room and what is in it do not exist.
func (v *Viewer) CanSeeRoom(roomID string) bool { return v.SeesCounty() || v.rooms[roomID] != "" }

// ConvenesRoom reports whether v is a convener of room: they draft and run its topics,
// screen its opinions and record its activities.
func (v *Viewer) ConvenesRoom(roomID string) bool { return v.rooms[roomID] == RoomConvener }

// CollectsIn reports whether v collects opinions in room: its members and conveners.
func (v *Viewer) CollectsIn(roomID string) bool {
	return slices.Contains(CollectorRoles, v.rooms[roomID])
}

// ReviewsRoom reports whether v is a local reviewer of room, by their place in it.
func (v *Viewer) ReviewsRoom(roomID string) bool { return v.rooms[roomID] == RoomLocalReviewer }

// ConvenedRooms and ReviewedRooms are the rooms v convenes and reviews locally.
func (v *Viewer) ConvenedRooms() []string { return v.roomsWith(RoomConvener) }

// ReviewedRooms are the rooms where v is a local reviewer.
func (v *Viewer) ReviewedRooms() []string { return v.roomsWith(RoomLocalReviewer) }

// RecordsActivities reports whether v may record activities of room: its conveners, and
// admins.
func (v *Viewer) RecordsActivities(roomID string) bool {
	return v.Role == RoleAdmin || v.ConvenesRoom(roomID)
}

// PublishesPhotos reports whether v chooses which photos of room's topics, activities and
// follow-up show on the public pages: its conveners.
func (v *Viewer) PublishesPhotos(roomID string) bool { return v.ConvenesRoom(roomID) }

// Administers reports whether v looks after accounts, rooms, categories and the audit trail:
// the admin screens (the routes guarded for admins).
func (v *Viewer) Administers() bool { return v.Role == RoleAdmin }

// KeepsDutyRecord reports whether v is one whose duty (履职) the county records and credits:
// the members. Others may take part in an activity, but keep no record of their own.
func (v *Viewer) KeepsDutyRecord() bool { return v.Role == RoleMember }

// Abilities is what the app may offer its user, computed from the same rules the server
// enforces, so that the app decides its screens, tabs and buttons without spelling a role.
// The server still decides every request on its own.
type Abilities struct {
	Administer     bool     `json:"administer"`       // the admin screens
	SeeCounty      bool     `json:"see_county"`       // the dashboard, ledgers and county duty view
	Review         bool     `json:"review"`           // decides topics for a review body
	ReviewAllRooms bool     `json:"review_all_rooms"` // … of every room (the county body)
	ReviewRooms    []string `json:"review_rooms"`     // … of these rooms (a local committee)
	CollectRooms   []string `json:"collect_rooms"`    // collects opinions in these rooms
	ConveneRooms   []string `json:"convene_rooms"`    // convenes these rooms
	PublishRooms   []string `json:"publish_rooms"`    // chooses the public photos of these rooms
	DutyRecord     bool     `json:"duty_record"`      // has a duty record (我的履职)
}

// Abilities gathers what v may do, for the app. Room lists are sorted and never null.
func (v *Viewer) Abilities() Abilities {
	body, _ := v.Awaiting()
	a := Abilities{
		Administer:     v.Administers(),
		SeeCounty:      v.SeesCounty(),
		Review:         body != "",
		ReviewAllRooms: v.IsCountyReviewer(),
		ReviewRooms:    []string{},
		CollectRooms:   []string{},
		PublishRooms:   []string{},
		ConveneRooms:   v.ConvenedRooms(),
		DutyRecord:     v.KeepsDutyRecord(),
	}
	for room := range v.rooms {
		if a.Review && !a.ReviewAllRooms && v.TopicActor(room) == ActorLocal {
			a.ReviewRooms = append(a.ReviewRooms, room)
		}
		if v.CollectsIn(room) {
			a.CollectRooms = append(a.CollectRooms, room)
		}
		if v.PublishesPhotos(room) {
			a.PublishRooms = append(a.PublishRooms, room)
		}
	}
	slices.Sort(a.ReviewRooms)
	slices.Sort(a.CollectRooms)
	slices.Sort(a.ConveneRooms)
	slices.Sort(a.PublishRooms)
	return a
}

// SeesActivity reports whether v may see an activity and its attendance, and check in to it
// with its code: those who see its room, and the users it invites (a county reviewer, say,
// or a member of another room named in the plan).
func (v *Viewer) SeesActivity(a *Activity) bool { return v.CanSeeRoom(a.RoomID) || a.Invites(v.ID) }

// TopicActor names the part v plays for a topic of room in the topic flow (topicflow.go):
// county or local reviewer, convener, or other.
func (v *Viewer) TopicActor(roomID string) string {
	switch {
	case v.IsCountyReviewer():
		return ActorCounty
	case v.ConvenesRoom(roomID):
		return ActorConvener
	case v.ReviewsRoom(roomID) && v.IsLocalReviewer():
		return ActorLocal
	}
	return ActorOther
}

// Awaiting says which topics in review wait for v's decision: those their body has not
// decided this round (body "" for one who is no reviewer, which no decision carries), in
// the rooms they review locally, or in every room they see when rooms is nil.
func (v *Viewer) Awaiting() (body string, rooms []string) {
	if v.Role != RoleReviewer {
		return "", nil
	}
	if v.IsLocalReviewer() {
		return v.ReviewBody, v.ReviewedRooms()
	}
	return v.ReviewBody, nil
}

// actorBody is the review body a reviewing actor decides for.
func actorBody(actor string) string {
	return map[string]string{ActorCounty: BodyCounty, ActorLocal: BodyLocal}[actor]
}

// OpinionAccess says what a user may see of an opinion.
type OpinionAccess struct {
	Visible     bool
	FullContact bool // the resident's name and phone unmasked
}

// OpinionAccess decides who sees an opinion: its collector, the room's conveners, those who
// see the county; and, once it feeds a topic, the room's local reviewers, who review that
// topic. Only the collector, the conveners and admins see the resident's contact.
func (v *Viewer) OpinionAccess(op *Opinion) OpinionAccess {
	switch {
	case v.SeesContact(op):
		return OpinionAccess{Visible: true, FullContact: true}
	case v.SeesCounty():
		return OpinionAccess{Visible: true}
	case v.ReviewsRoom(op.RoomID) && op.TopicID != nil:
		return OpinionAccess{Visible: true}
	}
	return OpinionAccess{}
}

// SeesContact reports whether v sees whom to call about an opinion: the resident's name,
// phone and exact address.
func (v *Viewer) SeesContact(op *Opinion) bool {
	return v.Role == RoleAdmin || op.CollectorID == v.ID || v.ConvenesRoom(op.RoomID)
}

// SeesMemberFile reports whether v may see the duty record and file (一人一档) of user id:
// the member themself, and those who see the county.
func (v *Viewer) SeesMemberFile(id string) bool { return v.ID == id || v.SeesCounty() }

// SeesEveryPhoto reports whether v sees any photo, attached or not: admins, who look after
// what is uploaded. Anyone else sees their own uploads and those attached to a record they
// may see.
func (v *Viewer) SeesEveryPhoto() bool { return v.Role == RoleAdmin }

// countyReviewers are the ids of every active county reviewer, who are told of every
// submitted topic and overdue recommendation.
func (s *Store) countyReviewers(ctx context.Context) ([]string, error) {
	return s.UsersWithRole(ctx, RoleReviewer, BodyCounty)
}

// followUpWatchers are told of what happens to a room's recommendations after the meeting
// (a unit's reply, an overdue one, a resident's 不满意): the room's conveners and every
// county reviewer.
func (s *Store) followUpWatchers(ctx context.Context, roomID string) ([]string, error) {
	conveners, err := s.RoomMemberIDs(ctx, roomID, RoomConvener)
	if err != nil {
		return nil, err
	}
	county, err := s.countyReviewers(ctx)
	if err != nil {
		return nil, err
	}
	return append(conveners, county...), nil
}

// seesTopicsOfSQL selects the users who may see the topics of a room (one argument: the
// room id), less admins, for a check over many users at once: county reviewers and anyone
// with a role in the room.
const seesTopicsOfSQL = "(role = '" + RoleReviewer + "' AND review_body = '" + BodyCounty + "') OR id IN (SELECT user_id FROM memberships WHERE room_id = ?)"
