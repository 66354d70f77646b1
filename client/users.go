package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// The roles: an agent's in a queue, a customer's in the account.
const (
	RoleQueueManager    = "Queue Manager"
	RoleAgent           = "Agent"
	RoleCustomer        = "Customer"
	RoleCustomerManager = "Customer Manager"
)

// The user types of GET /users.
const (
	TypeAgent    = "agent"
	TypeCustomer = "customer"
)

// Agent is a staff user (api.md §8).
type Agent struct {
	ID            int64        `json:"id"`
	Type          string       `json:"type"`
	Name          string       `json:"name"`
	Email         *string      `json:"email"`
	Username      *string      `json:"username"`
	Active        bool         `json:"active"`
	Administrator bool         `json:"administrator"`
	Notifications bool         `json:"notifications"`
	Signature     string       `json:"signature"`
	Avatar        *string      `json:"avatar"`
	Permissions   []Permission `json:"permissions"`
	Created       *time.Time   `json:"created"`
}

// Permission is an agent's role in one queue.
type Permission struct {
	Queue int64  `json:"queue"`
	Role  string `json:"role"` // RoleQueueManager or RoleAgent
}

// Customer is an end user (api.md §8).
type Customer struct {
	ID            int64      `json:"id"`
	Type          string     `json:"type"`
	Name          string     `json:"name"`
	Email         *string    `json:"email"`
	Username      *string    `json:"username"`
	Registered    bool       `json:"registered"`
	Active        bool       `json:"active"`
	Notifications bool       `json:"notifications"`
	Role          string     `json:"role"` // RoleCustomer or RoleCustomerManager
	Group         *string    `json:"group"`
	GroupID       *int64     `json:"group_id"`
	Company       string     `json:"company"`
	URL           string     `json:"url"`
	Country       string     `json:"country"`
	Region        string     `json:"region"`
	Address       string     `json:"address"`
	Postcode      string     `json:"postcode"`
	City          string     `json:"city"`
	Phone         string     `json:"phone"`
	Mobile        string     `json:"mobile"`
	ExternalID    string     `json:"external_id"`
	Avatar        *string    `json:"avatar"`
	Created       *time.Time `json:"created"`
}

// User is an agent or a customer, as GET /users and GET /profile return
// them: exactly one of Agent and Customer is set, as Type says.
type User struct {
	Type     string
	Agent    *Agent
	Customer *Customer
}

// ID is the user's id.
func (u *User) ID() int64 {
	if u.Agent != nil {
		return u.Agent.ID
	}
	if u.Customer != nil {
		return u.Customer.ID
	}
	return 0
}

// Name is the user's name.
func (u *User) Name() string {
	if u.Agent != nil {
		return u.Agent.Name
	}
	if u.Customer != nil {
		return u.Customer.Name
	}
	return ""
}

// UnmarshalJSON decodes the object by its type key.
func (u *User) UnmarshalJSON(b []byte) error {
	var t struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return err
	}
	*u = User{Type: t.Type}
	switch t.Type {
	case TypeAgent:
		u.Agent = &Agent{}
		return json.Unmarshal(b, u.Agent)
	case TypeCustomer:
		u.Customer = &Customer{}
		return json.Unmarshal(b, u.Customer)
	}
	return fmt.Errorf("user of unknown type %q", t.Type)
}

// MarshalJSON encodes the agent or the customer.
func (u User) MarshalJSON() ([]byte, error) {
	if u.Agent != nil {
		return json.Marshal(u.Agent)
	}
	return json.Marshal(u.Customer)
}

// UserFilter selects and orders a user list. Group, Role, Company and
// Country apply to customers, Type to GET /users only.
type UserFilter struct {
	ListOptions
	Q       string
	Sort    string // name, email, group, role, company, created; "-" in front for descending
	Type    string // TypeAgent or TypeCustomer
	Group   string // customer group id or name
	Role    string
	Company string
	Country string
}

func (f UserFilter) values() url.Values {
	v := url.Values{}
	f.ListOptions.values(v)
	for k, s := range map[string]string{"q": f.Q, "sort": f.Sort, "type": f.Type, "group": f.Group,
		"role": f.Role, "company": f.Company, "country": f.Country} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// AgentInput creates or changes an agent. On create unset fields take
// their defaults; on update they are left alone.
type AgentInput struct {
	Name          Optional[string]       `json:"name,omitzero"`
	Email         Optional[string]       `json:"email,omitzero"`
	Username      Optional[string]       `json:"username,omitzero"` // defaults to the email
	Password      Optional[string]       `json:"password,omitzero"`
	Avatar        Optional[string]       `json:"avatar,omitzero"`
	Active        Optional[bool]         `json:"active,omitzero"`
	Notifications Optional[bool]         `json:"notifications,omitzero"`
	Administrator Optional[bool]         `json:"administrator,omitzero"`
	Signature     Optional[string]       `json:"signature,omitzero"`
	Permissions   Optional[[]Permission] `json:"permissions,omitzero"`
}

// CustomerInput creates or changes a customer. On create unset fields
// take their defaults; on update they are left alone.
type CustomerInput struct {
	Name          Optional[string] `json:"name,omitzero"`
	Email         Optional[string] `json:"email,omitzero"`
	Username      Optional[string] `json:"username,omitzero"`
	Password      Optional[string] `json:"password,omitzero"` // makes the customer registered
	Avatar        Optional[string] `json:"avatar,omitzero"`
	Active        Optional[bool]   `json:"active,omitzero"`
	Notifications Optional[bool]   `json:"notifications,omitzero"`
	Role          Optional[string] `json:"role,omitzero"`
	Group         Optional[string] `json:"group,omitzero"` // customer group name; Null: none
	Company       Optional[string] `json:"company,omitzero"`
	URL           Optional[string] `json:"url,omitzero"`
	Country       Optional[string] `json:"country,omitzero"`
	Region        Optional[string] `json:"region,omitzero"`
	Address       Optional[string] `json:"address,omitzero"`
	Postcode      Optional[string] `json:"postcode,omitzero"`
	City          Optional[string] `json:"city,omitzero"`
	Phone         Optional[string] `json:"phone,omitzero"`
	Mobile        Optional[string] `json:"mobile,omitzero"`
	ExternalID    Optional[string] `json:"external_id,omitzero"`
	// SendRegistration emails a new customer a link to set a password
	// (create only).
	SendRegistration bool `json:"send_registration,omitempty"`
}

// Users lists agents and customers together.
func (c *Client) Users(ctx context.Context, f UserFilter, opts ...RequestOption) (*Page[User], error) {
	return list[User](ctx, c, "/users", f.values(), opts)
}

// Agents lists the agents.
func (c *Client) Agents(ctx context.Context, f UserFilter, opts ...RequestOption) (*Page[Agent], error) {
	return list[Agent](ctx, c, "/agents", f.values(), opts)
}

// GetAgent returns one agent.
func (c *Client) GetAgent(ctx context.Context, id int64, opts ...RequestOption) (*Agent, error) {
	return one[Agent](ctx, c, http.MethodGet, "/agent/"+id64(id), nil, opts)
}

// CreateAgent creates an agent (administrators).
func (c *Client) CreateAgent(ctx context.Context, in AgentInput, opts ...RequestOption) (*Agent, error) {
	return one[Agent](ctx, c, http.MethodPost, "/agent", in, opts)
}

// UpdateAgent changes an agent (administrators).
func (c *Client) UpdateAgent(ctx context.Context, id int64, in AgentInput, opts ...RequestOption) (*Agent, error) {
	return one[Agent](ctx, c, http.MethodPut, "/agent/"+id64(id), in, opts)
}

// DeleteAgent deactivates an agent; their history stays.
func (c *Client) DeleteAgent(ctx context.Context, id int64, opts ...RequestOption) error {
	return c.del(ctx, "/agent/"+id64(id), opts)
}

// Customers lists the customers.
func (c *Client) Customers(ctx context.Context, f UserFilter, opts ...RequestOption) (*Page[Customer], error) {
	return list[Customer](ctx, c, "/customers", f.values(), opts)
}

// CustomersCSV returns every customer f selects as CSV (?format=csv);
// paging options are ignored.
func (c *Client) CustomersCSV(ctx context.Context, f UserFilter, opts ...RequestOption) ([]byte, error) {
	f.ListOptions = ListOptions{}
	v := f.values()
	v.Set("format", "csv")
	var b []byte
	_, err := c.Do(ctx, http.MethodGet, "/customers?"+v.Encode(), nil, &b, opts...)
	return b, err
}

// GetCustomer returns one customer.
func (c *Client) GetCustomer(ctx context.Context, id int64, opts ...RequestOption) (*Customer, error) {
	return one[Customer](ctx, c, http.MethodGet, "/customer/"+id64(id), nil, opts)
}

// CreateCustomer creates a customer (agents with a queue role and
// administrators).
func (c *Client) CreateCustomer(ctx context.Context, in CustomerInput, opts ...RequestOption) (*Customer, error) {
	return one[Customer](ctx, c, http.MethodPost, "/customer", in, opts)
}

// UpdateCustomer changes a customer.
func (c *Client) UpdateCustomer(ctx context.Context, id int64, in CustomerInput, opts ...RequestOption) (*Customer, error) {
	return one[Customer](ctx, c, http.MethodPut, "/customer/"+id64(id), in, opts)
}

// DeleteCustomer deactivates a customer; their history stays.
func (c *Client) DeleteCustomer(ctx context.Context, id int64, opts ...RequestOption) error {
	return c.del(ctx, "/customer/"+id64(id), opts)
}

// Profile returns the caller.
func (c *Client) Profile(ctx context.Context, opts ...RequestOption) (*User, error) {
	return one[User](ctx, c, http.MethodGet, "/profile", nil, opts)
}

// ProfileInput is what users may change about themselves. Signature is
// for agents, Phone and Mobile for customers.
type ProfileInput struct {
	Name            Optional[string] `json:"name,omitzero"`
	Email           Optional[string] `json:"email,omitzero"`
	Password        Optional[string] `json:"password,omitzero"`
	CurrentPassword Optional[string] `json:"current_password,omitzero"` // needed with Password
	Signature       Optional[string] `json:"signature,omitzero"`
	Notifications   Optional[bool]   `json:"notifications,omitzero"`
	Avatar          Optional[string] `json:"avatar,omitzero"`
	Phone           Optional[string] `json:"phone,omitzero"`
	Mobile          Optional[string] `json:"mobile,omitzero"`
}

// UpdateProfile changes the caller's own fields.
func (c *Client) UpdateProfile(ctx context.Context, in ProfileInput, opts ...RequestOption) (*User, error) {
	return one[User](ctx, c, http.MethodPut, "/profile", in, opts)
}

// The scopes of an API key.
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
)

// APIKey is one of the caller's keys. Key holds the full key only in the
// answer of CreateAPIKey.
type APIKey struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	Prefix      string     `json:"prefix"`
	Scopes      []string   `json:"scopes"`
	Created     *time.Time `json:"created"`
	Expires     *time.Time `json:"expires"`
	LastUsed    *time.Time `json:"last_used"`
	LastAddress *string    `json:"last_address"`
	Revoked     *time.Time `json:"revoked"`
	Key         string     `json:"key,omitempty"`
}

// APIKeyInput creates a key.
type APIKeyInput struct {
	Name    string    `json:"name"`
	Scopes  []string  `json:"scopes,omitempty"` // default: read and write
	Expires time.Time `json:"expires,omitzero"` // zero: never
}

// APIKeys lists the caller's keys.
func (c *Client) APIKeys(ctx context.Context, opts ...RequestOption) ([]APIKey, error) {
	var ks []APIKey
	_, err := c.Do(ctx, http.MethodGet, "/profile/apikeys", nil, &ks, opts...)
	return ks, err
}

// CreateAPIKey makes a key for the caller; the returned Key is shown this
// once.
func (c *Client) CreateAPIKey(ctx context.Context, in APIKeyInput, opts ...RequestOption) (*APIKey, error) {
	return one[APIKey](ctx, c, http.MethodPost, "/profile/apikeys", in, opts)
}

// RevokeAPIKey revokes one of the caller's keys.
func (c *Client) RevokeAPIKey(ctx context.Context, id int64, opts ...RequestOption) error {
	return c.del(ctx, "/profile/apikey/"+id64(id), opts)
}
