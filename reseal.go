package dynamicauth

import (
	"context"
	"fmt"

	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/webhooks"
)

// ResealSecrets moves every value sealed at rest to Config.MasterSecret,
// opening each under it or one of Config.PreviousMasterSecrets: JWT
// signing keys, SSO and social providers' client secrets, social
// accounts' OAuth tokens, TOTP seeds, test accounts' codes, the secrets
// in environment settings and webhook signing secrets (these two sealed
// too where earlier versions stored them in the clear). Rows are rewritten one by one, each
// only if nobody wrote it meanwhile, so it runs beside serving servers
// and a second run finishes what an interrupted one left. Values that
// open under none of the secrets are counted as Unreadable and left
// alone. API tokens and recovery codes are hashes, not sealed: they stay
// with PreviousMasterSecrets (README: Rotating the master secret).
func (a *Auth) ResealSecrets(ctx context.Context) (secrets.ResealCount, error) {
	steps := []struct {
		what string
		run  func(context.Context, secrets.SealedStore) (secrets.ResealCount, error)
	}{
		{"signing keys", a.keys.Reseal},
		{"sso secrets and environment settings", a.tenants.Reseal},
		{"social providers and oauth tokens", func(ctx context.Context, st secrets.SealedStore) (secrets.ResealCount, error) {
			return social.Reseal(ctx, a.secrets, st)
		}},
		{"totp seeds", a.mfa.Reseal},
		{"test account codes", a.testAccounts.Reseal},
		{"webhook secrets", func(ctx context.Context, st secrets.SealedStore) (secrets.ResealCount, error) {
			return webhooks.Reseal(ctx, a.secrets, st)
		}},
	}
	var total secrets.ResealCount
	for _, s := range steps {
		n, err := s.run(ctx, a.store)
		total = total.Add(n)
		if err != nil {
			return total, fmt.Errorf("dynamicauth: reseal %s: %w", s.what, err)
		}
		log := a.log.InfoContext
		if n.Unreadable > 0 {
			log = a.log.WarnContext
		}
		log(ctx, "resealed under the current master secret", "values", s.what, "resealed", n.Resealed,
			"already_current", n.Current, "unreadable", n.Unreadable, "first_unreadable", n.FirstUnreadable, "changed_meanwhile", n.Changed)
	}
	return total, nil
}
