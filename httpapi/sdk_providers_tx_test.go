package httpapi_test

import (
	"context"
	"sync"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/social/oidctest"
	"github.com/dynamicauth/dynamicauth/users"
)

// socialHook is an application's OnSignIn hook that notes the email
// credentials of the user inside the sign-in's transaction and refuses
// the sign-in while refuse is set.
type socialHook struct {
	mu     sync.Mutex
	refuse bool
	emails []string
}

func (k *socialHook) onSignIn(_ context.Context, s *signin.SignIn) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.emails = nil
	for _, c := range s.User.Credentials {
		if c.Format == users.FormatEmail {
			k.emails = append(k.emails, c.Address)
		}
	}
	if k.refuse {
		return signin.Refuse("not now")
	}
	return nil
}

func (k *socialHook) set(refuse bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.refuse, k.emails = refuse, nil
}

func (k *socialHook) seen() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.emails
}

// A social sign-in is one transaction: joining the owner of the
// provider-verified email and giving a new user that email credential are
// written with the session or not at all. A sign-in refused inside its
// transaction (the application's OnSignIn hook, run after the join) leaves
// the social account unlinked; a new user has the email credential inside
// the transaction already. Both ways on each backend.
func TestSocialSignInIsOneTransaction(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			hook := &socialHook{}
			h := newHarnessWith(t, backend, func(c *dynamicauth.Config) { c.Hooks.OnSignIn = hook.onSignIn })
			f := newSocialFixture(t, h)
			owner := str(t, h.createUser(t, f.env, map[string]any{"email": "grace@example.com",
				"emailVerifiedAt": "2025-01-02T03:04:05.000Z"}), "id")
			eventCount := func(name string) int {
				all, _ := h.eventPages(t, f.env, "")
				n := 0
				for _, e := range all {
					if e["eventName"] == name {
						n++
					}
				}
				return n
			}
			oauthOf := func(userID string) int {
				st, res := h.do(t, "GET", "/environments/"+f.env+"/users/"+userID, h.token, nil)
				wantStatus(t, "get user", st, 200, res)
				n := 0
				for _, c := range list(t, res, "user.verifiedCredentials") {
					if c.(map[string]any)["format"] == users.FormatOAuth {
						n++
					}
				}
				return n
			}

			f.op.AddUser(oidctest.User{ID: "op-grace", Email: "Grace@Example.com", Name: "Grace Hopper", EmailVerified: true})
			hook.set(true)
			l := f.start(t, f.env)
			st, res := f.signIn(t, f.env, map[string]any{"state": l.state, "code": l.code})
			wantStatus(t, "sign-in refused inside its transaction", st, 403, res)
			if n := oauthOf(owner); n != 0 {
				t.Fatalf("a refused sign-in left the social account joined to the email's owner (%d oauth credentials)", n)
			}
			if n := eventCount(events.SocialLinked); n != 0 {
				t.Fatalf("a refused sign-in wrote %d %s events", n, events.SocialLinked)
			}

			hook.set(false)
			l = f.start(t, f.env)
			st, res = f.signIn(t, f.env, map[string]any{"state": l.state, "code": l.code})
			wantStatus(t, "sign-in joining the owner", st, 200, res)
			wantEq(t, res, "user.id", owner)
			if n := oauthOf(owner); n != 1 {
				t.Fatalf("the owner has %d oauth credentials after the join, want 1", n)
			}
			if n := eventCount(events.SocialLinked); n != 1 {
				t.Fatalf("%d %s events after the join, want 1", n, events.SocialLinked)
			}

			// A new user: the provider's verified email (Ada@Example.com)
			// is theirs inside the transaction, lower-cased like every
			// email credential.
			f.op.AddUser(oidctest.User{ID: "op-ada", Email: "Ada@Example.com", Name: "Ada Lovelace", EmailVerified: true})
			hook.set(false)
			l = f.start(t, f.env)
			st, res = f.signIn(t, f.env, map[string]any{"state": l.state, "code": l.code})
			wantStatus(t, "new user", st, 200, res)
			if got := hook.seen(); len(got) != 1 || got[0] != "ada@example.com" {
				t.Fatalf("inside the sign-in's transaction the new user has email credentials %q, want [ada@example.com]", got)
			}
			find(t, list(t, res, "user.verifiedCredentials"), "format", users.FormatEmail)
			if n := eventCount(events.EmailLinked); n != 1 {
				t.Fatalf("%d %s events after the new user's sign-in, want 1", n, events.EmailLinked)
			}
		})
	}
}
