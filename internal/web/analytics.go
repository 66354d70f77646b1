package web

import (
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/chart"
	"github.com/sympoq/sympoq/internal/desk"
)

// reportParams are the analytics form's fields, passed on to desk as they
// are: desk checks them and names the field of every problem.
var reportParams = []string{"from", "to", "queue", "agent", "topic", "channel", "priority", "group"}

// analyticsSection is one report on the page: its chart, its table and
// the link to its CSV.
type analyticsSection struct {
	Name    string
	Heading string
	Chart   template.HTML // SVG drawn by internal/chart, escaped there
	Report  *desk.Report
	CSV     string
}

// Header names a column for people.
func (analyticsSection) Header(col string) string {
	return capitalize(strings.ReplaceAll(col, "_", " "))
}

// Cell renders a table cell.
func (analyticsSection) Cell(v any) string {
	if s := desk.Cell(v); s != "" {
		return s
	}
	return "—"
}

type analyticsData struct {
	L        *lookups
	Form     *Form
	Sections []analyticsSection
	From, To string
	TimeZone string
}

var reportHeadings = map[string]string{
	desk.ReportCreatedClosed:   "Tickets created and closed per day",
	desk.ReportBacklog:         "Backlog by status (now)",
	desk.ReportResponseTimes:   "First response time (working minutes)",
	desk.ReportResolutionTimes: "Resolution time (working minutes)",
	desk.ReportBillable:        "Billable minutes per day",
	desk.ReportRatings:         "Ratings",
}

func reportInputOf(v url.Values) desk.ReportInput {
	return desk.ReportInput{From: v.Get("from"), To: v.Get("to"), Queue: v.Get("queue"), Agent: v.Get("agent"),
		Topic: v.Get("topic"), Channel: v.Get("channel"), Priority: v.Get("priority"), Group: v.Get("group")}
}

// analytics is the Analytics page: the range and scope form, then each
// report as a chart with its table and CSV link (ui.md). Reports are for
// administrators and queue managers; desk refuses everyone else.
func (w *Web) analytics(rw http.ResponseWriter, rq *request) error {
	v := rq.URL.Query()
	l, err := w.lookups(rq)
	if err != nil {
		return err
	}
	d := &analyticsData{L: l, Form: newForm(v)}
	keep := url.Values{}
	for _, p := range reportParams {
		if s := v.Get(p); s != "" {
			keep.Set(p, s)
		}
	}
	in := reportInputOf(v)
	for _, name := range desk.ReportNames {
		r, err := w.desk.Report(rq.Context(), rq.Actor, name, in)
		if err != nil {
			var e *sympoq.Error
			if asError(err, &e) && e.Code == sympoq.ETooBroad {
				for _, fe := range e.Fields {
					d.Form.Set(fe.Field, capitalize(fe.Message)+".")
				}
				d.Form.Message = "Please choose a shorter range."
				break
			}
			if d.Form.fromError(err, nil) {
				break // the form shows the problem beside its field
			}
			return err
		}
		d.From, d.To, d.TimeZone = r.From, r.To, r.TimeZone
		svg, err := reportChart(r)
		if err != nil {
			return err
		}
		q := url.Values{}
		for k, vs := range keep {
			q[k] = vs
		}
		q.Set("report", name)
		d.Sections = append(d.Sections, analyticsSection{Name: name, Heading: reportHeadings[name],
			Chart: template.HTML(svg), Report: r, CSV: "/app/desk/analytics.csv?" + q.Encode()})
	}
	if d.From != "" && d.Form.Value("from") == "" {
		d.Form.Values.Set("from", d.From)
		d.Form.Values.Set("to", d.To)
	}
	return w.render(rw, rq, "analytics", &Page{Title: "Analytics", Current: "/app/desk/analytics", Form: d.Form, Data: d})
}

// analyticsCSV downloads one report of the page as CSV.
func (w *Web) analyticsCSV(rw http.ResponseWriter, rq *request) error {
	v := rq.URL.Query()
	r, err := w.desk.Report(rq.Context(), rq.Actor, v.Get("report"), reportInputOf(v))
	if err != nil {
		return err
	}
	rw.Header().Set("Content-Type", "text/csv; charset=utf-8")
	rw.Header().Set("Content-Disposition", `attachment; filename="`+r.FileName()+`"`)
	return r.WriteCSV(rw)
}

// reportChart draws a report: lines over days, bars over statuses and
// ratings.
func reportChart(r *desk.Report) ([]byte, error) {
	c := chart.Chart{ID: "chart-" + r.Name, Title: reportHeadings[r.Name]}
	col := func(name string) []float64 {
		i := slices.Index(r.Columns, name)
		out := make([]float64, len(r.Rows))
		for j, row := range r.Rows {
			switch x := row[i].(type) {
			case int64:
				out[j] = float64(x)
			case float64:
				out[j] = x
			default:
				out[j] = math.NaN()
			}
		}
		return out
	}
	for _, row := range r.Rows {
		c.Labels = append(c.Labels, desk.Cell(row[0]))
	}
	rangeDesc := " from " + r.From + " to " + r.To + " (" + r.TimeZone + "); the table below has the numbers."
	switch r.Name {
	case desk.ReportCreatedClosed:
		c.YUnit, c.Desc = "tickets", "Tickets created and closed each day"+rangeDesc
		c.Series = []chart.Series{{Name: "Created", Values: col("created")}, {Name: "Closed", Values: col("closed")}}
		return chart.Line(c)
	case desk.ReportResponseTimes, desk.ReportResolutionTimes:
		c.YUnit, c.Desc = "minutes", "Median and 90th percentile per day"+rangeDesc
		c.Series = []chart.Series{{Name: "Median", Values: col("median_minutes")}, {Name: "90th percentile", Values: col("p90_minutes")}}
		return chart.Line(c)
	case desk.ReportBillable:
		c.YUnit, c.Desc = "minutes", "Billable minutes each day"+rangeDesc
		c.Series = []chart.Series{{Name: "Billable minutes", Values: col("minutes")}}
		return chart.Bar(c)
	case desk.ReportBacklog:
		c.YUnit, c.Desc = "tickets", "Open tickets by status now; the table below has the numbers."
		c.Series = []chart.Series{{Name: "Open tickets", Values: col("tickets")}}
		return chart.Bar(c)
	case desk.ReportRatings:
		c.YUnit, c.Desc = "ratings", "How many ratings of each value (1 to 5)"+rangeDesc
		c.Series = []chart.Series{{Name: "Ratings", Values: col("ratings")}}
		return chart.Bar(c)
	}
	return nil, sympoq.Errorf(sympoq.EInternal, "no chart for report %s", r.Name)
}
