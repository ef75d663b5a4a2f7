package webhooks

import (
	"context"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/secrets"
)

// A webhook's signing secret is sealed at rest (secrets.Keys.SealText,
// bound to the webhook): a copy of the database does not let anyone sign
// deliveries the endpoint would trust. Secrets stored in the clear by
// earlier versions are read as they are and sealed by Reseal.

func secretAAD(webhookID string) []byte { return []byte("webhook:" + webhookID) }

// sealSecret returns w as the store keeps it: its secret sealed.
func sealSecret(keys *secrets.Keys, w Webhook) (Webhook, error) {
	sealed, err := keys.SealText(w.Secret, secretAAD(w.ID))
	if err != nil {
		return w, errs.Internal("seal webhook secret", err)
	}
	w.Secret = sealed
	return w, nil
}

// openSecret replaces w's secret, as stored, by its plaintext.
func openSecret(keys *secrets.Keys, w *Webhook) error {
	plain, err := keys.OpenText(w.Secret, secretAAD(w.ID))
	if err != nil {
		return errs.Internal("open webhook secret", err)
	}
	w.Secret = plain
	return nil
}

// Reseal seals every webhook secret under the current master secret
// (those stored in the clear included).
func Reseal(ctx context.Context, keys *secrets.Keys, st secrets.SealedStore) (secrets.ResealCount, error) {
	return secrets.ResealAll(ctx, st, secrets.KindWebhookSecret, func(v secrets.Sealed) ([]byte, bool, error) {
		out, changed, err := keys.ResealText(string(v.Value), secretAAD(v.Key))
		return []byte(out), changed, err
	})
}
