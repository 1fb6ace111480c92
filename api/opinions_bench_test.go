package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"frontline/models"
)

// listBench is a member who collected benchOpinions opinions in one room, the newest
// benchPhotoPage of them with two photos each, as the list benchmarks read them.
const (
	benchOpinions  = 5000
	benchPhotoPage = 20
)

func seedListBench(b *testing.B) (*harness, *actor) {
	b.Helper()
	h := newHarness(b)
	member := h.user(models.RoleMember, "")
	room := h.room("压测议事室")
	h.join(room, member, models.RoomMember)
	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond)
	ops := make([]models.Opinion, benchOpinions)
	for i := range ops {
		at := base.Add(time.Duration(i) * time.Millisecond)
		ops[i] = models.Opinion{ID: models.NewID(), RoomID: room.ID, CollectorID: member.ID, Channel: models.ChannelDoorToDoor,
			Category: "其他", Content: fmt.Sprintf("第%d条意见：路灯不亮", i), ResidentName: "张三", ResidentPhone: "13812345678",
			ResidentConsent: true, Address: "东街12号", CollectedAt: at, Status: models.OpinionNew,
			ReceiptCode: fmt.Sprintf("B%07d", i), CreatedAt: at, UpdatedAt: at}
	}
	if err := h.store.DB().CreateInBatches(ops, 200).Error; err != nil {
		b.Fatal(err)
	}
	var photos []models.Photo
	for _, op := range ops[benchOpinions-benchPhotoPage:] {
		for j := range 2 {
			id := models.NewID()
			photos = append(photos, models.Photo{ID: id, UploaderID: member.ID, ObjectKey: "photos/" + id + ".jpg", ContentType: "image/jpeg",
				Size: 1000, Width: 10, Height: 10, SHA256: fmt.Sprintf("%064d", j), AttachedKind: models.AttachOpinion, AttachedID: &op.ID,
				CreatedAt: op.CreatedAt})
		}
	}
	if err := h.store.DB().Create(&photos).Error; err != nil {
		b.Fatal(err)
	}
	return h, member
}

// BenchmarkListOpinions reads the first page of 20 of 5,000 opinions through the full Echo
// stack, as the list screen does, from as many goroutines as there are cores: the request
// path of the most common call (authentication, the list, its photos, their signed links).
func BenchmarkListOpinions(b *testing.B) {
	h, member := seedListBench(b)
	check := h.do("GET", "/api/v1/opinions?limit=20", member.token, nil)
	if check.Code != http.StatusOK {
		b.Fatalf("list: %d %s", check.Code, check.Body)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("GET", "/api/v1/opinions?limit=20", nil)
			req.Header.Set("Authorization", "Bearer "+member.token)
			rec := httptest.NewRecorder()
			h.e.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Errorf("list: %d %s", rec.Code, rec.Body)
				return
			}
		}
	})
}
