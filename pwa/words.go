package pwa

//go:generate go run ../cmd/wordsjs app/assets/words.js

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"frontline/models"
)

// WordsModule writes the app's words.js: the server's lists of codes with their Chinese
// names, the event types, the limits and patterns a value must keep (package models), as
// one ES module. The committed file is what this writes now (TestWordsModuleCurrent); run
// `go generate ./pwa` after changing a list in models.
func WordsModule() []byte {
	var b bytes.Buffer
	b.WriteString("// Generated from the server's words (models/words.go) by `go generate ./pwa`. Do not edit.\n\n")
	b.WriteString("// LABELS names every code the server sends, by kind, in the order people see them.\n")
	b.WriteString("export const LABELS = {\n")
	for _, l := range []struct {
		kind  string
		words models.Words
	}{
		{"level", models.LevelWords}, {"roomRole", models.RoomRoleWords}, {"role", models.RoleWords},
		{"body", models.BodyWords}, {"channel", models.ChannelWords}, {"opinion", models.OpinionWords},
		{"topic", models.TopicWords}, {"source", models.SourceWords}, {"decision", models.DecisionWords},
		{"rec", models.RecWords}, {"kind", models.KindWords}, {"photoLabel", models.PhotoLabelWords}, {"auditAction", models.AuditActionWords},
		{"auditKind", models.AuditKindWords}, {"attendance", models.AttendanceWords}, {"via", models.ViaWords},
		{"push", models.PushKindWords}, {"credit", models.CreditWords}, {"creditSource", models.CreditSourceWords},
		{"topicPart", models.TopicPartWords}, {"topicAction", models.TopicActionWords}, {"receiptStep", models.ReceiptStepWords}, {"unitReply", models.UnitReplyWords}, {"rating", models.RatingWords},
	} {
		fmt.Fprintf(&b, "  %s: {\n", l.kind)
		for _, w := range l.words {
			fmt.Fprintf(&b, "    %s: %s,\n", jsString(w.Code), jsString(w.Name))
		}
		b.WriteString("  },\n")
	}
	b.WriteString("};\n\n")
	fmt.Fprintf(&b, "// EVENT_TYPES are the notices the event stream sends; RESYNC tells the app to reload.\nexport const EVENT_TYPES = %s;\nexport const RESYNC = %s;\n\n",
		jsList(models.EventTypes), jsString(models.EventResync))
	fmt.Fprintf(&b, "// DEFAULT_CATEGORIES is the starting list of opinion categories.\nexport const DEFAULT_CATEGORIES = %s;\n\n", jsList(models.DefaultCategories))
	fmt.Fprintf(&b, "// PUBLIC_TOPIC_STATUSES are the statuses in which a topic shows on a receipt.\nexport const PUBLIC_TOPIC_STATUSES = %s;\n\n", jsList(models.PublicTopicStatuses))
	b.WriteString("// LIMITS are the longest texts the server accepts, in characters.\nexport const LIMITS = {\n")
	for _, l := range models.Limits {
		fmt.Fprintf(&b, "  %s: %d,\n", l.Name, l.Max)
	}
	b.WriteString("};\n\n")
	fmt.Fprintf(&b, "// Phone numbers the server accepts: a member's and a resident's.\nexport const MEMBER_PHONE = new RegExp(%s);\nexport const RESIDENT_PHONE = new RegExp(%s);\n\n",
		jsString(models.MemberPhonePattern), jsString(models.ResidentPhonePattern))
	fmt.Fprintf(&b, "// Years a date may fall in.\nexport const MIN_YEAR = %d;\nexport const MAX_YEAR = %d;\n\n", models.MinYear, models.MaxYear)
	fmt.Fprintf(&b, "// Characters text must not carry; multi-line text may hold line feeds and tabs.\nexport const FORBIDDEN = new RegExp(%s, 'u');\nexport const FORBIDDEN_MULTILINE = new RegExp(%s, 'u');\n",
		jsString(runeClass(nil)), jsString(runeClass(models.MultilineRunes)))
	b.WriteString(wordsHelpers)
	return b.Bytes()
}

// wordsHelpers are the checks the app makes with the words, in the server's terms.
const wordsHelpers = `
// textProblem says why text would be refused (too long, or a character it must not hold),
// or '' when the server takes it.
export function textProblem(text, max, multiline = false) {
  const t = String(text || '');
  if (max && [...t].length > max) return '最多 ' + max + ' 个字';
  if ((multiline ? FORBIDDEN_MULTILINE : FORBIDDEN).test(t)) return multiline ? '不能含有控制字符' : '只能写一行，不能含有控制字符';
  return '';
}

// yearOK tells whether a Date falls in the years the server accepts.
export function yearOK(d) {
  const y = d.getUTCFullYear();
  return y >= MIN_YEAR && y <= MAX_YEAR;
}
`

// runeClass is a regular-expression class of the forbidden characters, less those allowed.
func runeClass(allowed []rune) string {
	var s strings.Builder
	s.WriteString("[")
	emit := func(lo, hi rune) {
		if lo > hi {
			return
		}
		fmt.Fprintf(&s, "\\u{%x}", lo)
		if hi > lo {
			fmt.Fprintf(&s, "-\\u{%x}", hi)
		}
	}
	for _, rg := range models.ForbiddenRunes {
		lo := rg[0]
		for r := rg[0]; r <= rg[1]; r++ {
			for _, a := range allowed {
				if r == a {
					emit(lo, r-1)
					lo = r + 1
				}
			}
		}
		emit(lo, rg[1])
	}
	s.WriteString("]")
	return s.String()
}

// jsString quotes s for JavaScript, with single quotes when nothing needs escaping.
func jsString(s string) string {
	if !strings.ContainsAny(s, "'\\\n\r\u2028\u2029") {
		return "'" + s + "'"
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSpace(b.String())
}

func jsList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = jsString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
