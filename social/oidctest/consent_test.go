package oidctest_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/social/oidctest"
)

// With AskConsent the login page asks: Allow completes the login with a
// code, Deny sends the browser back with error=access_denied and the state.
func TestConsentPage(t *testing.T) {
	const redirect = "http://app.test/callback"
	o := oidctest.Start(t, "rp", "secret", redirect)
	o.AddUser(oidctest.User{ID: "u1", Email: "ada@example.com", EmailVerified: true})
	o.AskConsent()
	// back follows the provider's redirects from link until the one to
	// the application's redirect URI, and returns it.
	c := &http.Client{CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(r.URL.String(), redirect) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	get := func(link string) (*http.Response, string) {
		t.Helper()
		res, err := c.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	links := regexp.MustCompile(`href="(/login\?id=[^"]+&amp;answer=(allow|deny))"`)
	for _, answer := range []string{"deny", "allow"} {
		q := url.Values{"client_id": {"rp"}, "response_type": {"code"}, "redirect_uri": {redirect},
			"scope": {"openid email"}, "state": {"the-state-" + answer}}
		res, page := get(o.URL + "/authorize?" + q.Encode())
		if res.StatusCode != 200 || !strings.Contains(page, "Allow") {
			t.Fatalf("%s: the login page: %d %s", answer, res.StatusCode, page)
		}
		var link string
		for _, m := range links.FindAllStringSubmatch(page, -1) {
			if m[2] == answer {
				link = strings.ReplaceAll(m[1], "&amp;", "&")
			}
		}
		if link == "" {
			t.Fatalf("%s: no link on %s", answer, page)
		}
		res, _ = get(o.URL + link)
		back, err := res.Location()
		if err != nil || !strings.HasPrefix(back.String(), redirect) {
			t.Fatalf("%s: %d, not back to the application: %v %v", answer, res.StatusCode, back, err)
		}
		got := back.Query()
		if got.Get("state") != "the-state-"+answer {
			t.Errorf("%s: state %q", answer, got.Get("state"))
		}
		if answer == "deny" && (got.Get("error") != "access_denied" || got.Get("code") != "") {
			t.Errorf("deny: back with %s", back)
		}
		if answer == "allow" && (got.Get("code") == "" || got.Get("error") != "") {
			t.Errorf("allow: back with %s", back)
		}
	}
}
