package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// api calls the server over plain net/http rather than the client package,
// so that the tool spends as little of the machine's CPU as it can.
type api struct {
	base string // server URL and the API prefix
	key  string
	hc   *http.Client
}

func newAPI(server, key string, concurrency int) *api {
	tr := &http.Transport{
		Proxy:               nil, // loopback: never through a proxy from the environment
		MaxIdleConns:        2 * concurrency,
		MaxIdleConnsPerHost: concurrency,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &api{base: server + "/app/desk/api", key: key, hc: &http.Client{Transport: tr, Timeout: time.Minute}}
}

// do sends one request and returns its status; the body is read only on
// failure (status not 2xx), up to 1 KiB.
func (a *api) do(ctx context.Context, method, path string, body []byte, header ...string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("apikey", a.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := a.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	if res.StatusCode/100 == 2 {
		_, err = io.Copy(io.Discard, res.Body) // so that the connection is reused
		return res.StatusCode, nil, err
	}
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, msg, nil
}

// raiseLimits lifts the account's rate limits to the most the server
// accepts (a million a minute), so that the load measures the server and
// not its limiter's 429s.
func (a *api) raiseLimits(ctx context.Context) error {
	st, msg, err := a.do(ctx, "PUT", "/settings", []byte(`{"rate_limits":{"read":1000000,"write":1000000}}`))
	if err != nil {
		return fmt.Errorf("raise rate limits: %w", err)
	}
	if st != http.StatusOK {
		return fmt.Errorf("raise rate limits: status %d: %s", st, msg)
	}
	return nil
}

// queueIDs lists the account's queues for the list workload.
func (a *api) queueIDs(ctx context.Context) ([]int64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", a.base+"/queues", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("apikey", a.key)
	res, err := a.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("list queues: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
		return nil, fmt.Errorf("list queues: status %d: %s", res.StatusCode, msg)
	}
	var qs []struct {
		ID int64 `json:"id"`
	}
	if err := json.NewDecoder(res.Body).Decode(&qs); err != nil {
		return nil, fmt.Errorf("list queues: %w", err)
	}
	ids := make([]int64, 0, len(qs))
	for _, q := range qs {
		ids = append(ids, q.ID)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("list queues: the account has none")
	}
	return ids, nil
}

// kind is one request type.
type kind int

const (
	kTicket kind = iota
	kList
	kSearch
	kSubmit
	nKinds
)

var kindNames = [nKinds]string{"ticket", "list", "search", "submit"}

// mix is the percentage of each kind in a workload.
type mix [nKinds]int

// phaseNames are the workloads in the order they run.
var phaseNames = []string{"ticket", "list", "search", "submit", "mixed"}

var mixes = map[string]mix{
	"ticket": {kTicket: 100},
	"list":   {kList: 100},
	"search": {kSearch: 100},
	"submit": {kSubmit: 100},
	"mixed":  {kTicket: 70, kList: 15, kSearch: 5, kSubmit: 10},
}

// submits reports whether the workload submits requests.
func (m mix) submits() bool { return m[kSubmit] > 0 }

func (m mix) pick(rng *rand.Rand) kind {
	n := rng.IntN(100)
	for k := kind(0); k < nKinds; k++ {
		if n < m[k] {
			return k
		}
		n -= m[k]
	}
	return nKinds - 1
}

// searchWords occur in the demo conversations (internal/demo), each in a
// few percent of the tickets, as a help desk's searches do.
var searchWords = []string{"password", "export", "invoice", "refund", "battery", "dashboard", "shop",
	"order", "report", "colleague", "logs", "tracking"}

// The submit workload's requests: a customer from a pool of 600 (so most
// submissions find their customer, some create one) and a description put
// together from parts.
var (
	submitFirst = []string{"Emma", "Liam", "Olivia", "Noah", "Ava", "Ethan", "Mia", "Lucas", "Chloe", "Mateo",
		"Zoe", "Arjun", "Yuki", "Ines", "Kofi", "Lena", "Omar", "Sara", "Jonas", "Aiko"}
	submitLast = []string{"Brooks", "Johnson", "Garcia", "Miller", "Davis", "Lopez", "Wilson", "Taylor", "Moore",
		"Lee", "Walker", "Young", "Novak", "Silva", "Tanaka", "Schmidt", "Dubois", "Kowalski", "Nair", "Okafor",
		"Weber", "Rossi", "Kim", "Haddad", "Chen", "Smith", "Müller", "Martin", "Clark", "Lewis"}
	submitOpen = []string{"Hello,", "Hi team,", "Good morning,", "Dear support,", "Hi,"}
	submitBody = []string{
		"the printer in our second-floor office shows a paper jam although the tray is empty.",
		"I was charged twice for order %d and would like a refund for one of the charges.",
		"since the update yesterday the dashboard stays blank after I sign in.",
		"the invoice for order %d lists the wrong billing address.",
		"I cannot reset my password: the link in the email says it has expired.",
		"the CSV export stops at 10,000 rows; is there a way to export the whole report?",
		"the replacement battery for order %d has still not shipped after two weeks.",
		"our shop shows error 502 to some visitors at peak times.",
		"could you add my colleague to our account with editor rights?",
	}
	submitClose = []string{"Thanks in advance.", "Kind regards.", "Thank you!", "Best wishes.", "Many thanks for your help."}
)

func submitRequest(rng *rand.Rand) []byte {
	first, last := submitFirst[rng.IntN(len(submitFirst))], submitLast[rng.IntN(len(submitLast))]
	body := submitBody[rng.IntN(len(submitBody))]
	if strings.Contains(body, "%d") {
		body = fmt.Sprintf(body, 1000+rng.IntN(9000))
	}
	desc := submitOpen[rng.IntN(len(submitOpen))] + "\n\n" + strings.ToUpper(body[:1]) + body[1:] + "\n\n" +
		submitClose[rng.IntN(len(submitClose))] + "\n" + first + " " + last
	b, _ := json.Marshal(map[string]any{
		"description": desc,
		"customer": map[string]string{
			"name":  first + " " + last,
			"email": strings.ToLower(first+"."+strings.ReplaceAll(last, "ü", "ue")) + "@load.example",
		},
	})
	return b
}

// loader runs workloads against one server.
type loader struct {
	api    *api
	ids    []int64 // ticket ids to read
	queues []int64
	seed   uint64 // advances each run, so that phases draw different requests
}

func (l *loader) request(ctx context.Context, k kind, rng *rand.Rand) (int, []byte, error) {
	switch k {
	case kTicket:
		id := l.ids[rng.IntN(len(l.ids))]
		return l.api.do(ctx, "GET", "/ticket/"+strconv.FormatInt(id, 10), nil, "event_log", "1")
	case kList:
		q, st := l.queues[rng.IntN(len(l.queues))], 1+rng.IntN(4)
		return l.api.do(ctx, "GET", "/tickets?queue="+strconv.FormatInt(q, 10)+"&status="+strconv.Itoa(st)+"&limit=50", nil)
	case kSearch:
		return l.api.do(ctx, "GET", "/tickets?q="+url.QueryEscape(searchWords[rng.IntN(len(searchWords))])+"&limit=50", nil)
	default:
		return l.api.do(ctx, "POST", "/request", submitRequest(rng))
	}
}

// tally is one worker's record, merged at the end so that workers never
// share a lock on the hot path.
type tally struct {
	lat  [nKinds][]time.Duration
	errs [nKinds]int
}

// run drives m with c workers for d and summarises what happened.
func (l *loader) run(ctx context.Context, m mix, c int, d time.Duration) *phaseResult {
	l.seed++
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		samples []string // the first few distinct error bodies
	)
	fail := func(k kind, st int, msg []byte, err error) {
		s := fmt.Sprintf("%s: %d %s", kindNames[k], st, bytes.TrimSpace(msg))
		if err != nil {
			s = fmt.Sprintf("%s: %v", kindNames[k], err)
		}
		s = clip(s, 300)
		mu.Lock()
		defer mu.Unlock()
		if len(samples) < 5 && !slices.Contains(samples, s) {
			samples = append(samples, s)
		}
	}
	tallies := make([]*tally, c)
	start := time.Now()
	end := start.Add(d)
	for w := range c {
		t := &tally{}
		tallies[w] = t
		rng := rand.New(rand.NewPCG(l.seed, uint64(w)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) && ctx.Err() == nil {
				k := m.pick(rng)
				t0 := time.Now()
				st, msg, err := l.request(ctx, k, rng)
				t.lat[k] = append(t.lat[k], time.Since(t0))
				if err != nil || st/100 != 2 {
					t.errs[k]++
					fail(k, st, msg, err)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	var all []time.Duration
	var parts []*phaseResult
	errs := 0
	for k := kind(0); k < nKinds; k++ {
		if m[k] == 0 {
			continue
		}
		var lat []time.Duration
		e := 0
		for _, t := range tallies {
			lat = append(lat, t.lat[k]...)
			e += t.errs[k]
		}
		all = append(all, lat...)
		errs += e
		if m[k] < 100 {
			p := summarise(lat, e, elapsed)
			p.Name = kindNames[k]
			parts = append(parts, p)
		}
	}
	res := summarise(all, errs, elapsed)
	res.ErrorSamples = samples
	res.Parts = parts
	return res
}

// phaseResult is one workload's numbers; latencies are in milliseconds.
type phaseResult struct {
	Name      string   `json:"name"`
	Requests  int      `json:"requests"`
	Errors    int      `json:"errors"`
	Seconds   float64  `json:"seconds"`
	RPS       float64  `json:"requests_per_second"`
	OKRate    float64  `json:"ok_per_second"`
	P50       float64  `json:"p50_ms"`
	P90       float64  `json:"p90_ms"`
	P95       float64  `json:"p95_ms"`
	P99       float64  `json:"p99_ms"`
	Max       float64  `json:"max_ms"`
	PeakRSSMB *float64 `json:"peak_rss_mb"`      // null when the tool did not start the server
	ServerCPU *float64 `json:"server_cpu_cores"` // likewise
	ToolCPU   float64  `json:"tool_cpu_cores"`
	// For submit: the 201 rate as a percentage of the raw commit rate of
	// one bare loop (the target's reference) and of concurrent loops.
	OfCommitRate           *float64 `json:"percent_of_commit_rate,omitempty"`
	OfConcurrentCommitRate *float64 `json:"percent_of_concurrent_commit_rate,omitempty"`
	// For phases that submit: the email the server delivered during the
	// phase (its acknowledgements, and any backlog), and what was still
	// queued at its end. Submissions outpacing delivery show as a queue.
	EmailDelivered *int           `json:"email_delivered,omitempty"`
	EmailQueued    *int           `json:"email_queued_after,omitempty"`
	ErrorSamples   []string       `json:"error_samples,omitempty"`
	Parts          []*phaseResult `json:"parts,omitempty"` // per request kind, in a mixed workload
}

func summarise(lat []time.Duration, errs int, elapsed time.Duration) *phaseResult {
	slices.Sort(lat)
	s := elapsed.Seconds()
	r := &phaseResult{Requests: len(lat), Errors: errs, Seconds: s,
		RPS: float64(len(lat)) / s, OKRate: float64(len(lat)-errs) / s}
	if len(lat) > 0 {
		r.P50, r.P90, r.P95, r.P99 = pct(lat, 0.50), pct(lat, 0.90), pct(lat, 0.95), pct(lat, 0.99)
		r.Max = ms(lat[len(lat)-1])
	}
	return r
}

// pct is the nearest-rank percentile of sorted latencies, in ms.
func pct(sorted []time.Duration, p float64) float64 {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return ms(sorted[max(0, min(i, len(sorted)-1))])
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func (r *phaseResult) setRSS(s *rssSampler) {
	if s == nil {
		return
	}
	mb := s.peakMB()
	r.PeakRSSMB = &mb
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
