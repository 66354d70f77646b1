// Package chart draws line and bar charts as SVG on the server: no
// JavaScript, every label escaped by html/template, a <title> and <desc>
// for screen readers, axes with round ticks and colours from a small
// palette. It knows nothing of tickets or reports; it draws numbers.
package chart

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Palette is the colours of the series, in order; they stay apart for the
// common kinds of colour blindness and on white.
var Palette = []string{"#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2"}

// Series is one named row of values, one per label; NaN is "no value" (a
// gap in a line, no bar).
type Series struct {
	Name   string
	Values []float64
}

// Chart is what to draw. ID prefixes the ids of the title and description,
// so several charts can sit on one page.
type Chart struct {
	ID     string
	Title  string
	Desc   string
	Labels []string // the x axis: days, statuses, ratings
	Series []Series
	YUnit  string // shown beside the y axis, e.g. "tickets", "minutes"
	Width  int    // default 640
	Height int    // default 260
}

const (
	padLeft   = 56
	padRight  = 16
	padTop    = 36
	padBottom = 40
	maxXTicks = 8
)

//go:embed chart.svg.tmpl
var files embed.FS

var tmpl = template.Must(template.New("chart.svg.tmpl").ParseFS(files, "chart.svg.tmpl"))

// view is the template's data: everything already placed.
type view struct {
	Chart
	W, H          int
	Left, Right   float64
	Top, Bottom   float64
	YTicks        []tick
	XTicks        []tick
	Lines         []line
	Bars          []bar
	Legend        []legend
	Empty         bool
	TickEnd       float64
	MidX, MidY    float64
	TitleID       string
	DescID        string
	AxisLabelX    float64
	AxisLabelY    float64
	YUnitRotation string
}

type tick struct {
	Pos   float64
	Label string
}

type line struct {
	Color string
	Name  string
	Parts []string // one polyline per unbroken run
	Dots  []dot
}

type dot struct {
	X, Y  float64
	Title string
}

type bar struct {
	X, Y, W, H float64
	Color      string
	Title      string
}

type legend struct {
	X     float64
	Color string
	Name  string
}

// Line draws the series as lines over the labels.
func Line(c Chart) ([]byte, error) { return draw(c, false) }

// Bar draws the series as grouped bars over the labels.
func Bar(c Chart) ([]byte, error) { return draw(c, true) }

func draw(c Chart, bars bool) ([]byte, error) {
	if c.Width <= 0 {
		c.Width = 640
	}
	if c.Height <= 0 {
		c.Height = 260
	}
	if c.ID == "" {
		c.ID = "chart"
	}
	for _, s := range c.Series {
		if len(s.Values) != len(c.Labels) {
			return nil, fmt.Errorf("chart %s: series %q has %d values for %d labels", c.ID, s.Name, len(s.Values), len(c.Labels))
		}
	}
	v := view{Chart: c, W: c.Width, H: c.Height, Left: padLeft, Right: float64(c.Width - padRight),
		Top: padTop, Bottom: float64(c.Height - padBottom), TitleID: c.ID + "-title", DescID: c.ID + "-desc"}
	v.AxisLabelX, v.AxisLabelY = 14, (v.Top+v.Bottom)/2
	v.TickEnd, v.MidX, v.MidY = v.Bottom+4, float64(c.Width)/2, (v.Top+v.Bottom)/2
	v.YUnitRotation = fmt.Sprintf("rotate(-90 %s %s)", num(v.AxisLabelX), num(v.AxisLabelY))

	hi := 0.0
	for _, s := range c.Series {
		for _, x := range s.Values {
			if !math.IsNaN(x) && x > hi {
				hi = x
			}
		}
	}
	v.Empty = len(c.Labels) == 0 || hi == 0 && !anyValue(c.Series)
	step, top := niceScale(hi)
	y := func(x float64) float64 { return v.Bottom - x/top*(v.Bottom-v.Top) }
	for t := 0.0; t <= top+step/2; t += step {
		v.YTicks = append(v.YTicks, tick{Pos: round1(y(t)), Label: formatNum(t)})
	}

	n := len(c.Labels)
	slot := (v.Right - v.Left) / float64(max(n, 1))
	center := func(i int) float64 { return v.Left + slot*(float64(i)+0.5) }
	every := max(1, (n+maxXTicks-1)/maxXTicks)
	for i := 0; i < n; i += every {
		v.XTicks = append(v.XTicks, tick{Pos: round1(center(i)), Label: c.Labels[i]})
	}

	for si, s := range c.Series {
		color := Palette[si%len(Palette)]
		v.Legend = append(v.Legend, legend{X: v.Left + float64(si)*140, Color: color, Name: s.Name})
		if bars {
			groupW := slot * 0.8
			bw := groupW / float64(len(c.Series))
			for i, x := range s.Values {
				if math.IsNaN(x) {
					continue
				}
				bx := v.Left + slot*float64(i) + slot*0.1 + bw*float64(si)
				v.Bars = append(v.Bars, bar{X: round1(bx), Y: round1(y(x)), W: round1(bw), H: round1(v.Bottom - y(x)),
					Color: color, Title: s.Name + ", " + c.Labels[i] + ": " + formatNum(x)})
			}
			continue
		}
		l := line{Color: color, Name: s.Name}
		var run []string
		for i, x := range s.Values {
			if math.IsNaN(x) {
				if len(run) > 0 {
					l.Parts = append(l.Parts, strings.Join(run, " "))
				}
				run = nil
				continue
			}
			px, py := round1(center(i)), round1(y(x))
			run = append(run, num(px)+","+num(py))
			l.Dots = append(l.Dots, dot{X: px, Y: py, Title: s.Name + ", " + c.Labels[i] + ": " + formatNum(x)})
		}
		if len(run) > 0 {
			l.Parts = append(l.Parts, strings.Join(run, " "))
		}
		v.Lines = append(v.Lines, l)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("chart %s: %w", c.ID, err)
	}
	return buf.Bytes(), nil
}

func anyValue(ss []Series) bool {
	for _, s := range ss {
		for _, x := range s.Values {
			if !math.IsNaN(x) {
				return true
			}
		}
	}
	return false
}

// niceScale picks a tick step of 1, 2 or 5 times a power of ten giving
// about five ticks up to at least hi, and the axis top.
func niceScale(hi float64) (step, top float64) {
	if hi <= 0 {
		return 1, 5
	}
	raw := hi / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	switch f := raw / mag; {
	case f <= 1:
		step = mag
	case f <= 2:
		step = 2 * mag
	case f <= 5:
		step = 5 * mag
	default:
		step = 10 * mag
	}
	if step < 1 && hi >= 1 {
		step = 1
	}
	top = math.Ceil(hi/step) * step
	return step, top
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// formatNum shows whole numbers without decimals and others with two at
// most.
func formatNum(x float64) string {
	if x == math.Trunc(x) {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64)
}
