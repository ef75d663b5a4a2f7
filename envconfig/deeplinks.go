package envconfig

import (
	"context"
	"net/url"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// Schemes a deeplink may never use: they run code or read local files
// rather than open an app.
var forbiddenSchemes = map[string]bool{"javascript": true, "data": true, "file": true, "vbscript": true, "blob": true, "about": true}

const maxDeeplink = 2048

// NormalizeDeeplink checks a deeplink URL: absolute, an app scheme or
// http(s) with a host, no fragment, no credentials.
func NormalizeDeeplink(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	bad := func(why string) error { return errs.Unprocessable("invalid_mobile_deeplink_urls", "url "+why, nil) }
	if raw == "" || len(raw) > maxDeeplink {
		return "", bad("must be 1 to 2048 characters")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return "", bad("must be absolute, such as myapp://callback or https://app.example.com/callback")
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case forbiddenSchemes[scheme]:
		return "", bad("may not use the " + scheme + " scheme")
	case (scheme == "http" || scheme == "https") && u.Host == "":
		return "", bad("needs a host")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "", bad("may not have a fragment")
	case u.User != nil:
		return "", bad("may not carry credentials")
	}
	u.Scheme = scheme
	u.Host = strings.ToLower(u.Host)
	return u.String(), nil
}

// AddDeeplink records an allowed mobile redirect URL.
func (s *Service) AddDeeplink(ctx context.Context, envID, raw string) (*Deeplink, error) {
	norm, err := NormalizeDeeplink(raw)
	if err != nil {
		return nil, err
	}
	d := &Deeplink{ID: ids.New(), EnvironmentID: envID, URL: norm, CreatedAt: s.now()}
	if err := s.d.Store.AddDeeplink(ctx, d, MaxDeeplinks); err != nil {
		return nil, err
	}
	return d, nil
}

// Deeplinks lists an environment's deeplink URLs.
func (s *Service) Deeplinks(ctx context.Context, envID string) ([]Deeplink, error) {
	return s.d.Store.ListDeeplinks(ctx, envID)
}

// DeleteDeeplink removes a deeplink URL.
func (s *Service) DeleteDeeplink(ctx context.Context, id string) error {
	return s.d.Store.DeleteDeeplink(ctx, id, s.now())
}

// DeeplinkAllowed reports whether a redirect URL may be used for envID: it
// equals a configured deeplink URL, query aside (a redirect carries its
// own parameters). A URL that does not parse is never allowed.
func (s *Service) DeeplinkAllowed(ctx context.Context, envID, redirect string) (bool, error) {
	norm, err := NormalizeDeeplink(redirect)
	if err != nil {
		return false, nil
	}
	links, err := s.d.Store.ListDeeplinks(ctx, envID)
	if err != nil {
		return false, err
	}
	want := stripQuery(norm)
	for _, l := range links {
		if stripQuery(l.URL) == want {
			return true, nil
		}
	}
	return false, nil
}

// CheckDeeplink is DeeplinkAllowed as the error a flow answers with:
// ErrDeeplinkRefused (422 unauthorized_mobile_deeplink_url) for a
// redirect the environment does not allow.
func (s *Service) CheckDeeplink(ctx context.Context, envID, redirect string) error {
	ok, err := s.DeeplinkAllowed(ctx, envID, redirect)
	if err == nil && !ok {
		err = ErrDeeplinkRefused
	}
	return err
}

func stripQuery(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i]
	}
	return u
}

// AdminAddDeeplink is AddDeeplink for an operator.
func (s *Service) AdminAddDeeplink(ctx context.Context, p *tenant.Principal, envID, raw string) (*Deeplink, error) {
	if err := s.Env(ctx, p, envID, tenant.Write); err != nil {
		return nil, err
	}
	return s.AddDeeplink(ctx, envID, raw)
}

// AdminDeleteDeeplink deletes a deeplink URL the operator can reach;
// another's is not found.
func (s *Service) AdminDeleteDeeplink(ctx context.Context, p *tenant.Principal, id string) error {
	d, err := s.d.Store.GetDeeplink(ctx, id)
	if err != nil {
		return err
	}
	if err := s.recordEnv(ctx, p, d.EnvironmentID, tenant.Write, ErrDeeplinkNotFound); err != nil {
		return err
	}
	return s.d.Store.DeleteDeeplink(ctx, id, s.now())
}

// AdminDeeplinks is Deeplinks for an operator.
func (s *Service) AdminDeeplinks(ctx context.Context, p *tenant.Principal, envID string) ([]Deeplink, error) {
	if err := s.Env(ctx, p, envID, tenant.Read); err != nil {
		return nil, err
	}
	return s.Deeplinks(ctx, envID)
}
