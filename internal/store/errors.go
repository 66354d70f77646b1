package store

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/sympoq/sympoq"
	"modernc.org/sqlite"
)

// Unique indexes are named <table>_<field>_uq and are expression indexes, so
// both engines report the index name on a violation; uniqueField maps that
// name back to the API field.
func uniqueField(err error) (string, bool) {
	var name string
	var pgErr *pgconn.PgError
	var sqErr *sqlite.Error
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "23505":
		name = pgErr.ConstraintName
	case errors.As(err, &sqErr) && sqErr.Code() == 2067: // SQLITE_CONSTRAINT_UNIQUE
		// "UNIQUE constraint failed: index 'users_email_uq'" for expression
		// indexes, "UNIQUE constraint failed: api_keys.hash" for columns.
		msg := sqErr.Error()
		if i := strings.Index(msg, "index '"); i >= 0 {
			name = strings.TrimSuffix(msg[i+len("index '"):], "'")
			if j := strings.IndexByte(name, '\''); j >= 0 {
				name = name[:j]
			}
		} else if i := strings.LastIndex(msg, "."); i >= 0 {
			name = strings.TrimRight(msg[i+1:], ")")
		}
	default:
		return "", false
	}
	name = strings.TrimSuffix(name, "_uq")
	if i := strings.LastIndexByte(name, '_'); i >= 0 {
		name = name[i+1:]
	}
	return name, true
}

// mapErr turns driver errors a caller can act on into *sympoq.Error:
// no rows becomes not found (naming what), a unique violation a
// duplicate_value on its field. Anything else is returned as it is.
func mapErr(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return sympoq.NotFound(what)
	}
	if f, ok := uniqueField(err); ok {
		return sympoq.FieldErr(f, sympoq.FieldDuplicate, "is already taken")
	}
	return err
}

type nullInt = sql.NullInt64

// checkAffected turns an UPDATE or DELETE that touched no row into not found.
func checkAffected(res sql.Result, err error, what string) error {
	if err != nil {
		return mapErr(err, what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return sympoq.NotFound(what)
	}
	return nil
}
