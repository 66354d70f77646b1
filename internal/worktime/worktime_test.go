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
