package signin

import (
	"context"
	"strings"

	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/users"
)

// Reissue signs fresh tokens for the caller's session after their user
// changed (their profile, say): same sid, same expiry, current claims.
func (s *Service) Reissue(ctx context.Context, cur *Current, u *users.User, issuerHost, origin string) (*Result, error) {
	return s.reissue(ctx, cur, u, issuerHost, origin)
}

// UserScope is a signed-in user's scope: user:basic and any extra scopes
// (userDataForm while required profile fields are missing).
func UserScope(extra ...string) string {
	out := []string{session.ScopeUserBasic}
	for _, e := range extra {
		if e != "" {
			out = append(out, e)
		}
	}
	return strings.Join(out, " ")
}
