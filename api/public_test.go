package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"frontline/models"
)

// publicStory takes a topic fed by a resident's opinion (with the resident's name, phone and
// address) through to an outcome whose recommendation has a unit contact, with a research
// photo; it returns the topic, the opinion and the photo.
func publicStory(t *testing.T, f *fixture) (*models.Topic, *models.Opinion, photoView) {
	t.Helper()
	st, ctx := f.h.store, ctxb()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	op, _, err := st.CreateOpinion(ctx, viewerOf(t, st, f.member.User), models.NewOpinion{RoomID: f.room.ID, Channel: "door_to_door", Category: "环境卫生",
		Content: "门口污水外溢", ResidentName: "王小明", ResidentPhone: "13812345678", ResidentConsent: true, Address: "东街12号"})
	must(err)
	title, source, cat, desc := "东市场污水治理", models.SourceCollected, "环境卫生", "东市场雨污混流"
	tp, err := st.CreateTopic(ctx, viewerOf(t, st, f.convener.User), models.TopicInput{RoomID: f.room.ID, Title: &title, Description: &desc, Source: &source, Category: &cat, OpinionIDs: &[]string{op.ID}})
	must(err)
	_, err = st.SubmitTopic(ctx, viewerOf(t, st, f.convener.User), tp.ID)
	must(err)
	_, err = st.ReviewTopic(ctx, viewerOf(t, st, f.county.User), tp.ID, models.ReviewInput{Decision: models.DecisionApprove})
	must(err)
	_, err = st.ReviewTopic(ctx, viewerOf(t, st, f.local.User), tp.ID, models.ReviewInput{Decision: models.DecisionApprove})
	must(err)
	_, err = st.SavePlan(ctx, viewerOf(t, st, f.convener.User), tp.ID, models.Plan{Theme: "方案", Content: "内容", Lead: "召集人"})
	must(err)
	photo := f.h.uploadPhoto(f.convener, "", pngBytes(t, 30, 20))
	_, _, err = st.AddResearch(ctx, viewerOf(t, st, f.convener.User), tp.ID, models.ActivityInput{HeldAt: time.Now().UTC(), Summary: "调研发现",
		Attendees: models.Attendees{Residents: []string{"赵大爷"}}, PhotoIDs: []string{photo.ID}})
	must(err)
	_, _, err = st.HoldMeeting(ctx, viewerOf(t, st, f.convener.User), tp.ID, models.ActivityInput{HeldAt: time.Now().UTC(), Summary: "纪要"})
	must(err)
	var in models.OutcomeInput
	must(json.Unmarshal([]byte(`{"consensus":"实施雨污分流","recommendations":[{"content":"改造管网","unit":"住建局","contact":"李科长 13900001111","due_on":"2030-01-01"}]}`), &in))
	_, _, err = st.PublishOutcome(ctx, viewerOf(t, st, f.convener.User), tp.ID, in)
	must(err)
	return tp, op, photo
}

// TestPublicPhotoMark: only the convener of the photo's room marks it public; a photo of an
// opinion never is; the label must be before or after.
func TestPublicPhotoMark(t *testing.T) {
	f := newFixture(t)
	_, _, photo := publicStory(t, f)
	path := "/api/v1/photos/" + photo.ID + "/public"
	mark := map[string]any{"public": true, "label": "before"}
	expectError(t, f.h.do("PUT", path, "", mark), 401, "unauthorized")
	expectError(t, f.h.do("PUT", path, f.member.token, mark), 403, "forbidden")
	for _, a := range []*actor{f.admin, f.county, f.local} {
		expectError(t, f.h.do("PUT", path, a.token, mark), 403, "forbidden")
	}
	outsider := f.h.user(models.RoleMember, "")
	expectError(t, f.h.do("PUT", path, outsider.token, mark), 404, "not_found")
	expectError(t, f.h.do("PUT", path, f.convener.token, map[string]any{"public": true, "label": "sideways"}), 422, "invalid")
	expectError(t, f.h.do("PUT", path, f.convener.token, map[string]any{"label": "before"}), 422, "invalid")
	expectError(t, f.h.do("PUT", "/api/v1/photos/"+f.extra["photo"]+"/public", f.convener.token, mark), 422, "invalid")
	expectError(t, f.h.do("PUT", "/api/v1/photos/"+models.NewID()+"/public", f.convener.token, mark), 404, "not_found")

	var got models.PhotoPublicity
	mustDecode(t, expectRec(t, f.h.do("PUT", path, f.convener.token, mark)), &got)
	if !got.Public || got.Label != "before" || got.PhotoID != photo.ID {
		t.Fatalf("marked: %+v", got)
	}
	mustDecode(t, expectRec(t, f.h.do("PUT", path, f.convener.token, map[string]any{"public": true, "label": "after"})), &got)
	page := f.h.do("GET", "/api/v1/public/rooms/"+f.room.ID, "", nil).Body.String()
	if strings.Count(page, `"id":"`+photo.ID+`"`) != 1 || !strings.Contains(page, `"label":"after"`) {
		t.Fatalf("the relabelled photo once, as after: %s", page)
	}
	expect(t, f.h.do("PUT", path, f.convener.token, map[string]any{"public": false}), 200)
	if page := f.h.do("GET", "/api/v1/public/rooms/"+f.room.ID, "", nil).Body.String(); strings.Contains(page, photo.ID) {
		t.Fatalf("an unmarked photo stays public: %s", page)
	}
}

// TestPublicPages: the room's and the county's public data need no sign-in, show the topics
// from approval on with their outcomes, units and states, the photos marked public with
// signed links, the six haves; nothing names or locates a resident or a member; answers are
// cacheable with an ETag that changes with the links' signing window.
func TestPublicPages(t *testing.T) {
	f := newFixture(t)
	tp, op, photo := publicStory(t, f)
	draft := f.topic(models.TopicDraft) // 东街路灯, a draft: not public
	yes := true
	if _, err := f.h.store.SetPhotoPublic(ctxb(), viewerOf(t, f.h.store, f.convener.User), photo.ID, models.PhotoPublicInput{Public: &yes, Label: models.PhotoBefore}); err != nil {
		t.Fatal(err)
	}
	// A photo marked public on a topic still in draft does not show.
	draftPhoto := f.h.uploadPhoto(f.convener, "", pngBytes(t, 10, 10))
	if err := f.h.store.AttachPhotos(ctxb(), f.convener.ID, models.AttachTopic, draft.ID, "photo_ids", []string{draftPhoto.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.h.store.SetPhotoPublic(ctxb(), viewerOf(t, f.h.store, f.convener.User), draftPhoto.ID, models.PhotoPublicInput{Public: &yes, Label: models.PhotoBefore}); err != nil {
		t.Fatal(err)
	}
	var full models.Opinion
	mustDecode(t, expectRec(t, f.h.do("GET", "/api/v1/opinions/"+op.ID, f.member.token, nil)), &full)
	leaks := []string{"王小明", "13812345678", "东街12号", "李科长", "13900001111", "赵大爷", full.ReceiptCode, "用户",
		"phone", "collector", "created_by", "reviewer_id", "resident", "contact", "uploader", "marked_by"}
	for _, a := range []*actor{f.admin, f.county, f.local, f.member, f.convener} {
		leaks = append(leaks, a.ID, a.Phone)
	}
	checkLeaks := func(t *testing.T, body string) {
		t.Helper()
		for _, leak := range leaks {
			if strings.Contains(body, leak) {
				t.Errorf("public answer carries %q: %s", leak, body)
			}
		}
	}

	t.Run("Room", func(t *testing.T) {
		rec := f.h.do("GET", "/api/v1/public/rooms/"+f.room.ID, "", nil)
		expect(t, rec, 200)
		body := rec.Body.String()
		checkLeaks(t, body)
		if cc := rec.Header().Get("Cache-Control"); cc != "public, max-age=60" || rec.Header().Get("ETag") == "" {
			t.Fatalf("Cache-Control %q, ETag %q", cc, rec.Header().Get("ETag"))
		}
		var room struct {
			CountyName         string           `json:"county_name"`
			Name               string           `json:"name"`
			Checklist          models.Checklist `json:"checklist"`
			ActivitiesThisYear int              `json:"activities_this_year"`
			Topics             []struct {
				models.PublicTopic
				Photos []publicPhotoView `json:"photos"`
			} `json:"topics"`
		}
		mustDecode(t, rec, &room)
		if room.CountyName != models.DefaultCountyName || room.Name != "东街议事室" || !room.Checklist.Convener || room.ActivitiesThisYear < 2 {
			t.Fatalf("room: %s", body)
		}
		var found bool
		for _, x := range room.Topics {
			if x.PublicTopic.ID == draft.ID {
				t.Fatalf("a draft is public: %s", body)
			}
			if x.PublicTopic.ID != tp.ID {
				continue
			}
			found = true
			o := x.Outcome
			if x.PublicTopic.Status != models.TopicConcluded || x.PublicTopic.ApprovedOn == "" || o == nil || o.Consensus != "实施雨污分流" ||
				len(o.Recommendations) != 1 || o.Recommendations[0].Unit != "住建局" || o.Recommendations[0].Status != models.RecPending {
				t.Fatalf("topic: %+v", x)
			}
			if len(x.Photos) != 1 || x.Photos[0].ID != photo.ID || x.Photos[0].Label != "before" || x.Photos[0].URL == "" || x.Photos[0].ThumbURL == "" {
				t.Fatalf("photos: %+v", x.Photos)
			}
			// The photo's signed link works without signing in.
			if len(fetch(t, f.h, x.Photos[0].URL)) == 0 {
				t.Fatal("public photo link: empty")
			}
		}
		if !found || strings.Contains(body, draftPhoto.ID) || strings.Contains(body, draft.ID) {
			t.Fatalf("the approved topic without the draft and its photo: %s", body)
		}
	})

	t.Run("Caching", func(t *testing.T) {
		path := "/api/v1/public/rooms/" + f.room.ID
		first := f.h.do("GET", path, "", nil)
		etag := first.Header().Get("ETag")
		req := newRawRequest("GET", path, "", "", "")
		req.Header.Set("If-None-Match", etag)
		if rec := f.h.serve(req); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
			t.Fatalf("revalidation: %d %s", rec.Code, rec.Body)
		}
		// In the next signing window the links are new: the ETag changes and the body comes.
		f.h.advance(publicLinkWindow)
		req = newRawRequest("GET", path, "", "", "")
		req.Header.Set("If-None-Match", etag)
		rec := f.h.serve(req)
		if rec.Code != 200 || rec.Header().Get("ETag") == etag {
			t.Fatalf("after a signing window: %d, ETag %q (was %q)", rec.Code, rec.Header().Get("ETag"), etag)
		}
		if publicMaxAge+publicLinkWindow >= 15*time.Minute {
			t.Fatalf("a cached answer could outlive its photo links")
		}
		// A change of content changes the ETag at once.
		etag = rec.Header().Get("ETag")
		if _, err := f.h.store.SetPhotoPublic(ctxb(), viewerOf(t, f.h.store, f.convener.User), photo.ID, models.PhotoPublicInput{Public: &yes, Label: models.PhotoAfter}); err != nil {
			t.Fatal(err)
		}
		if got := f.h.do("GET", path, "", nil).Header().Get("ETag"); got == etag {
			t.Fatalf("the ETag did not change with the label")
		}
	})

	t.Run("BadBearerIgnored", func(t *testing.T) {
		expect(t, f.h.do("GET", "/api/v1/public/rooms/"+f.room.ID, "not-a-token", nil), 200)
		expect(t, f.h.do("GET", "/api/v1/public/county", "not-a-token", nil), 200)
	})

	t.Run("UnknownRoom", func(t *testing.T) {
		expectError(t, f.h.do("GET", "/api/v1/public/rooms/"+models.NewID(), "", nil), 404, "not_found")
		rec := f.h.do("GET", "/api/v1/public/rooms/nope", "", nil)
		expectError(t, rec, 404, "not_found")
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("an error is cacheable: %q", rec.Header().Get("Cache-Control"))
		}
	})

	t.Run("County", func(t *testing.T) {
		rec := f.h.do("GET", "/api/v1/public/county", "", nil)
		expect(t, rec, 200)
		body := rec.Body.String()
		checkLeaks(t, body)
		if rec.Header().Get("Cache-Control") != "public, max-age=60" || rec.Header().Get("ETag") == "" {
			t.Fatalf("headers %v", rec.Header())
		}
		var c struct {
			CountyName string                     `json:"county_name"`
			Rooms      []models.PublicRoomSummary `json:"rooms"`
			Topics     []models.PublicTopic       `json:"topics"`
			Recs       int64                      `json:"recommendations"`
		}
		mustDecode(t, rec, &c)
		if c.CountyName != models.DefaultCountyName || len(c.Rooms) != 1 || c.Rooms[0].Topics < 1 || c.Recs < 1 {
			t.Fatalf("county: %s", body)
		}
		for _, x := range c.Topics {
			if x.Status == models.TopicDraft || x.Status == models.TopicInReview {
				t.Fatalf("a topic before approval is public: %s", body)
			}
		}
		if !strings.Contains(body, "东市场污水治理") {
			t.Fatalf("the approved topic is missing: %s", body)
		}
	})
}

// TestGetActivity: one activity reads as its room's activities do.
func TestGetActivity(t *testing.T) {
	f := newFixture(t)
	id, photo := f.activityWithPhoto()
	var a activityView
	mustDecode(t, expectRec(t, f.h.do("GET", "/api/v1/activities/"+id, f.member.token, nil)), &a)
	if a.ID != id || len(a.Photos) != 1 || a.Photos[0].ID != photo || a.Photos[0].URL == "" {
		t.Fatalf("activity: %+v", a)
	}
	outsider := f.h.user(models.RoleMember, "")
	expectError(t, f.h.do("GET", "/api/v1/activities/"+id, outsider.token, nil), 404, "not_found")
	expectError(t, f.h.do("GET", "/api/v1/activities/"+models.NewID(), f.admin.token, nil), 404, "not_found")
}
