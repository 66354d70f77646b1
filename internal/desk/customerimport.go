package desk

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/sympoq/sympoq"
)

// MaxImportRows bounds one customer import.
const MaxImportRows = 5000

// ImportResult says what a customer import did: how many customers it
// created and, line by line, why the other rows were refused.
type ImportResult struct {
	Created int
	Rows    int
	Errors  []ImportError
}

// ImportError is a refused row: its line in the file and what is wrong.
type ImportError struct {
	Line    int
	Message string
	Fields  []sympoq.FieldError
}

// importColumns are the columns an import understands: those of the
// customer export, so an export can be imported elsewhere. id, registered
// and created are the export's own and are ignored.
var importColumns = map[string]bool{"name": true, "email": true, "username": true, "role": true, "group": true,
	"company": true, "url": true, "country": true, "region": true, "address": true, "postcode": true, "city": true,
	"phone": true, "mobile": true, "external_id": true, "active": true, "notifications": true, "send_registration": true,
	"id": false, "registered": false, "created": false}

// ImportCustomers creates customers from a CSV file whose first line names
// the columns (see importColumns). Each row is created on its own through
// CreateUser, with the same rules as the API: a bad row is reported with
// its field errors and writes nothing, the good rows are created. A file
// that cannot be read as CSV, or has an unknown column, creates nothing.
func (s *Service) ImportCustomers(ctx context.Context, a Actor, r io.Reader) (*ImportResult, error) {
	if _, err := s.allow(ctx, s.db.Read(), a, sympoq.ActWriteCustomers); err != nil {
		return nil, err
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, sympoq.FieldErr("file", sympoq.FieldMissing, "is empty; the first line must name the columns, e.g. name,email")
	} else if err != nil {
		return nil, sympoq.FieldErr("file", sympoq.FieldInvalid, "is not a CSV file: %v", err)
	}
	cols := make([]string, len(head))
	seen := map[string]bool{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, ok := importColumns[h]; !ok {
			return nil, sympoq.FieldErr("file", sympoq.FieldInvalid, "has an unknown column %q; known: name, email, username, role, group, company, url, country, region, address, postcode, city, phone, mobile, external_id, active, notifications, send_registration", h)
		}
		if seen[h] {
			return nil, sympoq.FieldErr("file", sympoq.FieldInvalid, "names the column %q twice", h)
		}
		seen[h] = true
		cols[i] = h
	}
	if !seen["name"] && !seen["email"] {
		return nil, sympoq.FieldErr("file", sympoq.FieldInvalid, "needs a name or an email column")
	}
	res := &ImportResult{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			res.Rows++
			res.Errors = append(res.Errors, ImportError{Line: line, Message: "cannot be read: " + err.Error()})
			continue
		}
		if blank(rec) {
			continue
		}
		res.Rows++
		if res.Rows > MaxImportRows {
			return nil, sympoq.FieldErr("file", sympoq.FieldInvalid, "has more than %d rows; split it", MaxImportRows)
		}
		if len(rec) > len(cols) {
			res.Errors = append(res.Errors, ImportError{Line: line, Message: "has more cells than the header names"})
			continue
		}
		in, msg := importRow(cols, rec)
		if msg != "" {
			res.Errors = append(res.Errors, ImportError{Line: line, Message: msg})
			continue
		}
		if _, err := s.CreateUser(ctx, a, sympoq.KindCustomer, in); err != nil {
			var e *sympoq.Error
			if !errors.As(err, &e) || e.Code == sympoq.EInternal {
				return nil, err
			}
			res.Errors = append(res.Errors, ImportError{Line: line, Message: e.Message, Fields: e.Fields})
			continue
		}
		res.Created++
	}
	return res, nil
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// importRow maps one CSV record to the input of CreateUser; cells left
// empty are absent (the defaults apply).
func importRow(cols, rec []string) (UserInput, string) {
	var in UserInput
	for i, c := range rec {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		switch cols[i] {
		case "name":
			in.Name = Some(c)
		case "email":
			in.Email = Some(c)
		case "username":
			in.Username = Some(c)
		case "role":
			in.Role = Some(sympoq.CustomerRole(c))
		case "group":
			in.Group = Some(Ref{Name: c})
		case "company":
			in.Company = Some(c)
		case "url":
			in.URL = Some(c)
		case "country":
			in.Country = Some(c)
		case "region":
			in.Region = Some(c)
		case "address":
			in.Address = Some(c)
		case "postcode":
			in.Postcode = Some(c)
		case "city":
			in.City = Some(c)
		case "phone":
			in.Phone = Some(c)
		case "mobile":
			in.Mobile = Some(c)
		case "external_id":
			in.ExternalID = Some(c)
		case "active", "notifications", "send_registration":
			b, err := strconv.ParseBool(strings.ToLower(c))
			if err != nil {
				return in, cols[i] + " must be true or false"
			}
			switch cols[i] {
			case "active":
				in.Active = Some(b)
			case "notifications":
				in.Notifications = Some(b)
			default:
				in.SendRegistration = Some(b)
			}
		}
	}
	return in, ""
}
