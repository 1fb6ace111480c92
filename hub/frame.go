package hub

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"frontline/models"
)

// A frame is one server-sent event, serialised once and shared by every subscriber it goes
// to. It is kept as one HTTP/1.1 chunk (size line, event, CRLF) so that a connection the hub
// writes to directly gets it in a single write; the event bytes alone sit inside.
type frame struct {
	id        int64  // 0 for comments
	recipient string // "" for everyone
	chunk     []byte
	start     int // where the event bytes begin in chunk
}

// sse returns the event bytes without the chunk framing.
func (f *frame) sse() []byte { return f.chunk[f.start : len(f.chunk)-2] }

// chunkOf wraps event bytes in HTTP/1.1 chunk framing.
func chunkOf(sse []byte) *frame {
	size := strconv.FormatInt(int64(len(sse)), 16)
	buf := make([]byte, 0, len(size)+2+len(sse)+2)
	buf = append(buf, size...)
	buf = append(buf, '\r', '\n')
	start := len(buf)
	buf = append(buf, sse...)
	buf = append(buf, '\r', '\n')
	return &frame{chunk: buf, start: start}
}

// endOfStream is the last chunk of a chunked body: a stream that ends with it ends cleanly.
var endOfStream = []byte("0\r\n\r\n")

// heartbeat is the comment sent to idle streams so proxies and clients know they live.
var heartbeat = chunkOf([]byte(":\n\n"))

// encode serialises ev once: its id, its type and its data on one line.
func encode(ev *models.Event) *frame {
	f := chunkOf(Format(ev))
	f.id = ev.ID
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
