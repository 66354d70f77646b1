package desk

import (
	"encoding/csv"
	"io"
	"strconv"
)

// FileName is the name of the report's CSV download.
func (r *Report) FileName() string { return r.Name + "_" + r.From + "_" + r.To + ".csv" }

// WriteCSV writes the report as CSV: the column names, the rows and the
// total row; an empty cell is "no data". Every cell is a date, a fixed
// label or a number, so none can start a spreadsheet formula.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(r.Columns); err != nil {
		return err
	}
	for _, row := range append(append([][]any{}, r.Rows...), r.Total) {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = Cell(v)
		}
		if err := cw.Write(cells); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Cell renders one report cell as text: "" for no data.
func Cell(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}
