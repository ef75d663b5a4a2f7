package externaljwt

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// maxJWKSBytes bounds a JWKS response: a key set is a few kilobytes.
const maxJWKSBytes = 1 << 20

// fetchTimeout bounds a JWKS fetch, whatever client the Verifier has.
const fetchTimeout = 10 * time.Second

// maxStale is how long after its last successful fetch a key set still
// serves while the endpoint fails: an outage of the application's JWKS
// does not stop its users, but a key it withdrew (compromised) stops
// working within a day even if the endpoint never answers again.
const maxStale = 24 * time.Hour

// errUnknownKey is returned when no key of the set has the token's kid,
// even after a refresh.
var errUnknownKey = errors.New("no key with this kid in the JWKS")

// errJWKSUnavailable: the last fetch failed and the floor forbids another yet.
var errJWKSUnavailable = errors.New("the JWKS could not be fetched; retry later")

// keyCache keeps each JWKS URL's key set. A set is fetched again when it
// is older than ttl, or when a token names a kid it lacks (keys rotate),
// but never more often than every minRefresh: a stream of tokens with
// made-up kids must not turn the server into a load generator against
// the application's JWKS endpoint.
type keyCache struct {
	client     *http.Client
	now        func() time.Time
	ttl        time.Duration
	minRefresh time.Duration

	mu   sync.Mutex
	sets map[string]*keySet
}

type keySet struct {
	mu        sync.Mutex
	keys      jose.JSONWebKeySet
	fetchedAt time.Time // zero: never fetched successfully
	triedAt   time.Time // last fetch attempt, successful or not
}

func (c *keyCache) set(url string) *keySet {
	c.mu.Lock()
	defer c.mu.Unlock()
	ks := c.sets[url]
	if ks == nil {
		ks = &keySet{}
		c.sets[url] = ks
	}
	return ks
}

// key returns the public key with kid for alg (any key when kid is empty
// and the set holds exactly one).
func (c *keyCache) key(ctx context.Context, url, kid, alg string) (*jose.JSONWebKey, error) {
	ks := c.set(url)
	ks.mu.Lock()
	defer ks.mu.Unlock()
	now := c.now()
	fresh := !ks.fetchedAt.IsZero() && now.Sub(ks.fetchedAt) <= c.ttl
	if fresh {
		if k := ks.find(kid, alg); k != nil {
			return k, nil
		}
	}
	switch {
	case ks.triedAt.IsZero() || now.Sub(ks.triedAt) >= c.minRefresh:
		ks.triedAt = now
		// The fetch is the set's, not the caller's: a caller hanging up
		// must not end it, or its failure would hold every other caller
		// off until the floor passes (anyone could repeat that for free).
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		keys, err := c.fetch(fctx, url)
		cancel()
		if err != nil && ks.fetchedAt.IsZero() {
			return nil, err
		}
		if err == nil { // on failure a stale set keeps serving, for maxStale
			ks.keys, ks.fetchedAt = keys, now
		}
	case ks.fetchedAt.IsZero():
		return nil, errJWKSUnavailable
	}
	if now.Sub(ks.fetchedAt) > maxStale {
		return nil, errJWKSUnavailable
	}
	if k := ks.find(kid, alg); k != nil {
		return k, nil
	}
	return nil, errUnknownKey
}

// find picks the key with kid; RFC 7517 lets keys of different types share
// one (equivalent alternatives), so the one made for alg wins.
func (ks *keySet) find(kid, alg string) *jose.JSONWebKey {
	if kid == "" {
		if len(ks.keys.Keys) == 1 {
			return &ks.keys.Keys[0]
		}
		return nil
	}
	found := ks.keys.Key(kid)
	if len(found) == 0 {
		return nil
	}
	for i := range found {
		if found[i].Algorithm == alg {
			return &found[i]
		}
	}
	for i := range found {
		if found[i].Algorithm == "" && fits(found[i].Key, alg) {
			return &found[i]
		}
	}
	return &found[0] // refused by the caller, naming the key's algorithm
}

// fits says whether a public key of this type can verify alg.
func fits(key any, alg string) bool {
	switch key.(type) {
	case *rsa.PublicKey:
		return strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")
	case *ecdsa.PublicKey:
		return strings.HasPrefix(alg, "ES")
	case ed25519.PublicKey:
		return alg == "EdDSA"
	}
	return false
}

func (c *keyCache) fetch(ctx context.Context, rawURL string) (jose.JSONWebKeySet, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("jwksUrl %s: %w", shownURL(rawURL), withoutURL(err))
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("fetch JWKS from %s: %w", shownURL(rawURL), withoutURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return jose.JSONWebKeySet{}, fmt.Errorf("fetch JWKS: %s answered %d", shownURL(rawURL), resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("read JWKS: %w", err)
	}
	if len(body) > maxJWKSBytes {
		return jose.JSONWebKeySet{}, fmt.Errorf("JWKS larger than %d bytes", maxJWKSBytes)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("parse JWKS: %w", err)
	}
	// Only public signing keys verify: a symmetric ("oct") or private key
	// in a published set is a misconfiguration we refuse to use, and an
	// encryption key ("use": "enc") is not for signatures.
	public := set.Keys[:0]
	for _, k := range set.Keys {
		if k.Valid() && k.IsPublic() && k.Use != "enc" {
			public = append(public, k)
		}
	}
	set.Keys = public
	return set, nil
}

// shownURL is a jwksUrl as refusals name it: refusals go to whoever signs
// in, and a URL's user information or query may carry a provider's key,
// so both are left out.
func shownURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "the configured jwksUrl"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

// withoutURL is err without net/http's quoting of the whole URL (it
// masks a password but not the query).
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
