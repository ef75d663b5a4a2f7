package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

var _ access.Store = (*Store)(nil)

const allowlistColumns = `id, environment_id, name, scope, outcome, enabled_at, created_at`

func scanAllowlist(row Row) (*access.Allowlist, error) {
	var l access.Allowlist
	var outcome string
	if err := row.Scan(&l.ID, &l.EnvironmentID, &l.Name, &l.Scope, &outcome, &l.EnabledAt, &l.CreatedAt); err != nil {
		return nil, err
	}
	l.Outcome = access.Outcome(outcome)
	return &l, nil
}

// nameTaken turns the one unique index of a table (its name within the
// environment) into the domain's sentinel.
func (s *Store) nameTaken(op string, exists, notFound, err error) error {
	if s.unique(err, "") {
		return exists
	}
	return s.fail(op, notFound, err)
}

// CreateAllowlist implements access.Store.
func (s *Store) CreateAllowlist(ctx context.Context, l *access.Allowlist) error {
	_, err := s.db.Exec(ctx, `INSERT INTO allowlists (`+allowlistColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		l.ID, l.EnvironmentID, l.Name, l.Scope, string(l.Outcome), l.EnabledAt, l.CreatedAt)
	return s.nameTaken("create allowlist", access.ErrListExists, tenant.ErrEnvironmentNotFound, err)
}

// GetAllowlist implements access.Store.
func (s *Store) GetAllowlist(ctx context.Context, id string) (*access.Allowlist, error) {
	l, err := scanAllowlist(s.db.Reader().QueryRow(ctx, `SELECT `+allowlistColumns+` FROM allowlists WHERE id = $1`, id))
	if err != nil {
		return nil, s.fail("get allowlist", access.ErrListNotFound, err)
	}
	return l, nil
}

// ListAllowlists implements access.Store.
func (s *Store) ListAllowlists(ctx context.Context, envID string) ([]access.Allowlist, error) {
	return list(ctx, s, s.db.Reader(), "list allowlists", value(scanAllowlist),
		`SELECT `+allowlistColumns+` FROM allowlists WHERE environment_id = $1 ORDER BY name`+s.d.Binary, envID)
}

// UpdateAllowlist implements access.Store.
func (s *Store) UpdateAllowlist(ctx context.Context, l *access.Allowlist) error {
	n, err := s.db.Exec(ctx, `UPDATE allowlists SET name = $2, scope = $3, outcome = $4 WHERE id = $1`,
		l.ID, l.Name, l.Scope, string(l.Outcome))
	if err != nil {
		return s.nameTaken("update allowlist", access.ErrListExists, access.ErrListNotFound, err)
	}
	return s.affected("update allowlist", access.ErrListNotFound, n, nil)
}

// SetAllowlistEnabled implements access.Store.
func (s *Store) SetAllowlistEnabled(ctx context.Context, id string, at *time.Time) (*access.Allowlist, error) {
	var l *access.Allowlist
	err := s.db.Write(ctx, func(tx Tx) (err error) {
		l, err = scanAllowlist(tx.QueryRow(ctx, `UPDATE allowlists SET enabled_at = $2 WHERE id = $1
		RETURNING `+allowlistColumns, id, at))
		return err
	})
	if err != nil {
		return nil, s.fail("enable allowlist", access.ErrListNotFound, err)
	}
	return l, nil
}

// DeleteAllowlist implements access.Store (its entries go with it).
func (s *Store) DeleteAllowlist(ctx context.Context, id string) error {
	n, err := s.db.Exec(ctx, `DELETE FROM allowlists WHERE id = $1`, id)
	return s.affected("delete allowlist", access.ErrListNotFound, n, err)
}

const entryColumns = `id, allowlist_id, environment_id, match_key, wallet_public_key, email, email_domain, phone_number,
	discord_username, twitter_username, farcaster_username, farcaster_fid, alias, external_user_id, created_at`

func scanEntry(row Row) (*access.Entry, error) {
	var e access.Entry
	err := row.Scan(&e.ID, &e.AllowlistID, &e.EnvironmentID, &e.Key, &e.WalletPublicKey, &e.Email, &e.EmailDomain,
		&e.PhoneNumber, &e.DiscordUsername, &e.TwitterUsername, &e.FarcasterUsername, &e.FarcasterFID, &e.Alias,
		&e.ExternalUserID, &e.CreatedAt)
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// AddEntry implements access.Store.
func (s *Store) AddEntry(ctx context.Context, e *access.Entry) error {
	_, err := s.db.Exec(ctx, `INSERT INTO allowlist_entries (`+entryColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		e.ID, e.AllowlistID, e.EnvironmentID, e.Key, e.WalletPublicKey, e.Email, e.EmailDomain, e.PhoneNumber,
		e.DiscordUsername, e.TwitterUsername, e.FarcasterUsername, e.FarcasterFID, e.Alias, e.ExternalUserID, e.CreatedAt)
	return s.nameTaken("add allowlist entry", access.ErrEntryExists, access.ErrListNotFound, err)
}

// GetEntry implements access.Store.
func (s *Store) GetEntry(ctx context.Context, id string) (*access.Entry, error) {
	e, err := scanEntry(s.db.Reader().QueryRow(ctx, `SELECT `+entryColumns+` FROM allowlist_entries WHERE id = $1`, id))
	if err != nil {
		return nil, s.fail("get allowlist entry", access.ErrEntryNotFound, err)
	}
	return e, nil
}

// ListEntries implements access.Store: a page in the order entries were
// added, and the count of entries matching q.
func (s *Store) ListEntries(ctx context.Context, listID string, q access.EntryQuery) ([]access.Entry, int, error) {
	w := &where{}
	w.add(`allowlist_id = $1`, listID)
	if q.Query != "" {
		w.add(`(match_key `+s.d.ILike+` $1 ESCAPE '\' OR alias `+s.d.ILike+` $1 ESCAPE '\')`, s.likePattern(q.Query))
	}
	limit, args := w.page(users.Page{Limit: q.Limit, Offset: q.Offset})
	return countedPage(ctx, s, "allowlist entries", value(scanEntry), `SELECT count(*) FROM allowlist_entries WHERE `+w.sql(), w.args,
		`SELECT `+entryColumns+` FROM allowlist_entries WHERE `+w.sql()+` ORDER BY created_at, id`+limit, args...)
}

// DeleteEntry implements access.Store.
func (s *Store) DeleteEntry(ctx context.Context, id string) error {
	n, err := s.db.Exec(ctx, `DELETE FROM allowlist_entries WHERE id = $1`, id)
	return s.affected("delete allowlist entry", access.ErrEntryNotFound, n, err)
}

const gateColumns = `id, environment_id, name, outcome, scope, rules, enabled_at, created_at`

func scanGate(row Row) (*access.Gate, error) {
	var g access.Gate
	var outcome, rules string
	if err := row.Scan(&g.ID, &g.EnvironmentID, &g.Name, &outcome, &g.Scope, &rules, &g.EnabledAt, &g.CreatedAt); err != nil {
		return nil, err
	}
	g.Outcome = access.Outcome(outcome)
	if err := json.Unmarshal([]byte(rules), &g.Rules); err != nil {
		return nil, err
	}
	return &g, nil
}

func rulesJSON(rules []access.Rule) string {
	if rules == nil {
		rules = []access.Rule{}
	}
	b, _ := json.Marshal(rules) // plain strings and numbers: cannot fail
	return string(b)
}

// CreateGate implements access.Store.
func (s *Store) CreateGate(ctx context.Context, g *access.Gate) error {
	_, err := s.db.Exec(ctx, `INSERT INTO gates (`+gateColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		g.ID, g.EnvironmentID, g.Name, string(g.Outcome), g.Scope, rulesJSON(g.Rules), g.EnabledAt, g.CreatedAt)
	return s.nameTaken("create gate", access.ErrGateExists, tenant.ErrEnvironmentNotFound, err)
}

// GetGate implements access.Store.
func (s *Store) GetGate(ctx context.Context, id string) (*access.Gate, error) {
	g, err := scanGate(s.db.Reader().QueryRow(ctx, `SELECT `+gateColumns+` FROM gates WHERE id = $1`, id))
	if err != nil {
		return nil, s.fail("get gate", access.ErrGateNotFound, err)
	}
	return g, nil
}

// ListGates implements access.Store.
func (s *Store) ListGates(ctx context.Context, envID string) ([]access.Gate, error) {
	return list(ctx, s, s.db.Reader(), "list gates", value(scanGate),
		`SELECT `+gateColumns+` FROM gates WHERE environment_id = $1 ORDER BY created_at, id`, envID)
}

// UpdateGate implements access.Store.
func (s *Store) UpdateGate(ctx context.Context, g *access.Gate) error {
	n, err := s.db.Exec(ctx, `UPDATE gates SET name = $2, outcome = $3, scope = $4, rules = $5 WHERE id = $1`,
		g.ID, g.Name, string(g.Outcome), g.Scope, rulesJSON(g.Rules))
	if err != nil {
		return s.nameTaken("update gate", access.ErrGateExists, access.ErrGateNotFound, err)
	}
	return s.affected("update gate", access.ErrGateNotFound, n, nil)
}

// SetGateEnabled implements access.Store.
func (s *Store) SetGateEnabled(ctx context.Context, id string, at *time.Time) (*access.Gate, error) {
	var g *access.Gate
	err := s.db.Write(ctx, func(tx Tx) (err error) {
		g, err = scanGate(tx.QueryRow(ctx, `UPDATE gates SET enabled_at = $2 WHERE id = $1 RETURNING `+gateColumns, id, at))
		return err
	})
	if err != nil {
		return nil, s.fail("enable gate", access.ErrGateNotFound, err)
	}
	return g, nil
}

// DeleteGate implements access.Store.
func (s *Store) DeleteGate(ctx context.Context, id string) error {
	n, err := s.db.Exec(ctx, `DELETE FROM gates WHERE id = $1`, id)
	return s.affected("delete gate", access.ErrGateNotFound, n, err)
}

// SetScreening implements access.Store.
func (s *Store) SetScreening(ctx context.Context, envID string, enabled bool, now time.Time) error {
	_, err := s.db.Exec(ctx, `INSERT INTO access_settings (environment_id, screening, created_at, updated_at) VALUES ($1, $2, $3, $3)
		ON CONFLICT (environment_id) DO UPDATE SET screening = excluded.screening, updated_at = excluded.updated_at`,
		envID, enabled, now)
	return s.fail("set screening", tenant.ErrEnvironmentNotFound, err)
}

// GetScreening implements access.Store.
func (s *Store) GetScreening(ctx context.Context, envID string) (*access.Screening, error) {
	var sc access.Screening
	err := s.db.Reader().QueryRow(ctx, `SELECT screening, created_at, updated_at FROM access_settings WHERE environment_id = $1`, envID).
		Scan(&sc.Enabled, &sc.CreatedAt, &sc.UpdatedAt)
	if s.noRows(err) {
		return &access.Screening{}, nil
	}
	if err != nil {
		return nil, s.fail("get screening", nil, err)
	}
	return &sc, nil
}

// AccessRules implements access.Store: one snapshot of the enabled lists,
// gates and the screening switch.
func (s *Store) AccessRules(ctx context.Context, envID string) (*access.Rules, error) {
	var r access.Rules
	err := s.snapshot(ctx, func(q Querier) error {
		var err error
		if r.Lists, err = list(ctx, s, q, "access lists", value(scanAllowlist), `SELECT `+allowlistColumns+
			` FROM allowlists WHERE environment_id = $1 AND enabled_at IS NOT NULL ORDER BY name`+s.d.Binary, envID); err != nil {
			return err
		}
		if r.Gates, err = list(ctx, s, q, "access gates", value(scanGate), `SELECT `+gateColumns+
			` FROM gates WHERE environment_id = $1 AND enabled_at IS NOT NULL ORDER BY created_at, id`, envID); err != nil {
			return err
		}
		err = q.QueryRow(ctx, `SELECT screening FROM access_settings WHERE environment_id = $1`, envID).Scan(&r.Screening)
		if s.noRows(err) {
			err = nil
		}
		return err
	})
	if err != nil {
		return nil, s.fail("access rules", nil, err)
	}
	return &r, nil
}

// MatchingLists implements access.Store: one indexed lookup by key.
func (s *Store) MatchingLists(ctx context.Context, envID string, keys []string) ([]string, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	return list(ctx, s, s.db.Reader(), "matching allowlists", func(r Row) (string, error) {
		var id string
		return id, r.Scan(&id)
	}, `SELECT DISTINCT e.allowlist_id FROM allowlist_entries e JOIN allowlists l ON l.id = e.allowlist_id
		WHERE e.environment_id = $1 AND `+s.in("e.match_key", 2)+` AND l.enabled_at IS NOT NULL`, envID, s.d.IDList(keys))
}
