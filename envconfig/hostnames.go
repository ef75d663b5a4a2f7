package envconfig

import (
	"context"
	"net"
	"slices"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// HostnameUsages is the contract's CustomHostnameUsageEnum.
var HostnameUsages = []string{"cookies", "globalWallet"}

// NormalizeHostname lower-cases a DNS name and checks it is one: labels
// of letters, digits and hyphens, at least two of them, no port, no IP
// address, no wildcard.
func NormalizeHostname(h string) (string, error) {
	h = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
	bad := errs.Unprocessable("invalid_custom_hostname", "hostname must be a DNS name such as login.example.com (no scheme, port, path or wildcard)", nil)
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

// Record is a DNS record the customer creates for a hostname: a CNAME
// from the hostname to this server's public host.
type Record struct {
	DNSRecordType    string // TXT | CNAME
	VerificationType string // certificate | ownership | alias
	Name, Value      string
}

// Records are the DNS records that make h reach a server whose public
// host is target.
func (h *Hostname) Records(target string) []Record {
	if host, _, err := net.SplitHostPort(target); err == nil {
		target = host
	}
	return []Record{{DNSRecordType: "CNAME", VerificationType: "alias", Name: h.Hostname, Value: target}}
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
	rec := &Hostname{ID: ids.New(), EnvironmentID: envID, Hostname: h, Usage: usage, Status: HostnamePending,
		CreatedAt: now, UpdatedAt: now}
	if err := s.d.Store.CreateHostname(ctx, rec, MaxHostnames); err != nil {
		return nil, err
	}
	return rec, nil
}

// Hostnames lists an environment's custom hostnames.
func (s *Service) Hostnames(ctx context.Context, envID string) ([]Hostname, error) {
	return s.d.Store.ListHostnames(ctx, envID)
}

// VerifyHostname marks a hostname active (ok) or failed: the operator's
// word that its DNS records point here. Only an active hostname names the
// token issuer and is accepted as an origin. hostname is the record's id
// or its name.
func (s *Service) VerifyHostname(ctx context.Context, envID, hostname string, ok bool) (*Hostname, error) {
	id, err := s.hostnameID(ctx, envID, hostname)
	if err != nil {
		return nil, err
	}
	status := HostnameActive
	if !ok {
		status = HostnameError
	}
	defer s.forget(envID)
	return s.d.Store.SetHostnameStatus(ctx, envID, id, status, s.now())
}

// hostnameID finds the id of envID's hostname given its id or its name.
func (s *Service) hostnameID(ctx context.Context, envID, idOrName string) (string, error) {
	all, err := s.d.Store.ListHostnames(ctx, envID)
	if err != nil {
		return "", err
	}
	name, _ := NormalizeHostname(idOrName)
	for _, h := range all {
		if h.ID == idOrName || name != "" && h.Hostname == name {
			return h.ID, nil
		}
	}
	return "", ErrHostnameNotFound
}

// DeleteHostname removes a custom hostname.
func (s *Service) DeleteHostname(ctx context.Context, envID, id string) error {
	defer s.forget(envID)
	return s.d.Store.DeleteHostname(ctx, envID, id, s.now())
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
	active, err := s.activeHostnames(ctx, envID)
	if err != nil {
		return false, err
	}
	return slices.Contains(active, h), nil
}

// OriginActive reports whether a browser Origin is https on an active
// custom hostname of envID (the default port).
func (s *Service) OriginActive(ctx context.Context, envID, origin string) (bool, error) {
	host, ok := strings.CutPrefix(strings.ToLower(origin), "https://")
	if !ok || strings.ContainsAny(host, ":/@?#") {
		return false, nil
	}
	return s.HostnameActive(ctx, envID, host)
}

func (s *Service) activeHostnames(ctx context.Context, envID string) ([]string, error) {
	now := s.d.Now()
	s.mu.Lock()
	c, ok := s.active[envID]
	s.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.hosts, nil
	}
	hosts, err := s.d.Store.ActiveHostnames(ctx, envID)
	if err != nil {
		return nil, err
	}
	if s.d.HostnameTTL > 0 {
		s.mu.Lock()
		if len(s.active) > 10000 { // bounded: unknown environment ids are looked up too
			clear(s.active)
		}
		s.active[envID] = activeHosts{hosts: hosts, expires: now.Add(s.d.HostnameTTL)}
		s.mu.Unlock()
	}
	return hosts, nil
}

// forget drops envID's cached active hostnames after a change.
func (s *Service) forget(envID string) {
	s.mu.Lock()
	delete(s.active, envID)
	s.mu.Unlock()
}

// AdminAddHostname is AddHostname for an operator.
func (s *Service) AdminAddHostname(ctx context.Context, p *tenant.Principal, envID, hostname, usage string) (*Hostname, error) {
	if err := s.Env(ctx, p, envID, tenant.Write); err != nil {
		return nil, err
	}
	return s.AddHostname(ctx, envID, hostname, usage)
}

// AdminHostnames is Hostnames for an operator.
func (s *Service) AdminHostnames(ctx context.Context, p *tenant.Principal, envID string) ([]Hostname, error) {
	if err := s.Env(ctx, p, envID, tenant.Read); err != nil {
		return nil, err
	}
	return s.Hostnames(ctx, envID)
}

// AdminDeleteHostname is DeleteHostname for an operator.
func (s *Service) AdminDeleteHostname(ctx context.Context, p *tenant.Principal, envID, id string) error {
	if err := s.Env(ctx, p, envID, tenant.Write); err != nil {
		return err
	}
	return s.DeleteHostname(ctx, envID, id)
}
