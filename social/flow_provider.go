package social

// Talking to a provider: its discovery document, the ID token's check
// and the user-info endpoint, turned into an Identity.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

func (f *Flow) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, f.client)
}

// resolve merges the description with the settings into an oauth2 config
// (running OIDC discovery once per issuer).
func (f *Flow) resolve(ctx context.Context, s Settings) (Description, *oauth2.Config, error) {
	d, ok := Describe(s.Type)
	if !ok {
		return d, nil, fmt.Errorf("%w: %q", ErrUnknown, s.Type)
	}
	if s.ClientID == "" || s.RedirectURL == "" {
		return d, nil, fmt.Errorf("%w: client id and redirect URL are required", ErrSettings)
	}
	if s.Issuer != "" {
		d.Issuer = s.Issuer
	}
	for _, o := range []struct {
		dst *string
		v   string
	}{{&d.AuthURL, s.AuthURL}, {&d.TokenURL, s.TokenURL}, {&d.UserURL, s.UserURL}, {&d.EmailsURL, s.EmailsURL}} {
		if o.v != "" {
			*o.dst = o.v
		}
	}
	cfg := &oauth2.Config{ClientID: s.ClientID, ClientSecret: s.ClientSecret, RedirectURL: s.RedirectURL, Scopes: d.Scopes}
	if len(s.Scopes) > 0 {
		cfg.Scopes = s.Scopes
	}
	cfg.Endpoint = oauth2.Endpoint{AuthURL: d.AuthURL, TokenURL: d.TokenURL, AuthStyle: d.AuthStyle}
	if d.OIDC() {
		if d.Issuer == "" {
			return d, nil, fmt.Errorf("%w: an OpenID provider needs its issuer (discovery) URL", ErrSettings)
		}
		p, err := f.provider(ctx, d.Issuer)
		if err != nil {
			return d, nil, err
		}
		ep := p.Endpoint()
		ep.AuthStyle = d.AuthStyle
		cfg.Endpoint = ep
	}
	return d, cfg, nil
}

func (f *Flow) provider(ctx context.Context, issuer string) (*discovered, error) {
	f.mu.Lock()
	p, failed := f.providers[issuer], f.failed[issuer]
	f.mu.Unlock()
	if p != nil {
		return p, nil
	}
	if failed != nil && f.now().Before(failed.until) {
		return nil, failed.err
	}
	// Discovery outlives the request that triggered it: the provider's
	// key set refreshes in the background with this context.
	bg := oidc.ClientContext(context.WithoutCancel(ctx), f.client)
	op, err := oidc.NewProvider(bg, issuer)
	if err == nil {
		p, err = newDiscovered(bg, op)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil {
		// Down, refused, a 404 or an issuer that does not match: the
		// provider's (or its settings') failure, not the user's. It is
		// remembered a while: every SDK settings read (baseAuthUrl) and
		// login would otherwise wait on a provider that hangs.
		u := &Unavailable{Endpoint: "discovery", Host: hostOf(issuer), Err: clipped(err)}
		now := f.now()
		for k, v := range f.failed { // issuers the operators no longer use go too
			if !now.Before(v.until) {
				delete(f.failed, k)
			}
		}
		f.failed[issuer] = &failedDiscovery{err: u, until: now.Add(discoveryRetry)}
		return nil, u
	}
	delete(f.failed, issuer)
	f.providers[issuer] = p
	return p, nil
}

func (f *Flow) fromIDToken(ctx context.Context, d Description, s Settings, tok *oauth2.Token, nonce string) (*Identity, string, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, "", fmt.Errorf("%w: the token response carries no id_token", ErrIDToken)
	}
	p, err := f.provider(ctx, d.Issuer)
	if err != nil {
		return nil, "", err
	}
	v, keys := p.verifier(d.Issuer, oidc.Config{ClientID: s.ClientID, Now: f.now})
	idt, err := v.Verify(oidc.ClientContext(ctx, f.client), raw)
	if keys.fetch != nil {
		return nil, "", keys.fetch
	}
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrIDToken, err)
	}
	// A login this server started sent a nonce the token must carry; one
	// the client started (initAuth) sent none, and then a token carrying
	// a nonce was minted for another login.
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return nil, "", fmt.Errorf("%w: nonce does not match the login", ErrIDToken)
	}
	var c struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"` // Apple sends "true" as a string
		Name          string `json:"name"`
		Username      string `json:"preferred_username"`
		Picture       string `json:"picture"`
	}
	if err := idt.Claims(&c); err != nil {
		return nil, "", fmt.Errorf("%w: claims: %v", ErrIDToken, err)
	}
	id := &Identity{AccountID: idt.Subject, Username: c.Username, DisplayName: c.Name, PictureURL: c.Picture,
		Email: strings.ToLower(strings.TrimSpace(c.Email))}
	id.EmailVerified = id.Email != "" && (c.EmailVerified == true || c.EmailVerified == "true")
	return id, raw, nil
}

// maxUserBytes bounds a user endpoint's answer.
const maxUserBytes = 1 << 20

func (f *Flow) fromUserEndpoint(ctx context.Context, d Description, cfg *oauth2.Config, tok *oauth2.Token) (*Identity, error) {
	hc := cfg.Client(f.ctx(ctx), tok)
	var m map[string]any
	if err := getJSON(ctx, hc, d.UserURL, &m); err != nil {
		return nil, err
	}
	id := d.ReadUser(m)
	if d.EmailsURL != "" {
		var emails []struct {
			Email    string `json:"email"`
			Primary  bool   `json:"primary"`
			Verified bool   `json:"verified"`
		}
		if err := getJSON(ctx, hc, d.EmailsURL, &emails); err != nil {
			return nil, err
		}
		for _, e := range emails {
			if e.Verified && (e.Primary || id.Email == "") {
				id.Email, id.EmailVerified = e.Email, true
			}
		}
	}
	id.Email = strings.ToLower(strings.TrimSpace(id.Email))
	id.EmailVerified = id.EmailVerified && id.Email != ""
	return &id, nil
}

func getJSON(ctx context.Context, hc *http.Client, url string, dst any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUser, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		if u := unreachable(ctx, "user", url, err); u != nil {
			return u
		}
		return fmt.Errorf("%w: %v", ErrUser, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 500 {
		return &Unavailable{Endpoint: "user", Host: hostOf(url), Err: fmt.Errorf("answered HTTP %d", resp.StatusCode)}
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s answered %d", ErrUser, url, resp.StatusCode)
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxUserBytes))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUser, url, err)
	}
	return nil
}

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
