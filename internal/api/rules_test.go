package api

import (
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// TestOpenAPIRuleShapes keeps the automation schemas in step with the code:
// the two rule schemas together hold exactly ruleJSON's keys, each nested
// schema its type's keys, and the input schemas every writable field.
func TestOpenAPIRuleShapes(t *testing.T) {
	doc := loadOpenAPI(t)
	props := func(name string) []string {
		t.Helper()
		ref := doc.Components.Schemas[name]
		if ref == nil {
			t.Fatalf("openapi.json has no schema %s", name)
		}
		if ref.Value.AdditionalProperties.Has == nil || *ref.Value.AdditionalProperties.Has {
			t.Errorf("schema %s allows undocumented keys", name)
		}
		return slices.Sorted(maps.Keys(ref.Value.Properties))
	}
	union := func(names ...string) []string {
		var out []string
		for _, n := range names {
			for _, p := range props(n) {
				if !slices.Contains(out, p) {
					out = append(out, p)
				}
			}
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		schemas []string
		keys    []string
	}{
		{[]string{"SubmissionRule", "ScheduledAction"}, func() []string { all, _ := jsonKeys(reflect.TypeFor[ruleJSON]()); return all }()},
		{[]string{"Condition"}, func() []string { all, _ := jsonKeys(reflect.TypeFor[sympoq.Condition]()); return all }()},
		{[]string{"RuleValues"}, func() []string { all, _ := jsonKeys(reflect.TypeFor[sympoq.RuleValues]()); return all }()},
		{[]string{"TimeCondition"}, func() []string { all, _ := jsonKeys(reflect.TypeFor[sympoq.TimeCondition]()); return all }()},
		{[]string{"RuleNotify"}, func() []string { all, _ := jsonKeys(reflect.TypeFor[notifyJSON]()); return all }()},
		{[]string{"Recipient"}, func() []string { all, _ := jsonKeys(reflect.TypeFor[recipientJSON]()); return all }()},
		{[]string{"SubmissionRuleInput", "ScheduledActionInput"}, writableKeys(reflect.TypeFor[desk.RuleInput]())},
		{[]string{"RuleNotify"}, writableKeys(reflect.TypeFor[desk.NotifyInput]())},
		{[]string{"Recipient"}, writableKeys(reflect.TypeFor[desk.RuleRecipient]())},
	} {
		if diff := keyDiff(union(tc.schemas...), tc.keys); diff != "" {
			t.Errorf("%v: %s", tc.schemas, diff)
		}
	}
}
