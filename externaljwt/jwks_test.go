package externaljwt

import (
	"context"
	"testing"

	"github.com/dynamicauth/dynamicauth/externaljwt/externaljwttest"
	"github.com/go-jose/go-jose/v4"
)

// TestAbandonedRequestDoesNotBlockTheKeySet: a caller that hangs up while
// the JWKS is being fetched (its request's context ends) must not count
// as the set's fetch attempt: it was, and the floor between fetches then
// refused every other caller of the environment for a minute (a cold
// cache, or a rotated key), which anyone could repeat for free.
func TestAbandonedRequestDoesNotBlockTheKeySet(t *testing.T) {
	p, v, _, cfg := setup(t)
	rk := p.addRSA("r1")
	tok := externaljwttest.Sign(t, jose.RS256, rk, "r1", claims(nil))
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	_, _ = v.Verify(gone, cfg, tok)
	if _, err := v.Verify(context.Background(), cfg, tok); err != nil {
		t.Fatalf("after a caller hung up, a good token is refused: %v", err)
	}
}
