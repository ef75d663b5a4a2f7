package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/signin"
)

// TestRefusedCodeSignInKeepsTheCode: a code sign-in refused after its
// code was checked (here the before-sign-in hook, once) leaves the code
// good: the same code then signs in. Of two sign-ins racing with one
// right code, one signs in and the other is refused as used already,
// with no second session: the hook holds each until both passed the
// code's check, so both writes race.
func TestRefusedCodeSignInKeepsTheCode(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			var refuse atomic.Bool
			var barrier atomic.Pointer[sync.WaitGroup]
			h, box := newCodeHarnessWith(t, backend, func(c *dynamicauth.Config) {
				c.Hooks.BeforeSignIn = func(ctx context.Context, a *signin.Attempt) error {
					if refuse.Load() {
						return signin.Refuse("not now")
					}
					if b := barrier.Load(); b != nil {
						b.Done()
						waited := make(chan struct{})
						go func() { b.Wait(); close(waited) }()
						select { // the other may have been refused at the check
						case <-waited:
						case <-time.After(5 * time.Second):
						}
					}
					return nil
				}
			})
			env := h.ids.EnvironmentID
			sdk := "/sdk/" + env
			h.enableCodes(t, env, nil, "emailOnly")
			send := func(email string) string { return h.startEmailCode(t, env, email) }
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
			var wg, both sync.WaitGroup
			both.Add(2)
			barrier.Store(&both)
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

// TestRefusedMFAEmailKeepsTheCode: users/mfa/auth/email refused after its
// code was checked (the access rules, on the session's re-issue) leaves
// the code good: the same code then upgrades the session. Of two
// upgrades racing with one code, one is answered, the other refused as
// used already.
func TestRefusedMFAEmailKeepsTheCode(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			h, box := newCodeHarness(t, backend)
			env := h.ids.EnvironmentID
			sdk := "/sdk/" + env
			key := h.emailMFAUser(t, box, "ada@example.com")
			start := func() (string, string) {
				t.Helper()
				return h.startEmailCode(t, env, "ada@example.com"), box.Code(t, "ada@example.com")
			}
			authEmail := func(tok, vid, code string) (int, any) {
				return h.do(t, "POST", sdk+"/users/mfa/auth/email", tok, map[string]any{"verificationUUID": vid,
					"verificationToken": code})
			}

			pending := str(t, h.mfSignIn(t, key), "minifiedJwt")
			vid, code := start()
			list := h.newAllowlist(t, env, map[string]any{"name": "members", "outcome": "siteAccess"},
				map[string]any{"walletPublicKey": strings.ToLower(newEVMWallet(t).address), "alias": "someone else"})
			st, res := authEmail(pending, vid, code)
			wantError(t, "auth/email of a user the access rules refuse", st, res, 403)
			st, res = h.do(t, "PUT", "/allowlists/"+list+"/disable", h.token, nil)
			wantStatus(t, "disable allowlist", st, 200, res)
			st, res = authEmail(pending, vid, code)
			wantStatus(t, "the same code once the rules allow", st, 200, res)
			st, res = authEmail(pending, vid, code)
			wantErrCode(t, "the code again", st, res, 422, "invalid_email_verification")

			pending = str(t, h.mfSignIn(t, key), "minifiedJwt")
			vid, code = start()
			counts := map[string]int{}
			var mu sync.Mutex
			var wg sync.WaitGroup
			for range 2 {
				wg.Go(func() {
					st, res := authEmail(pending, vid, code)
					c, _ := at(res, "code")
					mu.Lock()
					counts[fmt.Sprint(st, " ", c)]++
					mu.Unlock()
				})
			}
			wg.Wait()
			if counts["200 <nil>"] != 1 || counts["422 invalid_email_verification"] != 1 {
				t.Fatalf("two upgrades with one right code answered %v; want one 200 and one used already", counts)
			}
		})
	}
}

// TestRacingCodeVerifies: of two emailVerifications/verify racing with
// one right code, one links the address, the other is refused as used
// already (the code is consumed in the link's transaction).
func TestRacingCodeVerifies(t *testing.T) {
	for _, backend := range backends() {
		t.Run(backend, func(t *testing.T) {
			h, box := newCodeHarness(t, backend)
			sdk := "/sdk/" + h.ids.EnvironmentID
			h.enableCodes(t, h.ids.EnvironmentID, nil, "emailOnly")
			send := func(email string) string { return h.startEmailCode(t, h.ids.EnvironmentID, email) }
			st, res := h.do(t, "POST", sdk+"/emailVerifications/signin", "", map[string]any{"verificationUUID": send("ada@example.com"),
				"verificationToken": box.Code(t, "ada@example.com")})
			wantStatus(t, "sign in", st, 200, res)
			token := str(t, res, "minifiedJwt")
			vid := send("ada@example.org")
			code := box.Code(t, "ada@example.org")
			counts := map[string]int{}
			var mu sync.Mutex
			var wg sync.WaitGroup
			for range 2 {
				wg.Go(func() {
					st, res := h.do(t, "POST", sdk+"/emailVerifications/verify", token, map[string]any{"verificationUUID": vid,
						"verificationToken": code})
					c, _ := at(res, "code")
					mu.Lock()
					counts[fmt.Sprint(st, " ", c)]++
					mu.Unlock()
				})
			}
			wg.Wait()
			if counts["200 <nil>"] != 1 || counts["422 invalid_email_verification"] != 1 {
				t.Fatalf("two verifies with one right code answered %v; want one 200 and one used already", counts)
			}
		})
	}
}
