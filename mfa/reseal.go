package mfa

import (
	"context"

	"github.com/dynamicauth/dynamicauth/secrets"
)

// Reseal moves the TOTP seeds to the current master secret.
func (s *Service) Reseal(ctx context.Context, st secrets.SealedStore) (secrets.ResealCount, error) {
	return s.keys.ResealEach(ctx, st, secrets.KindTOTPSeed, func(v secrets.Sealed) []byte {
		return sealAAD(&Device{ID: v.Key, UserID: v.Context[0]})
	})
}
