package storetest

import (
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/store"
)

// proofs makes single-use step-up tokens of one user and the proofs
// (mfa.TokenUse) a change spends them with in its own transaction.
type proofs struct {
	s      store.Store
	userID string
	now    time.Time
}

// token is a live single-use token of the session "sid".
func (p proofs) token(t *testing.T) *mfa.Token {
	t.Helper()
	tok := &mfa.Token{Hash: randomBytes(t, 32), UserID: p.userID, SessionID: "sid", SingleUse: true,
		Scopes: []string{"user:update", "credential:unlink"}, ExpiresAt: p.now.Add(time.Hour)}
	must(t, "InsertMFAToken", p.s.InsertMFAToken(ctx(t), tok))
	return tok
}

// live looks at tok without spending it.
func (p proofs) live(t *testing.T, tok *mfa.Token) bool {
	t.Helper()
	seen := false
	_, err := p.s.UseMFAToken(ctx(t), p.userID, tok.Hash, p.now, func(*mfa.Token) bool { seen = true; return false })
	must(t, "UseMFAToken (a look)", err)
	return seen
}

// of is a proof of a token under one of hashes that accept takes.
func (p proofs) of(accept func(*mfa.Token) bool, hashes ...[]byte) *mfa.TokenUse {
	return &mfa.TokenUse{UserID: p.userID, Hashes: hashes, Now: p.now, Accept: accept}
}

// ofSID accepts a token of the session "sid".
func ofSID(tok *mfa.Token) bool { return tok.SessionID == "sid" }
