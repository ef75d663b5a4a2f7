package tenant

import (
	"context"

	"github.com/dynamicauth/dynamicauth/errs"
)

// ListTokens lists an environment's API tokens (never their raw values).
func (s *Service) ListTokens(ctx context.Context, p *Principal, envID string) ([]Token, error) {
	if _, err := s.GetEnvironment(ctx, p, envID, ScopeAPITokensRead); err != nil {
		return nil, err
	}
	return s.store.ListTokens(ctx, envID)
}

// CreateToken makes an environment token; the raw value is returned once.
// A token can only mint tokens no broader than itself: environment-scoped,
// with a subset of its own scopes.
func (s *Service) CreateToken(ctx context.Context, p *Principal, envID, note string, scopes []Scope) (*Token, string, error) {
	env, err := s.GetEnvironment(ctx, p, envID, ScopeAPITokensWrite)
	if err != nil {
		return nil, "", err
	}
	if note, err = checkText("note", note, maxNoteLen, true); err != nil {
		return nil, "", err
	}
	seen := map[Scope]bool{}
	var uniq []Scope
	for _, sc := range scopes {
		if !sc.Valid() {
			return nil, "", errs.Invalid("scopes: %q is not a token scope", sc)
		}
		if !p.HasScope(sc) {
			return nil, "", errs.Forbidden("cannot grant scope " + string(sc) + " that this token does not have")
		}
		if !seen[sc] {
			seen[sc] = true
			uniq = append(uniq, sc)
		}
	}
	if len(uniq) == 0 && len(p.Token.Scopes) > 0 {
		uniq = p.Token.Scopes // "all scopes" cannot exceed the minting token
	}
	creator, err := s.memberIn(ctx, p, env.OrganizationID)
	if err != nil {
		return nil, "", err
	}
	tok, raw, err := s.newToken(env.ID, env.ProjectID, env.OrganizationID, note, uniq, false, *creator)
	if err != nil {
		return nil, "", err
	}
	if err := s.store.CreateToken(ctx, tok, MaxTokens); err != nil {
		return nil, "", err
	}
	return tok, raw, nil
}

// DeleteToken revokes a token at once. An organization-wide token is an
// operator's own key: only that operator, or an admin whose role is at
// least theirs, may revoke it (a developer could otherwise lock the
// owner out of every organization the token reaches).
func (s *Service) DeleteToken(ctx context.Context, p *Principal, envID, tokenID string) error {
	env, err := s.GetEnvironment(ctx, p, envID, ScopeAPITokensWrite)
	if err != nil {
		return err
	}
	tokens, err := s.store.ListTokens(ctx, envID)
	if err != nil {
		return err
	}
	for _, t := range tokens {
		if t.ID == tokenID && t.OrgWide {
			if err := p.mayRevokeOrgWide(env.OrganizationID, &t); err != nil {
				return err
			}
		}
	}
	return s.store.DeleteToken(ctx, envID, tokenID)
}
