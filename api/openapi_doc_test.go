package api

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"frontline/models"
)

// The OpenAPI document checked against the code beyond its (method, path) pairs: its enums
// against the server's words, each route's security against its guard, and every answer
// the route × role walk gets against the statuses and schemas documented for it.

type apiDoc struct {
	Security   []map[string][]string                 `json:"security"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas   map[string]*jsonSchema `json:"schemas"`
		Responses map[string]struct {
			Content map[string]struct {
				Schema *jsonSchema `json:"schema"`
			} `json:"content"`
		} `json:"responses"`
	} `json:"components"`
}

type docOperation struct {
	Security  *[]map[string][]string `json:"security"`
	Responses map[string]struct {
		Ref     string `json:"$ref"`
		Content map[string]struct {
			Schema *jsonSchema `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
}

// jsonSchema is the part of a JSON schema the check reads.
type jsonSchema struct {
	Ref                  string                 `json:"$ref"`
	Type                 any                    `json:"type"` // a name, or a list of names (3.1)
	Nullable             bool                   `json:"nullable"`
	Properties           map[string]*jsonSchema `json:"properties"`
	Items                *jsonSchema            `json:"items"`
	AllOf                []*jsonSchema          `json:"allOf"`
	OneOf                []*jsonSchema          `json:"oneOf"`
	AnyOf                []*jsonSchema          `json:"anyOf"`
	AdditionalProperties any                    `json:"additionalProperties"`
	Enum                 []any                  `json:"enum"`
}

func loadDoc(t *testing.T) (*apiDoc, map[string]any) {
	t.Helper()
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var d apiDoc
	var raw map[string]any
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	return &d, raw
}

// pointer follows a JSON pointer (/a/b/0) in v.
func pointer(v any, p string) any {
	for _, part := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		switch x := v.(type) {
		case map[string]any:
			v = x[part]
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// TestOpenAPIEnums keeps every enum of the document that is one of the server's lists
// equal to that list, and finds any enum the table does not account for.
func TestOpenAPIEnums(t *testing.T) {
	_, raw := loadDoc(t)
	auditActions := models.AuditActionWords.Codes()
	lists := map[string][]string{
		"/components/schemas/User/properties/role":                                                                            {models.RoleAdmin, models.RoleReviewer, models.RoleMember},
		"/components/schemas/User/properties/review_body":                                                                     append([]string{""}, models.BodyWords.Codes()...),
		"/components/schemas/NewUser/properties/role":                                                                         models.RoleWords.Codes(),
		"/components/schemas/NewUser/properties/review_body":                                                                  models.BodyWords.Codes(),
		"/components/schemas/RoomInput/properties/level":                                                                      models.RoomLevels,
		"/components/schemas/Membership/properties/role":                                                                      models.RoomRoleWords.Codes(),
		"/components/schemas/NewOpinion/properties/channel":                                                                   models.ChannelWords.Codes(),
		"/components/schemas/Opinion/properties/status":                                                                       models.OpinionWords.Codes(),
		"/components/schemas/TopicInput/properties/source":                                                                    models.SourceWords.Codes(),
		"/components/schemas/Review/properties/body":                                                                          models.BodyWords.Codes(),
		"/components/schemas/Review/properties/decision":                                                                      models.DecisionWords.Codes(),
		"/components/schemas/Topic/properties/status":                                                                         models.TopicStatuses,
		"/components/schemas/Activity/properties/kind":                                                                        models.ActivityKinds,
		"/components/schemas/Opinion/properties/channel":                                                                      models.ChannelWords.Codes(),
		"/components/schemas/ActivityInput/properties/kind":                                                                   models.ActivityKinds,
		"/components/schemas/Recommendation/properties/status":                                                                models.StatsRecStatuses,
		"/components/schemas/StatsRoom/properties/flags/items":                                                                {models.StatsFlagChecklist, models.StatsFlagBelowQuota},
		"/components/schemas/StatsOverdue/properties/status":                                                                  {models.RecPending, models.RecInProgress},
		"/components/schemas/Notice/properties/type":                                                                          models.EventTypes,
		"/components/schemas/AuditEntry/properties/action":                                                                    auditActions,
		"/components/schemas/AuditEntry/properties/target_kind":                                                               append([]string{""}, models.AuditKindWords.Codes()...),
		"/components/schemas/PhotoPublicity/properties/label":                                                                 append([]string{""}, models.PhotoLabelWords.Codes()...),
		"/components/schemas/PublicPhoto/properties/label":                                                                    models.PhotoLabelWords.Codes(),
		"/components/schemas/PublicRoom/properties/level":                                                                     models.RoomLevels,
		"/components/schemas/PublicTopic/properties/outcome/properties/recommendations/items/properties/status":               models.RecWords.Codes(),
		"/components/schemas/PublicTopic/properties/source":                                                                   models.SourceWords.Codes(),
		"/components/schemas/PublicTopic/properties/status":                                                                   models.PublicTopicStatuses,
		"/paths/~1photos~1{id}~1public/put/requestBody/content/application~1json/schema/properties/label":                     models.PhotoLabelWords.Codes(),
		"/paths/~1rooms~1{id}~1members~1{user_id}/put/requestBody/content/application~1json/schema/properties/role":           models.RoomRoleWords.Codes(),
		"/paths/~1opinions~1{id}/patch/requestBody/content/application~1json/schema/properties/status":                        {models.OpinionAdopted, models.OpinionDismissed},
		"/paths/~1topics~1{id}~1reviews/post/requestBody/content/application~1json/schema/properties/decision":                models.DecisionWords.Codes(),
		"/paths/~1recommendations~1{id}~1progress/post/requestBody/content/application~1json/schema/properties/status":        {models.RecInProgress, models.RecDone, models.RecNotAdopted},
		"/components/schemas/Attendance/properties/status":                                                                    {models.AttendPresent, models.AttendLeave, models.AttendAbsent},
		"/components/schemas/Attendance/properties/via":                                                                       models.ViaWords.Codes(),
		"/components/schemas/AttendanceItem/properties/status":                                                                models.AttendanceWords.Codes(),
		"/components/schemas/AttendanceItem/properties/via":                                                                   append([]string{""}, models.ViaWords.Codes()...),
		"/paths/~1activities~1{id}~1attendance~1{user_id}/put/requestBody/content/application~1json/schema/properties/status": {models.AttendPresent, models.AttendLeave, models.AttendAbsent},
		"/components/schemas/PushSubscription/properties/kinds/items":                                                         models.PushKindWords.Codes(),
		"/components/schemas/PushSubscriptionInput/properties/kinds/items":                                                    models.PushKindWords.Codes(),
		"/components/schemas/CreditItem/properties/kind":                                                                      models.CreditKinds,
		"/components/schemas/CreditItem/properties/source_kind":                                                               models.CreditSourceWords.Codes(),
		"/components/schemas/Recommendation/properties/progress/items/properties/unit_status":                                 models.UnitReplyWords.Codes(),
		"/components/schemas/Receipt/properties/recommendations/items/properties/replies/items/properties/status":             models.UnitReplyWords.Codes(),
		"/components/schemas/Receipt/properties/path/items/properties/step":                                                   {models.StepReceived, models.StepInTopic, models.StepApproved, models.StepResearched, models.StepConsulted, models.StepRecommendations, models.StepClosed},
		"/components/schemas/ReceiptRating/properties/rating":                                                                 models.RatingWords.Codes(),
		"/components/schemas/UnitReply/properties/unit_status":                                                                models.UnitReplyWords.Codes(),
		"/components/schemas/UnitPage/properties/recommendation/properties/status":                                            models.StatsRecStatuses,
		"/paths/~1unit-replies~1{token}/post/requestBody/content/application~1json/schema/properties/status":                  models.UnitReplyWords.Codes(),
		"/paths/~1receipts~1{code}~1rating/post/requestBody/content/application~1json/schema/properties/rating":               models.RatingWords.Codes(),
	}
	// Enums that are no list of the programme's words.
	others := map[string]bool{
		"/components/schemas/TokenPair/properties/token_type": true,
		"/components/schemas/Photo/properties/content_type":   true,
	}
	var found []string
	var walk func(v any, p string)
	walk = func(v any, p string) {
		switch x := v.(type) {
		case map[string]any:
			if _, ok := x["enum"]; ok {
				found = append(found, p)
			}
			for k, c := range x {
				walk(c, p+"/"+strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1"))
			}
		case []any:
			for i, c := range x {
				walk(c, p+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(raw, "")
	sort.Strings(found)
	for _, p := range found {
		if others[p] {
			continue
		}
		want, ok := lists[p]
		if !ok && strings.HasSuffix(p, "/schema") && strings.Contains(p, "/parameters/") {
			want, ok = auditActions, strings.Contains(p, "audit") // the audit filters
		}
		if !ok {
			t.Errorf("enum at %s: say which of the server's lists it is", p)
			continue
		}
		var got []string
		for _, v := range pointer(raw, p).(map[string]any)["enum"].([]any) {
			got = append(got, fmt.Sprint(v))
		}
		g, w := slices.Clone(got), slices.Clone(want)
		sort.Strings(g)
		sort.Strings(w)
		if !slices.Equal(g, w) {
			t.Errorf("enum at %s is %q, the server's list is %q", p, got, want)
		}
	}
	for p := range lists {
		if !slices.Contains(found, p) {
			t.Errorf("no enum at %s any more: update the table", p)
		}
	}
}

// TestOpenAPISecurity keeps each operation's security what its route's guard enforces:
// a public route allows no credentials (an empty requirement), a guarded one requires the
// bearer token.
func TestOpenAPISecurity(t *testing.T) {
	doc, _ := loadDoc(t)
	h := newHarness(t)
	for _, r := range h.srv.Routes() {
		key := r.Method + " " + r.Path
		var op docOperation
		if err := json.Unmarshal(doc.Paths[openAPIPath(r.Path)][strings.ToLower(r.Method)], &op); err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		sec := doc.Security
		if op.Security != nil {
			sec = *op.Security
		}
		anonymous, bearer := len(sec) == 0, false
		for _, req := range sec {
			if len(req) == 0 {
				anonymous = true
			}
			if _, ok := req["bearer"]; ok {
				bearer = true
			}
		}
		if public := r.Guard == "public"; public != anonymous {
			t.Errorf("%s is guarded %q but its security is %v", key, r.Guard, sec)
		} else if !public && !bearer {
			t.Errorf("%s is guarded %q but its security does not require the bearer token: %v", key, r.Guard, sec)
		}
	}
}

// TestOpenAPIResponses walks every route as every role (the fixtures of TestRouteGuards)
// and checks each answer against the document: its status is documented for the route, and
// a JSON body has the properties, and the types, of the schema documented for that status.
// A property a schema declares that no answer of the walk carries is reported too.
func TestOpenAPIResponses(t *testing.T) {
	doc, _ := loadDoc(t)
	f := newFixture(t)
	seen := map[string]map[string]bool{} // schema name → properties seen in answers
	for _, r := range f.h.srv.Routes() {
		key := r.Method + " " + r.Path
		rc, ok := routeCases[key]
		if !ok || rc.stream {
			continue
		}
		var op docOperation
		if err := json.Unmarshal(doc.Paths[openAPIPath(r.Path)][strings.ToLower(r.Method)], &op); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		for _, role := range walkRoles {
			if rc.setup != nil {
				rc.setup(f)
			}
			path := f.pathOf(rc, r.Path)
			token := ""
			if a := f.byRole[role]; a != nil {
				token = a.token
			}
			var rec *httptest.ResponseRecorder
			if rc.raw != nil {
				b, ct := rc.raw(f)
				rec = f.h.serve(newRawRequest(r.Method, path, string(b), ct, token))
			} else {
				var body any
				if rc.body != nil {
					body = rc.body(f)
				}
				rec = f.h.do(r.Method, path, token, body)
			}
			code := strconv.Itoa(rec.Code)
			resp, ok := op.Responses[code]
			if !ok {
				if resp, ok = op.Responses["default"]; !ok {
					t.Errorf("%s as %s answers %s, which the document does not list", key, role, code)
					continue
				}
			}
			content := resp.Content
			if resp.Ref != "" {
				content = doc.Components.Responses[strings.TrimPrefix(resp.Ref, "#/components/responses/")].Content
			}
			ct := rec.Header().Get("Content-Type")
			if !strings.HasPrefix(ct, "application/json") || rec.Body.Len() == 0 {
				continue
			}
			if len(content) == 0 {
				if rec.Code < 300 {
					t.Errorf("%s as %s answers JSON with %s, which the document gives no body", key, role, code)
				}
				continue // an error documented without a body schema
			}
			c, ok := content["application/json"]
			if !ok || c.Schema == nil {
				t.Errorf("%s as %s answers JSON with %s, for which the document has no schema", key, role, code)
				continue
			}
			var v any
			if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
				t.Errorf("%s as %s: %v", key, role, err)
				continue
			}
			for _, p := range checkSchema(doc, c.Schema, v, "", "", seen) {
				t.Errorf("%s as %s (%s): %s", key, role, code, p)
			}
		}
	}
	var unseen []string
	for name, s := range doc.Components.Schemas {
		props := seen[name]
		if props == nil {
			continue // no answer of the walk is of this schema
		}
		for p := range flatProps(doc, s) {
			if !props[p] {
				unseen = append(unseen, name+"."+p)
			}
		}
	}
	sort.Strings(unseen)
	for _, p := range unseen {
		if !neverInWalk[p] {
			t.Errorf("the document declares %s, which no answer carries", p)
		}
	}
}

// TestOpenAPISuccessBodies: every success the document lists, other than 204 No Content
// and redirects, says what its body is, with a schema for each media type. (The walk in
// TestOpenAPIResponses checks the bodies it meets against these schemas.)
func TestOpenAPISuccessBodies(t *testing.T) {
	doc, _ := loadDoc(t)
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			var op docOperation
			if err := json.Unmarshal(raw, &op); err != nil || op.Responses == nil {
				continue // not an operation (parameters shared by the path)
			}
			for code, resp := range op.Responses {
				if !strings.HasPrefix(code, "2") || code == "204" {
					continue
				}
				content := resp.Content
				if resp.Ref != "" {
					content = doc.Components.Responses[strings.TrimPrefix(resp.Ref, "#/components/responses/")].Content
				}
				if len(content) == 0 {
					t.Errorf("%s %s %s: no body documented", strings.ToUpper(method), path, code)
				}
				for media, c := range content {
					if c.Schema == nil {
						t.Errorf("%s %s %s: %s has no schema", strings.ToUpper(method), path, code, media)
					}
				}
			}
		}
	}
}

// neverInWalk are properties the walk's fixtures do not reach, though answers carry them in
// other states (a contact only a reader of contacts sees, a closed topic's outcome…).
var neverInWalk = map[string]bool{
	"Receipt.topic_title": true, "Receipt.topic_status": true, "Receipt.outcome": true, "Receipt.recommendations": true, // a receipt of an adopted opinion
	"Receipt.rating": true,                         // a receipt whose resident gave a verdict
	"Topic.reviews":  true,                         // only once reviewed (omitempty)
	"Photo.exif_lat": true, "Photo.exif_lng": true, // only from a photo with GPS (omitempty)
}

// flatProps gathers the properties of s through $ref and allOf.
func flatProps(doc *apiDoc, s *jsonSchema) map[string]*jsonSchema {
	s = resolve(doc, s)
	out := map[string]*jsonSchema{}
	for k, v := range s.Properties {
		out[k] = v
	}
	for _, a := range s.AllOf {
		for k, v := range flatProps(doc, a) {
			out[k] = v
		}
	}
	return out
}

func resolve(doc *apiDoc, s *jsonSchema) *jsonSchema {
	for s != nil && s.Ref != "" {
		s = doc.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
	}
	return s
}

func refName(s *jsonSchema) string {
	if s == nil {
		return ""
	}
	return strings.TrimPrefix(s.Ref, "#/components/schemas/")
}

// checkSchema lists where v differs from s: a property s does not declare, or a value of
// another type than s names.
func checkSchema(doc *apiDoc, s *jsonSchema, v any, at, name string, seen map[string]map[string]bool) []string {
	if n := refName(s); n != "" {
		name = n
	}
	s = resolve(doc, s)
	if s == nil {
		return nil
	}
	if len(s.OneOf)+len(s.AnyOf) > 0 {
		for _, alt := range append(slices.Clone(s.OneOf), s.AnyOf...) {
			if len(checkSchema(doc, alt, v, at, "", map[string]map[string]bool{})) == 0 {
				return checkSchema(doc, alt, v, at, "", seen)
			}
		}
		return []string{fmt.Sprintf("%s: matches none of its alternatives", at)}
	}
	var types []string
	switch t := s.Type.(type) {
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			types = append(types, fmt.Sprint(x))
		}
	}
	if len(types) == 0 && (len(s.Properties) > 0 || len(s.AllOf) > 0) {
		types = []string{"object"}
	}
	if v == nil {
		if s.Nullable || slices.Contains(types, "null") || len(types) == 0 {
			return nil
		}
		return []string{fmt.Sprintf("%s: null, but the document says %v", at, types)}
	}
	if len(types) > 0 && !slices.ContainsFunc(types, func(t string) bool { return jsonType(v, t) }) {
		return []string{fmt.Sprintf("%s: %T, but the document says %v", at, v, types)}
	}
	var out []string
	switch x := v.(type) {
	case map[string]any:
		props := flatProps(doc, s)
		if len(props) == 0 {
			return nil // a free-form object
		}
		if name != "" && seen[name] == nil {
			seen[name] = map[string]bool{}
		}
		for k, val := range x {
			if name != "" {
				seen[name][k] = true
			}
			ps, ok := props[k]
			if !ok {
				if s.AdditionalProperties == nil || s.AdditionalProperties == false {
					out = append(out, fmt.Sprintf("%s.%s: not in the document", at, k))
				}
				continue
			}
			out = append(out, checkSchema(doc, ps, val, at+"."+k, "", seen)...)
		}
	case []any:
		if s.Items != nil {
			for i, e := range x {
				out = append(out, checkSchema(doc, s.Items, e, at+"["+strconv.Itoa(i)+"]", "", seen)...)
			}
		}
	}
	return out
}

func jsonType(v any, t string) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == float64(int64(f))
	case "null":
		return v == nil
	}
	return true
}
