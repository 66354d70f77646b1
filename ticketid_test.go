package sympoq

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestTicketIDFormat(t *testing.T) {
	at := time.Date(2024, 9, 13, 10, 0, 0, 0, time.UTC)
	fixed := func(n int) int { return 14 % n } // 'O' for letters, 'O' for A-Z0-9
	for _, tc := range []struct {
		format string
		seq    int64
		want   string // a regexp when it starts with ^
		err    string
	}{
		{DefaultTicketIDFormat, 1, "09-13-O-OOO", ""},
		{"{YYYY}{MM}{DD}-{SEQ:6}", 42, "20240913-000042", ""},
		{"T#{SEQ}", 7, "T#7", ""},
		{"{YY}.{L}{L}{L}", 0, "24.OOO", ""},
		{"{X:3}", 0, "OOO", ""},
		{"", 0, "", "empty"},
		{"{MM}-{DD}", 0, "", "cannot yield unique"},
		{"{L}{L}", 0, "", "cannot yield unique"},
		{"{Q}", 0, "", "unknown token"},
		{"{X}", 0, "", "needs a length"},
		{"{SEQ:0}", 0, "", "width from 1 to 12"},
		{"{SEQ:13}", 0, "", "width from 1 to 12"},
		{"{YYYY:2}{SEQ}", 0, "", "takes no width"},
		{"A B{SEQ}", 0, "", "position 2"},
		{"{SEQ", 0, "", "unclosed"},
		{"<b>{SEQ}", 0, "", "literals may be"},
		{strings.Repeat("A", 60) + "{SEQ}", 0, "", "at most 64"},
	} {
		g, err := NewTicketIDGenerator(tc.format)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("NewTicketIDGenerator(%q) err = %v, want %q", tc.format, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("NewTicketIDGenerator(%q): %v", tc.format, err)
			continue
		}
		if got := g.Generate(at, tc.seq, fixed); got != tc.want {
			t.Errorf("Generate(%q) = %q, want %q", tc.format, got, tc.want)
		}
	}
	// Real randomness draws from the documented alphabets.
	g, _ := NewTicketIDGenerator(DefaultTicketIDFormat)
	re := regexp.MustCompile(`^09-13-[A-Z]-[A-Z0-9]{3}$`)
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		id := g.Generate(at, 0, rand.IntN)
		if !re.MatchString(id) {
			t.Fatalf("Generate = %q, want %s", id, re)
		}
		seen[id] = true
	}
	if len(seen) < 190 {
		t.Errorf("200 random ids gave only %d distinct values", len(seen))
	}
}

// FuzzParseTicketIDFormat: parsing never panics, and a valid format always
// generates an id made only of literal characters.
func FuzzParseTicketIDFormat(f *testing.F) {
	for _, s := range []string{DefaultTicketIDFormat, "{SEQ:6}", "{YYYY}-{X:12}", "{", "}", "{SEQ:}", "{X:-1}", "a{L}{L}{L}"} {
		f.Add(s)
	}
	lit := regexp.MustCompile(`^[A-Za-z0-9_.#-]*$`)
	f.Fuzz(func(t *testing.T, format string) {
		g, err := NewTicketIDGenerator(format)
		if err != nil {
			return
		}
		id := g.Generate(time.Now(), 12345, rand.IntN)
		if id == "" || !lit.MatchString(id) {
			t.Fatalf("format %q generated %q", format, id)
		}
	})
}
