package tenant

import (
	"context"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
)

// NormalizeOrigin checks that s is a browser origin (scheme://host[:port],
// nothing after it) and returns it lower-cased without a trailing slash.
func NormalizeOrigin(s string) (string, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "/")
	if s == "" || len(s) > maxURLLen {
		return "", errs.Invalid("origin: must be a URL origin such as https://app.example.com")
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
		return "", errs.Invalid("origin: must be a URL origin such as https://app.example.com, got %q", s)
	}
	if u.Scheme == "" || strings.ContainsAny(u.Host, " *") {
		return "", errs.Invalid("origin: must be a URL origin such as https://app.example.com, got %q", s)
	}
	host := u.Host
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", errs.Invalid("origin: bad port %q", port)
		}
		// Browsers leave the scheme's default port out of Origin (RFC 6454).
		if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
			host = strings.TrimSuffix(host, ":"+port)
		}
	}
	return strings.ToLower(u.Scheme + "://" + host), nil
}

// ListOrigins lists an environment's allowed origins.
func (s *Service) ListOrigins(ctx context.Context, p *Principal, envID string) ([]Origin, error) {
	if _, err := s.GetEnvironment(ctx, p, envID, ScopeSettingsRead); err != nil {
		return nil, err
	}
	return s.store.ListOrigins(ctx, envID)
}

// AddOrigin allows a new origin; a duplicate is a conflict.
func (s *Service) AddOrigin(ctx context.Context, p *Principal, envID, origin string) (*Origin, error) {
	if _, err := s.GetEnvironment(ctx, p, envID, ScopeSettingsWrite); err != nil {
		return nil, err
	}
	norm, err := NormalizeOrigin(origin)
	if err != nil {
		return nil, err
	}
	o := &Origin{ID: ids.New(), EnvironmentID: envID, Origin: norm, CreatedAt: s.now()}
	if err := s.store.AddOrigin(ctx, o, MaxOrigins); err != nil {
		return nil, err
	}
	return o, nil
}

// DeleteOrigin removes an origin of an environment the principal reaches.
func (s *Service) DeleteOrigin(ctx context.Context, p *Principal, originID string) error {
	o, err := s.store.GetOrigin(ctx, originID)
	if err != nil {
		return err
	}
	if err := ReachRecord(ctx, s.store, p, o.EnvironmentID, ScopeSettingsWrite, ErrOriginNotFound); err != nil {
		return err
	}
	return s.store.DeleteOrigin(ctx, originID)
}

// OriginAllowed reports whether a browser origin may call an environment's
// SDK routes: one of its origins, or any localhost origin in a sandbox
// environment that has none.
func (s *Service) OriginAllowed(ctx context.Context, envID, origin string) (bool, error) {
	norm, err := NormalizeOrigin(origin)
	if err != nil {
		return false, nil
	}
	origins, err := s.store.ListOrigins(ctx, envID)
	if err != nil {
		return false, err
	}
	if len(origins) > 0 {
		return OriginListed(origins, nil, norm), nil
	}
	env, err := s.store.GetEnvironment(ctx, envID)
	if err != nil {
		if errs.Is(err, errs.KindNotFound) {
			return false, nil
		}
		return false, err
	}
	return OriginListed(nil, env, norm), nil
}

// OriginListed reports whether origin (any form NormalizeOrigin accepts)
// is one of an environment's origins or, when it has none and env is a
// sandbox, a localhost origin. It is the one rule for CORS and for the
// Origin a wallet sign-in names.
func OriginListed(origins []Origin, env *Environment, origin string) bool {
	norm, err := NormalizeOrigin(origin)
	if err != nil {
		return false
	}
	for _, o := range origins {
		if o.Origin == norm {
			return true
		}
	}
	return len(origins) == 0 && env != nil && env.Name == EnvSandbox && isLocalhost(norm)
}

func isLocalhost(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return IsLocalHost(u.Hostname())
}

// IsLocalHost reports whether host (a name or an IP, without port; an IPv6
// address may keep its brackets) is this machine: localhost, a name under
// .localhost, or a loopback address. It is the one localhost rule, for
// CORS and for the domain a sandbox sign-in message names.
func IsLocalHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
