package passkey

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/go-webauthn/webauthn/webauthn"
)

// relyingParty is the environment as a WebAuthn relying party.
type relyingParty struct {
	env      *tenant.Environment
	name     string
	origins  []string
	settings Settings
}

func (s *Service) relyingParty(ctx context.Context, envID string) (*relyingParty, error) {
	env, err := s.envs.GetEnvironment(ctx, envID)
	if err != nil {
		return nil, err
	}
	list, err := s.envs.ListOrigins(ctx, envID)
	if err != nil {
		return nil, err
	}
	rp := &relyingParty{env: env, name: "dynamicauth", settings: s.cfg.settingsFrom(env.Settings)}
	for _, o := range list {
		rp.origins = append(rp.origins, o.Origin)
	}
	if p, err := s.envs.GetProject(ctx, env.ProjectID); err == nil && p.Name != "" {
		rp.name = p.Name
	}
	return rp, nil
}

// allows reports whether origin may run a ceremony: an allowed origin of
// the environment, or, in a sandbox without origins, a localhost one (as
// CORS and wallet sign-in allow).
func (rp *relyingParty) allows(origin string) bool {
	norm, err := tenant.NormalizeOrigin(origin)
	if err != nil {
		return false
	}
	if slices.Contains(rp.origins, norm) {
		return true
	}
	return len(rp.origins) == 0 && rp.env.Name == tenant.EnvSandbox && tenant.IsLocalHost(hostOf(norm))
}

// rpID picks the RP ID for a ceremony started from origin: a related
// origin RP ID when asked for (it must be an allowed origin's host or a
// parent domain of one), else the origin's host.
func (rp *relyingParty) rpID(origin, related string) (string, error) {
	if related != "" {
		related = strings.ToLower(strings.TrimSpace(related))
		for _, o := range rp.origins {
			h := hostOf(o)
			if h == related || strings.HasSuffix(h, "."+related) {
				return related, nil
			}
		}
		return "", invalid("relatedOriginRpId: not an allowed origin of this environment, nor a parent domain of one")
	}
	if origin == "" && len(rp.origins) > 0 {
		return hostOf(rp.origins[0]), nil
	}
	if !rp.allows(origin) {
		return "", errs.Forbidden("origin: not an allowed origin of this environment")
	}
	return hostOf(origin), nil
}

// webAuthn builds go-webauthn for one RP ID; the response's origin must
// be an allowed one (extra: the sandbox localhost origin seen).
func (rp *relyingParty) webAuthn(rpID string, extra ...string) (*webauthn.WebAuthn, error) {
	origins := slices.Clone(rp.origins)
	for _, o := range extra {
		if o != "" && rp.allows(o) && !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
	}
	if len(origins) == 0 {
		return nil, errs.Unprocessable(codeVerifyFailure, "this environment has no allowed origins for passkeys", nil)
	}
	wa, err := webauthn.New(&webauthn.Config{RPID: rpID, RPDisplayName: rp.name, RPOrigins: origins})
	if err != nil {
		return nil, errs.Unprocessable(codeVerifyFailure, "passkeys: "+err.Error(), nil)
	}
	return wa, nil
}

func hostOf(origin string) string {
	u, err := url.Parse(origin)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

func invalid(msg string) error { return errs.Unprocessable(CodeInvalidRequest, msg, nil) }
