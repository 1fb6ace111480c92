package api

import (
	"context"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"frontline/internal/testenv"
	"frontline/internal/testenv/proxy"
	"frontline/models"
	"frontline/uploads"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// harnessWith is newHarness on a photo store and readiness probes of the test's choosing.
func harnessWith(t testing.TB, photos *uploads.Store, probes map[string]func(context.Context) error) *harness {
	t.Helper()
	h := &harness{t: t, store: testenv.Store(t), photos: photos, now: time.Now().UTC()}
	h.e, h.srv = New(Options{Store: h.store, Photos: photos, Probes: probes, Secret: testSecret, Version: "test", Now: h.clock})
	return h
}

// newCollector signs in a member of a fresh room.
func newCollector(h *harness) (*models.Room, *actor) {
	h.t.Helper()
	room := h.room("东街议事室")
	member := h.user(models.RoleMember, "")
	h.join(room, member, models.RoomMember)
	return room, member
}

func opinionRequest(room *models.Room, id string, photoIDs ...string) map[string]any {
	return map[string]any{"id": id, "room_id": room.ID, "channel": "door_to_door", "category": "环境卫生",
		"content": "东街污水外溢", "photo_ids": photoIDs}
}

func postPhoto(h *harness, a *actor, id string, file []byte) *httptest.ResponseRecorder {
	h.t.Helper()
	body, ct := multipartPhoto(h.t, id, file)
	return h.serve(newRawRequest("POST", "/api/v1/photos", string(body), ct, a.token))
}

func rowCount(t testing.TB, st *models.Store, model any, id string) int64 {
	t.Helper()
	var n int64
	if err := st.DB().Model(model).Where("id = ?", id).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// TestFaultMinIOStopped cuts the real MinIO away from a running server (the server reaches
// it through a TCP proxy that the test cuts, as a stopped MinIO or a dead network would):
// uploads answer 503 at once, /readyz names the photo store, opinions still work, and when
// MinIO is back uploads work again without restarting anything.
func TestFaultMinIOStopped(t *testing.T) {
	endpoint, _, _ := testenv.MinIO(t)
	link := proxy.Start(t, endpoint)
	photos, _ := minioPhotosVia(t, link.Addr())
	h := harnessWith(t, photos, map[string]func(context.Context) error{"photos": photos.Ping})
	room, member := newCollector(h)
	file := jpegBytes(t, 640, 480)
	before := h.uploadPhoto(member, "", file)
	expect(t, h.do("GET", "/readyz", "", nil), http.StatusOK)

	link.Cut()
	retried := models.NewID()
	start := time.Now()
	expectError(t, postPhoto(h, member, retried, file), http.StatusServiceUnavailable, models.CodeUnavailable)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the upload took %v to fail", d)
	}
	if n := rowCount(t, h.store, &models.Photo{}, retried); n != 0 {
		t.Fatalf("a photo row was stored without its object")
	}

	rec := h.do("GET", "/readyz", "", nil)
	expect(t, rec, http.StatusServiceUnavailable)
	var ready readiness
	mustDecode(t, rec, &ready)
	if ready.Checks["database"] != "ok" || !strings.HasPrefix(ready.Checks["photos"], "down") {
		t.Fatalf("/readyz does not name the photo store as down: %s", rec.Body)
	}

	// Collecting goes on: an opinion without photos, and one with a photo sent earlier
	// (links are signed locally, so the answer needs no MinIO).
	expect(t, h.do("POST", "/api/v1/opinions", member.token, opinionRequest(room, models.NewID())), http.StatusCreated)
	var withPhoto opinionView
	rec = h.do("POST", "/api/v1/opinions", member.token, opinionRequest(room, models.NewID(), before.ID))
	expect(t, rec, http.StatusCreated)
	mustDecode(t, rec, &withPhoto)
	if len(withPhoto.Photos) != 1 || withPhoto.Photos[0].URL == "" {
		t.Fatalf("opinion with an earlier photo: %s", rec.Body)
	}

	link.Restore()
	rec = postPhoto(h, member, retried, file)
	expect(t, rec, http.StatusCreated)
	var after photoView
	mustDecode(t, rec, &after)
	rec = h.do("GET", "/readyz", "", nil)
	expect(t, rec, http.StatusOK)
	for _, link := range []string{before.URL, after.URL, after.ThumbURL} {
		fetch(t, h, link)
	}
}

// TestFaultNoHalfStoredOpinion makes the database refuse a write in the middle of creating
// an opinion: the request fails as the server's fault, nothing of the opinion is kept, and
// its photo stays free for the client's retry.
func TestFaultNoHalfStoredOpinion(t *testing.T) {
	photos, objects := listedPhotos(t)
	h := harnessWith(t, photos, nil)
	room, member := newCollector(h)
	cases := []struct {
		name         string
		event, table string
	}{
		{"OpinionInsert", "INSERT", "opinions"},
		// The opinion row is already written when attaching its photo fails.
		{"PhotoAttach", "UPDATE", "photos"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			photo := h.uploadPhoto(member, "", jpegBytes(t, 64, 48))
			id := models.NewID()
			repair := injectFault(t, h.store, tc.event, tc.table)
			rec := h.do("POST", "/api/v1/opinions", member.token, opinionRequest(room, id, photo.ID))
			expectServerFault(t, rec)
			if n := rowCount(t, h.store, &models.Opinion{}, id); n != 0 {
				t.Fatalf("%d opinion rows after the failed create", n)
			}
			p, err := h.store.FindPhoto(ctxb(), photo.ID)
			if err != nil {
				t.Fatal(err)
			}
			if p.AttachedKind != "" || p.AttachedID != nil {
				t.Fatalf("photo attached (%q, %v) after the failed create", p.AttachedKind, p.AttachedID)
			}
			if !slices.Contains(objects(), p.ObjectKey) {
				t.Fatalf("the photo's object was removed: %v", objects())
			}

			repair()
			rec = h.do("POST", "/api/v1/opinions", member.token, opinionRequest(room, id, photo.ID))
			expect(t, rec, http.StatusCreated)
			var op opinionView
			mustDecode(t, rec, &op)
			if op.ID != id || len(op.Photos) != 1 || op.Photos[0].ID != photo.ID {
				t.Fatalf("retry: %s", rec.Body)
			}
		})
	}
}

// TestFaultNoOrphanObject makes the database refuse the photo's row after its object was
// written: the upload fails as the server's fault and the object is removed again.
func TestFaultNoOrphanObject(t *testing.T) {
	photos, objects := listedPhotos(t)
	h := harnessWith(t, photos, nil)
	_, member := newCollector(h)
	file := jpegBytes(t, 640, 480)
	h.uploadPhoto(member, "", file)
	kept := objects()
	if len(kept) != 2 {
		t.Fatalf("after one upload the store holds %v, want the photo and its thumbnail", kept)
	}

	id := models.NewID()
	repair := injectFault(t, h.store, "INSERT", "photos")
	expectServerFault(t, postPhoto(h, member, id, file))
	if got := objects(); !slices.Equal(got, kept) {
		t.Fatalf("objects after the failed upload: %v, want only %v", got, kept)
	}
	if n := rowCount(t, h.store, &models.Photo{}, id); n != 0 {
		t.Fatalf("%d photo rows after the failed upload", n)
	}

	repair()
	expect(t, postPhoto(h, member, id, file), http.StatusCreated)
	if got := objects(); len(got) != 4 {
		t.Fatalf("objects after the retry: %v", got)
	}
}

// expectServerFault checks that a failure the client did not cause answers 500 in the API's
// error shape, without the database's own words.
func expectServerFault(t testing.TB, rec *httptest.ResponseRecorder) {
	t.Helper()
	d := expectError(t, rec, http.StatusInternalServerError, "internal")
	if strings.Contains(d.Message, faultMessage) {
		t.Fatalf("the database's error reached the client: %s", rec.Body)
	}
}

const faultMessage = "injected fault"

// injectFault makes the database itself refuse every INSERT or UPDATE (event) on table,
// with a trigger, until the returned repair function runs (or the test ends).
func injectFault(t testing.TB, st *models.Store, event, table string) (repair func()) {
	t.Helper()
	name := "fault_" + strings.ToLower(event) + "_" + table
	create := "CREATE TRIGGER " + name + " BEFORE " + event + " ON " + table +
		" BEGIN SELECT RAISE(ABORT, '" + faultMessage + "'); END"
	if st.DB().Dialector.Name() == models.DialectMySQL {
		create = "CREATE TRIGGER " + name + " BEFORE " + event + " ON " + table +
			" FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '" + faultMessage + "'"
	}
	if err := st.DB().Exec(create).Error; err != nil {
		t.Fatalf("inject fault: %v", err)
	}
	repair = func() {
		if err := st.DB().Exec("DROP TRIGGER IF EXISTS " + name).Error; err != nil {
			t.Fatalf("repair fault: %v", err)
		}
	}
	t.Cleanup(repair)
	return repair
}

// listedPhotos opens a photo store on the selected backend together with a function
// listing every object it holds, sorted.
func listedPhotos(tb testing.TB) (*uploads.Store, func() []string) {
	tb.Helper()
	if testenv.Backend() == "services" {
		return minioPhotos(tb)
	}
	return diskPhotos(tb)
}

// diskPhotos opens a photo store in a fresh directory; its list function names every file
// under that directory, temporary ones included.
func diskPhotos(tb testing.TB) (*uploads.Store, func() []string) {
	tb.Helper()
	dir := tb.TempDir()
	st, err := uploads.NewDisk(dir, testSecret)
	if err != nil {
		tb.Fatal(err)
	}
	return st, func() []string {
		var keys []string
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel(dir, path)
			keys = append(keys, filepath.ToSlash(rel))
			return err
		})
		if err != nil {
			tb.Fatal(err)
		}
		slices.Sort(keys)
		return keys
	}
}

// minioPhotos opens a photo store in a fresh bucket on the test MinIO, emptied and removed
// when the test ends; its list function names every object in the bucket.
func minioPhotos(tb testing.TB) (*uploads.Store, func() []string) {
	tb.Helper()
	return minioPhotosVia(tb, "")
}

// minioPhotosVia is minioPhotos with the store reaching MinIO at via (a proxy in front of
// it) when via is not empty; the list function and the clean-up reach MinIO directly.
func minioPhotosVia(tb testing.TB, via string) (*uploads.Store, func() []string) {
	tb.Helper()
	endpoint, access, secret := testenv.MinIO(tb)
	if via == "" {
		via = endpoint
	}
	bucket := testenv.RandomName("t-")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := uploads.NewMinIO(ctx, uploads.MinIOConfig{Endpoint: via, AccessKey: access, SecretKey: secret, Bucket: bucket})
	if err != nil {
		tb.Fatalf("NewMinIO: %v", err)
	}
	client, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(access, secret, "")})
	if err != nil {
		tb.Fatal(err)
	}
	list := func() []string {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var keys []string
		for obj := range client.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
			if obj.Err != nil {
				tb.Fatalf("list %s: %v", bucket, obj.Err)
			}
			keys = append(keys, obj.Key)
		}
		slices.Sort(keys)
		return keys
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for obj := range client.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
			if obj.Err == nil {
				_ = client.RemoveObject(ctx, bucket, obj.Key, minio.RemoveObjectOptions{})
			}
		}
		_ = client.RemoveBucket(ctx, bucket)
	})
	return st, list
}
