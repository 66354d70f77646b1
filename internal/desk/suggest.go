package desk

import (
	"context"
	"math"
	"sort"
	"strings"
	"unicode"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
)

// Suggested solutions (product.md §5): solved tickets and articles similar
// to the ticket at hand. The ticket's distinctive words (stop words
// dropped, light suffix stripping so that "printing" and "printer" meet)
// are OR-ed into one full-text query per kind, which picks a capped set of
// candidates by the engine's rank; the candidates are then scored alike,
// whatever their kind and engine: for each shared word its rarity among the
// candidates (BM25's idf) times a saturated, length-normalised count, more
// for words of the ticket's subject and for words in the candidate's
// title. docs/suggestions.md has how well this does and how to measure it.

// Suggestion is one solved ticket or article, with the ticket's words that
// picked it.
type Suggestion struct {
	Ticket  *sympoq.Ticket    // a closed ticket with a solution, or
	Article *sympoq.KBArticle // a published article
	Score   float64
	Matched []string
}

const (
	maxSuggestions  = 10 // answers
	maxCandidates   = 40 // per kind, from the engine
	maxQueryTerms   = 24
	minSuggestScore = 0.5
)

// Suggestions returns up to ten solved tickets and articles similar to the
// ticket ref, best first: only tickets the agent may see and articles the
// agent may read. Agents only (customers: forbidden); a ticket out of reach
// is not found.
func (s *Service) Suggestions(ctx context.Context, a Actor, ref string) ([]Suggestion, error) {
	if !a.IsAgent() {
		return nil, sympoq.Forbidden("suggested solutions are for agents")
	}
	tx := s.db.Read()
	set, err := tx.Settings(ctx, a.AccountID)
	if err != nil {
		return nil, err
	}
	t, err := findTicket(ctx, tx, a.AccountID, ref)
	if err != nil {
		return nil, err
	}
	if _, err := s.view(ctx, tx, a, set, t); err != nil {
		return nil, err
	}
	cs, _, err := readableCategories(ctx, tx, a)
	if err != nil {
		return nil, err
	}
	cats := make([]int64, len(cs))
	for i, c := range cs {
		cats[i] = c.ID
	}
	return suggest(ctx, tx, a.AccountID, scope(a, set), cats, t)
}

func suggest(ctx context.Context, tx *store.Tx, accountID int64, sc store.TicketScope, cats []int64, t *sympoq.Ticket) ([]Suggestion, error) {
	q := queryTerms(t.Subject, t.Description)
	if len(q) == 0 {
		return []Suggestion{}, nil
	}
	terms := make([]store.Term, len(q))
	for i, x := range q {
		terms[i] = store.Term{Word: x.stem, Prefix: len([]rune(x.stem)) >= 4}
	}
	tickets, err := tx.SimilarTickets(ctx, accountID, sc, terms, t.ID, 2*maxCandidates)
	if err != nil {
		return nil, err
	}
	articles, err := tx.SimilarKBArticles(ctx, accountID, cats, terms, maxCandidates)
	if err != nil {
		return nil, err
	}
	type cand struct {
		s           Suggestion
		title, body []string
	}
	var pool []cand
	// The same problem solved the same way many times is one suggestion
	// (the engine's best), and counts once for the rarity of its words.
	seen := map[string]bool{}
	for _, x := range tickets {
		key := strings.Join(words(x.Subject), " ") + "\x00" + strings.Join(words(x.Solution), " ")
		if seen[key] || len(seen) >= maxCandidates {
			continue
		}
		seen[key] = true
		pool = append(pool, cand{s: Suggestion{Ticket: x}, title: words(x.Subject), body: words(x.Description + "\n" + x.Solution)})
	}
	for _, x := range articles {
		pool = append(pool, cand{s: Suggestion{Article: x}, title: words(x.Title), body: words(x.Body)})
	}
	if len(pool) == 0 {
		return []Suggestion{}, nil
	}
	// Rarity of each query word among the candidates.
	df := make([]int, len(q))
	total := 0
	for _, c := range pool {
		total += len(c.body)
		for i, x := range q {
			if has(c.title, x) || has(c.body, x) {
				df[i]++
			}
		}
	}
	avg := float64(total) / float64(len(pool))
	n := float64(len(pool)) + 10 // as if ten unrelated candidates had come too, so a small pool keeps its contrast
	const k1, b = 1.2, 0.5
	out := make([]Suggestion, 0, len(pool))
	for _, c := range pool {
		score := 0.0
		var matched []string
		norm := k1 * (1 - b + b*float64(len(c.body))/max(avg, 1))
		for i, x := range q {
			inTitle := has(c.title, x)
			tf := float64(count(c.body, x))
			if !inTitle && tf == 0 {
				continue
			}
			idf := math.Log(1 + (n-float64(df[i])+0.5)/(float64(df[i])+0.5))
			w := idf * (tf*(k1+1)/(tf+norm) + boolf(inTitle)*1.0) * x.weight
			score += w
			matched = append(matched, x.word)
		}
		if score < minSuggestScore {
			continue
		}
		c.s.Score, c.s.Matched = math.Round(score*1000)/1000, matched
		out = append(out, c.s)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if len(out) > maxSuggestions {
		out = out[:maxSuggestions]
	}
	return out, nil
}

func boolf(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// queryTerm is one distinctive word of the ticket: its stem, the first form
// it appeared in, and its weight (words of the subject count more).
type queryTerm struct {
	stem, word string
	weight     float64
}

// queryTerms picks the ticket's distinctive words: no stop words, no bare
// numbers, each stem once, at most maxQueryTerms (the subject's first).
func queryTerms(subject, description string) []queryTerm {
	var out []queryTerm
	index := map[string]int{}
	addAll := func(text string, w float64) {
		for _, word := range words(text) {
			if len([]rune(word)) < 3 || stopWords[word] || isNumber(word) {
				continue
			}
			st := stem(word)
			if stopWords[st] {
				continue
			}
			if i, ok := index[st]; ok {
				out[i].weight = min(out[i].weight+0.25, 2.5)
				continue
			}
			if len(out) >= maxQueryTerms {
				continue
			}
			index[st] = len(out)
			out = append(out, queryTerm{stem: st, word: word, weight: w})
		}
	}
	addAll(subject, 1.5)
	addAll(description, 1)
	return out
}

// words splits text into lower-case words of letters and digits, the way
// both search engines tokenize it.
func words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

func isNumber(w string) bool {
	for _, r := range w {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// matches is the engines' rule: a stem of four or more letters matches every
// word it begins, a shorter one only itself.
func matches(word string, t queryTerm) bool {
	if len([]rune(t.stem)) >= 4 {
		return strings.HasPrefix(word, t.stem)
	}
	return word == t.stem
}

func has(ws []string, t queryTerm) bool {
	for _, w := range ws {
		if matches(w, t) {
			return true
		}
	}
	return false
}

func count(ws []string, t queryTerm) int {
	n := 0
	for _, w := range ws {
		if matches(w, t) {
			n++
		}
	}
	return n
}

// suffixes are stripped, longest first, when at least four letters remain,
// so that the stem is a prefix of the word's other forms.
var suffixes = []string{"ations", "ation", "ments", "ment", "ings", "ing", "ies", "ied", "ers", "er", "ed", "es", "ly", "s", "e", "y"}

// stem strips one English suffix: printing, printer, prints → print;
// configure, configured, configuration → configur.
func stem(w string) string {
	for _, s := range suffixes {
		if strings.HasSuffix(w, s) && len([]rune(w))-len([]rune(s)) >= 4 {
			return strings.TrimSuffix(w, s)
		}
	}
	return w
}

// functionWords are English words that carry no subject: a search drops
// them, so that "how do I reset my password" finds the article.
var functionWords = wordSet(`a about above after again against all also am an and any are aren as at be because been
		before being below between both but by can cannot could couldn did didn do does doesn doing don down during each
		few for from further had hadn has hasn have haven having he her here hers herself him himself his how i if in into
		is isn it its itself just let me more most my myself no nor not now of off on once only or other our ours
		ourselves out over own same she should shouldn so some such than that the their theirs them themselves then
		there these they this those through to too under until up very was wasn we were weren what when where which
		while who whom why will with won would wouldn you your yours yourself yourselves ve ll re`)

func wordSet(list string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(list) {
		m[w] = true
	}
	return m
}

// stopWords are words that say nothing about what a ticket is about: the
// function words and the usual phrases of a support request.
var stopWords = func() map[string]bool {
	m := wordSet(`hello hi hey dear thanks thank thx please pls regards best kind cheers team support help helps helping
		issue issues problem problems question questions anyone someone something anything everything nothing
		able unable get gets getting got need needs needed want wants wanted trying tried try tries know knows
		see seems seem seemed still since ago today yesterday now already again keep keeps kept
		work works working worked use used using uses make makes made one two way ways thing things lot bit
		also really any anymore every always never sometimes tell told says said asap urgent soon time times
		day days week weeks morning afternoon evening sure like look looks looking fine ok okay yes`)
	for w := range functionWords {
		m[w] = true
	}
	return m
}()

// searchText drops function words from a reader's search, unless nothing
// else is left.
func searchText(q string) string {
	var keep []string
	for _, w := range words(q) {
		if !functionWords[w] {
			keep = append(keep, w)
		}
	}
	if len(keep) == 0 {
		return q
	}
	return strings.Join(keep, " ")
}
