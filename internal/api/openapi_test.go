package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// loadOpenAPI loads and validates the embedded document.
func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openAPI)
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json does not validate: %v", err)
	}
	return doc
}

func TestOpenAPIValid(t *testing.T) {
	doc := loadOpenAPI(t)
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("openapi = %q, want 3.1", doc.OpenAPI)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != Prefix {
		t.Errorf("servers = %v, want one, %s", doc.Servers, Prefix)
	}
}

// TestOpenAPIRoutes keeps routes.go and the document in step: every route
// has an operation and every operation a route.
func TestOpenAPIRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	a := New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	routes := map[string]bool{}
	for _, rt := range append(a.Routes(), a.Public()...) {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		path, ok := strings.CutPrefix(path, Prefix)
		if !ok {
			t.Errorf("route %q is outside %s", rt.Pattern, Prefix)
		}
		routes[method+" "+path] = true
	}
	ops := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, o := range item.Operations() {
			ops[method+" "+path] = o
		}
	}
	for _, r := range slices.Sorted(maps.Keys(routes)) {
		if ops[r] == nil {
			t.Errorf("route %s has no operation in openapi.json", r)
		}
	}
	for _, o := range slices.Sorted(maps.Keys(ops)) {
		if !routes[o] {
			t.Errorf("openapi.json has %s, which routes.go does not serve", o)
		}
	}
	public := map[string]bool{}
	for _, rt := range a.Public() {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		public[method+" "+strings.TrimPrefix(path, Prefix)] = true
	}
	for name, o := range ops {
		switch {
		case public[name] && (o.Security == nil || len(*o.Security) != 0):
			t.Errorf("%s is served without a key but the document asks for one", name)
		case !public[name] && o.Responses.Status(401) == nil:
			t.Errorf("%s needs a key but documents no 401", name)
		}
	}
}

// TestOpenAPIShapes compares each schema's properties with the json tags of
// the Go type that reads or writes it: a field added on one side only
// fails here even when no test sends it. Response schemas must require
// exactly the keys that are always written (no omitempty); request bodies
// must be closed (additionalProperties: false), as the decoder refuses
// unknown fields. Inputs' Opt[json.RawMessage] fields are the read-only
// ones: the server refuses them with 403, so the document leaves them out.
func TestOpenAPIShapes(t *testing.T) {
	doc := loadOpenAPI(t)
	schema := func(name string) *openapi3.Schema {
		t.Helper()
		ref := doc.Components.Schemas[name]
		if ref == nil {
			t.Fatalf("openapi.json has no schema %s", name)
		}
		return ref.Value
	}
	responses := []struct {
		schema string
		typ    reflect.Type
	}{
		{"Ticket", reflect.TypeFor[ticketJSON]()},
		{"TicketCustomer", reflect.TypeFor[ticketCustomer]()},
		{"Event", reflect.TypeFor[eventJSON]()},
		{"Attachment", reflect.TypeFor[attachmentJSON]()},
		{"Agent", reflect.TypeFor[agentJSON]()},
		{"AgentPermission", reflect.TypeFor[permissionJSON]()},
		{"Customer", reflect.TypeFor[customerJSON]()},
		{"APIKey", reflect.TypeFor[apiKeyJSON]()},
		{"Queue", reflect.TypeFor[queueJSON]()},
		{"QueuePermission", reflect.TypeFor[queuePermissionJSON]()},
		{"Topic", reflect.TypeFor[topicJSON]()},
		{"Group", reflect.TypeFor[groupJSON]()},
		{"Tag", reflect.TypeFor[tagJSON]()},
		{"CustomField", reflect.TypeFor[customFieldJSON]()},
		{"CannedReply", reflect.TypeFor[cannedJSON]()},
		{"KBCategory", reflect.TypeFor[kbCategoryJSON]()},
		{"KBArticle", reflect.TypeFor[kbArticleJSON]()},
		{"Suggestion", reflect.TypeFor[suggestionJSON]()},
		{"Named", reflect.TypeFor[sympoq.Named]()},
		{"Problem", reflect.TypeFor[Problem]()},
		{"FieldError", reflect.TypeFor[sympoq.FieldError]()},
		{"Mailbox", reflect.TypeFor[mailboxJSON]()},
		{"MailboxTest", reflect.TypeFor[mailboxTestJSON]()},
		{"InboundToken", reflect.TypeFor[inboundTokenJSON]()},
		{"InboundMail", reflect.TypeFor[inboundMailJSON]()},
		{"Report", reflect.TypeFor[reportJSON]()},
	}
	for _, tc := range responses {
		s := schema(tc.schema)
		all, always := jsonKeys(tc.typ)
		if diff := keyDiff(slices.Sorted(maps.Keys(s.Properties)), all); diff != "" {
			t.Errorf("schema %s and %s differ: %s", tc.schema, tc.typ, diff)
		}
		// The API key's "key" and the event's optional members are written
		// only sometimes; everything else always.
		if diff := keyDiff(slices.Sorted(slices.Values(s.Required)), always); diff != "" {
			t.Errorf("schema %s requires other keys than %s always writes: %s", tc.schema, tc.typ, diff)
		}
		if s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has {
			t.Errorf("schema %s allows undocumented keys; set additionalProperties: false", tc.schema)
		}
	}

	settings := []struct {
		schema string
		typ    reflect.Type
	}{
		{"SettingsInput", reflect.TypeFor[sympoq.Settings]()},
		{"GeneralSettings", reflect.TypeFor[sympoq.GeneralSettings]()},
		{"WorkingTime", reflect.TypeFor[sympoq.WorkingTime]()},
		{"GuestAccess", reflect.TypeFor[sympoq.GuestAccess]()},
		{"AutomationSettings", reflect.TypeFor[sympoq.AutomationSettings]()},
		{"ServiceTargets", reflect.TypeFor[sympoq.ServiceTargets]()},
		{"ServiceTarget", reflect.TypeFor[sympoq.ServiceTarget]()},
		{"AttachmentLimits", reflect.TypeFor[sympoq.AttachmentLimits]()},
		{"RateLimits", reflect.TypeFor[sympoq.RateLimits]()},
	}
	inputs := []struct {
		typ     reflect.Type
		schemas []string // together they take every writable field of typ
	}{
		{reflect.TypeFor[desk.UserInput](), []string{"AgentInput", "CustomerInput"}},
		{reflect.TypeFor[desk.ProfileInput](), []string{"ProfileInput"}},
		{reflect.TypeFor[desk.APIKeyInput](), []string{"APIKeyInput"}},
		{reflect.TypeFor[desk.Permission](), []string{"AgentPermission"}},
		{reflect.TypeFor[desk.ItemInput](), []string{"QueueInput", "TopicInput", "GroupInput", "TagInput"}},
		{reflect.TypeFor[desk.AgentRole](), []string{"QueuePermission"}},
		{reflect.TypeFor[desk.SubmitInput](), []string{"SubmitInput"}},
		{reflect.TypeFor[desk.CustomerInput](), []string{"SubmitCustomer"}},
		{reflect.TypeFor[desk.UpdateInput](), []string{"TicketUpdate"}},
		{reflect.TypeFor[desk.MessageInput](), []string{"ReplyInput", "NoteInput"}},
		{reflect.TypeFor[desk.CallInput](), []string{"CallInput"}},
		{reflect.TypeFor[desk.AssignInput](), []string{"AssignInput"}},
		{reflect.TypeFor[desk.CloseInput](), []string{"CloseInput"}},
		{reflect.TypeFor[desk.RateInput](), []string{"RateInput"}},
		{reflect.TypeFor[desk.MergeInput](), []string{"MergeInput"}},
		{reflect.TypeFor[desk.CustomFieldInput](), []string{"CustomFieldInput"}},
		{reflect.TypeFor[desk.CannedInput](), []string{"CannedInput"}},
		{reflect.TypeFor[desk.KBCategoryInput](), []string{"KBCategoryInput"}},
		{reflect.TypeFor[desk.KBArticleInput](), []string{"KBArticleInput"}},
		{reflect.TypeFor[struct{}](), []string{"Empty"}},
		{reflect.TypeFor[desk.MailboxInput](), []string{"MailboxInput", "MailboxCreate"}},
		{reflect.TypeFor[desk.InboundTokenInput](), []string{"InboundTokenInput"}},
	}
	for _, tc := range settings {
		inputs = append(inputs, struct {
			typ     reflect.Type
			schemas []string
		}{tc.typ, []string{tc.schema}})
	}
	for _, tc := range inputs {
		writable := writableKeys(tc.typ)
		var union []string
		for _, name := range tc.schemas {
			s := schema(name)
			props := slices.Sorted(maps.Keys(s.Properties))
			for _, p := range props {
				if !slices.Contains(writable, p) {
					t.Errorf("schema %s has %q, which %s does not take", name, p, tc.typ)
				}
			}
			union = append(union, props...)
			if s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has {
				t.Errorf("request schema %s must set additionalProperties: false (unknown fields are 400)", name)
			}
		}
		for _, f := range writable {
			if !slices.Contains(union, f) {
				t.Errorf("%s takes %q, which none of %v documents", tc.typ, f, tc.schemas)
			}
		}
	}
}

// jsonKeys returns the JSON keys a struct writes, and those it always
// writes (no omitempty).
func jsonKeys(t reflect.Type) (all, always []string) {
	for f := range t.Fields() {
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		all = append(all, name)
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			always = append(always, name)
		}
	}
	slices.Sort(all)
	slices.Sort(always)
	return all, always
}

// writableKeys returns the JSON keys an input type takes, without the
// read-only ones (Opt[json.RawMessage], refused with 403).
func writableKeys(t reflect.Type) []string {
	readonly := reflect.TypeFor[desk.Opt[json.RawMessage]]()
	var out []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() || f.Type == readonly {
			continue
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// keyDiff describes how two sorted key lists differ, or returns "".
func keyDiff(doc, code []string) string {
	var parts []string
	for _, k := range doc {
		if !slices.Contains(code, k) {
			parts = append(parts, "only the document has "+k)
		}
	}
	for _, k := range code {
		if !slices.Contains(doc, k) {
			parts = append(parts, "only the code has "+k)
		}
	}
	return strings.Join(parts, "; ")
}

// TestOpenAPISettings checks the Settings schema against the settings
// themselves: the defaults validate, and leaving out any key at any depth
// does not (GET /settings always writes every field).
func TestOpenAPISettings(t *testing.T) {
	schema := loadOpenAPI(t).Components.Schemas["Settings"].Value
	set := sympoq.DefaultSettings()
	set.General.DefaultQueue = 1
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	var whole map[string]any
	if err := json.Unmarshal(b, &whole); err != nil {
		t.Fatal(err)
	}
	if err := schema.VisitJSON(whole, openapi3.EnableJSONSchema2020()); err != nil {
		t.Fatalf("the default settings do not match the Settings schema: %v", err)
	}
	var paths func(prefix []string, m map[string]any) [][]string
	paths = func(prefix []string, m map[string]any) [][]string {
		var out [][]string
		for k, v := range m {
			p := append(slices.Clone(prefix), k)
			out = append(out, p)
			if sub, ok := v.(map[string]any); ok {
				out = append(out, paths(p, sub)...)
			}
		}
		return out
	}
	for _, p := range paths(nil, whole) {
		var v map[string]any
		_ = json.Unmarshal(b, &v)
		m := v
		for _, k := range p[:len(p)-1] {
			m = m[k].(map[string]any)
		}
		delete(m, p[len(p)-1])
		if err := schema.VisitJSON(v, openapi3.EnableJSONSchema2020()); err == nil {
			t.Errorf("settings without %s match the Settings schema; it should require every key", strings.Join(p, "."))
		}
	}
}
