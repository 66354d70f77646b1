package api

import (
	"net/http"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
)

// reportJSON is one analytics table (api.md §10): the columns, a row per
// day (status, rating) and the total row.
type reportJSON struct {
	Report   string   `json:"report"`
	From     string   `json:"from"`
	To       string   `json:"to"`
	TimeZone string   `json:"time_zone"`
	Columns  []string `json:"columns"`
	Rows     [][]any  `json:"rows"`
	Total    []any    `json:"total"`
	Average  *float64 `json:"average"`
}

// reportInput reads the range and scope parameters: the scope from the
// query or a header of the same name (api.md §4), the range from the query
// only, since From is a standard request header (a crawler's address).
func reportInput(r *http.Request) desk.ReportInput {
	q := r.URL.Query()
	return desk.ReportInput{From: q.Get("from"), To: q.Get("to"), Queue: param(r, "queue"), Agent: param(r, "agent"),
		Topic: param(r, "topic"), Channel: param(r, "channel"), Priority: param(r, "priority"), Group: param(r, "group")}
}

// report answers GET /reports/{name}, as JSON or with ?format=csv as CSV.
func (a *API) report(w http.ResponseWriter, r *http.Request) error {
	csvOut := false
	switch param(r, "format") {
	case "", "json":
	case "csv":
		csvOut = true
	default:
		return sympoq.FieldErr("format", sympoq.FieldInvalid, "must be json or csv")
	}
	rep, err := a.desk.Report(r.Context(), actor(r), r.PathValue("name"), reportInput(r))
	if err != nil {
		return err
	}
	if csvOut {
		writeReportCSV(w, rep)
		return nil
	}
	rows := rep.Rows
	if rows == nil {
		rows = [][]any{}
	}
	writeJSON(w, http.StatusOK, reportJSON{Report: rep.Name, From: rep.From, To: rep.To, TimeZone: rep.TimeZone,
		Columns: rep.Columns, Rows: rows, Total: rep.Total, Average: rep.Average})
	return nil
}

// writeReportCSV sends a report as a CSV download.
func writeReportCSV(w http.ResponseWriter, rep *desk.Report) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+rep.FileName()+`"`)
	_ = rep.WriteCSV(w)
}
