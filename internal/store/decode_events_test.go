package store

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/sympoq/sympoq"
)

// eventsJSON is what PostgreSQL's json_agg(json_build_array(eventColumns))
// gives for events: one array of the columns per event.
func eventsJSON(t testing.TB, evs []*sympoq.Event) []byte {
	rows := make([][]any, len(evs))
	for i, e := range evs {
		var by, att any
		if e.AppliedBy != 0 {
			by = e.AppliedBy
		}
		if e.Attachment != 0 {
			att = e.Attachment
		}
		rows[i] = []any{e.ID, e.Ticket, e.Date.UnixMicro(), string(e.Action), e.Description, e.Body, by, e.AppliedName,
			e.Billable, att, string(e.Visibility), e.Rating}
	}
	b, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sampleEvents() []*sympoq.Event {
	at := time.UnixMicro(1733400000123456).UTC()
	return []*sympoq.Event{
		{AccountID: 7, ID: 91, Ticket: 12, Date: at, Action: sympoq.EvSubmitted, Description: "Printer",
			Body: "Line one\nline \"two\" <b>&</b> \u00e9\u2603 \\", AppliedBy: 3, AppliedName: "Ann O'Neil", Visibility: sympoq.Public},
		{AccountID: 7, ID: 92, Ticket: 12, Date: at.Add(time.Second), Action: sympoq.EvNotified, Description: "x",
			Visibility: sympoq.Internal},
		{AccountID: 7, ID: 9007199254740993, Ticket: 12, Date: at.Add(time.Hour), Action: "Rate", Description: "",
			AppliedBy: 4, AppliedName: "Bo", Billable: 15, Attachment: 5, Visibility: sympoq.Public, Rating: 5},
	}
}

// TestDecodeEvents: the event log PostgreSQL aggregates as JSON reads back
// as the events it came from, large ids, nulls and escapes included; an
// empty log is an empty list; anything else is an error, not a panic.
func TestDecodeEvents(t *testing.T) {
	want := sampleEvents()
	got, err := decodeEvents(7, eventsJSON(t, want))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		for i := range got {
			t.Errorf("event %d: got %+v\nwant %+v", i, *got[i], *want[i])
		}
	}
	if got, err := decodeEvents(7, []byte(`[]`)); err != nil || got == nil || len(got) != 0 {
		t.Errorf("decodeEvents([]) = %v, %v, want an empty list", got, err)
	}
	for _, b := range []string{``, `{}`, `[1]`, `[[1,2]]`, `[["x",2,3,"a","b","c",null,"d",0,null,"public",0]]`,
		`[[1,2,3,"a","b","c",null,"d",0,null,"public",0,9]]`, `[[1,2,3,4,"b","c",null,"d",0,null,"public",0]]`,
		`[[1.5,2,3,"a","b","c",null,"d",0,null,"public",0]]`, `[[1,2,3,"a","b","c",null,"d",0,null,"public",0]`} {
		if _, err := decodeEvents(7, []byte(b)); err == nil {
			t.Errorf("decodeEvents(%s) = nil error, want one", b)
		}
	}
}

func BenchmarkDecodeEvents(b *testing.B) {
	evs := sampleEvents()
	for range 3 {
		evs = append(evs, sampleEvents()...)
	}
	data := eventsJSON(b, evs)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := decodeEvents(7, data); err != nil {
			b.Fatal(err)
		}
	}
}
