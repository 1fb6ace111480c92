package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"frontline/jobs"
	"frontline/models"
)

// TestPhotoUploadsOnlyForThoseWhoAttach: reviewers attach photos to nothing, so they
// upload none.
func TestPhotoUploadsOnlyForThoseWhoAttach(t *testing.T) {
	f := newFixture(t)
	for _, a := range []*actor{f.county, f.local} {
		expectError(t, postPhoto(f.h, a, "", pngBytes(t, 10, 10)), 403, "forbidden")
	}
	for _, a := range []*actor{f.member, f.convener, f.admin} {
		expect(t, postPhoto(f.h, a, "", pngBytes(t, 10, 10)), 201)
	}
}

// TestPhotoUploadQuota: each user's uploads are bounded per minute, per day and in bytes
// per day, counted in the database (a second instance on the same database sees the same
// count); a retry of a stored photo's id is answered and not counted.
func TestPhotoUploadQuota(t *testing.T) {
	h := newHarness(t)
	h.srv.photoQuota = models.PhotoQuota{PerMinute: 3, PerDay: 5, BytesPerDay: 1 << 30}
	_, member := newCollector(h)
	limited := func(rec *httptestRec, atLeast, atMost int) {
		t.Helper()
		expectError(t, rec, 429, "rate_limited")
		secs, err := strconv.Atoi(rec.Header().Get("Retry-After"))
		if err != nil || secs < atLeast || secs > atMost {
			t.Fatalf("Retry-After %q, want %d to %d", rec.Header().Get("Retry-After"), atLeast, atMost)
		}
	}
	var first photoView
	for i := range 3 {
		rec := postPhoto(h, member, models.NewID(), pngBytes(t, 10+i, 10))
		expect(t, rec, 201)
		if i == 0 {
			mustDecode(t, rec, &first)
		}
	}
	limited(postPhoto(h, member, "", pngBytes(t, 10, 10)), 59, 60)
	// A retry of a stored photo is answered as before, quota or not.
	expect(t, postPhoto(h, member, first.ID, pngBytes(t, 10, 10)), 200)

	// Another instance on the same database counts the same photos.
	q := models.PhotoQuota{PerMinute: 3, PerDay: 5, BytesPerDay: 1 << 30}
	other, _ := New(Options{Store: h.store, Photos: h.photos, Secret: testSecret, Version: "test", Now: h.clock, PhotoQuota: &q})
	body, ct := multipartPhoto(t, "", pngBytes(t, 10, 10))
	recorder := httptest.NewRecorder()
	other.ServeHTTP(recorder, newRawRequest("POST", "/api/v1/photos", string(body), ct, member.token))
	limited(recorder, 59, 60)

	// A minute on, two more fit the day; the sixth waits for the first to be a day old.
	h.advance(61 * time.Second)
	expect(t, postPhoto(h, member, "", pngBytes(t, 11, 11)), 201)
	expect(t, postPhoto(h, member, "", pngBytes(t, 12, 12)), 201)
	h.advance(61 * time.Second)
	limited(postPhoto(h, member, "", pngBytes(t, 13, 13)), 24*3600-122-1, 24*3600-122)

	// Others have their own quota; bytes count too.
	h.srv.photoQuota = models.PhotoQuota{BytesPerDay: 50}
	_, other2 := newCollector(h)
	expect(t, postPhoto(h, other2, "", pngBytes(t, 10, 10)), 201)
	limited(postPhoto(h, other2, "", pngBytes(t, 10, 10)), 24*3600-1, 24*3600)
	h.srv.photoQuota = models.PhotoQuota{}
	expect(t, postPhoto(h, other2, "", pngBytes(t, 10, 10)), 201)
}

// TestOrphanPhotosRemoved: photos attached to nothing for a day go, from the database and
// from the photo store, in the server's jobs; attached and recent ones stay.
func TestOrphanPhotosRemoved(t *testing.T) {
	h := newHarness(t)
	room, member := newCollector(h)
	orphan := h.uploadPhoto(member, "", pngBytes(t, 10, 10))
	kept := h.uploadPhoto(member, "", pngBytes(t, 11, 11))
	expect(t, h.do("POST", "/api/v1/opinions", member.token, opinionRequest(room, models.NewID(), kept.ID)), 201)
	h.advance(23 * time.Hour)
	member = h.login(member.User)
	recent := h.uploadPhoto(member, "", pngBytes(t, 12, 12))
	if n, err := h.srv.removeOrphanPhotos(ctxb()); err != nil || n != 0 {
		t.Fatalf("before a day: removed %d, %v", n, err)
	}
	h.advance(2 * time.Hour)
	member = h.login(member.User)

	// The jobs loop removes it at start.
	ctx, cancel := context.WithCancel(ctxb())
	done := make(chan struct{})
	go func() { defer close(done); jobs.Run(ctx, nil, h.srv.Jobs()) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := h.store.FindPhoto(ctxb(), orphan.ID); models.ErrorCode(err) == models.CodeNotFound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the orphan photo is still recorded")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done

	if code := linkStatus(t, h, orphan.URL); code == http.StatusOK {
		t.Fatal("the orphan photo's object is still in the store")
	}
	for _, p := range []photoView{kept, recent} {
		if _, err := h.store.FindPhoto(ctxb(), p.ID); err != nil {
			t.Fatalf("photo %s: %v", p.ID, err)
		}
		if code := linkStatus(t, h, p.URL); code != http.StatusOK {
			t.Fatalf("photo %s's object: %d", p.ID, code)
		}
	}
	if n, err := h.srv.removeOrphanPhotos(ctxb()); err != nil || n != 0 {
		t.Fatalf("again: removed %d, %v", n, err)
	}
}

// linkStatus follows a signed link: a relative disk link through the app, a MinIO link
// directly.
func linkStatus(t *testing.T, h *harness, link string) int {
	t.Helper()
	if strings.HasPrefix(link, "/") {
		return h.do("GET", link, "", nil).Code
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
