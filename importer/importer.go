// Package importer loads users into an environment, the way off the hosted
// service: from a users file (the columns of an export, CSV or JSON) or
// straight from Dynamic's admin API (GET /environments/{env}/users, with
// an API token). Rows go through the admin bulk creation with upsert, a
// batch at a time: a user is matched by id, email or wallet, so a re-run
// updates instead of duplicating; each row is all-or-nothing; a refused
// row is reported with its reason and the others go on.
package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/dynamicauth/dynamicauth/exports"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// Source yields user records one at a time; io.EOF at the end. where
// names the record for a report ("line 12", "user 3f…").
type Source interface {
	Next(ctx context.Context) (rec *exports.UserRecord, where string, err error)
}

// Bulk is the admin bulk creation (users.Admin).
type Bulk interface {
	BulkCreate(ctx context.Context, p *tenant.Principal, envID string, rows []users.NewUser, opt users.BulkOptions) (*users.BulkResult, error)
}

// Deps configure Run.
type Deps struct {
	Users     Bulk
	Principal *tenant.Principal
	EnvID     string
	// Batch is how many rows go to one BulkCreate and share one
	// transaction (500 when zero).
	Batch int
	// Progress is called after each batch with the rows read so far.
	Progress func(done int)
}

// Problem is one row not imported, and why.
type Problem struct {
	Where  string
	Reason string
}

// Summary is what an import did.
type Summary struct {
	Created, Updated int
	Skipped, Failed  []Problem
}

// Read is how many rows the source gave.
func (s *Summary) Read() int { return s.Created + s.Updated + len(s.Skipped) + len(s.Failed) }

// Run imports every record of src.
func Run(ctx context.Context, d Deps, src Source) (*Summary, error) {
	if d.Batch <= 0 {
		d.Batch = 500
	}
	sum := &Summary{}
	var rows []users.NewUser
	var where []string
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		res, err := d.Users.BulkCreate(ctx, d.Principal, d.EnvID, rows, users.BulkOptions{Upsert: true, Batch: d.Batch})
		if err != nil {
			return fmt.Errorf("import %s…: %w", where[0], err)
		}
		sum.Created += len(res.Created)
		sum.Updated += len(res.Updated)
		for _, f := range res.Failed {
			sum.Failed = append(sum.Failed, Problem{Where: where[f.Index], Reason: f.Err.Error()})
		}
		rows, where = rows[:0], where[:0]
		if d.Progress != nil {
			d.Progress(sum.Read())
		}
		return nil
	}
	for {
		rec, at, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var bad *BadRecord
			if errors.As(err, &bad) {
				sum.Failed = append(sum.Failed, Problem{Where: at, Reason: bad.Reason})
				continue
			}
			return sum, err
		}
		in, skip, err := NewUser(rec)
		if err != nil {
			sum.Failed = append(sum.Failed, Problem{Where: at, Reason: err.Error()})
			continue
		}
		if skip != "" {
			sum.Skipped = append(sum.Skipped, Problem{Where: at, Reason: skip})
			continue
		}
		rows, where = append(rows, in), append(where, at)
		if len(rows) == d.Batch {
			if err := flush(); err != nil {
				return sum, err
			}
		}
	}
	return sum, flush()
}

// BadRecord is a record the source could not read; the import reports it
// and goes on.
type BadRecord struct{ Reason string }

func (e *BadRecord) Error() string { return e.Reason }

func ptr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// NewUser is rec as the admin bulk creation takes it, or why it is
// skipped (nothing to identify the user by), or why it cannot be
// imported as it says.
func NewUser(rec *exports.UserRecord) (users.NewUser, string, error) {
	if rec.Email == "" && len(rec.Wallets) == 0 && len(rec.SocialAccounts) == 0 && rec.ID == "" {
		return users.NewUser{}, "no id, email, wallet or social account", nil
	}
	in := users.NewUser{ID: rec.ID, Email: rec.Email, Profile: users.ProfilePatch{
		Alias: ptr(rec.Alias), FirstName: ptr(rec.FirstName), LastName: ptr(rec.LastName), JobTitle: ptr(rec.JobTitle),
		PhoneNumber: ptr(rec.PhoneNumber), TShirtSize: ptr(rec.TShirtSize), Team: ptr(rec.Team), Country: ptr(rec.Country),
		Username: ptr(rec.Username)}}
	if len(rec.Metadata) > 0 && string(rec.Metadata) != "null" && string(rec.Metadata) != "{}" {
		in.Profile.Metadata = json.RawMessage(rec.Metadata)
	}
	if rec.EmailVerifiedAt != "" {
		// Not dropped when unreadable: the email would arrive unverified,
		// its owner asked to prove it again, and nobody told why.
		t, err := time.Parse(time.RFC3339Nano, rec.EmailVerifiedAt)
		if err != nil {
			return users.NewUser{}, "", fmt.Errorf("emailVerifiedAt: %q is not an RFC 3339 time", truncate(rec.EmailVerifiedAt, 40))
		}
		in.EmailVerifiedAt = &t
	}
	for _, w := range rec.Wallets {
		in.Wallets = append(in.Wallets, users.NewWallet{Address: w.Address, Chain: w.Chain, WalletName: w.WalletName,
			WalletProvider: w.WalletProvider})
	}
	in.Social = rec.SocialAccounts
	return in, "", nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
