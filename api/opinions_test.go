package api

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"frontline/models"
)

func TestPhotoUpload(t *testing.T) {
	f := newFixture(t)
	h := f.h
	post := func(a *actor, id string, file []byte) *httptest.ResponseRecorder {
		body, ct := multipartPhoto(t, id, file)
		return h.serve(newRawRequest("POST", "/api/v1/photos", string(body), ct, a.token))
	}
	t.Run("StoresAndLinks", func(t *testing.T) {
		rec := post(f.member, "", jpegBytes(t, 640, 480))
		expect(t, rec, 201)
		var v photoView
		mustDecode(t, rec, &v)
		if v.ID == "" || v.ContentType != "image/jpeg" || v.Width != 640 || v.Height != 480 || v.Size == 0 || v.URL == "" || v.ThumbURL == "" {
			t.Fatalf("photo: %s", rec.Body)
		}
		got := fetch(t, h, v.URL)
		if !bytes.HasPrefix(got, []byte{0xFF, 0xD8}) {
			t.Fatalf("signed link did not serve the JPEG (%d bytes)", len(got))
		}
		if thumb := fetch(t, h, v.ThumbURL); !bytes.HasPrefix(thumb, []byte{0xFF, 0xD8}) || len(thumb) >= len(got) {
			t.Fatalf("thumbnail: %d bytes vs %d", len(thumb), len(got))
		}
	})
	t.Run("SameIDSameUserIsIdempotent", func(t *testing.T) {
		id := models.NewID()
		expect(t, post(f.member, id, pngBytes(t, 30, 30)), 201)
		rec := post(f.member, id, pngBytes(t, 30, 30))
		expect(t, rec, 200)
		var n int64
		h.store.DB().Model(&models.Photo{}).Where("id = ?", id).Count(&n)
		if n != 1 {
			t.Fatalf("%d rows for one id", n)
		}
		expectError(t, post(f.convener, id, pngBytes(t, 30, 30)), 409, "conflict")
	})
	t.Run("ConcurrentRetriesStoreOnce", func(t *testing.T) {
		id := models.NewID()
		oneCreated(t, 4, func() int { return post(f.member, id, pngBytes(t, 25, 25)).Code })
	})
	t.Run("RejectsBadFiles", func(t *testing.T) {
		expectError(t, post(f.member, "", []byte("GIF89a not really")), 415, "unsupported")
		expectError(t, post(f.member, "", []byte("%PDF-1.4 pretend")), 415, "unsupported")
		expectError(t, post(f.member, "not-a-uuid", pngBytes(t, 5, 5)), 422, "invalid")
		big := append(jpegBytes(t, 8, 8), bytes.Repeat([]byte{0}, 15<<20)...)
		expectError(t, post(f.member, "", big), 413, "too_large")
		expectError(t, h.do("POST", "/api/v1/photos", f.member.token, map[string]string{"file": "x"}), 415, "unsupported")
		body, ct := multipartPhoto(t, "", nil)
		body = bytes.Replace(body, []byte(`name="file"`), []byte(`name="other"`), 1)
		expectError(t, h.serve(newRawRequest("POST", "/api/v1/photos", string(body), ct, f.member.token)), 422, "invalid")
	})
	t.Run("DecompressionBomb", func(t *testing.T) {
		// A PNG header that claims 20000 × 20000 pixels.
		bomb := pngBytes(t, 1, 1)
		copy(bomb[16:24], []byte{0, 0, 0x4e, 0x20, 0, 0, 0x4e, 0x20})
		expectError(t, post(f.member, "", bomb), 422, "invalid")
	})
	t.Run("WhoMaySee", func(t *testing.T) {
		v := h.uploadPhoto(f.member, "", pngBytes(t, 10, 10))
		rec := h.do("GET", "/api/v1/photos/"+v.ID, f.member.token, nil)
		expect(t, rec, 302)
		if loc := rec.Header().Get("Location"); loc == "" {
			t.Fatal("no Location")
		}
		// Unattached: only its uploader (and admins).
		expectError(t, h.do("GET", "/api/v1/photos/"+v.ID, f.convener.token, nil), 404, "not_found")
		expectError(t, h.do("GET", "/api/v1/photos/"+v.ID, f.county.token, nil), 404, "not_found")
		// Attached to an opinion: whoever may see the opinion.
		expect(t, h.do("POST", "/api/v1/opinions", f.member.token, map[string]any{"room_id": f.room.ID, "channel": "online",
			"category": "教育", "content": "校门口拥堵", "photo_ids": []string{v.ID}}), 201)
		expect(t, h.do("GET", "/api/v1/photos/"+v.ID, f.convener.token, nil), 302)
		expect(t, h.do("GET", "/api/v1/photos/"+v.ID, f.county.token, nil), 302)
		outsider := h.user(models.RoleMember, "")
		expectError(t, h.do("GET", "/api/v1/photos/"+v.ID, outsider.token, nil), 404, "not_found")
	})
}

// fetch follows a signed link: a relative disk link through the app, a MinIO link directly.
func fetch(t *testing.T, h *harness, link string) []byte {
	t.Helper()
	if strings.HasPrefix(link, "/") {
		rec := h.do("GET", link, "", nil)
		expect(t, rec, 200)
		return rec.Body.Bytes()
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", link, resp.StatusCode)
	}
	b, _ := io.ReadAll(resp.Body)
	return b
}

// TestOpinionPhoneClockAhead: a phone whose clock runs days fast has its opinion taken,
// its time as the phone said, and the server's receipt time beside it.
func TestOpinionPhoneClockAhead(t *testing.T) {
	f := newFixture(t)
	h := f.h
	ahead := h.now.Add(3 * 24 * time.Hour).Truncate(time.Second)
	body := map[string]any{"room_id": f.room.ID, "channel": "door_to_door", "category": "环境卫生", "content": "东市场污水直排",
		"collected_at": ahead.Format(time.RFC3339)}
	rec := h.do("POST", "/api/v1/opinions", f.member.token, body)
	expect(t, rec, 201)
	var o opinionView
	mustDecode(t, rec, &o)
	if !o.CollectedAt.Equal(ahead) {
		t.Fatalf("collected_at %s, want %s as reported", o.CollectedAt, ahead)
	}
	if o.CreatedAt.After(h.now.Add(time.Minute)) {
		t.Fatalf("created_at %s should be the server's time %s", o.CreatedAt, h.now)
	}
}

func TestOpinions(t *testing.T) {
	f := newFixture(t)
	h := f.h
	valid := func() map[string]any {
		return map[string]any{"room_id": f.room.ID, "channel": "door_to_door", "category": "环境卫生", "content": "东市场污水直排",
			"resident_name": "王大妈", "resident_phone": "13812345678", "resident_consent": true, "address": "东街12号",
			"lat": 30.1, "lng": 120.2, "collected_at": "2026-11-20T08:30:00+08:00"}
	}
	t.Run("CreateKeepsPhoneTimeAndPhotos", func(t *testing.T) {
		p1 := h.uploadPhoto(f.member, "", pngBytes(t, 10, 10))
		p2 := h.uploadPhoto(f.member, "", pngBytes(t, 12, 12))
		body := valid()
		body["photo_ids"] = []string{p1.ID, p2.ID}
		rec := h.do("POST", "/api/v1/opinions", f.member.token, body)
		expect(t, rec, 201)
		var o opinionView
		mustDecode(t, rec, &o)
		if o.Status != "new" || o.CollectorID != f.member.ID || len(o.Photos) != 2 || o.ResidentPhone != "13812345678" || len(o.ReceiptCode) != 8 {
			t.Fatalf("opinion: %s", rec.Body)
		}
		if got := o.CollectedAt.UTC().Format("2006-01-02T15:04"); got != "2026-11-20T00:30" {
			t.Fatalf("collected_at %s", got)
		}
		if o.CreatedAt.Equal(o.CollectedAt) {
			t.Fatal("created_at should be the server's time")
		}
		// The photos are now attached: they cannot be attached again.
		again := valid()
		again["photo_ids"] = []string{p1.ID}
		d := expectError(t, h.do("POST", "/api/v1/opinions", f.member.token, again), 422, "invalid")
		if d.Fields["photo_ids"] == "" {
			t.Fatalf("fields %v", d.Fields)
		}
	})
	t.Run("SomeoneElsesPhoto", func(t *testing.T) {
		p := h.uploadPhoto(f.convener, "", pngBytes(t, 10, 10))
		body := valid()
		body["photo_ids"] = []string{p.ID}
		expectError(t, h.do("POST", "/api/v1/opinions", f.member.token, body), 422, "invalid")
		var n int64
		h.store.DB().Model(&models.Opinion{}).Where("content = ? AND collector_id = ?", "东市场污水直排", f.member.ID).Count(&n)
		if n != 1 {
			t.Fatalf("a failed create left an opinion behind: %d", n)
		}
	})
	t.Run("RetryIsIdempotent", func(t *testing.T) {
		body := valid()
		body["id"] = models.NewID()
		expect(t, h.do("POST", "/api/v1/opinions", f.member.token, body), 201)
		rec := h.do("POST", "/api/v1/opinions", f.member.token, body)
		expect(t, rec, 200)
		var n int64
		h.store.DB().Model(&models.Opinion{}).Where("id = ?", body["id"]).Count(&n)
		if n != 1 {
			t.Fatalf("%d rows", n)
		}
		expectError(t, h.do("POST", "/api/v1/opinions", f.convener.token, body), 409, "conflict")
	})
	t.Run("Validation", func(t *testing.T) {
		cases := map[string]func(m map[string]any){
			"channel":        func(m map[string]any) { m["channel"] = "telepathy" },
			"category":       func(m map[string]any) { m["category"] = "外星人" },
			"content":        func(m map[string]any) { m["content"] = "  " },
			"resident_phone": func(m map[string]any) { m["resident_consent"] = false },
			"lat":            func(m map[string]any) { m["lat"] = 123.0 },
			"id":             func(m map[string]any) { m["id"] = "abc" },
			"room_id":        func(m map[string]any) { m["room_id"] = models.NewID() },
		}
		for field, mutate := range cases {
			t.Run(field, func(t *testing.T) {
				body := valid()
				mutate(body)
				d := expectError(t, h.do("POST", "/api/v1/opinions", f.member.token, body), 422, "invalid")
				if d.Fields[field] == "" {
					t.Fatalf("no message for %s: %v", field, d.Fields)
				}
			})
		}
		expectError(t, h.do("POST", "/api/v1/opinions", f.member.token, `{"room_id": 5}`), 400, "bad_request")
	})
	t.Run("OnlyRoomMembersCollect", func(t *testing.T) {
		outsider := h.user(models.RoleMember, "")
		expectError(t, h.do("POST", "/api/v1/opinions", outsider.token, valid()), 403, "forbidden")
	})
	t.Run("PhoneMaskedForCountyReviewers", func(t *testing.T) {
		rec := h.do("POST", "/api/v1/opinions", f.member.token, valid())
		var o opinionView
		mustDecode(t, rec, &o)
		for _, who := range []*actor{f.member, f.convener, f.admin} {
			var got opinionView
			mustDecode(t, h.do("GET", "/api/v1/opinions/"+o.ID, who.token, nil), &got)
			if got.ResidentPhone != "13812345678" || got.ResidentName != "王大妈" {
				t.Fatalf("%s sees %q %q", who.Role, got.ResidentPhone, got.ResidentName)
			}
		}
		var got opinionView
		mustDecode(t, h.do("GET", "/api/v1/opinions/"+o.ID, f.county.token, nil), &got)
		if got.ResidentPhone != "138****5678" || got.ResidentName != "王**" || got.ReceiptCode != "" {
			t.Fatalf("county reviewer sees %q %q %q", got.ResidentPhone, got.ResidentName, got.ReceiptCode)
		}
		var l list[opinionView]
		mustDecode(t, h.do("GET", "/api/v1/opinions?room_id="+f.room.ID, f.county.token, nil), &l)
		for _, it := range l.Items {
			if it.ResidentPhone != "" && strings.Count(it.ResidentPhone, "*") == 0 {
				t.Fatalf("list shows a whole phone to a county reviewer: %q", it.ResidentPhone)
			}
		}
		expectError(t, h.do("GET", "/api/v1/opinions/"+o.ID, f.local.token, nil), 404, "not_found")
	})
	t.Run("Screening", func(t *testing.T) {
		var o opinionView
		mustDecode(t, h.do("POST", "/api/v1/opinions", f.member.token, valid()), &o)
		expectError(t, h.do("PATCH", "/api/v1/opinions/"+o.ID, f.member.token, map[string]string{"status": "adopted"}), 403, "forbidden")
		expectError(t, h.do("PATCH", "/api/v1/opinions/"+o.ID, f.convener.token, map[string]string{"status": "dismissed"}), 422, "invalid")
		expect(t, h.do("PATCH", "/api/v1/opinions/"+o.ID, f.convener.token, map[string]string{"status": "dismissed", "reason": "已解决"}), 200)
		expectError(t, h.do("PATCH", "/api/v1/opinions/"+o.ID, f.convener.token, map[string]string{"status": "adopted"}), 409, "invalid_state")
	})
}

func TestOpinionListFiltersAndPages(t *testing.T) {
	f := newFixture(t)
	h := f.h
	other := h.room("西村议事室")
	h.join(other, f.member, models.RoomMember)
	for i := 0; i < 7; i++ {
		room, cat, channel := f.room.ID, "环境卫生", "door_to_door"
		if i%2 == 1 {
			room, cat, channel = other.ID, "交通出行", "online"
		}
		expect(t, h.do("POST", "/api/v1/opinions", f.member.token, map[string]any{"room_id": room, "channel": channel, "category": cat,
			"content": fmt.Sprintf("第%d条 100%%_真实", i)}), 201)
		h.advance(1)
	}
	count := func(a *actor, query string) int {
		n, cursor := 0, ""
		for {
			var l list[opinionView]
			mustDecode(t, expectRec(t, h.do("GET", "/api/v1/opinions?limit=2&"+query+"&cursor="+cursor, a.token, nil)), &l)
			n += len(l.Items)
			if l.NextCursor == "" {
				return n
			}
			cursor = l.NextCursor
		}
	}
	base := count(f.member, "mine=true") // the fixture's own opinion is also the member's
	cases := []struct {
		who   *actor
		query string
		want  int
	}{
		{f.member, "mine=true&room_id=" + other.ID, 3},
		{f.member, "mine=true&category=交通出行", 3},
		{f.member, "mine=true&channel=online", 3},
		{f.member, "mine=true&q=100%25_", 7},
		{f.member, "mine=true&q=第3条", 1},
		{f.member, "mine=true&q=%25", 7},
		{f.convener, "room_id=" + other.ID, 0}, // not their room
		{f.county, "room_id=" + other.ID, 3},
		{f.local, "", 0},
		{f.member, "mine=true&status=dismissed", 0},
		{f.member, "mine=true&from=2000-01-01&to=2100-12-31", base},
	}
	if base != 8 {
		t.Fatalf("member has %d opinions, want 8", base)
	}
	for _, tc := range cases {
		if got := count(tc.who, tc.query); got != tc.want {
			t.Errorf("%s %s: %d, want %d", tc.who.Role, tc.query, got, tc.want)
		}
	}
	expectError(t, h.do("GET", "/api/v1/opinions?from=yesterday", f.member.token, nil), 422, "invalid")
}

func expectRec(t *testing.T, rec *httptest.ResponseRecorder) *httptest.ResponseRecorder {
	t.Helper()
	expect(t, rec, 200)
	return rec
}

// TestOpinionListMergesWhatAViewerSees: a convener who also collects sees their own
// opinions and their room's, each once, newest first, page after page.
func TestOpinionListMergesWhatAViewerSees(t *testing.T) {
	h := newHarness(t)
	convener, other := h.user(models.RoleMember, ""), h.user(models.RoleMember, "")
	own, convened, elsewhere := h.room("自己的室"), h.room("召集的室"), h.room("别人的室")
	h.join(own, convener, models.RoomMember)
	h.join(convened, convener, models.RoomConvener)
	h.join(convened, other, models.RoomMember)
	h.join(elsewhere, other, models.RoomMember)
	var want []string
	for i := range 9 {
		by, room := convener, own
		switch i % 3 {
		case 1:
			by, room = other, convened
		case 2:
			room = convened // their own, in the room they convene: in both sets
		}
		var op models.Opinion
		rec := h.do("POST", "/api/v1/opinions", by.token, map[string]any{"room_id": room.ID,
			"channel": "online", "category": "其他", "content": fmt.Sprintf("意见%d", i)})
		expect(t, rec, http.StatusCreated)
		mustDecode(t, rec, &op)
		want = append([]string{op.ID}, want...)
		expect(t, h.do("POST", "/api/v1/opinions", other.token, map[string]any{"room_id": elsewhere.ID,
			"channel": "online", "category": "其他", "content": "看不到的"}), http.StatusCreated)
	}
	var got []string
	cursor := ""
	for page := 0; ; page++ {
		var l struct {
			Items []models.Opinion `json:"items"`
			Next  string           `json:"next_cursor"`
		}
		rec := h.do("GET", "/api/v1/opinions?limit=4&cursor="+cursor, convener.token, nil)
		expect(t, rec, http.StatusOK)
		mustDecode(t, rec, &l)
		for _, op := range l.Items {
			got = append(got, op.ID)
		}
		if cursor = l.Next; cursor == "" || page > 5 {
			break
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("pages gave\n%v\nwant\n%v", got, want)
	}
}
