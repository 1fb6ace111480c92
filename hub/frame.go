package hub

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"frontline/models"
)

// A frame is one server-sent event, serialised once and shared by every subscriber it goes
// to, so that a connection gets it in a single write.
type frame struct {
	id        int64  // 0 for comments
	recipient string // "" for everyone
	b         []byte
}

// heartbeat is the comment sent to idle streams so proxies and clients know they live.
var heartbeat = &frame{b: []byte(":\n\n")}

// encode serialises ev once: its id, its type and its data on one line.
func encode(ev *models.Event) *frame {
	f := &frame{id: ev.ID, b: Format(ev)}
	if ev.RecipientID != nil {
		f.recipient = *ev.RecipientID
	}
	return f
}

// Format returns the server-sent event for ev: `id:`, `event:` and one `data:` line of JSON,
// then the blank line that dispatches it.
func Format(ev *models.Event) []byte {
	data := []byte(ev.Payload)
	if len(data) == 0 {
		data = []byte("{}")
	}
	if bytes.ContainsAny(data, "\r\n") {
		// A line break would end the data field early; JSON never needs one outside strings.
		var buf bytes.Buffer
		if err := json.Compact(&buf, data); err == nil {
			data = buf.Bytes()
		} else {
			data = []byte("{}")
		}
	}
	typ := ev.Type
	if strings.ContainsAny(typ, "\r\n") {
		typ = strings.NewReplacer("\r", "", "\n", "").Replace(typ)
	}
	b := make([]byte, 0, 32+len(typ)+len(data))
	b = append(b, "id: "...)
	b = strconv.AppendInt(b, ev.ID, 10)
	b = append(b, "\nevent: "...)
	b = append(b, typ...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	b = append(b, "\n\n"...)
	return b
}
