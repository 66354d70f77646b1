package worktime

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/sympoq/sympoq"
)

var berlin, _ = time.LoadLocation("Europe/Berlin")

func weekdays9to17(loc *time.Location) Calendar {
	return New(sympoq.WorkingTime{WeekStart: 1, WeekEnd: 5, DayStart: 9, DayEnd: 17}, loc)
}

func TestAdd(t *testing.T) {
	c := weekdays9to17(berlin)
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		from string
		d    time.Duration
		want string
	}{
		{"2026-12-07 10:00", time.Hour, "2026-12-07 11:00"},         // Monday, within the day
		{"2026-12-07 16:30", time.Hour, "2026-12-08 09:30"},         // runs into Tuesday
		{"2026-12-07 07:00", time.Hour, "2026-12-07 10:00"},         // before opening
		{"2026-12-05 12:00", 8 * time.Hour, "2026-12-07 17:00"},     // Saturday → end of Monday
		{"2026-12-11 16:00", 2 * time.Hour, "2026-12-14 10:00"},     // Friday over the weekend
		{"2026-12-07 10:00", 5 * 8 * time.Hour, "2026-12-14 10:00"}, // a working week
		{"2026-03-27 16:00", 2 * time.Hour, "2026-03-30 10:00"},     // over the spring DST change
		{"2026-10-23 16:00", 2 * time.Hour, "2026-10-26 10:00"},     // over the autumn DST change
		{"2026-12-07 17:00", time.Minute, "2026-12-08 09:01"},       // exactly at closing
		{"2026-12-07 09:00", 0, "2026-12-07 09:00"},                 // nothing to add
	} {
		if got := c.Add(at(tc.from), tc.d); !got.Equal(at(tc.want)) {
			t.Errorf("Add(%s, %v) = %s, want %s", tc.from, tc.d, got.In(berlin).Format("2006-01-02 15:04 Mon"), tc.want)
		}
	}
	always := New(sympoq.WorkingTime{Always: true}, berlin)
	if got := always.Add(at("2026-12-05 12:00"), 30*time.Hour); !got.Equal(at("2026-12-06 18:00")) {
		t.Errorf("24/7 Add = %s", got)
	}
}

// TestDSTDays: a working day that spans the DST change has its real length.
func TestDSTDays(t *testing.T) {
	night := New(sympoq.WorkingTime{WeekStart: 0, WeekEnd: 6, DayStart: 0, DayEnd: 24}, berlin)
	for _, tc := range []struct {
		day  string
		want time.Duration
	}{{"2026-03-29", 23 * time.Hour}, {"2026-10-25", 25 * time.Hour}, {"2026-12-07", 24 * time.Hour}} {
		d, _ := time.ParseInLocation("2006-01-02", tc.day, berlin)
		if got := night.Between(d, d.AddDate(0, 0, 1)); got != tc.want {
			t.Errorf("working time of %s = %v, want %v", tc.day, got, tc.want)
		}
	}
}

// TestAddThenMeasure is the property: measuring from t to Add(t, d) gives d
// back, for random instants, durations, zones and calendars.
func TestAddThenMeasure(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	zones := []*time.Location{time.UTC, berlin}
	for _, name := range []string{"America/New_York", "Australia/Sydney", "Asia/Kolkata"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		zones = append(zones, loc)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 3000; i++ {
		loc := zones[rng.IntN(len(zones))]
		start := rng.IntN(23)
		w := sympoq.WorkingTime{Always: rng.IntN(10) == 0, WeekStart: rng.IntN(7), WeekEnd: rng.IntN(7),
			DayStart: start, DayEnd: start + 1 + rng.IntN(24-start)}
		c := New(w, loc)
		from := base.Add(time.Duration(rng.Int64N(int64(2 * 365 * 24 * time.Hour)))).Truncate(time.Minute)
		d := time.Duration(rng.IntN(20*24*60)) * time.Minute
		to := c.Add(from, d)
		if got := c.Between(from, to); got != d {
			t.Fatalf("calendar %+v in %s: Between(%s, Add(%s, %v) = %s) = %v", w, loc, from, from, d, to, got)
		}
		if to.Before(from) {
			t.Fatalf("Add went backwards")
		}
		if d > 0 && !c.always && !c.Within(to.Add(-time.Nanosecond)) {
			t.Fatalf("Add(%s, %v) = %s ends outside working time", from, d, to)
		}
	}
}

func TestFormatAndTarget(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0 00:00", 24*time.Minute + 48*time.Hour: "2 00:24", 7*24*time.Hour + 86*time.Minute: "7 01:26", -time.Hour: "0 00:00",
	} {
		if got := Format(d); got != want {
			t.Errorf("Format(%v) = %q, want %q", d, got, want)
		}
	}
	c := weekdays9to17(time.UTC)
	if got, _ := c.Target("1d 4h"); got != 12*time.Hour {
		t.Errorf("Target(1d 4h) on an 8-hour day = %v, want 12h", got)
	}
	if got, _ := Always24x7().Target("1d"); got != 24*time.Hour {
		t.Errorf("Target(1d) 24/7 = %v", got)
	}
	if _, err := c.Target("soon"); err == nil {
		t.Errorf("Target(soon) = nil error")
	}
}

// betweenByDays is Between as a plain walk over every day, the reference
// the week steps must agree with.
func betweenByDays(c Calendar, a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	if c.always {
		return b.Sub(a)
	}
	var sum time.Duration
	for day := a; ; {
		if from, to, ok := c.window(day); ok {
			lo, hi := from, to
			if a.After(lo) {
				lo = a
			}
			if b.Before(hi) {
				hi = b
			}
			if hi.After(lo) {
				sum += hi.Sub(lo)
			}
		}
		day = c.nextDay(day)
		y, m, d := day.Date()
		if !time.Date(y, m, d, 0, 0, 0, 0, c.loc).Before(b) {
			return sum
		}
	}
}

// TestBetweenSkipsWeeksExactly: stepping over whole weeks gives the day
// walk's answer, for random spans of up to three years (so over many DST
// changes), zones, calendars and instants on and off the hour.
func TestBetweenSkipsWeeksExactly(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	zones := []*time.Location{time.UTC, berlin, time.FixedZone("UTC+5:30", 5*3600+1800)}
	for _, name := range []string{"America/New_York", "Australia/Sydney", "America/Santiago", "Asia/Tehran"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		zones = append(zones, loc)
	}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 10000; i++ {
		loc := zones[rng.IntN(len(zones))]
		start := rng.IntN(23)
		w := sympoq.WorkingTime{WeekStart: rng.IntN(7), WeekEnd: rng.IntN(7), DayStart: start,
			DayEnd: start + 1 + rng.IntN(24-start)}
		c := New(w, loc)
		a := base.Add(time.Duration(rng.Int64N(int64(2 * 365 * 24 * time.Hour))))
		if rng.IntN(2) == 0 {
			a = a.Truncate(time.Hour)
		}
		b := a.Add(time.Duration(rng.Int64N(int64(3 * 365 * 24 * time.Hour))))
		if got, want := c.Between(a, b), betweenByDays(c, a, b); got != want {
			t.Fatalf("calendar %+v in %s: Between(%s, %s) = %v, the day walk gives %v", w, loc, a, b, got, want)
		}
	}
	// A 9-to-5 weekday year in Berlin: 261 working days of 8 hours, with
	// both DST changes on Sundays.
	c := weekdays9to17(berlin)
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, berlin)
	if got := c.Between(from, from.AddDate(1, 0, 0)); got != 261*8*time.Hour {
		t.Errorf("working time of 2026 = %v, want %v", got, 261*8*time.Hour)
	}
}

func BenchmarkBetweenHalfYear(b *testing.B) {
	c := weekdays9to17(berlin)
	from := time.Date(2026, 6, 3, 10, 17, 0, 0, berlin)
	to := from.AddDate(0, 6, 0)
	for b.Loop() {
		c.Between(from, to)
	}
}
