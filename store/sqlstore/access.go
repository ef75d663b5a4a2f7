package sqlstore

import (
	"context"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

var _ access.Store = (*Store)(nil)

const allowlistColumns = `id, environment_id, name, scope, outcome, enabled_at, created_at`

func allowlistFields(l *access.Allowlist) []any {
	return []any{&l.ID, &l.EnvironmentID, &l.Name, &l.Scope, &l.Outcome, &l.EnabledAt, &l.CreatedAt}
}

var scanAllowlist = scanner(allowlistFields)

// nameTaken turns the one unique index of a table (its name within the
// environment) into the domain's sentinel.
func (s *Store) nameTaken(op string, exists, notFound, err error) error {
	if s.unique(err, "") {
		return exists
	}
	return s.fail(op, notFound, err)
}

// CreateAllowlist implements access.Store.
func (s *Store) CreateAllowlist(ctx context.Context, l *access.Allowlist, max int) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		if err := s.underLimit(ctx, tx, l.EnvironmentID, "allowlists", max, access.ErrTooManyLists); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, insertSQL("allowlists", allowlistColumns), values(allowlistFields(l))...)
		return err
	})
	return s.nameTaken("create allowlist", access.ErrListExists, tenant.ErrEnvironmentNotFound, err)
}

// GetAllowlist implements access.Store.
func (s *Store) GetAllowlist(ctx context.Context, id string) (*access.Allowlist, error) {
	return get(ctx, s, "get allowlist", access.ErrListNotFound, scanAllowlist,
		`SELECT `+allowlistColumns+` FROM allowlists WHERE id = $1`, id)
}

// ListAllowlists implements access.Store.
func (s *Store) ListAllowlists(ctx context.Context, envID string) ([]access.Allowlist, error) {
	return list(ctx, s, s.db.Reader(), "list allowlists", scanAllowlist,
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
	return writeRow(ctx, s, "enable allowlist", access.ErrListNotFound, scanAllowlist,
		`UPDATE allowlists SET enabled_at = $2 WHERE id = $1 RETURNING `+allowlistColumns, id, at)
}

// DeleteAllowlist implements access.Store (its entries go with it).
func (s *Store) DeleteAllowlist(ctx context.Context, id string) error {
	n, err := s.db.Exec(ctx, `DELETE FROM allowlists WHERE id = $1`, id)
	return s.affected("delete allowlist", access.ErrListNotFound, n, err)
}

const entryColumns = `id, allowlist_id, environment_id, match_key, wallet_public_key, email, email_domain, phone_number,
	discord_username, twitter_username, farcaster_username, farcaster_fid, alias, external_user_id, created_at`

func entryFields(e *access.Entry) []any {
	return []any{&e.ID, &e.AllowlistID, &e.EnvironmentID, &e.Key, &e.WalletPublicKey, &e.Email, &e.EmailDomain,
		&e.PhoneNumber, &e.DiscordUsername, &e.TwitterUsername, &e.FarcasterUsername, &e.FarcasterFID, &e.Alias,
		&e.ExternalUserID, &e.CreatedAt}
}

// AddEntry implements access.Store.
func (s *Store) AddEntry(ctx context.Context, e *access.Entry) error {
	_, err := s.db.Exec(ctx, insertSQL("allowlist_entries", entryColumns), values(entryFields(e))...)
	return s.nameTaken("add allowlist entry", access.ErrEntryExists, access.ErrListNotFound, err)
}

// GetEntry implements access.Store.
func (s *Store) GetEntry(ctx context.Context, id string) (*access.Entry, error) {
	return get(ctx, s, "get allowlist entry", access.ErrEntryNotFound, scanner(entryFields),
		`SELECT `+entryColumns+` FROM allowlist_entries WHERE id = $1`, id)
}

// ListEntries implements access.Store: a page in the order entries were
// added, and the count of entries matching q.
func (s *Store) ListEntries(ctx context.Context, listID string, q access.EntryQuery) ([]access.Entry, int, error) {
	count, countArgs, page, args := s.entriesSQL(listID, q)
	return countedPage(ctx, s, "allowlist entries", scanner(entryFields), count, countArgs, page, args...)
}

// entriesSQL is ListEntries' count and page statements and their
// arguments. A list may hold a million entries: the whole list's count is
// the one its triggers keep (allowlists.entry_count), a search is answered
// by an index and counted up to users.MaxListCount, as the users list's
// text filters are: a query of MinSearchRunes characters or more is a
// substring of the identifier or the alias (a trigram index), a shorter
// one an alias whole in any letter case (allowlist_entries_alias_short).
func (s *Store) entriesSQL(listID string, q access.EntryQuery) (count string, countArgs []any, page string, args []any) {
	w := &where{}
	switch {
	case q.Query == "":
		w.add(`allowlist_id = $1`, listID)
	case utf8.RuneCountInString(q.Query) >= MinSearchRunes:
		cond, arg := s.d.EntryContains(q.Query)
		w.add(cond, listID, arg)
	default:
		// (in a subquery, the partial index's conditions repeated, so
		// that SQLite does not walk the list in the page's order)
		w.add(`allowlist_entries.id IN (SELECT e.id FROM allowlist_entries e WHERE e.allowlist_id = $1 AND e.alias <> ''
			AND length(e.alias) < `+strconv.Itoa(MinSearchRunes)+` AND lower(e.alias) = lower($2))`, listID, q.Query)
	}
	limit, args := w.page(users.Page{Limit: q.Limit, Offset: q.Offset})
	page = `SELECT ` + entryColumns + ` FROM allowlist_entries WHERE ` + w.sql() + ` ORDER BY created_at, id` + limit
	if q.Query == "" {
		return `SELECT coalesce((SELECT entry_count FROM allowlists WHERE id = $1), 0)`, []any{listID}, page, args
	}
	return s.boundedCount("allowlist_entries", w), w.args, page, args
}

// DeleteEntry implements access.Store.
func (s *Store) DeleteEntry(ctx context.Context, id string) error {
	n, err := s.db.Exec(ctx, `DELETE FROM allowlist_entries WHERE id = $1`, id)
	return s.affected("delete allowlist entry", access.ErrEntryNotFound, n, err)
}

const gateColumns = `id, environment_id, name, outcome, scope, rules, enabled_at, created_at`

func scanGate(row Row) (g access.Gate, err error) {
	var rules string
	if err = row.Scan(&g.ID, &g.EnvironmentID, &g.Name, &g.Outcome, &g.Scope, &rules, &g.EnabledAt, &g.CreatedAt); err == nil {
		err = json.Unmarshal([]byte(rules), &g.Rules)
	}
	return g, err
}

func rulesJSON(rules []access.Rule) string {
	if rules == nil {
		rules = []access.Rule{}
	}
	b, _ := json.Marshal(rules) // plain strings and numbers: cannot fail
	return string(b)
}

// CreateGate implements access.Store.
func (s *Store) CreateGate(ctx context.Context, g *access.Gate, max int) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		if err := s.underLimit(ctx, tx, g.EnvironmentID, "gates", max, access.ErrTooManyGates); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO gates (`+gateColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			g.ID, g.EnvironmentID, g.Name, string(g.Outcome), g.Scope, rulesJSON(g.Rules), g.EnabledAt, g.CreatedAt)
		return err
	})
	return s.nameTaken("create gate", access.ErrGateExists, tenant.ErrEnvironmentNotFound, err)
}

// GetGate implements access.Store.
func (s *Store) GetGate(ctx context.Context, id string) (*access.Gate, error) {
	return get(ctx, s, "get gate", access.ErrGateNotFound, scanGate, `SELECT `+gateColumns+` FROM gates WHERE id = $1`, id)
}

// ListGates implements access.Store.
func (s *Store) ListGates(ctx context.Context, envID string) ([]access.Gate, error) {
	return list(ctx, s, s.db.Reader(), "list gates", scanGate,
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
	return writeRow(ctx, s, "enable gate", access.ErrGateNotFound, scanGate,
		`UPDATE gates SET enabled_at = $2 WHERE id = $1 RETURNING `+gateColumns, id, at)
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
		if r.Lists, err = list(ctx, s, q, "access lists", scanAllowlist, `SELECT `+allowlistColumns+
			` FROM allowlists WHERE environment_id = $1 AND enabled_at IS NOT NULL ORDER BY name`+s.d.Binary, envID); err != nil {
			return err
		}
		if r.Gates, err = list(ctx, s, q, "access gates", scanGate, `SELECT `+gateColumns+
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
	}, s.matchingListsSQL(), envID, s.d.IDList(keys))
}

// matchingListsSQL finds the enabled lists of environment $1 holding one
// of the keys $2 through allowlist_entries_env_key.
func (s *Store) matchingListsSQL() string {
	return `SELECT DISTINCT e.allowlist_id FROM allowlist_entries e JOIN allowlists l ON l.id = e.allowlist_id
		WHERE e.environment_id = $1 AND ` + s.in("e.match_key", 2) + ` AND l.enabled_at IS NOT NULL`
}
