package secrets

import (
	"context"
	"errors"
	"fmt"
)

// The kinds of sealed values a store keeps: one per column that holds a
// value sealed with Keys.Seal (or, for environment settings, a document
// with sealed members). A column sealed by a new capability gets a kind
// here, a row in the store's table of them and a reseal in its domain.
const (
	KindSigningKey          = "signing_key"          // key: id
	KindSSOSecret           = "sso_secret"           // key: id
	KindProviderSecret      = "provider_secret"      // key: id
	KindOAuthAccess         = "oauth_access"         // key: credential id; context: environment id, provider, account id
	KindOAuthRefresh        = "oauth_refresh"        // same as KindOAuthAccess
	KindTOTPSeed            = "totp_seed"            // key: device id; context: user id
	KindEnvironmentSettings = "environment_settings" // key: environment id; value: the settings document
	KindWebhookSecret       = "webhook_secret"       // key: id; value: text (secrets.TextPrefix, or clear from before sealing)
	KindTestAccountCode     = "test_account_code"    // key: environment id
)

// Sealed is one stored sealed value: the row's key, what else its aad is
// made of (Context, in the order the kind's comment gives), and the value.
type Sealed struct {
	Key     string
	Context []string
	Value   []byte
}

// SealedStore pages through the sealed values of a kind and swaps one.
type SealedStore interface {
	// SealedValues returns up to limit values of kind whose key sorts
	// after after, in key order (empty or NULL values left out).
	SealedValues(ctx context.Context, kind, after string, limit int) ([]Sealed, error)
	// ReplaceSealed stores value in place of old for the row of kind with
	// key, if the row still holds old; replaced is false otherwise.
	ReplaceSealed(ctx context.Context, kind, key string, old, value []byte) (replaced bool, err error)
}

// ResealCount says what a reseal did with the values of its kinds.
type ResealCount struct {
	Resealed   int // now sealed under the current master secret
	Current    int // were already
	Unreadable int // opened under none of the master secrets: left as they are
	Changed    int // written by someone else meanwhile: left for the next run
	// FirstUnreadable names the first unreadable value ("kind key"), for
	// the operator to look at.
	FirstUnreadable string
}

// Add sums two counts.
func (c ResealCount) Add(o ResealCount) ResealCount {
	first := c.FirstUnreadable
	if first == "" {
		first = o.FirstUnreadable
	}
	return ResealCount{c.Resealed + o.Resealed, c.Current + o.Current, c.Unreadable + o.Unreadable, c.Changed + o.Changed, first}
}

// ResealFunc returns the value of one stored row sealed under the current
// master secret, changed false when it already was. A value that opens
// under no master secret is an error (counted as unreadable, not fatal);
// ErrNothingSealed says the row holds no sealed value (a settings
// document without secrets) and is not counted.
type ResealFunc func(Sealed) (value []byte, changed bool, err error)

// ErrNothingSealed is a ResealFunc's answer for a row without a sealed
// value.
var ErrNothingSealed = errors.New("secrets: nothing sealed")

const resealPage = 500

// ResealAll runs fn over every stored value of kind and writes back what
// it changed, each row on its own and only if nobody wrote it meanwhile:
// it can run beside the servers, and running it again finishes what an
// interrupted run left.
func ResealAll(ctx context.Context, st SealedStore, kind string, fn ResealFunc) (ResealCount, error) {
	var n ResealCount
	after := ""
	for {
		page, err := st.SealedValues(ctx, kind, after, resealPage)
		if err != nil {
			return n, fmt.Errorf("reseal %s: %w", kind, err)
		}
		for _, v := range page {
			out, changed, err := fn(v)
			switch {
			case errors.Is(err, ErrNothingSealed):
			case err != nil:
				if n.Unreadable == 0 {
					n.FirstUnreadable = kind + " " + v.Key
				}
				n.Unreadable++
			case !changed:
				n.Current++
			default:
				ok, err := st.ReplaceSealed(ctx, kind, v.Key, v.Value, out)
				if err != nil {
					return n, fmt.Errorf("reseal %s %s: %w", kind, v.Key, err)
				}
				if ok {
					n.Resealed++
				} else {
					n.Changed++
				}
			}
		}
		if len(page) < resealPage {
			return n, nil
		}
		after = page[len(page)-1].Key
	}
}

// ResealEach is ResealAll for a kind whose rows hold one value sealed with
// the aad that aad makes of the row.
func (k *Keys) ResealEach(ctx context.Context, st SealedStore, kind string, aad func(Sealed) []byte) (ResealCount, error) {
	return ResealAll(ctx, st, kind, func(v Sealed) ([]byte, bool, error) {
		return k.Reseal(v.Value, aad(v))
	})
}
