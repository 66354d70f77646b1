package desk

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestHistogramQuantiles compares the histogram's quantiles with the exact
// ones of the same durations: equal below 64 minutes, within 2.5 % above.
func TestHistogramQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for run := range 200 {
		n := 1 + rng.IntN(500)
		vals := make([]int64, n)
		h := histogram{}
		for i := range vals {
			// Log-uniform from 1 minute to about two years.
			vals[i] = int64(math.Exp(rng.Float64() * math.Log(1e6)))
			h.add(vals[i])
		}
		// A round trip through the stored text keeps every count.
		back := histogram{}
		if err := back.parse(h.String()); err != nil || back.count() != int64(n) {
			t.Fatalf("run %d: parse(String()) = %d values, %v; want %d", run, back.count(), err, n)
		}
		slices.Sort(vals)
		for _, q := range []float64{0.5, 0.9} {
			want := vals[int(math.Ceil(q*float64(n)))-1]
			got, ok := back.quantile(q)
			if !ok {
				t.Fatalf("run %d: quantile(%v) of %d values: none", run, q, n)
			}
			if want < histExact && got != want {
				t.Errorf("run %d: quantile(%v) = %d, want exactly %d", run, q, got, want)
			}
			if err := math.Abs(float64(got-want)) / float64(want); want >= histExact && err > 0.025+0.5/float64(want) {
				t.Errorf("run %d: quantile(%v) = %d, want %d within 2.5%% (off by %.2f%%)", run, q, got, want, 100*err)
			}
		}
	}
	if _, ok := (histogram{}).quantile(0.5); ok {
		t.Error("quantile of an empty histogram reported a value")
	}
}
