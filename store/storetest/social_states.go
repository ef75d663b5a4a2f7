package storetest

import (
	"errors"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/store"
)

func testSocialStates(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	_, sb, _ := createProject(t, s, c, org.ID, "one")
	now := c.next()
	st := &social.State{ID: "state-" + id(), EnvironmentID: sb.ID, Provider: social.Google, CodeVerifier: "verifier",
		Nonce: "nonce", BindingHash: "bh", RedirectURL: "https://auth.example/redirect", ReturnURL: "https://app.example/",
		Origin: "https://app.example", ExpiresAt: now.Add(10 * time.Minute)}
	must(t, "SaveState", s.SaveState(ctx(t), st))
	if err := s.SaveState(ctx(t), st); !errors.Is(err, social.ErrStateExists) {
		t.Fatalf("SaveState twice = %v, want ErrStateExists", err)
	}
	other := *st
	other.ID, other.EnvironmentID = "state-"+id(), "no-such-env"
	if err := s.SaveState(ctx(t), &other); err == nil {
		t.Fatal("SaveState in a missing environment succeeded")
	}
	got, err := s.GetState(ctx(t), st.ID)
	must(t, "GetState", err)
	if !reflect.DeepEqual(got, st) {
		t.Fatalf("GetState = %+v, want %+v", got, st)
	}
	if _, err := s.GetState(ctx(t), "nope"); !errors.Is(err, social.ErrStateNotFound) {
		t.Fatalf("GetState unknown = %v", err)
	}

	// The provider's code is recorded once, and only before expiry.
	if _, err := s.DeliverCode(ctx(t), st.ID, "code-1", "Ada", st.ExpiresAt); !errors.Is(err, social.ErrStateNotFound) {
		t.Fatalf("DeliverCode at expiry = %v", err)
	}
	got, err = s.DeliverCode(ctx(t), st.ID, "code-1", "Ada", now)
	must(t, "DeliverCode", err)
	if got.Code != "code-1" || got.UserName != "Ada" || got.CodeVerifier != "verifier" {
		t.Fatalf("DeliverCode = %+v", got)
	}
	if _, err := s.DeliverCode(ctx(t), st.ID, "code-2", "", now); !errors.Is(err, social.ErrStateNotFound) {
		t.Fatalf("second DeliverCode = %v", err)
	}

	// Taken once.
	got, err = s.TakeState(ctx(t), st.ID)
	must(t, "TakeState", err)
	if got.Code != "code-1" || got.EnvironmentID != sb.ID {
		t.Fatalf("TakeState = %+v", got)
	}
	if _, err := s.TakeState(ctx(t), st.ID); !errors.Is(err, social.ErrStateNotFound) {
		t.Fatalf("TakeState twice = %v", err)
	}

	// The provider's error ends a login: recorded once, only before
	// expiry and on a state without a code; no code is taken afterwards.
	refused := &social.State{ID: "refused-" + id(), EnvironmentID: sb.ID, Provider: social.Google, ExpiresAt: now.Add(time.Minute)}
	must(t, "SaveState refused", s.SaveState(ctx(t), refused))
	if _, err := s.DeliverError(ctx(t), refused.ID, "access_denied", refused.ExpiresAt); !errors.Is(err, social.ErrStateNotFound) {
		t.Fatalf("DeliverError at expiry = %v", err)
	}
	got, err = s.DeliverError(ctx(t), refused.ID, "access_denied", now)
	must(t, "DeliverError", err)
	if got.Error != "access_denied" || got.Code != "" {
		t.Fatalf("DeliverError = %+v", got)
	}
	if _, err := s.DeliverCode(ctx(t), refused.ID, "code-3", "", now); !errors.Is(err, social.ErrStateNotFound) {
		t.Fatalf("DeliverCode after DeliverError = %v", err)
	}
	if _, err := s.DeliverError(ctx(t), refused.ID, "server_error", now); !errors.Is(err, social.ErrStateNotFound) {
		t.Fatalf("second DeliverError = %v", err)
	}
	got, err = s.GetState(ctx(t), refused.ID)
	must(t, "GetState refused", err)
	if got.Error != "access_denied" || got.Code != "" {
		t.Fatalf("GetState after DeliverError = %+v", got)
	}
	coded := &social.State{ID: "coded-" + id(), EnvironmentID: sb.ID, Provider: social.Google, ExpiresAt: now.Add(time.Minute)}
	must(t, "SaveState coded", s.SaveState(ctx(t), coded))
	_, err = s.DeliverCode(ctx(t), coded.ID, "code-4", "", now)
	must(t, "DeliverCode coded", err)
	if _, err := s.DeliverError(ctx(t), coded.ID, "access_denied", now); !errors.Is(err, social.ErrStateNotFound) {
		t.Fatalf("DeliverError after DeliverCode = %v", err)
	}

	// Expired states are purged; live ones stay.
	old := &social.State{ID: "old-" + id(), EnvironmentID: sb.ID, Provider: social.GitHub, ExpiresAt: now.Add(-time.Second)}
	live := &social.State{ID: "live-" + id(), EnvironmentID: sb.ID, Provider: social.GitHub, ExpiresAt: now.Add(time.Minute)}
	must(t, "SaveState old", s.SaveState(ctx(t), old))
	must(t, "SaveState live", s.SaveState(ctx(t), live))
	n, err := s.DeleteExpiredStates(ctx(t), now)
	must(t, "DeleteExpiredStates", err)
	if n != 1 {
		t.Fatalf("DeleteExpiredStates removed %d, want 1", n)
	}
	if _, err := s.GetState(ctx(t), live.ID); err != nil {
		t.Fatalf("live state purged: %v", err)
	}
}

// testSocialStatesRace: callers racing to take one state (two replicas
// handling a replayed callback) or to deliver its code: exactly one wins.
func testSocialStatesRace(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	_, sb, _ := createProject(t, s, c, org.ID, "one")
	now := c.next()
	st := &social.State{ID: "race-" + id(), EnvironmentID: sb.ID, Provider: social.Google, ExpiresAt: now.Add(time.Minute)}
	must(t, "SaveState", s.SaveState(ctx(t), st))
	race := func(what string, fn func() error) {
		var wg sync.WaitGroup
		var won, lost atomic.Int32
		start := make(chan struct{})
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				switch err := fn(); {
				case err == nil:
					won.Add(1)
				case errors.Is(err, social.ErrStateNotFound):
					lost.Add(1)
				default:
					t.Errorf("%s: %v", what, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if won.Load() != 1 || lost.Load() != 5 {
			t.Fatalf("%s: %d won, %d lost; want 1 and 5", what, won.Load(), lost.Load())
		}
	}
	race("DeliverCode", func() error { _, err := s.DeliverCode(ctx(t), st.ID, "c-"+id(), "", now); return err })
	// A code and the provider's error racing for a fresh state: one of
	// them is recorded.
	st2 := &social.State{ID: "race-" + id(), EnvironmentID: sb.ID, Provider: social.Google, ExpiresAt: now.Add(time.Minute)}
	must(t, "SaveState", s.SaveState(ctx(t), st2))
	var n atomic.Int32
	race("DeliverCode or DeliverError", func() error {
		if n.Add(1)%2 == 0 {
			_, err := s.DeliverError(ctx(t), st2.ID, "access_denied", now)
			return err
		}
		_, err := s.DeliverCode(ctx(t), st2.ID, "c-"+id(), "", now)
		return err
	})
	race("TakeState", func() error { _, err := s.TakeState(ctx(t), st.ID); return err })
}

// testTelegramReplays: a Telegram login payload is used once on the
// whole store (testUsedOnce).
func testTelegramReplays(t *testing.T, s store.Store) {
	testUsedOnce(t, s, "UseTelegramLogin", social.ErrTelegramReplay, func(key string, exp time.Time) error {
		return s.UseTelegramLogin(ctx(t), key, exp)
	})
	t.Run("TelegramLoginUsed", func(t *testing.T) { testTelegramLoginUsed(t, s) })
}

// testTelegramLoginUsed: TelegramLoginUsed answers what UseTelegramLogin
// would (checkTelegramAuth asks it, to answer what a sign-in would), and
// records nothing.
func testTelegramLoginUsed(t *testing.T, s store.Store) {
	used := func(what, hash string, want bool) {
		t.Helper()
		got, err := s.TelegramLoginUsed(ctx(t), hash)
		if err != nil || got != want {
			t.Fatalf("%s: used = %v, %v; want %v", what, got, err, want)
		}
	}
	now := newClock().next()
	key := "ef" + id()
	used("a payload never seen", key, false)
	used("asked twice", key, false)
	must(t, "use it after the checks", s.UseTelegramLogin(ctx(t), key, now.Add(time.Hour)))
	used("a payload used", key, true)
	if _, err := s.DeleteExpiredNonces(ctx(t), now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	used("a payload purged once stale", key, false)
}

// testExternalAssertions: an external-JWT assertion's jti is used once per
// environment and issuer (testUsedOnce); the same jti of another issuer
// or environment is another assertion.
func testExternalAssertions(t *testing.T, s store.Store) {
	env := id()
	testUsedOnce(t, s, "UseExternalAssertion", signin.ErrAssertionUsed, func(key string, exp time.Time) error {
		return s.UseExternalAssertion(ctx(t), env, "https://app.example", key, exp)
	})
	exp := time.Now().Add(time.Hour)
	must(t, "a jti", s.UseExternalAssertion(ctx(t), env, "https://app.example", "j-1", exp))
	must(t, "the jti of another issuer", s.UseExternalAssertion(ctx(t), env, "https://other.example", "j-1", exp))
	must(t, "the jti in another environment", s.UseExternalAssertion(ctx(t), id(), "https://app.example", "j-1", exp))
}

// testUsedOnce: use records a key once on the whole store, whoever races
// for it (the others get replay); the record is purged with expired
// nonces once it is stale, and a nonce's purge does not free it early.
func testUsedOnce(t *testing.T, s store.Store, what string, replay error, use func(key string, expiresAt time.Time) error) {
	c := newClock()
	now := c.next()
	key := "ab" + id()
	var won, lost atomic.Int32
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch err := use(key, now.Add(time.Hour)); {
			case err == nil:
				won.Add(1)
			case errors.Is(err, replay):
				lost.Add(1)
			default:
				t.Errorf("%s: %v", what, err)
			}
		}()
	}
	wg.Wait()
	if won.Load() != 1 || lost.Load() != 5 {
		t.Fatalf("%s raced: %d won, %d lost; want 1 and 5", what, won.Load(), lost.Load())
	}
	must(t, what+" of another key", use("cd"+id(), now.Add(time.Hour)))
	if _, err := s.DeleteExpiredNonces(ctx(t), now.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := use(key, now.Add(time.Hour)); !errors.Is(err, replay) {
		t.Fatalf("%s after a purge before it expired: %v, want %v", what, err, replay)
	}
	if _, err := s.DeleteExpiredNonces(ctx(t), now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	must(t, what+" after the purge", use(key, now.Add(3*time.Hour)))
}
