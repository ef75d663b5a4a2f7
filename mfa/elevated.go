package mfa

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strings"

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
func (s *Service) IssueElevated(ctx context.Context, userID, sessionID string, scopes []string) (string, error) {
	if err := CheckScopes(scopes); err != nil {
		return "", err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", errs.Internal("elevated token", err)
	}
	raw := "elv_" + base64.RawURLEncoding.EncodeToString(b)
	single := slices.ContainsFunc(scopes, func(sc string) bool { return strings.HasPrefix(sc, "wallet:") })
	ttl := timeBoundTTL
	if single {
		ttl = singleUseTTL
	}
	t := &Token{Hash: s.keys.MAC("mfa elevated token", []byte(raw)), UserID: userID, SessionID: sessionID,
		SingleUse: single, Scopes: slices.Clone(scopes), ExpiresAt: s.clock().Add(ttl)}
	if err := s.store.InsertMFAToken(ctx, t); err != nil {
		return "", err
	}
	return raw, nil
}

// CheckElevated requires a live elevatedAccessToken of the user that
// carries scope (a single-use one is consumed by the check).
func (s *Service) CheckElevated(ctx context.Context, userID, raw, scope string) error {
	if raw == "" || len(raw) > 128 {
		return errs.Forbidden("this action needs an elevated access token with the " + scope + " scope")
	}
	t, err := s.store.UseMFAToken(ctx, userID, s.keys.MAC("mfa elevated token", []byte(raw)), s.clock())
	if err != nil {
		return err
	}
	if t == nil || !slices.Contains(t.Scopes, scope) {
		return errs.Forbidden("the elevated access token is unknown, used, expired or lacks the " + scope + " scope")
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
