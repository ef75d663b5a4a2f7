package session_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/signing"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
	"github.com/go-jose/go-jose/v4"
)

type fixture struct {
	store    *sqlite.Store
	secrets  *secrets.Keys
	keys     *signing.Service
	sessions *session.Service
	envID    string
	now      time.Time
}

func newFixture(t testing.TB, alg string) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"), sqlite.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sk, _ := secrets.New(make([]byte, 32))
	f := &fixture{store: st, secrets: sk, now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return f.now }
	ids, _, _, err := tenant.NewService(st, sk, clock).Init(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.envID = ids.EnvironmentID
	if f.keys, err = signing.NewService(st, sk, alg, clock); err != nil {
		t.Fatal(err)
	}
	f.sessions = session.NewService(st, f.keys, session.Config{}, clock)
	return f
}

func (f *fixture) issue(t testing.TB) string {
	t.Helper()
	u := &users.User{ID: "user-1", EnvironmentID: f.envID, CreatedAt: f.now, LastVisitAt: f.now}
	s := f.sessions.New(f.envID, u.ID, "cred-1", "", "", "", time.Hour)
	tok, err := f.sessions.Issue(context.Background(), &users.Profile{User: u}, s, "auth.test/"+f.envID, "https://app.test", true)
	if err != nil {
		t.Fatal(err)
	}
	return tok.MinifiedJWT
}

func TestRotationKeepsOldTokensValid(t *testing.T) {
	f := newFixture(t, signing.RS256)
	ctx := context.Background()
	old := f.issue(t)
	oldKey, err := f.keys.Active(ctx, f.envID)
	if err != nil {
		t.Fatal(err)
	}
	newKey, err := f.keys.Rotate(ctx, f.envID)
	if err != nil {
		t.Fatal(err)
	}
	published, err := f.keys.Published(ctx, f.envID)
	if err != nil || len(published) != 2 {
		t.Fatalf("published %d keys (%v), want old and new", len(published), err)
	}
	if _, err := f.sessions.Verify(ctx, f.envID, old); err != nil {
		t.Fatalf("token of the retired key refused: %v", err)
	}
	fresh := f.issue(t)
	if !strings.Contains(headerKid(t, fresh), newKey.ID) || headerKid(t, old) != oldKey.ID {
		t.Fatalf("kids: old %s fresh %s", headerKid(t, old), headerKid(t, fresh))
	}
	// Once the retention has passed, the retired key is gone with its tokens.
	f.now = f.now.Add(signing.Retention + time.Hour)
	published, _ = f.keys.Published(ctx, f.envID)
	if len(published) != 1 || published[0].ID != newKey.ID {
		t.Fatalf("after retention: %d keys", len(published))
	}
}

// TestRetiredKeyRefusedAfterRetention: once a retired key's retention
// has passed it verifies nothing, also on a replica that verified tokens
// with it while it was active (its tokens that were really issued have
// all expired by then; what is left is a token forged with the key, the
// reason a key is rotated).
func TestRetiredKeyRefusedAfterRetention(t *testing.T) {
	for _, where := range []string{"here", "on another replica"} {
		t.Run(where, func(t *testing.T) {
			f := newFixture(t, signing.RS256)
			ctx := context.Background()
			old, err := f.keys.Active(ctx, f.envID)
			if err != nil {
				t.Fatal(err)
			}
			forged := f.forge(t, old, f.now.Add(90*24*time.Hour))
			if _, err := f.sessions.Verify(ctx, f.envID, forged); err != nil {
				t.Fatalf("token of the active key refused: %v", err)
			}
			rotator := f.keys
			if where != "here" {
				clock := func() time.Time { return f.now }
				if rotator, err = signing.NewService(f.store, f.secrets, signing.RS256, clock); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := rotator.Rotate(ctx, f.envID); err != nil {
				t.Fatal(err)
			}
			if _, err := f.sessions.Verify(ctx, f.envID, forged); err != nil {
				t.Fatalf("token of the retired key refused within the retention: %v", err)
			}
			f.now = f.now.Add(signing.Retention + time.Hour)
			if _, err := f.sessions.Verify(ctx, f.envID, forged); !errs.Is(err, errs.KindUnauthorized) {
				t.Fatalf("token of a key retired %s ago accepted (%v)", signing.Retention+time.Hour, err)
			}
		})
	}
}

// forge signs a token of the fixture's environment expiring at exp with
// key k, as one who holds its private half would.
func (f *fixture) forge(t testing.TB, k *signing.Key, exp time.Time) string {
	t.Helper()
	priv, err := f.keys.Signer(k)
	if err != nil {
		t.Fatal(err)
	}
	sg, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(k.Algorithm), Key: priv},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", k.ID))
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(session.Minified{Kid: k.ID, Sub: "user-1", Sid: "session-1", EnvironmentID: f.envID,
		Scope: session.ScopeUserBasic, Iat: f.now.Unix(), Exp: exp.Unix()})
	if err != nil {
		t.Fatal(err)
	}
	obj, err := sg.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func headerKid(t testing.TB, tok string) string {
	t.Helper()
	jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA})
	if err != nil {
		t.Fatal(err)
	}
	return jws.Signatures[0].Header.KeyID
}

// TestVerifyRefusesForgeries: tokens the service signs are refused once
// anything in them is changed, with every algorithm.
func TestVerifyRefusesForgeries(t *testing.T) {
	for _, alg := range []string{signing.RS256, signing.ES256, signing.EdDSA} {
		t.Run(alg, func(t *testing.T) {
			f := newFixture(t, alg)
			ctx := context.Background()
			tok := f.issue(t)
			if _, err := f.sessions.Verify(ctx, f.envID, tok); err != nil {
				t.Fatalf("the issued token: %v", err)
			}
			parts := strings.Split(tok, ".")
			sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
			sig[len(sig)/2] ^= 1
			cases := map[string]string{
				"garbage":         "not.a.jwt",
				"alg none":        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + ".",
				"changed subject": parts[0] + "." + tamper(t, parts[1]) + "." + parts[2],
				"no signature":    parts[0] + "." + parts[1] + ".",
				"flipped bit":     parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig),
				"other header":    base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","kid":"`+headerKid(t, tok)+`"}`)) + "." + parts[1] + "." + parts[2],
				// a kid no store can hold: still an unknown key (401), not bad input (400)
				"kid with U+0000": base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"`+alg+`","kid":"\u0000"}`)) + "." + parts[1] + "." + parts[2],
				// the same signature in JWS JSON form: a bearer token is compact only
				"JSON serialization": `{"protected":"` + parts[0] + `","payload":"` + parts[1] + `","signature":"` + parts[2] + `"}`,
			}
			for name, bad := range cases {
				if _, err := f.sessions.Verify(ctx, f.envID, bad); !errs.Is(err, errs.KindUnauthorized) {
					t.Errorf("%s: accepted (%v)", name, err)
				}
			}
			f.now = f.now.Add(time.Hour + time.Second)
			if _, err := f.sessions.Verify(ctx, f.envID, tok); !errs.Is(err, errs.KindUnauthorized) {
				t.Fatalf("expired token accepted: %v", err)
			}
		})
	}
}

// tamper rewrites the payload's sub claim, keeping the encoding valid.
func tamper(t *testing.T, payload string) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(raw), `"sub":"user-1"`, `"sub":"user-2"`, 1)
	if changed == string(raw) {
		t.Fatal("payload has no sub to change")
	}
	return base64.RawURLEncoding.EncodeToString([]byte(changed))
}

func TestLifetime(t *testing.T) {
	cases := map[string]time.Duration{
		`{}`: 2 * time.Hour,
		`{"security":{"jwtDuration":{"amount":30,"unit":"minutes"}}}`: 30 * time.Minute,
		`{"security":{"jwtDuration":{"amount":3,"unit":"days"}}}`:     72 * time.Hour,
		`{"security":{"jwtDuration":{"amount":90,"unit":"days"}}}`:    30 * 24 * time.Hour,
		`{"security":{"jwtDuration":{"amount":0,"unit":"hours"}}}`:    2 * time.Hour,
		// A session shorter than a minute is born as good as expired
		// (clock skew, the client's first call): a minute at least.
		`{"security":{"jwtDuration":{"amount":0.001,"unit":"minutes"}}}`: time.Minute,
		`{"security":{"jwtDuration":{"amount":1e-300,"unit":"days"}}}`:   time.Minute,
	}
	for in, want := range cases {
		if got := session.Lifetime([]byte(in)); got != want {
			t.Errorf("Lifetime(%s) = %v, want %v", in, got, want)
		}
	}
}

// TestLifetimeCapsHugeAmounts: an operator who sets a lifetime beyond
// what a time.Duration holds (a million days, meaning "never expire")
// gets the 30-day cap, not an overflowed negative lifetime whose every
// session is born expired.
func TestLifetimeCapsHugeAmounts(t *testing.T) {
	for _, in := range []string{
		`{"security":{"jwtDuration":{"amount":1000000,"unit":"days"}}}`,
		`{"security":{"jwtDuration":{"amount":1e300,"unit":"minutes"}}}`,
	} {
		if got := session.Lifetime([]byte(in)); got != 30*24*time.Hour {
			t.Errorf("Lifetime(%s) = %v, want 720h", in, got)
		}
	}
}

// BenchmarkVerify compares verifying a session JWT (parse, key lookup,
// signature, claims) with its floor: the bare signature verification.
func BenchmarkVerify(b *testing.B) {
	for _, alg := range []string{signing.RS256, signing.ES256} {
		f := newFixture(b, alg)
		tok := f.issue(b)
		ctx := context.Background()
		b.Run(alg+"/full", func(b *testing.B) {
			for b.Loop() {
				if _, err := f.sessions.Verify(ctx, f.envID, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
		key, err := f.keys.Active(ctx, f.envID)
		if err != nil {
			b.Fatal(err)
		}
		pk, err := f.keys.PublicKey(ctx, key.ID)
		if err != nil {
			b.Fatal(err)
		}
		jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
		if err != nil {
			b.Fatal(err)
		}
		switch pk.Public.(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey:
		default:
			b.Fatalf("unexpected key %T", pk.Public)
		}
		b.Run(alg+"/floor", func(b *testing.B) {
			for b.Loop() {
				if _, err := jws.Verify(pk.Public); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
