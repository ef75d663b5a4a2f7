package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/tenant"
)

var _ social.StateStore = (*Store)(nil)

const stateColumns = `id, environment_id, provider, code_verifier, nonce, binding_hash, redirect_url, return_url, code,
	user_name, error, origin, expires_at`

func scanState(row Row) (*social.State, error) {
	var st social.State
	if err := row.Scan(&st.ID, &st.EnvironmentID, &st.Provider, &st.CodeVerifier, &st.Nonce, &st.BindingHash,
		&st.RedirectURL, &st.ReturnURL, &st.Code, &st.UserName, &st.Error, &st.Origin, &st.ExpiresAt); err != nil {
		return nil, err
	}
	return &st, nil
}

// SaveState implements social.StateStore.
func (s *Store) SaveState(ctx context.Context, st *social.State) error {
	_, err := s.db.Exec(ctx, `INSERT INTO social_states (`+stateColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		st.ID, st.EnvironmentID, st.Provider, st.CodeVerifier, st.Nonce, st.BindingHash, st.RedirectURL, st.ReturnURL,
		st.Code, st.UserName, st.Error, st.Origin, st.ExpiresAt)
	return s.nameTaken("save social state", social.ErrStateExists, tenant.ErrEnvironmentNotFound, err)
}

// GetState implements social.StateStore.
func (s *Store) GetState(ctx context.Context, id string) (*social.State, error) {
	st, err := scanState(s.db.Reader().QueryRow(ctx, `SELECT `+stateColumns+` FROM social_states WHERE id = $1`, id))
	if err != nil {
		return nil, s.fail("get social state", social.ErrStateNotFound, err)
	}
	return st, nil
}

// DeliverCode implements social.StateStore: one conditional UPDATE, so of
// two deliveries racing for a state (a code or an error) one is recorded.
func (s *Store) DeliverCode(ctx context.Context, id, code, userName string, now time.Time) (*social.State, error) {
	return s.settleState(ctx, "deliver social code", `code = $2, user_name = $3`, id, now, code, userName)
}

// DeliverError implements social.StateStore, as DeliverCode does.
func (s *Store) DeliverError(ctx context.Context, id, providerError string, now time.Time) (*social.State, error) {
	return s.settleState(ctx, "deliver social error", `error = $2`, id, now, providerError)
}

// settleState sets set ($2, ... are values) on the unexpired state id
// that has no code nor error yet; the last $n is now.
func (s *Store) settleState(ctx context.Context, op, set, id string, now time.Time, values ...any) (*social.State, error) {
	args := append(append([]any{id}, values...), now)
	var st *social.State
	err := s.db.Write(ctx, func(tx Tx) (err error) {
		st, err = scanState(tx.QueryRow(ctx, `UPDATE social_states SET `+set+`
			WHERE id = $1 AND code = '' AND error = '' AND expires_at > $`+strconv.Itoa(len(args))+` RETURNING `+stateColumns,
			args...))
		return err
	})
	if err != nil {
		return nil, s.fail(op, social.ErrStateNotFound, err)
	}
	return st, nil
}

// TakeState implements social.StateStore: a DELETE … RETURNING, so a state
// is taken by one caller, on any replica.
func (s *Store) TakeState(ctx context.Context, id string) (*social.State, error) {
	var st *social.State
	err := s.db.Write(ctx, func(tx Tx) (err error) {
		st, err = scanState(tx.QueryRow(ctx, `DELETE FROM social_states WHERE id = $1 RETURNING `+stateColumns, id))
		return err
	})
	if err != nil {
		return nil, s.fail("take social state", social.ErrStateNotFound, err)
	}
	return st, nil
}

// DeleteExpiredStates implements social.StateStore.
func (s *Store) DeleteExpiredStates(ctx context.Context, before time.Time) (int64, error) {
	n, err := s.db.Exec(ctx, `DELETE FROM social_states WHERE expires_at <= $1`, before)
	return n, s.fail("delete expired social states", nil, err)
}

var _ social.TelegramReplays = (*Store)(nil)

// UseTelegramLogin implements social.TelegramReplays in used_nonces, the
// table of single-use values kept until they expire: the key
// "telegram:<hash>" cannot collide with a nonce (base32, no colon), and
// the expired-nonce purge forgets it with them.
func (s *Store) UseTelegramLogin(ctx context.Context, hash string, expiresAt time.Time) error {
	n, err := s.db.Exec(ctx, `INSERT INTO used_nonces (nonce, expires_at) VALUES ($1, $2) ON CONFLICT (nonce) DO NOTHING`,
		"telegram:"+hash, expiresAt)
	if err != nil {
		return s.fail("use telegram login", nil, err)
	}
	if n != 1 {
		return social.ErrTelegramReplay
	}
	return nil
}

// TelegramLoginUsed implements social.TelegramReplays: a row not yet
// purged counts, expired or not, as UseTelegramLogin's insert finds it.
func (s *Store) TelegramLoginUsed(ctx context.Context, hash string) (bool, error) {
	var n int
	err := s.db.Reader().QueryRow(ctx, `SELECT COUNT(*) FROM used_nonces WHERE nonce = $1`, "telegram:"+hash).Scan(&n)
	if err != nil {
		return false, s.fail("read used telegram login", nil, err)
	}
	return n > 0, nil
}

// UseExternalAssertion implements signin.Store: the used_nonces table
// holds the assertion's key (a hash: the issuer and jti are the
// application's, of any length) until it expires.
func (s *Store) UseExternalAssertion(ctx context.Context, envID, issuer, jti string, expiresAt time.Time) error {
	sum := sha256.Sum256([]byte(issuer + "\x00" + jti))
	n, err := s.db.Exec(ctx, `INSERT INTO used_nonces (nonce, expires_at) VALUES ($1, $2) ON CONFLICT (nonce) DO NOTHING`,
		"external:"+envID+":"+hex.EncodeToString(sum[:]), expiresAt)
	if err != nil {
		return s.fail("use external assertion", nil, err)
	}
	if n != 1 {
		return signin.ErrAssertionUsed
	}
	return nil
}
