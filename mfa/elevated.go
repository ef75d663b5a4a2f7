package mfa

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
)

// CodeInvalidScopes refuses requestedScopes that are not TokenScopes.
const CodeInvalidScopes = "invalid_scopes"

// tokenScopes are the TokenScope values an elevatedAccessToken may carry
// (plus business_account:* and console:*).
var tokenScopes = []string{"credential:link", "credential:unlink", "credential:update", "user:update", "user:delete",
	"wallet:export", "wallet:delete", "wallet:refresh", "wallet:reshare", "wallet:delegate", "wallet:sign", "wallet:restore"}

const maxScopes = 16

// CheckScopes validates requestedScopes before anything is spent on them.
func CheckScopes(scopes []string) error {
	if len(scopes) > maxScopes {
		return errs.Unprocessable(CodeInvalidScopes, "requestedScopes: at most 16", nil)
	}
	for _, sc := range scopes {
		if !slices.Contains(tokenScopes, sc) && !(len(sc) <= 64 &&
			(strings.HasPrefix(sc, "business_account:") || strings.HasPrefix(sc, "console:"))) {
			return errs.Unprocessable(CodeInvalidScopes, "requestedScopes: "+truncate(sc, 64)+" is not a token scope", nil)
		}
	}
	return nil
}

// IssueElevated makes an elevatedAccessToken for a user who just passed a
// factor: the scopes asked for, single-use (5 min) when one is a wallet
// scope, else time-bound (10 min), as MFASettingsActions default.
//
// Dynamic's SDK decodes the token as a JWT (parseElevatedAccessToken
// reads scope, exp and singleUse, and drops a token it cannot decode), so
// it is one: HS256 under a key derived from the master secret, with a
// random jti. The server never trusts its claims: the token is looked up
// by its keyed hash, which makes single use and revocation (MFA reset)
// work like for mfaTokens.
func (s *Service) IssueElevated(ctx context.Context, userID, sessionID string, scopes []string) (string, error) {
	return s.IssueElevatedUnder(ctx, Policy{}, userID, sessionID, scopes)
}

// IssueElevatedUnder is IssueElevated with the environment's
// security.mfa.actions settings (tokenBehavior, tokenExpirySeconds) for
// the scopes' actions.
func (s *Service) IssueElevatedUnder(ctx context.Context, p Policy, userID, sessionID string, scopes []string) (string, error) {
	if err := CheckScopes(scopes); err != nil {
		return "", err
	}
	if len(scopes) == 0 {
		return "", errs.Unprocessable(CodeInvalidScopes, "requestedScopes: at least one", nil)
	}
	single, ttl := p.tokenRule(scopes)
	now := s.clock()
	raw, err := s.elevatedJWT(userID, sessionID, scopes, single, now, now.Add(ttl))
	if err != nil {
		return "", err
	}
	t := &Token{Hash: s.keys.MAC("mfa elevated token", []byte(raw)), UserID: userID, SessionID: sessionID,
		SingleUse: single, Scopes: slices.Clone(scopes), ExpiresAt: now.Add(ttl)}
	if err := s.store.InsertMFAToken(ctx, t); err != nil {
		return "", err
	}
	return raw, nil
}

var elevatedHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

func (s *Service) elevatedJWT(userID, sessionID string, scopes []string, single bool, iat, exp time.Time) (string, error) {
	jti := make([]byte, 32)
	if _, err := rand.Read(jti); err != nil {
		return "", errs.Internal("elevated token", err)
	}
	payload, err := json.Marshal(map[string]any{"sub": userID, "sid": sessionID, "scope": strings.Join(scopes, " "),
		"singleUse": single, "iat": iat.Unix(), "exp": exp.Unix(), "jti": base64.RawURLEncoding.EncodeToString(jti)})
	if err != nil {
		return "", errs.Internal("elevated token", err)
	}
	signing := elevatedHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	return signing + "." + base64.RawURLEncoding.EncodeToString(s.keys.MAC("mfa elevated token jwt", []byte(signing))), nil
}

// maxElevatedLen bounds the header value looked up (a token with 16 long
// scopes stays well below it).
const maxElevatedLen = 4096

// CheckElevated requires a live elevatedAccessToken of the user that
// carries scope and was issued to the caller's session (a single-use one
// is consumed by the check). A token of another user (of this environment
// or another) is unknown for this one.
func (s *Service) CheckElevated(ctx context.Context, userID, sessionID, raw, scope string) error {
	u, err := s.ElevatedProof(userID, sessionID, raw, scope)
	if err != nil {
		return err
	}
	return s.Spend(ctx, u)
}

// ElevatedProof is CheckElevated's proof, not spent yet.
func (s *Service) ElevatedProof(userID, sessionID, raw, scope string) (*TokenUse, error) {
	if raw == "" || len(raw) > maxElevatedLen {
		return nil, errs.Forbidden("this action needs an elevated access token with the " + scope + " scope")
	}
	serves := func(t *Token) bool { return t.SessionID == sessionID && slices.Contains(t.Scopes, scope) }
	return s.use(userID, "mfa elevated token", raw, serves,
		errs.Forbidden("the elevated access token is unknown, used, expired or lacks the "+scope+" scope")), nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
