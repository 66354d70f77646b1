package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
)

// report is everything one run measured.
type report struct {
	Machine     string         `json:"machine"`
	LoadAvg     string         `json:"load_average_before,omitempty"`
	DB          string         `json:"db"`
	Dialect     string         `json:"dialect"`
	Tickets     int            `json:"tickets"`
	Concurrency int            `json:"concurrency"`
	Duration    string         `json:"duration"`
	Seeding     *seeding       `json:"seeding,omitempty"`
	Probe       *probeResult   `json:"probe,omitempty"`
	Phases      []*phaseResult `json:"phases,omitempty"`
	PeakRSSMB   *float64       `json:"peak_rss_mb"` // over the whole run; null with -server
}

// write prints the table to w and, when path is set, the JSON to path.
func (r *report) write(w io.Writer, path string) error {
	if len(r.Phases) > 0 {
		fmt.Fprintf(w, "%s, %d tickets, %d workers, %s a phase\n", r.Dialect, r.Tickets, r.Concurrency, r.Duration)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "phase\trequests\terrors\treq/s\tp50 ms\tp90 ms\tp95 ms\tp99 ms\tmax ms\tpeak RSS MB\tserver cores\ttool cores")
		// The machine figures (memory, CPU) are the phase's, so the parts
		// of a mixed phase leave them blank.
		row := func(name string, p *phaseResult, machine bool) {
			mb, cpu, tool := "", "", ""
			if machine {
				mb, cpu, tool = "n/a", "n/a", fmt.Sprintf("%.2f", p.ToolCPU)
				if p.PeakRSSMB != nil {
					mb = fmt.Sprintf("%.0f", *p.PeakRSSMB)
				}
				if p.ServerCPU != nil {
					cpu = fmt.Sprintf("%.2f", *p.ServerCPU)
				}
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%.1f\t%s\t%s\t%s\n",
				name, p.Requests, p.Errors, p.RPS, p.P50, p.P90, p.P95, p.P99, p.Max, mb, cpu, tool)
		}
		for _, p := range r.Phases {
			row(p.Name, p, true)
			for _, part := range p.Parts {
				row("  "+p.Name+"/"+part.Name, part, false)
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if r.Probe != nil {
			fmt.Fprintf(w, "raw durable-commit rate: %.0f commits/s in one loop, %.0f with %d concurrent loops\n",
				r.Probe.Loop.Rate, r.Probe.Concurrent.Rate, r.Probe.Concurrent.Concurrency)
		}
		for _, p := range r.Phases {
			if p.OfCommitRate != nil {
				fmt.Fprintf(w, "%s: %.0f acknowledged (201) a second = %.0f%% of the raw durable-commit rate of one loop (%.0f%% of the concurrent loops')\n",
					p.Name, p.OKRate, *p.OfCommitRate, *p.OfConcurrentCommitRate)
			}
			if p.EmailDelivered != nil {
				fmt.Fprintf(w, "%s: %d email delivered during the phase (%.0f a second), %d still queued at its end\n",
					p.Name, *p.EmailDelivered, float64(*p.EmailDelivered)/p.Seconds, *p.EmailQueued)
			}
			for _, s := range p.ErrorSamples {
				fmt.Fprintf(w, "%s error: %s\n", p.Name, s)
			}
		}
		if r.PeakRSSMB != nil {
			fmt.Fprintf(w, "server peak RSS over the run: %.0f MB\n", *r.PeakRSSMB)
		} else {
			fmt.Fprintln(w, "server peak RSS: n/a (a server this tool did not start)")
		}
	}
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
