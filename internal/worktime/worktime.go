// Package worktime does the calendar arithmetic of working time: adding a
// number of working minutes to an instant, measuring the working time
// between two instants, and formatting durations as D HH:MM. A calendar is
// 24/7, or some weekdays between a start and an end hour in the account's
// time zone; days are taken in that zone, so daylight-saving changes give
// the day its real length.
package worktime

import (
	"fmt"
	"time"

	"github.com/sympoq/sympoq"
)

// Calendar is an account's working time.
type Calendar struct {
	loc        *time.Location
	always     bool
	days       [7]bool // by time.Weekday
	start, end int     // hours of the day, end exclusive
}

// New returns the calendar of the account settings w in loc.
func New(w sympoq.WorkingTime, loc *time.Location) Calendar {
	if loc == nil {
		loc = time.UTC
	}
	c := Calendar{loc: loc, always: w.Always, start: w.DayStart, end: w.DayEnd}
	if c.end <= c.start || c.end > 24 || c.start < 0 {
		c.always = true
	}
	for d := w.WeekStart; ; d = (d + 1) % 7 {
		if d >= 0 && d < 7 {
			c.days[d] = true
		}
		if d == w.WeekEnd || d < 0 || d > 6 {
			break
		}
	}
	if !c.always {
		any := false
		for _, on := range c.days {
			any = any || on
		}
		if !any {
			c.always = true
		}
	}
	return c
}

// Always24x7 is the calendar in which all time is working time.
func Always24x7() Calendar { return Calendar{loc: time.UTC, always: true} }

// window returns the working interval of the local day that contains t
// (zero times when that day is not a working day).
func (c Calendar) window(day time.Time) (from, to time.Time, ok bool) {
	y, m, d := day.In(c.loc).Date()
	if !c.days[time.Date(y, m, d, 12, 0, 0, 0, c.loc).Weekday()] {
		return time.Time{}, time.Time{}, false
	}
	return time.Date(y, m, d, c.start, 0, 0, 0, c.loc), time.Date(y, m, d, c.end, 0, 0, 0, c.loc), true
}

// nextDay is noon of the local day after t's, a safe anchor across DST.
func (c Calendar) nextDay(t time.Time) time.Time {
	y, m, d := t.In(c.loc).Date()
	return time.Date(y, m, d+1, 12, 0, 0, 0, c.loc)
}

// maxDays bounds the walks over days, so that absurd inputs cannot spin.
const maxDays = 20 * 366

// Add returns the instant that lies d of working time after t. Time outside
// working hours does not count, so a ticket submitted on a Saturday with an
// 8-hour target falls due on Monday at the end of the working day.
func (c Calendar) Add(t time.Time, d time.Duration) time.Time {
	if c.always || d <= 0 {
		return t.Add(max(d, 0))
	}
	day := t
	for i := 0; i < maxDays; i++ {
		from, to, ok := c.window(day)
		if ok && t.Before(to) {
			begin := t
			if begin.Before(from) {
				begin = from
			}
			if left := to.Sub(begin); d <= left {
				return begin.Add(d)
			} else {
				d -= left
			}
		}
		day = c.nextDay(day)
		if t.Before(day) {
			t = day
			y, m, dd := day.Date()
			t = time.Date(y, m, dd, 0, 0, 0, 0, c.loc)
		}
	}
	return t
}

// Between returns the working time from a to b (zero when b is not after a).
// It walks the days from a to b, but steps over whole weeks in which the
// zone's UTC offset does not change at once: each such week holds exactly
// its working days of full length. A list computes this for every ticket
// on the page, and tickets months old made the walk most of its cost.
func (c Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	if c.always {
		return b.Sub(a)
	}
	var sum time.Duration
	by, bm, bd := b.In(c.loc).Date()
	bDay := time.Date(by, bm, bd, 0, 0, 0, 0, c.loc) // days before b's are whole
	day := a
	for i := 0; i < maxDays; i++ {
		if i > 0 {
			// day is noon of a day after a's: its day is whole.
			if n := c.wholeWeeks(day, bDay); n > 0 {
				sum += time.Duration(n) * c.weekLength()
				day = day.Add(time.Duration(n) * week)
				i += 7*n - 1
				continue
			}
		}
		from, to, ok := c.window(day)
		if ok {
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
			break
		}
	}
	return sum
}

const week = 7 * 24 * time.Hour

// wholeWeeks is how many whole weeks from the start of noon's day end
// before limit with no change of UTC offset: in them every local day is 24 hours
// and every working window its full length.
func (c Calendar) wholeWeeks(noon, limit time.Time) int {
	y, m, d := noon.Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, c.loc)
	end := limit
	if _, change := start.ZoneBounds(); !change.IsZero() && change.Before(end) {
		end = change
	}
	if !end.After(start) {
		return 0
	}
	// A week that ends exactly at the change is walked: a window that ends
	// at midnight then ends at an instant the zone skips or repeats, which
	// the day walk resolves as time.Date does.
	return int((end.Sub(start) - 1) / week)
}

// weekLength is the working time of a week without an offset change.
func (c Calendar) weekLength() time.Duration {
	n := 0
	for _, on := range c.days {
		if on {
			n++
		}
	}
	return time.Duration(n*(c.end-c.start)) * time.Hour
}

// Within reports whether t is working time.
func (c Calendar) Within(t time.Time) bool {
	if c.always {
		return true
	}
	from, to, ok := c.window(t)
	return ok && !t.Before(from) && t.Before(to)
}

// DayLength is the length of a working day: 24 hours for 24/7.
func (c Calendar) DayLength() time.Duration {
	if c.always {
		return 24 * time.Hour
	}
	return time.Duration(c.end-c.start) * time.Hour
}

// Target turns a service target such as "1d 4h" into working time: a day is
// one working day.
func (c Calendar) Target(w sympoq.WorkDuration) (time.Duration, error) {
	days, hours, minutes, err := w.Parts()
	if err != nil {
		return 0, err
	}
	return time.Duration(days)*c.DayLength() + time.Duration(hours)*time.Hour + time.Duration(minutes)*time.Minute, nil
}

// Format renders a duration as D HH:MM (days of 24 hours, hours, minutes),
// e.g. "2 00:24"; negative durations count as zero.
func Format(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	m := int64(d / time.Minute)
	return fmt.Sprintf("%d %02d:%02d", m/(24*60), m/60%24, m%60)
}
