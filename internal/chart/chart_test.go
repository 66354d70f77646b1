package chart

import (
	"encoding/xml"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".svg")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file: %v (run go test ./internal/chart -update)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from %s:\n%s", name, path, got)
	}
	// Every chart is well-formed XML, so browsers render it as an image too.
	d := xml.NewDecoder(strings.NewReader(string(got)))
	for {
		if _, err := d.Token(); err != nil {
			if err.Error() != "EOF" {
				t.Errorf("%s is not well-formed: %v", name, err)
			}
			break
		}
	}
}

func TestCharts(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		bar  bool
		c    Chart
	}{
		{"created-closed", false, Chart{ID: "cc", Title: "Created and closed per day", Desc: "Tickets created and closed each day.",
			Labels: []string{"2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"}, YUnit: "tickets",
			Series: []Series{{"Created", []float64{12, 30, 7, 0, 18}}, {"Closed", []float64{3, 25, 14, 9, 20}}}}},
		{"percentiles-with-gap", false, Chart{ID: "rt", Title: "Response time", Desc: "Median and 90th percentile.",
			Labels: []string{"a", "b", "c", "d"}, YUnit: "minutes",
			Series: []Series{{"Median", []float64{30, nan, 45, 40}}, {"90th percentile", []float64{90, nan, 130, 120}}}}},
		{"backlog", true, Chart{ID: "bl", Title: "Backlog by status", Desc: "Open tickets now.",
			Labels: []string{"New", "Working", "Pending"}, Series: []Series{{"Tickets", []float64{1234, 560, 75}}}}},
		{"escaping", true, Chart{ID: "x", Title: `<script>alert("t")</script>`, Desc: `a & b </desc><script>`,
			Labels: []string{`<b>"q"</b>`}, Series: []Series{{`</title><script>x</script>`, []float64{0.25}}}}},
		{"empty", false, Chart{ID: "e", Title: "Nothing", Desc: "No rows.", Labels: nil, Series: nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			draw := Line
			if tc.bar {
				draw = Bar
			}
			got, err := draw(tc.c)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(got), "<script") {
				t.Errorf("%s: unescaped markup from a label:\n%s", tc.name, got)
			}
			golden(t, tc.name, got)
		})
	}
}

func TestChartRefusesMismatchedSeries(t *testing.T) {
	_, err := Line(Chart{Labels: []string{"a", "b"}, Series: []Series{{"s", []float64{1}}}})
	if err == nil {
		t.Error("Line with 1 value for 2 labels succeeded, want an error")
	}
}

func TestNiceScale(t *testing.T) {
	for _, tc := range []struct{ hi, step, top float64 }{
		{0, 1, 5}, {1, 1, 1}, {7, 2, 8}, {30, 10, 30}, {1234, 500, 1500}, {0.25, 0.05, 0.25}, {99, 20, 100},
	} {
		step, top := niceScale(tc.hi)
		if math.Abs(step-tc.step) > 1e-9 || math.Abs(top-tc.top) > 1e-9 {
			t.Errorf("niceScale(%v) = %v, %v; want %v, %v", tc.hi, step, top, tc.step, tc.top)
		}
	}
}

func TestXTicksThinOut(t *testing.T) {
	labels := make([]string, 90)
	vals := make([]float64, 90)
	for i := range labels {
		labels[i] = "d" + string(rune('a'+i%26))
	}
	got, err := Line(Chart{Labels: labels, Series: []Series{{"s", vals}}})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(got), `dy="16"`); n > maxXTicks+1 || n < 2 {
		t.Errorf("90 days gave %d x tick labels, want 2 to %d", n, maxXTicks+1)
	}
}
