package desk

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
	"github.com/sympoq/sympoq/internal/worktime"
)

// RollupReports recomputes the daily report rollups of the days that ticket
// writes have marked stale.
type RollupReports struct{}

// Kind names the job.
func (RollupReports) Kind() string { return "rollup_reports" }

// rollupBatch bounds the stale UTC days recomputed in one transaction, so
// that the write lock is never held for long: at a million tickets a day
// takes about 0.15–0.3 s on a slow two-processor machine (four took up to
// 1.25 s, and every other write on SQLite waited for them).
const rollupBatch = 1

// RefreshReports recomputes the rollups of every stale day of every
// account and reports how many days of the accounts' zones it recomputed.
// It is idempotent: a day without new changes is not stale, and recomputing
// a day gives the same rows.
func RefreshReports(ctx context.Context, db *store.DB) (int, error) {
	total := 0
	for {
		n := 0
		err := db.Tx(ctx, func(tx *store.Tx) error {
			if err := tx.LockReports(ctx); err != nil {
				return err
			}
			dirty, err := tx.DirtyDays(ctx, rollupBatch)
			if err != nil {
				return err
			}
			for acc, utcDays := range dirty {
				set, err := tx.Settings(ctx, acc)
				if err != nil {
					return err
				}
				// Cleared first: a ticket write that commits while the days
				// are recomputed marks its day again.
				if err := tx.ClearDirtyDays(ctx, acc, utcDays); err != nil {
					return err
				}
				loc := set.Location()
				cal := worktime.New(set.General.WorkingTime, loc)
				var days []int
				for _, u := range utcDays {
					start := time.UnixMicro(u * store.MicrosPerDay)
					for _, d := range []int{dayNumber(start.In(loc)), dayNumber(start.Add(24*time.Hour - time.Microsecond).In(loc))} {
						if !slices.Contains(days, d) {
							days = append(days, d)
						}
					}
				}
				for _, d := range days {
					from, to := dayBounds(d, loc)
					facts, err := tx.ReportFacts(ctx, acc, from, to)
					if err != nil {
						return err
					}
					if err := tx.ReplaceReportDays(ctx, acc, []int{d}, rollup(d, facts, set, cal)); err != nil {
						return err
					}
				}
				n += len(days)
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("refresh reports: %w", err)
		}
		if n == 0 {
			return total, nil
		}
		total += n
	}
}

// dayNumber numbers the calendar date of t: days since 1970-01-01.
func dayNumber(t time.Time) int {
	y, m, d := t.Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// dayDate is the calendar date of a day number.
func dayDate(n int) time.Time { return time.Unix(int64(n)*86400, 0).UTC() }

// dayBounds are the instants where day n of loc starts and the next starts.
func dayBounds(n int, loc *time.Location) (time.Time, time.Time) {
	y, m, d := dayDate(n).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc), time.Date(y, m, d+1, 0, 0, 0, 0, loc)
}

// rollupKey is one rollup row: scope dimension, value and queue.
type rollupKey struct {
	dim   int
	value int64
	queue int64
}

// rollup turns one day's facts into its rows: each fact counts in its
// queue's row of every dimension.
func rollup(day int, facts []store.ReportFact, set *sympoq.Settings, cal worktime.Calendar) []store.ReportRow {
	rows := map[rollupKey]*store.ReportRow{}
	hists := map[rollupKey]*[2]histogram{}
	for _, f := range facts {
		var within bool
		var minutes int64
		switch f.Kind {
		case store.FactResponded, store.FactClosed:
			d := cal.Between(f.Created, f.At)
			minutes = int64(d / time.Minute)
			target := set.ServiceTargets.For(f.Priority).FirstResponse
			if f.Kind == store.FactClosed {
				target = set.ServiceTargets.For(f.Priority).Resolution
			}
			within = withinTarget(cal, target, d)
		}
		for dim := store.DimAll; dim <= store.DimGroup; dim++ {
			k := rollupKey{dim: dim, value: f.Dims[dim], queue: f.Queue}
			r := rows[k]
			if r == nil {
				r = &store.ReportRow{Dim: dim, Value: k.value, Day: day, Queue: f.Queue}
				rows[k] = r
				hists[k] = &[2]histogram{{}, {}}
			}
			switch f.Kind {
			case store.FactCreated:
				r.Created++
			case store.FactClosed:
				r.Closed++
				r.Resolved++
				if within {
					r.ResolutionWithin++
				}
				hists[k][1].add(minutes)
			case store.FactResponded:
				r.Responded++
				if within {
					r.ResponseWithin++
				}
				hists[k][0].add(minutes)
			case store.FactBillable:
				r.Minutes += f.Value
			case store.FactRating:
				if f.Value >= 1 && f.Value <= 5 {
					r.Ratings[f.Value-1]++
				}
			}
		}
	}
	out := make([]store.ReportRow, 0, len(rows))
	for k, r := range rows {
		r.ResponseHist, r.ResolutionHist = hists[k][0].String(), hists[k][1].String()
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b store.ReportRow) int {
		if c := a.Dim - b.Dim; c != 0 {
			return c
		}
		if a.Value != b.Value {
			return int(a.Value - b.Value)
		}
		return int(a.Queue - b.Queue)
	})
	return out
}

// withinTarget reports whether working time d met target; a priority
// without a valid target has nothing to miss.
func withinTarget(cal worktime.Calendar, target sympoq.WorkDuration, d time.Duration) bool {
	t, err := cal.Target(target)
	if err != nil || t <= 0 {
		return true
	}
	return d <= t
}

// A histogram counts durations in whole working minutes: exactly below 64
// minutes, above in buckets 5 % wide, so that percentiles over any number of
// tickets come from a few hundred numbers per day with an error of at most
// 2.5 % (the bucket's geometric middle stands for all of it).
type histogram map[int]int64

const (
	histExact  = 64
	histGrowth = 1.05
)

func bucketOf(minutes int64) int {
	if minutes < histExact {
		return int(max(minutes, 0))
	}
	return histExact + int(math.Log(float64(minutes)/histExact)/math.Log(histGrowth))
}

// bucketValue is the minutes a bucket stands for.
func bucketValue(b int) float64 {
	if b < histExact {
		return float64(b)
	}
	return histExact * math.Pow(histGrowth, float64(b-histExact)) * math.Sqrt(histGrowth)
}

func (h histogram) add(minutes int64) { h[bucketOf(minutes)]++ }

func (h histogram) merge(o histogram) {
	for b, n := range o {
		h[b] += n
	}
}

func (h histogram) count() int64 {
	var n int64
	for _, c := range h {
		n += c
	}
	return n
}

// quantile is the q-quantile (0 < q ≤ 1) in minutes: the value of the
// ⌈q·n⌉-th smallest duration; false when the histogram is empty.
func (h histogram) quantile(q float64) (int64, bool) {
	n := h.count()
	if n == 0 {
		return 0, false
	}
	rank := int64(math.Ceil(q * float64(n)))
	rank = max(rank, 1)
	keys := slices.Sorted(func(yield func(int) bool) {
		for b := range h {
			if !yield(b) {
				return
			}
		}
	})
	var seen int64
	for _, b := range keys {
		seen += h[b]
		if seen >= rank {
			return int64(math.Round(bucketValue(b))), true
		}
	}
	return int64(math.Round(bucketValue(keys[len(keys)-1]))), true
}

// String encodes the histogram as "bucket:count,…" in bucket order.
func (h histogram) String() string {
	keys := make([]int, 0, len(h))
	for b := range h {
		keys = append(keys, b)
	}
	slices.Sort(keys)
	var sb strings.Builder
	for i, b := range keys {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.Itoa(b))
		sb.WriteByte(':')
		sb.WriteString(strconv.FormatInt(h[b], 10))
	}
	return sb.String()
}

// parseHistogram adds an encoded histogram to h.
func (h histogram) parse(s string) error {
	if s == "" {
		return nil
	}
	for _, part := range strings.Split(s, ",") {
		b, c, ok := strings.Cut(part, ":")
		bi, err1 := strconv.Atoi(b)
		ci, err2 := strconv.ParseInt(c, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return fmt.Errorf("bad histogram %q", s)
		}
		h[bi] += ci
	}
	return nil
}
