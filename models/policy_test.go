package models_test

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"frontline/models"
)

// TestPolicy walks every kind of viewer over every kind of record of room A: what they
// see, and what they may do there.
func TestPolicy(t *testing.T) {
	const roomA, roomB = "room-a", "room-b"
	topic := "topic-1"
	loose := &models.Opinion{ID: "op-loose", RoomID: roomA, CollectorID: "collector"}
	inTopic := &models.Opinion{ID: "op-topic", RoomID: roomA, CollectorID: "collector", TopicID: &topic}
	user := func(id, role, body string) *models.User {
		return &models.User{ID: id, Role: role, ReviewBody: body, Active: true}
	}
	type want struct {
		room              bool // the room, its topics, plans, outcomes, progress and activities
		loose, looseFull  bool // an opinion feeding no topic; with the resident's contact
		inTopic, topicFul bool // an opinion feeding a topic; with the resident's contact
		county            bool // the dashboard and ledgers
		everyPhoto        bool // photos attached to nothing, not their own
		collects          bool // collect opinions in the room
		convenes          bool // screen its opinions, draft and run its topics
		records           bool // record its activities
		actor             string
	}
	for _, c := range []struct {
		name  string
		v     *models.Viewer
		wants want
	}{
		{"Admin", models.NewViewer(user("admin", models.RoleAdmin, ""), nil),
			want{room: true, loose: true, looseFull: true, inTopic: true, topicFul: true, county: true, everyPhoto: true,
				records: true, actor: models.ActorOther}},
		{"CountyReviewer", models.NewViewer(user("county", models.RoleReviewer, models.BodyCounty), nil),
			want{room: true, loose: true, inTopic: true, county: true, actor: models.ActorCounty}},
		{"LocalReviewerOfRoom", models.NewViewer(user("local", models.RoleReviewer, models.BodyLocal), map[string]string{roomA: models.RoomLocalReviewer}),
			want{room: true, inTopic: true, actor: models.ActorLocal}},
		{"LocalReviewerElsewhere", models.NewViewer(user("local-b", models.RoleReviewer, models.BodyLocal), map[string]string{roomB: models.RoomLocalReviewer}),
			want{actor: models.ActorOther}},
		{"Convener", models.NewViewer(user("convener", models.RoleMember, ""), map[string]string{roomA: models.RoomConvener}),
			want{room: true, loose: true, looseFull: true, inTopic: true, topicFul: true, collects: true, convenes: true, records: true,
				actor: models.ActorConvener}},
		{"Collector", models.NewViewer(user("collector", models.RoleMember, ""), map[string]string{roomA: models.RoomMember}),
			want{room: true, loose: true, looseFull: true, inTopic: true, topicFul: true, collects: true, actor: models.ActorOther}},
		{"OtherMemberOfRoom", models.NewViewer(user("member", models.RoleMember, ""), map[string]string{roomA: models.RoomMember}),
			want{room: true, collects: true, actor: models.ActorOther}},
		{"MemberElsewhere", models.NewViewer(user("outsider", models.RoleMember, ""), map[string]string{roomB: models.RoomConvener}),
			want{actor: models.ActorOther}},
		{"MemberOfNoRoom", models.NewViewer(user("nobody", models.RoleMember, ""), nil),
			want{actor: models.ActorOther}},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := c.v
			la, ta := v.OpinionAccess(loose), v.OpinionAccess(inTopic)
			got := want{room: v.CanSeeRoom(roomA), loose: la.Visible, looseFull: la.FullContact, inTopic: ta.Visible, topicFul: ta.FullContact,
				county: v.SeesCounty(), everyPhoto: v.SeesEveryPhoto(), collects: v.CollectsIn(roomA), convenes: v.ConvenesRoom(roomA),
				records: v.RecordsActivities(roomA), actor: v.TopicActor(roomA)}
			if got != c.wants {
				t.Errorf("got  %+v\nwant %+v", got, c.wants)
			}
			if v.SeesContact(loose) != la.FullContact || v.SeesContact(inTopic) != ta.FullContact {
				t.Error("SeesContact disagrees with OpinionAccess")
			}
			if v.SeesCounty() != models.SeesCounty(v.User) {
				t.Error("the viewer and the guard disagree on who sees the county")
			}
		})
	}
}

// roleCheck finds what looks like a decision on a role: a role or body constant, the
// reviewer predicates, or a comparison of a user's role or body with anything but nothing.
var (
	roleCheck = regexp.MustCompile(`\b(RoleAdmin|RoleReviewer|BodyCounty|BodyLocal|IsCountyReviewer|IsLocalReviewer)\b`)
	roleEqual = regexp.MustCompile(`\.(Role|ReviewBody)\s*[!=]=\s*([\w."]+)`)
)

func decidesOnRole(line string) bool {
	if roleCheck.MatchString(line) {
		return true
	}
	for _, m := range roleEqual.FindAllStringSubmatch(line, -1) {
		if m[2] != "nil" && m[2] != `""` {
			return true
		}
	}
	return false
}

// roleCheckAllowed are the lines outside the policy and the guards that may name roles,
// by file and a part of the line, each for a reason that is not who may see or do what.
var roleCheckAllowed = []struct{ file, line, why string }{
	{"models/user.go", `RoleAdmin    = "admin"`, "definition"},
	{"models/user.go", `RoleReviewer = "reviewer"`, "definition"},
	{"models/user.go", `BodyCounty = "county"`, "definition"},
	{"models/user.go", `BodyLocal  = "local"`, "definition"},
	{"models/words.go", "RoleWords", "the roles' names"},
	{"models/words.go", "BodyWords", "the bodies' names"},
	{"models/user.go", "case RoleAdmin, RoleMember:", "what a valid account is"},
	{"models/user.go", "case RoleReviewer:", "what a valid account is"},
	{"models/user.go", "body != BodyCounty && body != BodyLocal", "what a valid account is"},
	{"models/user.go", "role != RoleReviewer && patch.ReviewBody == nil", "a body only for reviewers"},
	{"models/user.go", "wasActiveAdmin := u.Role == RoleAdmin", "the county keeps an active admin"},
	{"models/user.go", "u.Role != RoleAdmin || !u.Active", "the county keeps an active admin"},
	{"models/user.go", `"role = ? AND active = ? AND id <> ?", RoleAdmin`, "the county keeps an active admin"},
	{"models/user.go", `"role = ? AND active = ?", RoleAdmin`, "the first admin at start-up"},
	{"models/user.go", "Role: RoleAdmin}", "the first admin at start-up or by the setup link"},
	{"models/room.go", "role == RoomLocalReviewer && !u.IsLocalReviewer()", "which accounts a room role fits"},
	{"models/room.go", "role != RoomLocalReviewer && u.Role != RoleMember", "which accounts a room role fits"},
}

// TestNoRoleChecksOutsidePolicy keeps who may see and do what in the policy (policy.go) and
// the route table's guards (api/api.go, api/auth.go): no other handler or store method
// compares roles.
func TestNoRoleChecksOutsidePolicy(t *testing.T) {
	used := make([]bool, len(roleCheckAllowed))
	for _, dir := range []string{"../api", "."} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			name := filepath.ToSlash(filepath.Join(filepath.Base(map[string]string{"../api": "api", ".": "models"}[dir]), filepath.Base(path)))
			if strings.HasSuffix(path, "_test.go") || name == "models/policy.go" || name == "api/api.go" || name == "api/auth.go" {
				continue
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(f)
			sc.Buffer(nil, 1<<20)
			for n := 1; sc.Scan(); n++ {
				line := sc.Text()
				if strings.HasPrefix(strings.TrimSpace(line), "//") || !decidesOnRole(line) {
					continue
				}
				ok := false
				for i, a := range roleCheckAllowed {
					if a.file == name && strings.Contains(line, a.line) {
						ok, used[i] = true, true
					}
				}
				if !ok {
					t.Errorf("%s:%d decides on a role outside the policy: %s", name, n, strings.TrimSpace(line))
				}
			}
			f.Close()
		}
	}
	for i, a := range roleCheckAllowed {
		if !used[i] {
			t.Errorf("allowed line no longer found, drop it: %s %q", a.file, a.line)
		}
	}
}
