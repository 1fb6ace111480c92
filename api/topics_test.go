package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"frontline/models"
)

// topicFixture is a room with a convener, two collecting members, a local reviewer of the
// room and a county reviewer, and opinions ready to become a topic.
type topicFixture struct {
	*fixture
	member2  *actor
	county2  *actor
	opinions []string
}

func newTopicFixture(t *testing.T) *topicFixture {
	f := &topicFixture{fixture: newFixture(t)}
	f.member2 = f.h.user(models.RoleMember, "")
	f.h.join(f.room, f.member2, models.RoomMember)
	f.county2 = f.h.user(models.RoleReviewer, models.BodyCounty)
	for _, a := range []*actor{f.member, f.member2, f.member} {
		f.opinions = append(f.opinions, f.opinion(a).ID)
	}
	return f
}

func (f *topicFixture) draft(t *testing.T, opinionIDs ...string) models.Topic {
	t.Helper()
	rec := f.h.do("POST", "/api/v1/topics", f.convener.token, map[string]any{"room_id": f.room.ID, "title": "东市场污水治理",
		"description": "雨污分流", "source": "collected", "category": "环境卫生", "opinion_ids": opinionIDs})
	expect(t, rec, 201)
	var tp models.Topic
	mustDecode(t, rec, &tp)
	return tp
}

func (f *topicFixture) review(t *testing.T, a *actor, id, decision, comment string) *httptest.ResponseRecorder {
	t.Helper()
	return f.h.do("POST", "/api/v1/topics/"+id+"/reviews", a.token, map[string]string{"decision": decision, "comment": comment})
}

func (f *topicFixture) topic(t *testing.T, id string) models.Topic {
	t.Helper()
	var tp models.Topic
	mustDecode(t, expectRec(t, f.h.do("GET", "/api/v1/topics/"+id, f.convener.token, nil)), &tp)
	return tp
}

// eventsFor returns the types of the events stored for a user, oldest first.
func (f *topicFixture) eventsFor(t *testing.T, u *actor) []models.Event {
	t.Helper()
	evs, err := f.h.store.EventsAfter(ctxb(), u.ID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func countType(evs []models.Event, typ string) int {
	n := 0
	for _, e := range evs {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func TestTopicDraftAdoptsOpinions(t *testing.T) {
	f := newTopicFixture(t)
	tp := f.draft(t, f.opinions...)
	if tp.Status != "draft" || tp.Round != 0 || len(tp.OpinionIDs) != 3 {
		t.Fatalf("draft: %+v", tp)
	}
	for _, id := range f.opinions {
		var o opinionView
		mustDecode(t, f.h.do("GET", "/api/v1/opinions/"+id, f.convener.token, nil), &o)
		if o.Status != "adopted" || o.TopicID == nil || *o.TopicID != tp.ID {
			t.Fatalf("opinion %s: %s %v", id, o.Status, o.TopicID)
		}
	}
	if n := countType(f.eventsFor(t, f.member), models.EventOpinionAdopted); n != 2 {
		t.Fatalf("member got %d opinion.adopted, want 2", n)
	}
	if n := countType(f.eventsFor(t, f.member2), models.EventOpinionAdopted); n != 1 {
		t.Fatalf("member2 got %d opinion.adopted, want 1", n)
	}
	t.Run("OpinionFeedsOneTopic", func(t *testing.T) {
		d := expectError(t, f.h.do("POST", "/api/v1/topics", f.convener.token, map[string]any{"room_id": f.room.ID, "title": "另一个",
			"source": "collected", "category": "环境卫生", "opinion_ids": []string{f.opinions[0]}}), 422, "invalid")
		if d.Fields["opinion_ids"] == "" {
			t.Fatal(d)
		}
	})
	t.Run("OnlyConveners", func(t *testing.T) {
		expectError(t, f.h.do("POST", "/api/v1/topics", f.member.token, map[string]any{"room_id": f.room.ID, "title": "x",
			"source": "collected", "category": "环境卫生"}), 403, "forbidden")
	})
	t.Run("Validation", func(t *testing.T) {
		d := expectError(t, f.h.do("POST", "/api/v1/topics", f.convener.token, map[string]any{"room_id": f.room.ID, "title": "",
			"source": "rumour", "category": "无"}), 422, "invalid")
		for _, k := range []string{"title", "source"} {
			if d.Fields[k] == "" {
				t.Errorf("no message for %s: %v", k, d.Fields)
			}
		}
	})
	t.Run("EditRelinks", func(t *testing.T) {
		rec := f.h.do("PATCH", "/api/v1/topics/"+tp.ID, f.convener.token, map[string]any{"title": "东市场雨污分流", "opinion_ids": f.opinions[:1]})
		expect(t, rec, 200)
		var got models.Topic
		mustDecode(t, rec, &got)
		if got.Title != "东市场雨污分流" || len(got.OpinionIDs) != 1 {
			t.Fatalf("edit: %s", rec.Body)
		}
		var o opinionView
		mustDecode(t, f.h.do("GET", "/api/v1/opinions/"+f.opinions[1], f.convener.token, nil), &o)
		if o.Status != "new" || o.TopicID != nil {
			t.Fatalf("unlinked opinion: %s %v", o.Status, o.TopicID)
		}
	})
}

func TestTopicDualReview(t *testing.T) {
	f := newTopicFixture(t)
	t.Run("BothApproveInOneRound", func(t *testing.T) {
		tp := f.draft(t, f.opinions[0])
		expectError(t, f.review(t, f.county, tp.ID, "approve", ""), 409, "invalid_state") // still a draft
		rec := f.h.do("POST", "/api/v1/topics/"+tp.ID+"/submit", f.convener.token, nil)
		expect(t, rec, 200)
		mustDecode(t, rec, &tp)
		if tp.Status != "in_review" || tp.Round != 1 {
			t.Fatalf("submitted: %s", rec.Body)
		}
		expectError(t, f.h.do("POST", "/api/v1/topics/"+tp.ID+"/submit", f.convener.token, nil), 409, "invalid_state")
		expect(t, f.review(t, f.county, tp.ID, "approve", "同意"), 201)
		if got := f.topic(t, tp.ID); got.Status != "in_review" {
			t.Fatalf("one approval moved it to %s", got.Status)
		}
		expectError(t, f.review(t, f.county2, tp.ID, "approve", ""), 409, "conflict") // same body, same round
		expect(t, f.review(t, f.local, tp.ID, "approve", ""), 201)
		got := f.topic(t, tp.ID)
		if got.Status != "approved" || len(got.Reviews) != 2 {
			t.Fatalf("after both: %+v", got)
		}
		var actions []string
		for _, h := range got.History {
			actions = append(actions, h.Action+":"+h.From+">"+h.To)
		}
		want := []string{"create:>draft", "submit:draft>in_review", "approve_one:in_review>in_review", "approve_both:in_review>approved"}
		if len(actions) != len(want) {
			t.Fatalf("history %v", actions)
		}
		for i := range want {
			if actions[i] != want[i] {
				t.Fatalf("history %v, want %v", actions, want)
			}
		}
		// The collector hears both decisions and the status change; the reviewers heard of the submit.
		evs := f.eventsFor(t, f.member)
		if countType(evs, models.EventReviewDecided) != 2 || countType(evs, models.EventTopicStatusChanged) != 2 {
			t.Fatalf("member events: %v", typesOf(evs))
		}
		last := evs[len(evs)-1]
		var data map[string]any
		json.Unmarshal(last.Payload, &data)
		if last.Type != models.EventTopicStatusChanged || data["to"] != "approved" || data["title"] != "东市场污水治理" {
			t.Fatalf("last event %s %s", last.Type, last.Payload)
		}
		for _, r := range []*actor{f.county, f.county2, f.local} {
			if countTopic(f.eventsFor(t, r), models.EventTopicSubmitted, tp.ID) != 1 {
				t.Fatalf("reviewer %s not told of the submit", r.ID)
			}
		}
		if countType(f.eventsFor(t, f.member2), models.EventReviewDecided) != 0 {
			t.Fatal("a member whose opinion is not linked heard of the decision")
		}
	})
	t.Run("ReturnStartsANewRound", func(t *testing.T) {
		tp := f.draft(t, f.opinions[1])
		expect(t, f.h.do("POST", "/api/v1/topics/"+tp.ID+"/submit", f.convener.token, nil), 200)
		expect(t, f.review(t, f.county, tp.ID, "approve", ""), 201)
		expectError(t, f.review(t, f.local, tp.ID, "return", ""), 422, "invalid")
		expect(t, f.review(t, f.local, tp.ID, "return", "请补充调研材料"), 201)
		if got := f.topic(t, tp.ID); got.Status != "returned" {
			t.Fatalf("status %s", got.Status)
		}
		expectError(t, f.review(t, f.county2, tp.ID, "approve", ""), 409, "invalid_state")
		expect(t, f.h.do("PATCH", "/api/v1/topics/"+tp.ID, f.convener.token, map[string]string{"description": "已补充"}), 200)
		expect(t, f.h.do("POST", "/api/v1/topics/"+tp.ID+"/submit", f.convener.token, nil), 200)
		got := f.topic(t, tp.ID)
		if got.Round != 2 || got.Status != "in_review" {
			t.Fatalf("resubmit: round %d %s", got.Round, got.Status)
		}
		// Round 1's county approval does not count in round 2.
		expect(t, f.review(t, f.local, tp.ID, "approve", ""), 201)
		if got := f.topic(t, tp.ID); got.Status != "in_review" {
			t.Fatalf("an approval from the previous round counted: %s", got.Status)
		}
		expect(t, f.review(t, f.county, tp.ID, "approve", ""), 201)
		if got := f.topic(t, tp.ID); got.Status != "approved" {
			t.Fatalf("round 2 both approved: %s", got.Status)
		}
	})
	t.Run("RejectEndsIt", func(t *testing.T) {
		tp := f.draft(t, f.opinions[2])
		expect(t, f.h.do("POST", "/api/v1/topics/"+tp.ID+"/submit", f.convener.token, nil), 200)
		expect(t, f.review(t, f.county, tp.ID, "reject", "不属于政协协商范围"), 201)
		if got := f.topic(t, tp.ID); got.Status != "rejected" {
			t.Fatalf("status %s", got.Status)
		}
		expectError(t, f.review(t, f.local, tp.ID, "approve", ""), 409, "invalid_state")
		expectError(t, f.h.do("PATCH", "/api/v1/topics/"+tp.ID, f.convener.token, map[string]string{"title": "再试"}), 409, "invalid_state")
	})
	t.Run("LocalReviewerOfAnotherRoom", func(t *testing.T) {
		other := f.h.user(models.RoleReviewer, models.BodyLocal)
		tp := f.draft(t)
		expect(t, f.h.do("POST", "/api/v1/topics/"+tp.ID+"/submit", f.convener.token, nil), 200)
		expectError(t, f.review(t, other, tp.ID, "approve", ""), 404, "not_found")
		expectError(t, f.review(t, f.county, tp.ID, "maybe", ""), 422, "invalid")
	})
	t.Run("Visibility", func(t *testing.T) {
		tp := f.draft(t)
		outsider := f.h.user(models.RoleMember, "")
		expectError(t, f.h.do("GET", "/api/v1/topics/"+tp.ID, outsider.token, nil), 404, "not_found")
		expect(t, f.h.do("GET", "/api/v1/topics/"+tp.ID, f.member.token, nil), 200)
		expect(t, f.h.do("GET", "/api/v1/topics/"+tp.ID, f.local.token, nil), 200)
		var l list[models.Topic]
		mustDecode(t, f.h.do("GET", "/api/v1/topics", outsider.token, nil), &l)
		if len(l.Items) != 0 {
			t.Fatalf("outsider lists %d topics", len(l.Items))
		}
	})
	t.Run("ReviewerQueue", func(t *testing.T) {
		tp := f.draft(t)
		expect(t, f.h.do("POST", "/api/v1/topics/"+tp.ID+"/submit", f.convener.token, nil), 200)
		queue := func(a *actor) map[string]bool {
			var l list[models.Topic]
			mustDecode(t, expectRec(t, f.h.do("GET", "/api/v1/topics?awaiting_me=true&limit=200", a.token, nil)), &l)
			out := map[string]bool{}
			for _, x := range l.Items {
				out[x.ID] = true
			}
			return out
		}
		if !queue(f.county)[tp.ID] || !queue(f.local)[tp.ID] {
			t.Fatal("new submission missing from a reviewer's queue")
		}
		expect(t, f.review(t, f.county2, tp.ID, "approve", ""), 201)
		if queue(f.county)[tp.ID] {
			t.Fatal("the county body decided, yet the topic is still in a county queue")
		}
		if !queue(f.local)[tp.ID] {
			t.Fatal("the local body has not decided, yet the topic left its queue")
		}
	})
}

// countTopic counts events of a type about one topic.
func countTopic(evs []models.Event, typ, topicID string) int {
	n := 0
	for _, e := range evs {
		var d struct {
			TopicID string `json:"topic_id"`
		}
		json.Unmarshal(e.Payload, &d)
		if e.Type == typ && d.TopicID == topicID {
			n++
		}
	}
	return n
}

func typesOf(evs []models.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

// TestConcurrentReviewsOfOneBody: two reviewers of the same body deciding at once end
// with exactly one decision; the other gets 409.
func TestConcurrentReviewsOfOneBody(t *testing.T) {
	f := newTopicFixture(t)
	for round := 0; round < 5; round++ {
		tp := f.draft(t)
		expect(t, f.h.do("POST", "/api/v1/topics/"+tp.ID+"/submit", f.convener.token, nil), 200)
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for i, a := range []*actor{f.county, f.county2} {
			wg.Add(1)
			go func(i int, a *actor) {
				defer wg.Done()
				codes[i] = f.review(t, a, tp.ID, "approve", "").Code
			}(i, a)
		}
		wg.Wait()
		if !(codes[0] == 201 && codes[1] == 409 || codes[0] == 409 && codes[1] == 201) {
			t.Fatalf("codes %v, want one 201 and one 409", codes)
		}
		if got := f.topic(t, tp.ID); len(got.Reviews) != 1 {
			t.Fatalf("%d reviews stored", len(got.Reviews))
		}
	}
}

// TestDecisionAndNoticeCommitTogether breaks the outbox on purpose: the review must not be
// stored without its notice.
func TestDecisionAndNoticeCommitTogether(t *testing.T) {
	f := newTopicFixture(t)
	tp := f.draft(t, f.opinions[0])
	expect(t, f.h.do("POST", "/api/v1/topics/"+tp.ID+"/submit", f.convener.token, nil), 200)
	if err := f.h.store.DB().Exec("ALTER TABLE events RENAME TO events_away").Error; err != nil {
		t.Fatal(err)
	}
	rec := f.review(t, f.county, tp.ID, "approve", "")
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("review with a broken outbox: %d %s", rec.Code, rec.Body)
	}
	if err := f.h.store.DB().Exec("ALTER TABLE events_away RENAME TO events").Error; err != nil {
		t.Fatal(err)
	}
	got := f.topic(t, tp.ID)
	if len(got.Reviews) != 0 || got.Status != "in_review" || len(got.History) != 2 {
		t.Fatalf("a decision survived without its notice: %+v", got)
	}
	expect(t, f.review(t, f.county, tp.ID, "approve", ""), 201)
}
