package sqlstore

// The reads before a create-only batch of the bulk import: which of the
// batch's emails and credentials another user holds, in one indexed query
// for the emails and one per kind of credential (a wallet chain, or
// verified emails), instead of two or more queries per row (perf/users: a
// tenth of an import's CPU time went to those).

import (
	"context"
	"fmt"
	"strings"

	"github.com/dynamicauth/dynamicauth/users"
)

// The batch forms of sqlUserIDByEmail and sqlCredentialOf: $2 lists the
// values (emails lowered as SQLite's lower() does, ASCII only; an email
// that PostgreSQL's lower() folds otherwise is refused later, by the
// unique index, and its batch written again row by row).
var (
	sqlEmailsTaken = `SELECT lower(email) FROM users WHERE environment_id = $1 AND email <> '' AND %s`
	sqlCredsTaken  = `SELECT address FROM verified_credentials
		WHERE environment_id = $1 AND format = $3 AND chain = $4 AND %s`
)

func (s *Store) emailsTakenSQL() string { return fmt.Sprintf(sqlEmailsTaken, s.in("lower(email)", 2)) }
func (s *Store) credsTakenSQL() string  { return fmt.Sprintf(sqlCredsTaken, s.in("address", 2)) }

// refuseTaken sets out[i].Err for each row of a create-only batch whose
// email or a credential another user holds (as matchUser refuses it:
// the email first, then the credentials in order) and returns the others.
func (s *Store) refuseTaken(ctx context.Context, q Querier, batch []*users.SaveUser, out []users.SaveOutcome) ([]int, error) {
	if len(batch) == 0 {
		return nil, nil
	}
	emails, creds := map[string]bool{}, map[[2]string]map[string]bool{}
	for _, w := range batch {
		if e := w.Draft.Email; e != "" {
			emails[asciiLower(e)] = false
		}
		for _, c := range w.Draft.Credentials {
			kind := [2]string{c.Format, c.Chain}
			if creds[kind] == nil {
				creds[kind] = map[string]bool{}
			}
			creds[kind][c.Address] = false
		}
	}
	envID := batch[0].Draft.EnvironmentID
	if err := s.markTaken(ctx, q, "find users by email", emails, s.emailsTakenSQL(), envID); err != nil {
		return nil, err
	}
	for kind, addrs := range creds {
		if err := s.markTaken(ctx, q, "find credentials", addrs, s.credsTakenSQL(), envID, kind[0], kind[1]); err != nil {
			return nil, err
		}
	}
	pending := make([]int, 0, len(batch))
	for i, w := range batch {
		if out[i].Err = takenErr(w.Draft, emails, creds); out[i].Err == nil {
			pending = append(pending, i)
		}
	}
	return pending, nil
}

// markTaken runs query over the keys of set (as $2, after $1 = envID and
// before the rest) and marks those it returns.
func (s *Store) markTaken(ctx context.Context, q Querier, op string, set map[string]bool, query, envID string, rest ...any) error {
	if len(set) == 0 {
		return nil
	}
	values := make([]string, 0, len(set))
	for v := range set {
		values = append(values, v)
	}
	rows, err := q.Query(ctx, query, append([]any{envID, s.d.IDList(values)}, rest...)...)
	if err != nil {
		return s.fail(op, nil, err)
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return s.fail(op, nil, err)
		}
		set[v] = true
	}
	return s.fail(op, nil, rows.Err())
}

// takenErr is why matchUser would refuse to create d, or nil.
func takenErr(d *users.User, emails map[string]bool, creds map[[2]string]map[string]bool) error {
	if d.Email != "" && emails[asciiLower(d.Email)] {
		return users.ErrAdminEmailTaken
	}
	for _, c := range d.Credentials {
		if !creds[[2]string{c.Format, c.Chain}][c.Address] {
			continue
		}
		if c.Format == users.FormatEmail {
			return users.ErrAdminEmailTaken
		}
		return users.ErrAdminWalletTaken
	}
	return nil
}

// asciiLower is SQLite's lower(): ASCII letters only.
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}
