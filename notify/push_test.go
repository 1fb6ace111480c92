package notify

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"frontline/models"
)

// The sender refuses, as it connects, an address inside the network that an endpoint
// reached past the subscription's checks (a name that resolves there later), unless the
// configuration allows that host.
func TestPusherRefusesInnerAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(201) }))
	defer srv.Close()
	priv, pub, err := GenerateVAPID()
	if err != nil {
		t.Fatal(err)
	}
	p := NewPusher(VAPID{Public: pub, Private: priv, Subject: "mailto:a@example.org"}, nil)
	_, err = p.client.Post(srv.URL+"/x", "text/plain", nil)
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("dialled a loopback address: %v", err)
	}
	if err := p.Send(t.Context(), &models.PushSubscription{Endpoint: srv.URL + "/x"}, []byte("{}"), ""); !errors.Is(err, ErrRefused) {
		t.Fatalf("send to loopback: %v", err)
	}
	u, _ := url.Parse(srv.URL)
	allowed := NewPusher(VAPID{Public: pub, Private: priv}, []string{u.Host})
	resp, err := allowed.client.Post(srv.URL+"/x", "text/plain", nil)
	if err != nil {
		t.Fatalf("an allowed host was refused: %v", err)
	}
	resp.Body.Close()
}

// Every kind of notice the stream carries may be pushed, with a name.
func TestPushKindsAreTheNotices(t *testing.T) {
	if len(models.PushKindWords) != len(models.EventTypes) {
		t.Fatalf("push kinds %v, notices %v", models.PushKindWords.Codes(), models.EventTypes)
	}
	for _, k := range models.EventTypes {
		if !models.PushKindWords.Has(k) {
			t.Fatalf("notice %s cannot be pushed", k)
		}
	}
}

func TestCheckVAPID(t *testing.T) {
	priv, pub, _ := GenerateVAPID()
	_, other, _ := GenerateVAPID()
	if err := CheckVAPID(priv, pub); err != nil {
		t.Fatal(err)
	}
	if CheckVAPID(priv, other) == nil || CheckVAPID("x", pub) == nil {
		t.Fatal("a bad pair passed")
	}
}

// Every kind of notice that may be pushed says what happened in its own words (never the
// catch-all "新消息"), and one about an activity opens that activity.
func TestEveryPushKindIsWorded(t *testing.T) {
	data := `{"topic_id":"t1","title":"东街路灯","activity_id":"a1","kind":"research","place":"村委会",
		"name":"张委员","reason":"外出","unit":"住建局","unit_status":"done","note":"已修好","comment":"还是不亮",
		"body":"county","decision":"approve","topic_status":"approved","from":"approved","to":"planned"}`
	for _, kind := range models.PushKindWords.Codes() {
		title, body, link := Describe(models.Event{Type: kind, Payload: []byte(data)})
		if title == "" || body == "" || strings.HasPrefix(body, "新消息") {
			t.Errorf("%s: worded %q / %q", kind, title, body)
		}
		if strings.HasPrefix(kind, "activity.") && link != "/activities/a1" {
			t.Errorf("%s opens %s, not its activity", kind, link)
		}
	}
}
