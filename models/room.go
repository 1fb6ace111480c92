package models

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Room levels.
const (
	LevelTownship    = "township"
	LevelSubdistrict = "subdistrict"
	LevelCommunity   = "community"
	LevelVillage     = "village"
	LevelEnterprise  = "enterprise"
	LevelSector      = "sector"
)

// RoomLevels lists the levels in the order the county reports them.
var RoomLevels = []string{LevelTownship, LevelSubdistrict, LevelCommunity, LevelVillage, LevelEnterprise, LevelSector}

// Room roles held through a Membership.
const (
	RoomConvener      = "convener"
	RoomMember        = "member"
	RoomLocalReviewer = "local_reviewer"
)

// ActivityQuota is how many activities a room must hold each year.
const ActivityQuota = 3

// Room is a members' discussion room (委员议事室).
type Room struct {
	ID           string    `json:"id" gorm:"primaryKey"`
	Name         string    `json:"name"`
	Level        string    `json:"level"`
	Address      string    `json:"address"`
	Lat          *float64  `json:"lat"`
	Lng          *float64  `json:"lng"`
	HasDoorPlate bool      `json:"has_door_plate"`
	Rules        string    `json:"rules"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`

	Checklist          *Checklist `json:"checklist,omitempty" gorm:"-"`
	ActivitiesThisYear *int       `json:"activities_this_year,omitempty" gorm:"-"`
	Members            []Member   `json:"members,omitempty" gorm:"-"`
}

// Checklist is the six haves (六有) every room must meet.
type Checklist struct {
	Venue           bool `json:"venue"`
	DoorPlate       bool `json:"door_plate"`
	Rules           bool `json:"rules"`
	Convener        bool `json:"convener"`
	Members         bool `json:"members"`
	ActivityRecords bool `json:"activity_records"`
}

// Complete reports whether all six haves are met.
func (c Checklist) Complete() bool {
	return c.Venue && c.DoorPlate && c.Rules && c.Convener && c.Members && c.ActivityRecords
}

// Membership is a user's role in a room.
type Membership struct {
	RoomID    string    `json:"room_id" gorm:"primaryKey"`
	UserID    string    `json:"user_id" gorm:"primaryKey"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// Member is a membership with the user's name, as shown on a room.
type Member struct {
	UserID string `json:"user_id"`
	Name   string `json:"name"`
	Role   string `json:"role"`
}

// RoomInput is what an admin sends to create or replace a room.
type RoomInput struct {
	Name         string   `json:"name"`
	Level        string   `json:"level"`
	Address      string   `json:"address"`
	Lat          *float64 `json:"lat"`
	Lng          *float64 `json:"lng"`
	HasDoorPlate bool     `json:"has_door_plate"`
	Rules        string   `json:"rules"`
}

// Validate checks a room.
func (in *RoomInput) Validate() error {
	in.Name = strings.TrimSpace(in.Name)
	in.Address = strings.TrimSpace(in.Address)
	p := Problems{}
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 {
		p.Add("name", "must be 1 to 100 characters")
	}
	CheckText(p, "name", in.Name, MaxRoomName, false)
	if !oneOf(in.Level, RoomLevels...) {
		p.Add("level", "must be one of "+strings.Join(RoomLevels, ", "))
	}
	CheckText(p, "address", in.Address, MaxAddress, false)
	CheckText(p, "rules", in.Rules, MaxRules, true)
	validLatLng(p, in.Lat, in.Lng)
	return p.Err()
}

func validLatLng(p Problems, lat, lng *float64) {
	if (lat == nil) != (lng == nil) {
		p.Add("lat", "lat and lng go together")
		return
	}
	if lat != nil && (math.IsNaN(*lat) || *lat < -90 || *lat > 90) {
		p.Add("lat", "must be between -90 and 90")
	}
	if lng != nil && (math.IsNaN(*lng) || *lng < -180 || *lng > 180) {
		p.Add("lng", "must be between -180 and 180")
	}
}

func oneOf(v string, options ...string) bool {
	for _, o := range options {
		if v == o {
			return true
		}
	}
	return false
}

// CreateRoom stores a new room.
func (s *Store) CreateRoom(ctx context.Context, in RoomInput) (*Room, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	now := s.now()
	r := &Room{ID: NewID(), Name: in.Name, Level: in.Level, Address: in.Address, Lat: in.Lat, Lng: in.Lng,
		HasDoorPlate: in.HasDoorPlate, Rules: in.Rules, CreatedAt: now, UpdatedAt: now}
	if err := s.conn(ctx).Create(r).Error; err != nil {
		return nil, fmt.Errorf("models: create room: %w", err)
	}
	return r, nil
}

// UpdateRoom replaces a room's details.
func (s *Store) UpdateRoom(ctx context.Context, id string, in RoomInput) (*Room, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	r, err := s.FindRoom(ctx, id)
	if err != nil {
		return nil, err
	}
	r.Name, r.Level, r.Address, r.Lat, r.Lng, r.HasDoorPlate, r.Rules, r.UpdatedAt =
		in.Name, in.Level, in.Address, in.Lat, in.Lng, in.HasDoorPlate, in.Rules, s.now()
	if err := s.conn(ctx).Save(r).Error; err != nil {
		return nil, fmt.Errorf("models: update room: %w", err)
	}
	return r, nil
}

// FindRoom returns the room with id.
func (s *Store) FindRoom(ctx context.Context, id string) (*Room, error) {
	var r Room
	if err := s.conn(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, notFound(err, "room")
	}
	return &r, nil
}

// RoomFilter selects rooms for a list. With a Viewer, only the rooms they may see; without,
// every room (for the server's own work).
type RoomFilter struct {
	Viewer *Viewer
	Level  string
	Page   Page
}

// ListRooms lists rooms newest first.
func (s *Store) ListRooms(ctx context.Context, f RoomFilter) ([]Room, string, error) {
	q := s.conn(ctx).Model(&Room{})
	if f.Viewer != nil && !f.Viewer.SeesCounty() {
		q = q.Where("id IN ?", f.Viewer.Rooms())
	}
	if f.Level != "" {
		q = q.Where("level = ?", f.Level)
	}
	return listPage(q, f.Page, "created_at", "id", func(r *Room) (time.Time, string) { return r.CreatedAt, r.ID })
}

// FillRoomDetails computes the checklist, this year's activity count and the member list.
func (s *Store) FillRoomDetails(ctx context.Context, r *Room) error {
	var members []Member
	err := s.conn(ctx).Table("memberships m").Select("m.user_id, u.name, m.role").
		Joins("JOIN users u ON u.id = m.user_id").Where("m.room_id = ?", r.ID).
		Order("m.created_at").Scan(&members).Error
	if err != nil {
		return fmt.Errorf("models: room members: %w", err)
	}
	year := time.Date(s.now().Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	var n, total int64
	if err := s.conn(ctx).Table("activities").Where("room_id = ? AND held_at >= ?", r.ID, year).Where(heldActivitySQL).Count(&n).Error; err != nil {
		return fmt.Errorf("models: count activities: %w", err)
	}
	if err := s.conn(ctx).Table("activities").Where("room_id = ?", r.ID).Where(heldActivitySQL).Count(&total).Error; err != nil {
		return fmt.Errorf("models: count activities: %w", err)
	}
	c := Checklist{Venue: r.Address != "", DoorPlate: r.HasDoorPlate, Rules: strings.TrimSpace(r.Rules) != "", ActivityRecords: total > 0}
	for _, m := range members {
		switch m.Role {
		case RoomConvener:
			c.Convener = true
		case RoomMember:
			c.Members = true
		}
	}
	count := int(n)
	r.Checklist, r.ActivitiesThisYear, r.Members = &c, &count, members
	if r.Members == nil {
		r.Members = []Member{}
	}
	return nil
}

// SetMembership gives user a role in room, replacing any role they had there.
func (s *Store) SetMembership(ctx context.Context, roomID, userID, role string) (*Membership, error) {
	if !oneOf(role, RoomConvener, RoomMember, RoomLocalReviewer) {
		return nil, Invalid("role", "must be convener, member or local_reviewer")
	}
	if _, err := s.FindRoom(ctx, roomID); err != nil {
		return nil, err
	}
	u, err := s.FindUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	if err := roomRoleFits(u, role); err != nil {
		return nil, err
	}
	m := &Membership{RoomID: roomID, UserID: userID, Role: role, CreatedAt: s.now()}
	err = s.Tx(ctx, func(tx *Store) error {
		var existing Membership
		err := tx.conn(ctx).Where("room_id = ? AND user_id = ?", roomID, userID).Take(&existing).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			return tx.conn(ctx).Create(m).Error
		case err != nil:
			return err
		}
		m.CreatedAt = existing.CreatedAt
		return tx.conn(ctx).Model(&Membership{}).Where("room_id = ? AND user_id = ?", roomID, userID).Update("role", role).Error
	})
	if isDuplicate(err) {
		// A concurrent request added the same membership; set the role on it.
		err = s.conn(ctx).Model(&Membership{}).Where("room_id = ? AND user_id = ?", roomID, userID).Update("role", role).Error
	}
	if err != nil {
		return nil, fmt.Errorf("models: set membership: %w", err)
	}
	return m, nil
}

// roomRoleFits says whether an account may hold a room role: a local body's reviewer is a
// room's local_reviewer, a member its convener or member.
func roomRoleFits(u *User, role string) error {
	if role == RoomLocalReviewer && !u.IsLocalReviewer() {
		return Invalid("role", "only a reviewer of a local body can be a room's local_reviewer")
	}
	if role != RoomLocalReviewer && u.Role != RoleMember {
		return Invalid("role", "conveners and members of a room must be users with role member")
	}
	return nil
}

// RemoveMembership takes user out of room.
func (s *Store) RemoveMembership(ctx context.Context, roomID, userID string) error {
	res := s.conn(ctx).Where("room_id = ? AND user_id = ?", roomID, userID).Delete(&Membership{})
	if res.Error != nil {
		return fmt.Errorf("models: remove membership: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return &Error{Code: CodeNotFound, Message: "membership not found"}
	}
	return nil
}

// Memberships lists the rooms user belongs to and the role held in each.
func (s *Store) Memberships(ctx context.Context, userID string) ([]Membership, error) {
	var out []Membership
	if err := s.conn(ctx).Where("user_id = ?", userID).Order("created_at").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("models: memberships: %w", err)
	}
	return out, nil
}

// RoomRole returns user's role in room, or "" when they hold none.
func (s *Store) RoomRole(ctx context.Context, roomID, userID string) (string, error) {
	var m Membership
	err := s.conn(ctx).Where("room_id = ? AND user_id = ?", roomID, userID).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("models: room role: %w", err)
	}
	return m.Role, nil
}
