package desk

import (
	"slices"
	"testing"
)

// TestStem: one suffix goes, leaving a prefix of the word's other forms;
// short words stay as they are.
func TestStem(t *testing.T) {
	for word, want := range map[string]string{
		"printing": "print", "printer": "print", "prints": "print", "print": "print",
		"configuration": "configur", "configured": "configur", "configure": "configur",
		"batteries": "batter", "battery": "batter", "invoices": "invoic", "invoice": "invoic",
		"vpn": "vpn", "uses": "uses", "sync": "sync", "syncing": "sync", "emails": "email",
	} {
		if got := stem(word); got != want {
			t.Errorf("stem(%q) = %q, want %q", word, got, want)
		}
	}
}

// TestQueryTerms: stop words and numbers go, each stem once, subject first
// and heavier.
func TestQueryTerms(t *testing.T) {
	got := queryTerms("Printer jams again", "Hello, please help: the printer on floor 3 keeps jamming. Thanks!")
	var stems []string
	for _, q := range got {
		stems = append(stems, q.stem)
	}
	if want := []string{"print", "jams", "floor", "jamm"}; !slices.Equal(stems, want) {
		t.Errorf("stems = %v, want %v", stems, want)
	}
	if got[0].word != "printer" || got[0].weight <= got[2].weight {
		t.Errorf("subject term %+v should outweigh description term %+v", got[0], got[2])
	}
	if len(queryTerms("Hi", "please help, thanks")) != 0 {
		t.Error("a ticket of stop words has no terms")
	}
}

// TestSearchText: function words leave a reader's search unless nothing else
// is left.
func TestSearchText(t *testing.T) {
	for q, want := range map[string]string{
		"How do I reset my password?": "reset password",
		"the":                         "the",
		"VPN":                         "vpn",
	} {
		if got := searchText(q); got != want {
			t.Errorf("searchText(%q) = %q, want %q", q, got, want)
		}
	}
}
