package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/sympoq/sympoq"
	"github.com/sympoq/sympoq/internal/store"
)

// UserInput creates or changes an agent or a customer. On create, absent
// fields take their defaults; on update, absent fields are left alone.
// The read-only fields are listed so that writing them is a clear 403.
type UserInput struct {
	Name          Opt[string] `json:"name"`
	Email         Opt[string] `json:"email"`
	Username      Opt[string] `json:"username"`
	Password      Opt[string] `json:"password"`
	Avatar        Opt[string] `json:"avatar"`
	Active        Opt[bool]   `json:"active"`
	Notifications Opt[bool]   `json:"notifications"`

	// Agents.
	Administrator Opt[bool]         `json:"administrator"`
	Signature     Opt[string]       `json:"signature"`
	Permissions   Opt[[]Permission] `json:"permissions"`

	// Customers.
	Role             Opt[sympoq.CustomerRole] `json:"role"`
	Group            Opt[Ref]                 `json:"group"`
	Company          Opt[string]              `json:"company"`
	URL              Opt[string]              `json:"url"`
	Country          Opt[string]              `json:"country"`
	Region           Opt[string]              `json:"region"`
	Address          Opt[string]              `json:"address"`
	Postcode         Opt[string]              `json:"postcode"`
	City             Opt[string]              `json:"city"`
	Phone            Opt[string]              `json:"phone"`
	Mobile           Opt[string]              `json:"mobile"`
	ExternalID       Opt[string]              `json:"external_id"`
	SendRegistration Opt[bool]                `json:"send_registration"`

	// Read-only.
	ID         Opt[json.RawMessage] `json:"id"`
	Type       Opt[json.RawMessage] `json:"type"`
	Registered Opt[json.RawMessage] `json:"registered"`
	Created    Opt[json.RawMessage] `json:"created"`
	GroupID    Opt[json.RawMessage] `json:"group_id"`
}

// Permission is one queue role of an agent, as the agent API writes it.
type Permission struct {
	Queue int64            `json:"queue"`
	Role  sympoq.QueueRole `json:"role"`
}

func readonly(p *sympoq.Problems, fields map[string]bool) {
	for f, set := range fields {
		if set {
			p.Add(f, sympoq.FieldReadonly, "is read-only")
		}
	}
}

func (in *UserInput) checkReadonly(p *sympoq.Problems) {
	readonly(p, map[string]bool{"id": in.ID.Set, "type": in.Type.Set, "registered": in.Registered.Set,
		"created": in.Created.Set, "group_id": in.GroupID.Set})
}

// agentOnly and customerOnly name the fields that do not apply to the other kind.
func (in *UserInput) wrongKind(p *sympoq.Problems, kind sympoq.UserKind) {
	agent := map[string]bool{"administrator": in.Administrator.Set, "signature": in.Signature.Set, "permissions": in.Permissions.Set}
	customer := map[string]bool{"role": in.Role.Set, "group": in.Group.Set, "company": in.Company.Set, "url": in.URL.Set,
		"country": in.Country.Set, "region": in.Region.Set, "address": in.Address.Set, "postcode": in.Postcode.Set,
		"city": in.City.Set, "phone": in.Phone.Set, "mobile": in.Mobile.Set, "external_id": in.ExternalID.Set,
		"send_registration": in.SendRegistration.Set}
	other := customer
	if kind == sympoq.KindCustomer {
		other = agent
	}
	for f, set := range other {
		if set {
			p.Add(f, sympoq.FieldUnknown, "is not a field of a %s", kind)
		}
	}
}

// str applies an optional string field to *dst after checking it.
func str(p *sympoq.Problems, field string, o Opt[string], dst *string, max int, multiline bool) {
	if !o.Set {
		return
	}
	v := strings.TrimSpace(o.V)
	if multiline {
		v = strings.TrimRight(o.V, " \t\r\n")
	}
	sympoq.CheckText(p, field, v, max, multiline)
	*dst = v
}

func boolean(p *sympoq.Problems, field string, o Opt[bool], dst *bool) {
	if !o.Set {
		return
	}
	if o.Null {
		p.Add(field, sympoq.FieldInvalid, "must be true or false, not null")
		return
	}
	*dst = o.V
}

// apply validates in and writes it onto u. creating tells whether u is new.
// Lookups (queues, groups) run in tx so they see the same account state.
func (s *Service) apply(ctx context.Context, tx *store.Tx, set *sympoq.Settings, u *sympoq.User, in *UserInput, creating bool) (sympoq.Problems, error) {
	var p sympoq.Problems
	in.checkReadonly(&p)
	in.wrongKind(&p, u.Kind)
	str(&p, "name", in.Name, &u.Name, sympoq.MaxNameLen, false)
	if u.Name == "" && (creating || in.Name.Set) {
		p.Add("name", sympoq.FieldMissing, "is required")
	}
	if in.Email.Set {
		u.Email = strings.ToLower(strings.TrimSpace(in.Email.V))
		if u.Email != "" {
			if code, msg := sympoq.ValidateEmail(u.Email); code != "" {
				p.Add("email", code, "%s", msg)
			}
		}
	}
	if in.Username.Set {
		u.Username = strings.TrimSpace(in.Username.V)
	} else if creating && u.Username == "" && (u.IsAgent() || in.Password.Set) && u.Email != "" {
		if code, _ := sympoq.ValidateUsername(u.Email); code == "" {
			u.Username = u.Email
		}
	}
	if u.Username != "" && (creating || in.Username.Set) {
		if code, msg := sympoq.ValidateUsername(u.Username); code != "" {
			p.Add("username", code, "%s", msg)
		}
	}
	if u.Username == "" && (u.IsAgent() && (creating || in.Username.Set) || in.Password.Set && in.Password.V != "") {
		p.Add("username", sympoq.FieldMissing, "is required (5-31 characters); it defaults to the email when that fits")
	}
	if in.Password.Set {
		if code, msg := sympoq.ValidatePassword(in.Password.V, set.General.PasswordMinLength); code != "" {
			p.Add("password", code, "%s", msg)
		} else {
			u.PasswordHash = HashPassword(in.Password.V)
			if u.Kind == sympoq.KindCustomer {
				u.Registered = true
			}
		}
	}
	str(&p, "avatar", in.Avatar, &u.Avatar, 2048, false)
	if u.Avatar != "" && in.Avatar.Set {
		checkURL(&p, "avatar", u.Avatar)
	}
	boolean(&p, "active", in.Active, &u.Active)
	boolean(&p, "notifications", in.Notifications, &u.Notifications)
	if u.IsAgent() {
		boolean(&p, "administrator", in.Administrator, &u.Administrator)
		str(&p, "signature", in.Signature, &u.Signature, sympoq.MaxSignatureLen, true)
		if in.Permissions.Set {
			perms, err := s.permissions(ctx, tx, u, in.Permissions.V, &p)
			if err != nil {
				return p, err
			}
			u.Permissions = perms
		}
		return p, nil
	}
	if in.Role.Set {
		if !in.Role.V.Valid() {
			p.Add("role", sympoq.FieldInvalid, "must be %q or %q", sympoq.RoleCustomer, sympoq.RoleCustomerManager)
		} else {
			u.Role = in.Role.V
		}
	}
	if in.Group.Set {
		u.GroupID, u.Group = 0, ""
		if !in.Group.Null {
			g, err := s.group(ctx, tx, u.AccountID, in.Group.V)
			if sympoq.ErrorCode(err) == sympoq.ENotFound {
				p.Add("group", sympoq.FieldInvalid, "is not a customer group of this account")
			} else if err != nil {
				return p, err
			} else {
				u.GroupID, u.Group = g.ID, g.Name
			}
		}
	}
	for _, f := range []struct {
		name string
		o    Opt[string]
		dst  *string
	}{{"company", in.Company, &u.Company}, {"url", in.URL, &u.URL}, {"country", in.Country, &u.Country},
		{"region", in.Region, &u.Region}, {"address", in.Address, &u.Address}, {"postcode", in.Postcode, &u.Postcode},
		{"city", in.City, &u.City}, {"phone", in.Phone, &u.Phone}, {"mobile", in.Mobile, &u.Mobile},
		{"external_id", in.ExternalID, &u.ExternalID}} {
		str(&p, f.name, f.o, f.dst, sympoq.MaxShortLen, f.name == "address")
	}
	if in.URL.Set && u.URL != "" {
		checkURL(&p, "url", u.URL)
	}
	if in.SendRegistration.Value(false) && u.Email == "" {
		p.Add("send_registration", sympoq.FieldInvalid, "needs the customer's email")
	}
	return p, nil
}

func checkURL(p *sympoq.Problems, field, s string) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.Add(field, sympoq.FieldInvalid, "must be an http or https URL")
	}
}

func (s *Service) permissions(ctx context.Context, tx *store.Tx, u *sympoq.User, in []Permission, p *sympoq.Problems) ([]sympoq.QueuePermission, error) {
	queues, err := tx.Queues(ctx, u.AccountID)
	if err != nil {
		return nil, err
	}
	known := map[int64]bool{}
	for _, q := range queues {
		known[q.ID] = true
	}
	seen := map[int64]bool{}
	out := []sympoq.QueuePermission{}
	for i, perm := range in {
		f := fmt.Sprintf("permissions[%d]", i)
		switch {
		case !known[perm.Queue]:
			p.Add(f+".queue", sympoq.FieldInvalid, "is not a queue of this account")
		case seen[perm.Queue]:
			p.Add(f+".queue", sympoq.FieldDuplicate, "is listed twice; an agent has one role per queue")
		case !perm.Role.Valid():
			p.Add(f+".role", sympoq.FieldInvalid, "must be %q or %q", sympoq.RoleQueueManager, sympoq.RoleAgent)
		default:
			seen[perm.Queue] = true
			out = append(out, sympoq.QueuePermission{Queue: perm.Queue, Agent: u.ID, Role: perm.Role})
		}
	}
	return out, nil
}

func (s *Service) group(ctx context.Context, tx *store.Tx, accountID int64, r Ref) (*sympoq.Group, error) {
	if r.Name != "" {
		return tx.GroupByName(ctx, accountID, r.Name)
	}
	return tx.Group(ctx, accountID, r.ID)
}

// CreateUser creates an agent (administrators) or a customer (administrators
// and agents with a queue role). A customer created with send_registration
// is sent a registration email by a job enqueued in the same transaction.
func (s *Service) CreateUser(ctx context.Context, a Actor, kind sympoq.UserKind, in UserInput) (*sympoq.User, error) {
	act := sympoq.ActWriteAgents
	if kind == sympoq.KindCustomer {
		act = sympoq.ActWriteCustomers
	}
	var u *sympoq.User
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		set, err := s.allow(ctx, tx, a, act)
		if err != nil {
			return err
		}
		u = &sympoq.User{AccountID: a.AccountID, Kind: kind, Active: true, Notifications: true}
		if kind == sympoq.KindCustomer {
			u.Role = sympoq.RoleCustomer
		}
		p, err := s.apply(ctx, tx, set, u, &in, true)
		if err != nil {
			return err
		}
		if err := p.Err(); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		if kind == sympoq.KindCustomer && in.SendRegistration.Value(false) && !u.Registered {
			return s.jobs.Enqueue(ctx, tx, RegistrationEmail{AccountID: u.AccountID, UserID: u.ID})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// UpdateUser changes an agent (administrators) or a customer.
func (s *Service) UpdateUser(ctx context.Context, a Actor, kind sympoq.UserKind, id int64, in UserInput) (*sympoq.User, error) {
	act := sympoq.ActWriteAgents
	if kind == sympoq.KindCustomer {
		act = sympoq.ActWriteCustomers
	}
	var u *sympoq.User
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		set, err := s.allow(ctx, tx, a, act)
		if err != nil {
			return err
		}
		u, err = s.userOfKind(ctx, tx, a.AccountID, kind, id)
		if err != nil {
			return err
		}
		wasAdmin := u.IsAgent() && u.Administrator && u.Active
		p, err := s.apply(ctx, tx, set, u, &in, false)
		if err != nil {
			return err
		}
		if in.SendRegistration.Set {
			p.Add("send_registration", sympoq.FieldUnknown, "applies only when a customer is created")
		}
		if err := p.Err(); err != nil {
			return err
		}
		if u.ID == a.ID() && !u.Active {
			return sympoq.Errorf(sympoq.EConflict, "you cannot deactivate yourself")
		}
		if wasAdmin && (!u.Administrator || !u.Active) {
			if err := s.keepAnAdmin(ctx, tx, u.AccountID, u.ID); err != nil {
				return err
			}
		}
		return tx.UpdateUser(ctx, u)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// DeleteUser deactivates a user: they can no longer sign in or use keys, and
// their history stays.
func (s *Service) DeleteUser(ctx context.Context, a Actor, kind sympoq.UserKind, id int64) error {
	act := sympoq.ActWriteAgents
	if kind == sympoq.KindCustomer {
		act = sympoq.ActWriteCustomers
	}
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := s.allow(ctx, tx, a, act); err != nil {
			return err
		}
		u, err := s.userOfKind(ctx, tx, a.AccountID, kind, id)
		if err != nil {
			return err
		}
		if u.ID == a.ID() {
			return sympoq.Errorf(sympoq.EConflict, "you cannot deactivate yourself")
		}
		if u.IsAgent() && u.Administrator && u.Active {
			if err := s.keepAnAdmin(ctx, tx, u.AccountID, u.ID); err != nil {
				return err
			}
		}
		u.Active = false
		return tx.UpdateUser(ctx, u)
	})
}

// keepAnAdmin refuses a change that would leave the account without an
// active administrator.
func (s *Service) keepAnAdmin(ctx context.Context, tx *store.Tx, accountID, except int64) error {
	active := true
	agents, _, err := tx.Users(ctx, accountID, store.UserFilter{Kind: sympoq.KindAgent, Active: &active})
	if err != nil {
		return err
	}
	for _, ag := range agents {
		if ag.ID != except && ag.Administrator {
			return nil
		}
	}
	return sympoq.Errorf(sympoq.EConflict, "the account must keep at least one active administrator")
}

func (s *Service) userOfKind(ctx context.Context, tx *store.Tx, accountID int64, kind sympoq.UserKind, id int64) (*sympoq.User, error) {
	u, err := tx.User(ctx, accountID, id)
	if err != nil {
		return nil, err
	}
	if u.Kind != kind {
		return nil, sympoq.NotFound(string(kind))
	}
	return u, nil
}

// User returns one agent or customer to an agent.
func (s *Service) User(ctx context.Context, a Actor, kind sympoq.UserKind, id int64) (*sympoq.User, error) {
	tx := s.db.Read()
	if _, err := s.allow(ctx, tx, a, sympoq.ActReadUsers); err != nil {
		return nil, err
	}
	return s.userOfKind(ctx, tx, a.AccountID, kind, id)
}

// UserList is the query of a user list: a filter and whether to count.
type UserList struct {
	store.UserFilter
	Group Ref // by id or name, resolved to GroupID
	Count bool
}

// Users lists agents and customers for an agent; one page, the next cursor
// and, when asked, the total.
func (s *Service) Users(ctx context.Context, a Actor, q UserList) ([]*sympoq.User, string, int, error) {
	tx := s.db.Read()
	if _, err := s.allow(ctx, tx, a, sympoq.ActReadUsers); err != nil {
		return nil, "", 0, err
	}
	if q.Group.ID != 0 || q.Group.Name != "" {
		g, err := s.group(ctx, tx, a.AccountID, q.Group)
		if sympoq.ErrorCode(err) == sympoq.ENotFound {
			return []*sympoq.User{}, "", 0, nil
		} else if err != nil {
			return nil, "", 0, err
		}
		q.GroupID = g.ID
	}
	us, next, err := tx.Users(ctx, a.AccountID, q.UserFilter)
	if err != nil {
		return nil, "", 0, err
	}
	total := 0
	if q.Count {
		if total, err = tx.CountUsers(ctx, a.AccountID, q.UserFilter); err != nil {
			return nil, "", 0, err
		}
	}
	return us, next, total, nil
}

// ProfileInput is what users may change about themselves.
type ProfileInput struct {
	Name            Opt[string] `json:"name"`
	Email           Opt[string] `json:"email"`
	Password        Opt[string] `json:"password"`
	CurrentPassword Opt[string] `json:"current_password"`
	Signature       Opt[string] `json:"signature"`
	Notifications   Opt[bool]   `json:"notifications"`
	Avatar          Opt[string] `json:"avatar"`
	Phone           Opt[string] `json:"phone"`
	Mobile          Opt[string] `json:"mobile"`

	// Read-only for oneself.
	ID            Opt[json.RawMessage] `json:"id"`
	Type          Opt[json.RawMessage] `json:"type"`
	Username      Opt[json.RawMessage] `json:"username"`
	Active        Opt[json.RawMessage] `json:"active"`
	Administrator Opt[json.RawMessage] `json:"administrator"`
	Permissions   Opt[json.RawMessage] `json:"permissions"`
	Role          Opt[json.RawMessage] `json:"role"`
	Group         Opt[json.RawMessage] `json:"group"`
	Registered    Opt[json.RawMessage] `json:"registered"`
	Created       Opt[json.RawMessage] `json:"created"`
}

// Profile returns the caller.
func (s *Service) Profile(ctx context.Context, a Actor) (*sympoq.User, error) {
	if a.IsGuest() {
		return nil, sympoq.Errorf(sympoq.EUnauthorized, "sign in first")
	}
	return s.db.Read().User(ctx, a.AccountID, a.ID())
}

// UpdateProfile changes the caller's own name, email, password (with the
// current one), signature (agents), notifications, avatar and phones
// (customers).
func (s *Service) UpdateProfile(ctx context.Context, a Actor, in ProfileInput) (*sympoq.User, error) {
	if a.IsGuest() {
		return nil, sympoq.Errorf(sympoq.EUnauthorized, "sign in first")
	}
	var u *sympoq.User
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		set, err := tx.Settings(ctx, a.AccountID)
		if err != nil {
			return err
		}
		u, err = tx.User(ctx, a.AccountID, a.ID())
		if err != nil {
			return err
		}
		var p sympoq.Problems
		readonly(&p, map[string]bool{"id": in.ID.Set, "type": in.Type.Set, "username": in.Username.Set,
			"active": in.Active.Set, "administrator": in.Administrator.Set, "permissions": in.Permissions.Set,
			"role": in.Role.Set, "group": in.Group.Set, "registered": in.Registered.Set, "created": in.Created.Set})
		if u.IsAgent() && (in.Phone.Set || in.Mobile.Set) {
			p.Add("phone", sympoq.FieldUnknown, "phone and mobile are customer fields")
		}
		if !u.IsAgent() && in.Signature.Set {
			p.Add("signature", sympoq.FieldUnknown, "only agents have a signature")
		}
		if in.Password.Set && !CheckPassword(u.PasswordHash, in.CurrentPassword.Value("")) && u.PasswordHash != "" {
			p.Add("current_password", sympoq.FieldInvalid, "does not match your password")
		}
		if p.Len() > 0 {
			return p.Err()
		}
		ui := UserInput{Name: in.Name, Email: in.Email, Password: in.Password, Notifications: in.Notifications,
			Avatar: in.Avatar, Signature: in.Signature, Phone: in.Phone, Mobile: in.Mobile}
		p, err = s.apply(ctx, tx, set, u, &ui, false)
		if err != nil {
			return err
		}
		if err := p.Err(); err != nil {
			return err
		}
		return tx.UpdateUser(ctx, u)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}
