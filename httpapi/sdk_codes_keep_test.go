package httpapi_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/signin"
)

// TestRefusedCodeSignInKeepsTheCode: a code sign-in refused after its
// code was checked (here the before-sign-in hook, once) leaves the code
// good: the same code then signs in. Of two sign-ins racing with one
// right code, one signs in and the other is refused as used already,
// with no second session.
func TestRefusedCodeSignInKeepsTheCode(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			var refuse atomic.Bool
			h, box := newCodeHarnessWith(t, backend, func(c *dynamicauth.Config) {
				c.Hooks.BeforeSignIn = func(ctx context.Context, a *signin.Attempt) error {
					if refuse.Load() {
						return signin.Refuse("not now")
					}
					return nil
				}
			})
			env := h.ids.EnvironmentID
			sdk := "/sdk/" + env
			h.enableCodes(t, env, nil, "emailOnly")
			send := func(email string) string {
				t.Helper()
				st, res := h.do(t, "POST", sdk+"/emailVerifications/create", "", map[string]any{"email": email})
				wantStatus(t, "create "+email, st, 200, res)
				return str(t, res, "verificationUUID")
			}
			signIn := func(vid, code string) (int, any) {
				return h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{"verificationUUID": vid,
					"verificationToken": code})
			}

			vid := send("ada@example.com")
			code := box.Code(t, "ada@example.com")
			refuse.Store(true)
			st, res := signIn(vid, code)
			wantError(t, "sign-in the hook refuses", st, res, 403)
			refuse.Store(false)
			st, res = signIn(vid, code)
			wantStatus(t, "the same code once the hook allows", st, 200, res)
			wantEq(t, res, "user.email", "ada@example.com")
			st, res = signIn(vid, code)
			wantErrCode(t, "the code again", st, res, 422, "invalid_email_verification")

			vid = send("bo@example.com")
			code = box.Code(t, "bo@example.com")
			counts := map[string]int{}
			var uid any
			var mu sync.Mutex
			var wg sync.WaitGroup
			for range 2 {
				wg.Go(func() {
					st, res := signIn(vid, code)
					c, _ := at(res, "code")
					mu.Lock()
					counts[fmt.Sprint(st, " ", c)]++
					if st == 200 {
						uid, _ = at(res, "user.id")
					}
					mu.Unlock()
				})
			}
			wg.Wait()
			if counts["200 <nil>"] != 1 || counts["422 invalid_email_verification"] != 1 {
				t.Fatalf("two sign-ins with one right code answered %v; want one 200 and one used already", counts)
			}
			sessions, err := h.store.UserSessions(t.Context(), fmt.Sprint(uid))
			if err != nil || len(sessions) != 1 {
				t.Fatalf("%d sessions of the user after the race, want 1 (%v)", len(sessions), err)
			}
		})
	}
}
