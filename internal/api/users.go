package api

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/store"
)

// agentJSON is the agent shape of api.md §8.
type agentJSON struct {
	ID            int64            `json:"id"`
	Type          sympoq.UserKind  `json:"type"`
	Name          string           `json:"name"`
	Email         *string          `json:"email"`
	Username      *string          `json:"username"`
	Active        bool             `json:"active"`
	Administrator bool             `json:"administrator"`
	Notifications bool             `json:"notifications"`
	Signature     string           `json:"signature"`
	Avatar        *string          `json:"avatar"`
	Permissions   []permissionJSON `json:"permissions"`
	Created       *string          `json:"created"`
}

type permissionJSON struct {
	Queue int64            `json:"queue"`
	Role  sympoq.QueueRole `json:"role"`
}

// customerJSON is the customer shape of api.md §8.
type customerJSON struct {
	ID            int64               `json:"id"`
	Type          sympoq.UserKind     `json:"type"`
	Name          string              `json:"name"`
	Email         *string             `json:"email"`
	Username      *string             `json:"username"`
	Registered    bool                `json:"registered"`
	Active        bool                `json:"active"`
	Notifications bool                `json:"notifications"`
	Role          sympoq.CustomerRole `json:"role"`
	Group         *string             `json:"group"`
	GroupID       *int64              `json:"group_id"`
	Company       string              `json:"company"`
	URL           string              `json:"url"`
	Country       string              `json:"country"`
	Region        string              `json:"region"`
	Address       string              `json:"address"`
	Postcode      string              `json:"postcode"`
	City          string              `json:"city"`
	Phone         string              `json:"phone"`
	Mobile        string              `json:"mobile"`
	ExternalID    string              `json:"external_id"`
	Avatar        *string             `json:"avatar"`
	Created       *string             `json:"created"`
}

// userJSON renders an agent or a customer.
func userJSON(u *sympoq.User) any {
	if u.IsAgent() {
		perms := make([]permissionJSON, len(u.Permissions))
		for i, p := range u.Permissions {
			perms[i] = permissionJSON{Queue: p.Queue, Role: p.Role}
		}
		return agentJSON{ID: u.ID, Type: u.Kind, Name: u.Name, Email: nullable(u.Email), Username: nullable(u.Username),
			Active: u.Active, Administrator: u.Administrator, Notifications: u.Notifications, Signature: u.Signature,
			Avatar: nullable(u.Avatar), Permissions: perms, Created: apiTime(u.Created)}
	}
	c := customerJSON{ID: u.ID, Type: u.Kind, Name: u.Name, Email: nullable(u.Email), Username: nullable(u.Username),
		Registered: u.Registered, Active: u.Active, Notifications: u.Notifications, Role: u.Role,
		Group: nullable(u.Group), Company: u.Company, URL: u.URL, Country: u.Country, Region: u.Region,
		Address: u.Address, Postcode: u.Postcode, City: u.City, Phone: u.Phone, Mobile: u.Mobile,
		ExternalID: u.ExternalID, Avatar: nullable(u.Avatar), Created: apiTime(u.Created)}
	if u.GroupID != 0 {
		c.GroupID = &u.GroupID
	}
	return c
}

func usersJSON(us []*sympoq.User) []any {
	out := make([]any, len(us))
	for i, u := range us {
		out[i] = userJSON(u)
	}
	return out
}

// listQuery reads the paging, sorting and filter parameters of a user list.
func listQuery(r *http.Request, kind sympoq.UserKind) (desk.UserList, error) {
	var p sympoq.Problems
	q := desk.UserList{UserFilter: store.UserFilter{Kind: kind, Limit: 50}}
	if s := param(r, "limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			p.Add("limit", sympoq.FieldInvalid, "must be from 1 to 500")
		}
		q.Limit = n
	}
	q.Cursor = param(r, "cursor")
	if len(q.Cursor) > 500 {
		p.Add("cursor", sympoq.FieldInvalid, "is not a cursor this server gave out")
	}
	count, err := flag(r, "count")
	p.Merge(err)
	q.Count = count
	if s := param(r, "sort"); s != "" {
		q.Desc = strings.HasPrefix(s, "-")
		q.Sort = strings.TrimPrefix(s, "-")
		ok := false
		for _, v := range store.UserSorts {
			ok = ok || v == q.Sort
		}
		if !ok {
			p.Add("sort", sympoq.FieldInvalid, "must be one of %s, with - in front for descending", strings.Join(store.UserSorts, ", "))
		}
	}
	q.Q = param(r, "q")
	if len(q.Q) > 200 {
		p.Add("q", sympoq.FieldTooLong, "must be at most 200 characters")
	}
	if kind == "" {
		switch t := param(r, "type"); t {
		case "":
		case "agent", "customer":
			q.Kind = sympoq.UserKind(t)
		default:
			p.Add("type", sympoq.FieldInvalid, "must be agent or customer")
		}
	}
	if kind == sympoq.KindCustomer {
		if g := param(r, "group"); g != "" {
			q.Group = desk.ParseRef(g)
		}
		if role := param(r, "role"); role != "" {
			q.Role = sympoq.CustomerRole(role)
			if !q.Role.Valid() {
				p.Add("role", sympoq.FieldInvalid, "must be %q or %q", sympoq.RoleCustomer, sympoq.RoleCustomerManager)
			}
		}
		q.Company = param(r, "company")
		q.Country = param(r, "country")
	}
	return q, p.Err()
}

// page writes one page of a list with its paging headers.
func page(w http.ResponseWriter, r *http.Request, items any, next string, total int, counted bool) {
	if next != "" {
		u := *r.URL
		v := u.Query()
		v.Set("cursor", next)
		u.RawQuery = v.Encode()
		w.Header().Set("Link", fmt.Sprintf("<%s>; rel=\"next\"", (&url.URL{Path: u.Path, RawQuery: u.RawQuery}).String()))
		w.Header().Set("X-Next-Cursor", next)
	}
	if counted {
		w.Header().Set("X-Total-Count", strconv.Itoa(total))
	}
	writeJSON(w, http.StatusOK, items)
}

func (a *API) listUsers(kind sympoq.UserKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := listQuery(r, kind)
		if err != nil {
			return err
		}
		csvOut := false
		if kind == sympoq.KindCustomer {
			switch f := param(r, "format"); f {
			case "", "json":
			case "csv":
				csvOut = true
			default:
				return sympoq.FieldErr("format", sympoq.FieldInvalid, "must be json or csv")
			}
		}
		if csvOut {
			return a.customersCSV(w, r, q)
		}
		us, next, total, err := a.desk.Users(r.Context(), actor(r), q)
		if err != nil {
			return err
		}
		page(w, r, usersJSON(us), next, total, q.Count)
		return nil
	}
}

// csvColumns are the customer export's columns, in order.
var csvColumns = []string{"id", "name", "email", "username", "registered", "active", "notifications", "role", "group",
	"company", "url", "country", "region", "address", "postcode", "city", "phone", "mobile", "external_id", "created"}

// customersCSV streams every customer the filter selects, page by page.
func (a *API) customersCSV(w http.ResponseWriter, r *http.Request, q desk.UserList) error {
	q.Limit, q.Cursor, q.Count = 500, "", false
	us, next, _, err := a.desk.Users(r.Context(), actor(r), q)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="customers.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write(csvColumns)
	for {
		for _, u := range us {
			row := []string{strconv.FormatInt(u.ID, 10), u.Name, u.Email, u.Username, strconv.FormatBool(u.Registered),
				strconv.FormatBool(u.Active), strconv.FormatBool(u.Notifications), string(u.Role), u.Group, u.Company,
				u.URL, u.Country, u.Region, u.Address, u.Postcode, u.City, u.Phone, u.Mobile, u.ExternalID,
				deref(apiTime(u.Created))}
			for i := range row {
				row[i] = csvSafe(row[i])
			}
			_ = cw.Write(row)
		}
		if next == "" {
			break
		}
		q.Cursor = next
		if us, next, _, err = a.desk.Users(r.Context(), actor(r), q); err != nil {
			// The header is sent; all that is left is to stop and log.
			a.logger.ErrorContext(r.Context(), "customer export", "err", err)
			break
		}
	}
	cw.Flush()
	return nil
}

// csvSafe defuses cells a spreadsheet would run as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (a *API) getUser(kind sympoq.UserKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		u, err := a.desk.User(r.Context(), actor(r), kind, id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, userJSON(u))
		return nil
	}
}

func (a *API) createUser(kind sympoq.UserKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := decode[desk.UserInput](w, r)
		if err != nil {
			return err
		}
		u, err := a.desk.CreateUser(r.Context(), actor(r), kind, in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, userJSON(u))
		return nil
	}
}

func (a *API) updateUser(kind sympoq.UserKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		in, err := decode[desk.UserInput](w, r)
		if err != nil {
			return err
		}
		u, err := a.desk.UpdateUser(r.Context(), actor(r), kind, id, in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, userJSON(u))
		return nil
	}
}

func (a *API) deleteUser(kind sympoq.UserKind) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := a.desk.DeleteUser(r.Context(), actor(r), kind, id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusGone)
		return nil
	}
}

func (a *API) profile(w http.ResponseWriter, r *http.Request) error {
	u, err := a.desk.Profile(r.Context(), actor(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userJSON(u))
	return nil
}

func (a *API) updateProfile(w http.ResponseWriter, r *http.Request) error {
	in, err := decode[desk.ProfileInput](w, r)
	if err != nil {
		return err
	}
	u, err := a.desk.UpdateProfile(r.Context(), actor(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userJSON(u))
	return nil
}

type apiKeyJSON struct {
	ID          int64          `json:"id"`
	Name        string         `json:"name"`
	Prefix      string         `json:"prefix"`
	Scopes      []sympoq.Scope `json:"scopes"`
	Created     *string        `json:"created"`
	Expires     *string        `json:"expires"`
	LastUsed    *string        `json:"last_used"`
	LastAddress *string        `json:"last_address"`
	Revoked     *string        `json:"revoked"`
	Key         string         `json:"key,omitempty"`
}

func keyJSON(k *sympoq.APIKey) apiKeyJSON {
	return apiKeyJSON{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: k.Scopes, Created: apiTime(k.Created),
		Expires: apiTime(k.Expires), LastUsed: apiTime(k.LastUsed), LastAddress: nullable(k.LastAddr), Revoked: apiTime(k.Revoked)}
}

func (a *API) apiKeys(w http.ResponseWriter, r *http.Request) error {
	ks, err := a.desk.APIKeys(r.Context(), actor(r))
	if err != nil {
		return err
	}
	out := make([]apiKeyJSON, len(ks))
	for i, k := range ks {
		out[i] = keyJSON(k)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) createAPIKey(w http.ResponseWriter, r *http.Request) error {
	in, err := decode[desk.APIKeyInput](w, r)
	if err != nil {
		return err
	}
	k, err := a.desk.CreateAPIKey(r.Context(), actor(r), in)
	if err != nil {
		return err
	}
	out := keyJSON(k.APIKey)
	out.Key = k.Key
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (a *API) revokeAPIKey(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.desk.RevokeAPIKey(r.Context(), actor(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusGone)
	return nil
}
