package api

import (
	"strconv"
	"testing"
	"time"

	"frontline/hub"
	"frontline/internal/testenv"
	"frontline/models"
)

// TestEventResumeDropsWhatTheClientHas: a client reconnects with Last-Event-ID = X while X
// is committed but not yet delivered live (here the tail is slow on purpose). X must not
// reach the client a second time when the tail catches up.
func TestEventResumeDropsWhatTheClientHas(t *testing.T) {
	ls := newLiveServer(t, testenv.Store(t), hub.Options{Poll: time.Hour})
	u := ls.user(models.RoleMember, "")
	held := addEvents(t, ls.store, nil, u.ID, 2, false) // committed, not yet seen by the tail
	hdr := bearer(u)
	hdr["Last-Event-ID"] = strconv.FormatInt(held[1].ID, 10)
	c := openStream(t, ls.url, "", hdr)
	waitSubscribed(t, ls.hub, 1)
	later := addEvents(t, ls.store, ls.hub, u.ID, 1, true) // wakes the tail, which now reads all three
	if ev := c.next(3 * time.Second); ev.id(t) != later[0].ID {
		t.Fatalf("got event %d, want only the new one %d", ev.id(t), later[0].ID)
	}
	c.quiet(300 * time.Millisecond)
}
