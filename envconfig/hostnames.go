package envconfig

import (
	"context"
	"net"
	"slices"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// HostnameUsages is the contract's CustomHostnameUsageEnum.
var HostnameUsages = []string{"cookies", "globalWallet"}

// NormalizeHostname lower-cases a DNS name and checks it is one: labels
// of letters, digits and hyphens, at least two of them, no port, no IP
// address, no wildcard.
func NormalizeHostname(h string) (string, error) {
	h = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
	bad := errs.Invalid("hostname must be a DNS name such as login.example.com (no scheme, port or path)")
	if len(h) == 0 || len(h) > 253 || net.ParseIP(h) != nil {
		return "", bad
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 {
		return "", bad
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", bad
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", bad
			}
		}
	}
	return h, nil
}

// AddHostname records a custom hostname, pending until verified.
func (s *Service) AddHostname(ctx context.Context, envID, hostname, usage string) (*Hostname, error) {
	h, err := NormalizeHostname(hostname)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(HostnameUsages, usage) {
		return nil, errs.Invalid("usage must be one of %v", HostnameUsages)
	}
	now := s.now()
	rec := &Hostname{ID: newID(), EnvironmentID: envID, Hostname: h, Usage: usage, Status: HostnamePending,
		CreatedAt: now, UpdatedAt: now}
	if err := s.d.Store.CreateHostname(ctx, rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// Hostnames lists an environment's custom hostnames.
func (s *Service) Hostnames(ctx context.Context, envID string) ([]Hostname, error) {
	return s.d.Store.ListHostnames(ctx, envID)
}

// VerifyHostname marks a hostname active (ok) or failed: the operator's
// word that its DNS records point here. Only an active hostname may name
// the token issuer.
func (s *Service) VerifyHostname(ctx context.Context, envID, id string, ok bool) (*Hostname, error) {
	status := HostnameActive
	if !ok {
		status = HostnameError
	}
	return s.d.Store.SetHostnameStatus(ctx, envID, id, status, s.now())
}

// DeleteHostname removes a custom hostname.
func (s *Service) DeleteHostname(ctx context.Context, envID, id string) error {
	return s.d.Store.DeleteHostname(ctx, envID, id)
}

// HostnameActive reports whether host (a request's Host, port allowed)
// is an active custom hostname of envID.
func (s *Service) HostnameActive(ctx context.Context, envID, host string) (bool, error) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	h, err := NormalizeHostname(host)
	if err != nil {
		return false, nil
	}
	return s.d.Store.HostnameActive(ctx, envID, h)
}

// AdminAddHostname is AddHostname for an operator.
func (s *Service) AdminAddHostname(ctx context.Context, p *tenant.Principal, envID, hostname, usage string) (*Hostname, error) {
	if err := s.Env(ctx, p, envID, true); err != nil {
		return nil, err
	}
	return s.AddHostname(ctx, envID, hostname, usage)
}
