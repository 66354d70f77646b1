package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sympoq/sympoq"
)

const userColumns = `u.id, u.account_id, u.kind, u.name, coalesce(u.email, ''), coalesce(u.username, ''),
	u.password_hash, u.avatar, u.active, u.notifications, u.administrator, u.signature, u.role,
	u.group_id, ` + userGroupName + `, u.company, u.url, u.country, u.region, u.address, u.postcode,
	u.city, u.phone, u.mobile, u.external_id, u.registered, u.created_at, u.updated_at`

// userGroupName is the user's group name as a correlated subquery rather
// than a LEFT JOIN: on SQLite, the joined form of the one-user lookup is
// re-prepared inside sqlite3_step whenever consecutive calls alternate
// between a user with a group and one without (GET /ticket always does:
// the caller, then the customer), which cost a fifth of the request's CPU.
const userGroupName = `coalesce((SELECT g.name FROM customer_groups g WHERE g.id = u.group_id AND g.account_id = u.account_id), '')`

const userFrom = ` FROM users u`

func scanUser(s scanner) (*sympoq.User, error) {
	var u sympoq.User
	var t userScan
	if err := s.Scan(t.dests(&u)...); err != nil {
		return nil, mapErr(err, "user")
	}
	t.finish(&u)
	return &u, nil
}

// userScan holds what scanning userColumns into a user needs besides the
// user, so that a query can select those columns next to others.
type userScan struct{ group, created, updated nullInt }

func (t *userScan) dests(u *sympoq.User) []any {
	return []any{&u.ID, &u.AccountID, &u.Kind, &u.Name, &u.Email, &u.Username, &u.PasswordHash, &u.Avatar,
		&u.Active, &u.Notifications, &u.Administrator, &u.Signature, &u.Role, &t.group, &u.Group,
		&u.Company, &u.URL, &u.Country, &u.Region, &u.Address, &u.Postcode, &u.City, &u.Phone, &u.Mobile,
		&u.ExternalID, &u.Registered, &t.created, &t.updated}
}

func (t *userScan) finish(u *sympoq.User) {
	u.GroupID = t.group.Int64
	u.Created, u.Updated = fromMicros(t.created), fromMicros(t.updated)
}

// CreateUser inserts u (and an agent's queue permissions) and sets u.ID.
// Emails are stored lower-case: they are compared without case.
func (tx *Tx) CreateUser(ctx context.Context, u *sympoq.User) error {
	u.Email = strings.ToLower(u.Email)
	u.Created, u.Updated = tx.now, tx.now
	id, err := tx.insert(ctx, `INSERT INTO users (account_id, kind, name, email, username, password_hash, avatar,
		active, notifications, administrator, signature, role, group_id, company, url, country, region, address,
		postcode, city, phone, mobile, external_id, registered, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)`,
		u.AccountID, string(u.Kind), u.Name, nullStr(u.Email), nullStr(u.Username), u.PasswordHash, u.Avatar,
		u.Active, u.Notifications, u.Administrator, u.Signature, string(u.Role), nullID(u.GroupID), u.Company,
		u.URL, u.Country, u.Region, u.Address, u.Postcode, u.City, u.Phone, u.Mobile, u.ExternalID, u.Registered,
		micros(u.Created), micros(u.Updated))
	if err != nil {
		return mapErr(err, "user")
	}
	u.ID = id
	if u.IsAgent() {
		return tx.SetAgentPermissions(ctx, u.AccountID, u.ID, u.Permissions)
	}
	return nil
}

// CreateCustomerByEmail inserts the unregistered customer u unless a user
// with u's email exists; then it loads that user into u instead. It never
// fails on the race of two requests naming the same new address, and does
// not abort the transaction (ON CONFLICT DO NOTHING).
func (tx *Tx) CreateCustomerByEmail(ctx context.Context, u *sympoq.User) error {
	u.Email = strings.ToLower(u.Email)
	u.Created, u.Updated = tx.now, tx.now
	var id int64
	err := tx.q.QueryRowContext(ctx, `INSERT INTO users (account_id, kind, name, email, active, notifications, role,
		created_at, updated_at) VALUES ($1, 'customer', $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (account_id, lower(email)) DO NOTHING RETURNING id`,
		u.AccountID, u.Name, u.Email, u.Active, u.Notifications, string(u.Role), micros(u.Created), micros(u.Updated)).Scan(&id)
	if err == nil {
		u.ID = id
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return mapErr(err, "user")
	}
	existing, err := tx.UserByLogin(ctx, u.AccountID, u.Email)
	if err != nil {
		return err
	}
	*u = *existing
	return nil
}

// UpdateUser saves every field of u (an agent's permissions too).
func (tx *Tx) UpdateUser(ctx context.Context, u *sympoq.User) error {
	u.Email = strings.ToLower(u.Email)
	u.Updated = tx.now
	res, err := tx.exec(ctx, `UPDATE users SET name = $1, email = $2, username = $3, password_hash = $4, avatar = $5,
		active = $6, notifications = $7, administrator = $8, signature = $9, role = $10, group_id = $11, company = $12,
		url = $13, country = $14, region = $15, address = $16, postcode = $17, city = $18, phone = $19, mobile = $20,
		external_id = $21, registered = $22, updated_at = $23 WHERE account_id = $24 AND id = $25`,
		u.Name, nullStr(u.Email), nullStr(u.Username), u.PasswordHash, u.Avatar, u.Active, u.Notifications,
		u.Administrator, u.Signature, string(u.Role), nullID(u.GroupID), u.Company, u.URL, u.Country, u.Region,
		u.Address, u.Postcode, u.City, u.Phone, u.Mobile, u.ExternalID, u.Registered, micros(u.Updated),
		u.AccountID, u.ID)
	if err := checkAffected(res, err, "user"); err != nil {
		return err
	}
	if u.IsAgent() {
		return tx.SetAgentPermissions(ctx, u.AccountID, u.ID, u.Permissions)
	}
	return tx.authChanged(ctx, u.AccountID)
}

// User returns one user with an agent's queue permissions.
func (tx *Tx) User(ctx context.Context, accountID, id int64) (*sympoq.User, error) {
	u, err := scanUser(tx.q.QueryRowContext(ctx, `SELECT `+userColumns+userFrom+` WHERE u.account_id = $1 AND u.id = $2`, accountID, id))
	if err != nil {
		return nil, err
	}
	return u, tx.loadPermissions(ctx, u)
}

// UsersByID returns the users with the given ids (duplicates allowed) in one
// query, keyed by id; ids of other accounts are simply absent.
func (tx *Tx) UsersByID(ctx context.Context, accountID int64, ids []int64) (map[int64]*sympoq.User, error) {
	out := map[int64]*sympoq.User{}
	if len(ids) == 0 {
		return out, nil
	}
	// The unary plus keeps SQLite from reading the account's whole index on
	// users_group and testing each user against the list: the ids are
	// looked up by key, and the account is checked on each row found.
	in, arg := tx.inIDs(2, ids)
	rows, err := tx.q.QueryContext(ctx, `SELECT `+userColumns+userFrom+` WHERE +u.account_id = $1 AND u.id `+in, accountID, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var us []*sympoq.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out[u.ID] = u
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, tx.loadAgentPermissions(ctx, accountID, us)
}

// CustomerCards returns, by id, what a ticket list shows of each ticket's
// customer: id, kind, name, email, company, role, group (id and name),
// registered and active. The rest of each User is left empty, and agents
// get no permissions: a list reads 50 tickets' customers on every request,
// and the full row was most of that cost. Ids not in the account are
// absent.
func (tx *Tx) CustomerCards(ctx context.Context, accountID int64, ids []int64) (map[int64]*sympoq.User, error) {
	out := make(map[int64]*sympoq.User, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, arg := tx.inIDs(2, ids)
	rows, err := tx.q.QueryContext(ctx, `SELECT u.id, u.kind, u.name, coalesce(u.email, ''), u.company, u.role,
		u.group_id, `+userGroupName+`, u.registered, u.active FROM users u WHERE +u.account_id = $1 AND u.id `+in, accountID, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		u := &sympoq.User{AccountID: accountID}
		var group nullInt
		if err := rows.Scan(&u.ID, &u.Kind, &u.Name, &u.Email, &u.Company, &u.Role, &group, &u.Group,
			&u.Registered, &u.Active); err != nil {
			return nil, err
		}
		u.GroupID = group.Int64
		out[u.ID] = u
	}
	return out, rows.Err()
}

// UserByLogin returns the user whose username or email is login.
func (tx *Tx) UserByLogin(ctx context.Context, accountID int64, login string) (*sympoq.User, error) {
	l := strings.ToLower(login)
	u, err := scanUser(tx.q.QueryRowContext(ctx, `SELECT `+userColumns+userFrom+`
		WHERE u.account_id = $1 AND (lower(u.username) = $2 OR lower(u.email) = $2) ORDER BY u.id LIMIT 1`, accountID, l))
	if err != nil {
		return nil, err
	}
	return u, tx.loadPermissions(ctx, u)
}

func (tx *Tx) loadPermissions(ctx context.Context, u *sympoq.User) error {
	if !u.IsAgent() {
		return nil
	}
	rows, err := tx.q.QueryContext(ctx, `SELECT p.queue_id, p.role FROM queue_permissions p JOIN queues q ON q.id = p.queue_id
		WHERE p.account_id = $1 AND p.agent_id = $2 ORDER BY q.sequence, q.id`, u.AccountID, u.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	u.Permissions = []sympoq.QueuePermission{}
	for rows.Next() {
		p := sympoq.QueuePermission{Agent: u.ID}
		if err := rows.Scan(&p.Queue, &p.Role); err != nil {
			return err
		}
		u.Permissions = append(u.Permissions, p)
	}
	return rows.Err()
}

// UserFilter selects and orders users. The zero value lists everyone by name.
type UserFilter struct {
	Kind    sympoq.UserKind // "" both
	GroupID int64           // 0 any, -1 none
	Role    sympoq.CustomerRole
	Company string
	Country string
	Q       string // substring of name, email or username
	Active  *bool
	Sort    string // name, email, group, role, company, created
	Desc    bool
	Limit   int    // 0: no limit
	Cursor  string // from a previous page
}

// userSorts maps a sort name to its SQL expression; every one is made total
// by the id that follows it.
var userSorts = map[string]string{
	"name":    "u.name",
	"email":   "coalesce(u.email, '')",
	"group":   userGroupName,
	"role":    "u.role",
	"company": "u.company",
	"created": "u.created_at",
}

// UserSorts lists the sort names UserFilter.Sort accepts.
var UserSorts = []string{"name", "email", "group", "role", "company", "created"}

type userCursor struct {
	S  string `json:"s,omitempty"`
	N  int64  `json:"n,omitempty"`
	ID int64  `json:"id"`
}

// Users returns one page of users and the cursor of the next page ("" when
// this is the last). Paging is by key, so inserts between pages neither skip
// nor repeat a user.
func (tx *Tx) Users(ctx context.Context, accountID int64, f UserFilter) ([]*sympoq.User, string, error) {
	if f.Sort == "" {
		f.Sort = "name"
	}
	expr, ok := userSorts[f.Sort]
	if !ok {
		return nil, "", sympoq.FieldErr("sort", sympoq.FieldInvalid, "must be one of %s", strings.Join(UserSorts, ", "))
	}
	where, args := userWhere(accountID, f)
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		op := ">"
		if f.Desc {
			op = "<"
		}
		var v any = c.S
		if f.Sort == "created" {
			v = c.N
		}
		args = append(args, v, c.ID)
		where += fmt.Sprintf(" AND (%s %s $%d OR (%s = $%d AND u.id %s $%d))", expr, op, len(args)-1, expr, len(args)-1, op, len(args))
	}
	dir := "ASC"
	if f.Desc {
		dir = "DESC"
	}
	q := `SELECT ` + userColumns + userFrom + ` WHERE ` + where + fmt.Sprintf(" ORDER BY %s %s, u.id %s", expr, dir, dir)
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit+1)
	}
	rows, err := tx.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*sympoq.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		c := userCursor{ID: last.ID}
		switch f.Sort {
		case "name":
			c.S = last.Name
		case "email":
			c.S = last.Email
		case "group":
			c.S = last.Group
		case "role":
			c.S = string(last.Role)
		case "company":
			c.S = last.Company
		case "created":
			c.N = last.Created.UnixMicro()
		}
		b, _ := json.Marshal(c)
		next = base64.RawURLEncoding.EncodeToString(b)
	}
	if err := tx.loadAgentPermissions(ctx, accountID, out); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// CountUsers counts the users f selects, ignoring its paging.
func (tx *Tx) CountUsers(ctx context.Context, accountID int64, f UserFilter) (int, error) {
	where, args := userWhere(accountID, f)
	var n int
	err := tx.q.QueryRowContext(ctx, `SELECT count(*)`+userFrom+` WHERE `+where, args...).Scan(&n)
	return n, err
}

func decodeCursor(s string) (userCursor, error) {
	var c userCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID <= 0 {
		return c, sympoq.FieldErr("cursor", sympoq.FieldInvalid, "is not a cursor this server gave out")
	}
	return c, nil
}

func userWhere(accountID int64, f UserFilter) (string, []any) {
	args := []any{accountID}
	var b strings.Builder
	b.WriteString("u.account_id = $1")
	add := func(cond string, v any) {
		args = append(args, v)
		fmt.Fprintf(&b, " AND "+cond, len(args))
	}
	if f.Kind != "" {
		add("u.kind = $%d", string(f.Kind))
	}
	switch {
	case f.GroupID > 0:
		add("u.group_id = $%d", f.GroupID)
	case f.GroupID < 0:
		b.WriteString(" AND u.group_id IS NULL")
	}
	if f.Role != "" {
		add("u.role = $%d", string(f.Role))
	}
	if f.Company != "" {
		add("lower(u.company) = lower($%d)", f.Company)
	}
	if f.Country != "" {
		add("lower(u.country) = lower($%d)", f.Country)
	}
	if f.Active != nil {
		add("u.active = $%d", *f.Active)
	}
	if f.Q != "" {
		p := likePattern(f.Q)
		args = append(args, p)
		n := len(args)
		fmt.Fprintf(&b, ` AND (lower(u.name) LIKE $%d ESCAPE '\' OR lower(coalesce(u.email, '')) LIKE $%d ESCAPE '\' OR lower(coalesce(u.username, '')) LIKE $%d ESCAPE '\')`, n, n, n)
	}
	return b.String(), args
}

// loadAgentPermissions fills the permissions of the agents in us with one query.
func (tx *Tx) loadAgentPermissions(ctx context.Context, accountID int64, us []*sympoq.User) error {
	agents := map[int64]*sympoq.User{}
	ids := make([]int64, 0, len(us))
	for _, u := range us {
		if u.IsAgent() {
			u.Permissions = []sympoq.QueuePermission{}
			agents[u.ID] = u
			ids = append(ids, u.ID)
		}
	}
	if len(agents) == 0 {
		return nil
	}
	in, arg := tx.inIDs(2, ids)
	rows, err := tx.q.QueryContext(ctx, `SELECT p.agent_id, p.queue_id, p.role FROM queue_permissions p
		JOIN queues q ON q.id = p.queue_id WHERE p.account_id = $1 AND p.agent_id `+in+`
		ORDER BY q.sequence, q.id`, accountID, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p sympoq.QueuePermission
		if err := rows.Scan(&p.Agent, &p.Queue, &p.Role); err != nil {
			return err
		}
		agents[p.Agent].Permissions = append(agents[p.Agent].Permissions, p)
	}
	return rows.Err()
}

// SetUserPassword replaces the password hash of a user and marks a
// customer registered.
func (tx *Tx) SetUserPassword(ctx context.Context, accountID, id int64, hash string) error {
	res, err := tx.exec(ctx, `UPDATE users SET password_hash = $1, registered = (kind = 'customer' OR registered),
		updated_at = $2 WHERE account_id = $3 AND id = $4`, hash, micros(tx.now), accountID, id)
	if err := checkAffected(res, err, "user"); err != nil {
		return err
	}
	return tx.authChanged(ctx, accountID)
}

// inIDs is the condition "is one of ids" as placeholder $n and its
// argument: a JSON array through json_each on SQLite, an array on
// PostgreSQL. The SQL text is the same whatever the ids, so the statement
// is prepared once; inlining them made every page of customers a new
// statement to parse, and pushed the cached ones out.
func (tx *Tx) inIDs(n int, ids []int64) (string, any) {
	var b strings.Builder
	open, close := "[", "]"
	if tx.db.dialect == Postgres {
		open, close = "{", "}"
	}
	b.WriteString(open)
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteString(close)
	if tx.db.dialect == Postgres {
		return fmt.Sprintf("= ANY(CAST($%d AS bigint[]))", n), b.String()
	}
	return fmt.Sprintf("IN (SELECT value FROM json_each($%d))", n), b.String()
}
