package social

import (
	"context"

	"github.com/dynamicauth/dynamicauth/secrets"
)

// providerAAD binds a sealed client secret to its provider row.
func providerAAD(id string) []byte { return []byte("provider:" + id) }

// Reseal moves the providers' client secrets and the social accounts'
// tokens to the current master secret.
func Reseal(ctx context.Context, keys *secrets.Keys, st secrets.SealedStore) (secrets.ResealCount, error) {
	n, err := keys.ResealEach(ctx, st, secrets.KindProviderSecret, func(v secrets.Sealed) []byte { return providerAAD(v.Key) })
	for _, k := range []struct{ kind, token string }{{secrets.KindOAuthAccess, "access"}, {secrets.KindOAuthRefresh, "refresh"}} {
		if err != nil {
			return n, err
		}
		var m secrets.ResealCount
		m, err = keys.ResealEach(ctx, st, k.kind, func(v secrets.Sealed) []byte {
			return tokenAAD(v.Context[0], v.Context[1], v.Context[2], k.token)
		})
		n = n.Add(m)
	}
	return n, err
}
