// Package netguard keeps the server's outgoing requests to URLs an
// environment's admin chooses (webhook endpoints, RPC nodes, JWKS) off
// this machine and its networks: an HTTP client that dials public
// addresses only, checked on the address actually dialled, and a check of
// such URLs when they are saved.
package netguard

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrResponseTooLarge ends the read of a response body longer than
// ClientOptions.MaxResponseBytes.
var ErrResponseTooLarge = errors.New("response body exceeds the size limit")

// DefaultMaxResponseBytes bounds a response body when ClientOptions
// leaves it zero: far above what a JSON-RPC answer, a discovery document,
// a key set or a token answer holds.
const DefaultMaxResponseBytes = 4 << 20

// ErrForbiddenAddress is the cause of a request refused because the URL
// resolves to an address the server must not reach.
var ErrForbiddenAddress = errors.New("endpoint resolves to a non-public address")

// The ranges below follow IANA's IPv4 and IPv6 special-purpose address
// registries: a range not marked "globally reachable" is refused, a
// globally reachable exception inside it is not.

// nonPublic4 lists the IPv4 ranges beyond what netip.Addr's predicates
// cover: "this network", carrier-grade NAT, IETF protocol assignments,
// documentation, the deprecated 6to4 relay anycast, benchmarking and
// reserved.
var nonPublic4 = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("192.88.99.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
}

// reachable4 are the globally reachable addresses inside nonPublic4:
// PCP and TURN anycast.
var reachable4 = []netip.Prefix{
	netip.MustParsePrefix("192.0.0.9/32"),
	netip.MustParsePrefix("192.0.0.10/32"),
}

// global6 is IPv6 global unicast, the only IPv6 space allocated for
// public use. Outside it lie loopback, unspecified, the deprecated
// IPv4-compatible and the IPv4-translated forms, local-use NAT64
// (64:ff9b:1::/48), discard-only (100::/64), SRv6 SIDs (5f00::/16),
// unique local (fc00::/7), link-local (fe80::/10), the deprecated
// site-local (fec0::/10) and multicast (ff00::/8): refusing what lies
// outside also refuses what IANA has yet to assign.
var global6 = netip.MustParsePrefix("2000::/3")

// nonPublic6 lists the ranges inside global6 that are not globally
// reachable: IETF protocol assignments (Teredo, benchmarking, ORCHID
// among them) and documentation.
var nonPublic6 = []netip.Prefix{
	netip.MustParsePrefix("2001::/23"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("3fff::/20"),
}

// reachable6 are the globally reachable ranges inside 2001::/23: PCP,
// TURN and DNS-SD SRP anycast, AMT, AS112-v6, ORCHIDv2 and drone remote
// ID tags.
var reachable6 = []netip.Prefix{
	netip.MustParsePrefix("2001:1::1/128"),
	netip.MustParsePrefix("2001:1::2/128"),
	netip.MustParsePrefix("2001:1::3/128"),
	netip.MustParsePrefix("2001:3::/32"),
	netip.MustParsePrefix("2001:4:112::/48"),
	netip.MustParsePrefix("2001:20::/28"),
	netip.MustParsePrefix("2001:30::/28"),
}

// Prefixes whose addresses carry an IPv4 address the packet ends up at:
// well-known NAT64 (the last 32 bits) and 6to4 (bits 16 to 48).
var (
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4 = netip.MustParsePrefix("2002::/16")
)

// Public tells whether a may be dialled for an admin-chosen URL.
func Public(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsUnspecified() ||
		a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() || a.IsMulticast() {
		return false
	}
	if a.Is4() {
		return public4(a)
	}
	return public6(a)
}

func public4(a netip.Addr) bool {
	if a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return false
	}
	return inAny(a, reachable4) || !inAny(a, nonPublic4)
}

// public6 judges an address embedding an IPv4 one by that address: a
// DNS64 resolver on an IPv6-only host answers 64:ff9b::808:808 for a
// public host, and 64:ff9b::7f00:1 reaches the NAT64 gateway's loopback.
func public6(a netip.Addr) bool {
	b := a.As16()
	switch {
	case nat64.Contains(a):
		return Public(netip.AddrFrom4([4]byte(b[12:16])))
	case sixTo4.Contains(a):
		return Public(netip.AddrFrom4([4]byte(b[2:6])))
	case !global6.Contains(a): // (a zoned address is contained in no prefix)
		return false
	}
	return inAny(a, reachable6) || !inAny(a, nonPublic6)
}

func inAny(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientOptions configure the guarded HTTP client.
type ClientOptions struct {
	Timeout      time.Duration // per attempt, connection to last byte read; 10 s when zero
	AllowPrivate bool          // let endpoints resolve to loopback, private, link-local addresses
	// KeepAlives reuses connections (each was checked when it was
	// dialled): for clients on a request's path, such as a sign-in's calls
	// to a provider, which would otherwise pay a new handshake each time.
	KeepAlives bool
	// MaxResponseBytes bounds each response body (DefaultMaxResponseBytes
	// when zero); reading past it fails with ErrResponseTooLarge. The
	// endpoint is an admin's choice and some readers take a body whole
	// (go-ethereum's RPC client, go-oidc's discovery): an endpoint
	// answering without end must not fill the server's memory.
	MaxResponseBytes int64
}

// NewClient returns the guarded client. The address check runs in
// the dialer's Control, on the address actually dialled after DNS
// resolution, so it holds for every attempt and every address a name
// resolves to. Response bodies are bounded (MaxResponseBytes). Keep-alives are off unless asked for, so each attempt
// (a webhook delivery) dials and checks afresh; proxies from the environment are ignored (they would dial for
// us); redirects are not followed (a 3xx is a failed attempt).
func NewClient(o ClientOptions) *http.Client {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	d := &net.Dialer{Timeout: o.Timeout}
	if !o.AllowPrivate {
		d.Control = refuseNonPublic
	}
	tr := &http.Transport{
		Proxy:                  nil,
		DialContext:            d.DialContext,
		DisableKeepAlives:      !o.KeepAlives,
		TLSHandshakeTimeout:    o.Timeout,
		ResponseHeaderTimeout:  o.Timeout,
		MaxResponseHeaderBytes: 64 << 10,
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = DefaultMaxResponseBytes
	}
	return &http.Client{
		Transport:     &boundedTransport{next: tr, max: o.MaxResponseBytes},
		Timeout:       o.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// boundedTransport bounds the bodies of next's responses.
type boundedTransport struct {
	next http.RoundTripper
	max  int64
}

func (t *boundedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	// (A long announced length is no refusal: a reader taking only an
	// excerpt, as webhook deliveries do, never reaches the bound.)
	resp.Body = &boundedBody{rc: resp.Body, left: t.max}
	return resp, nil
}

// boundedBody reads up to left more bytes of rc, then fails with
// ErrResponseTooLarge if rc has more.
type boundedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// At the bound: the body may end exactly here.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, ErrResponseTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *boundedBody) Close() error { return b.rc.Close() }

func refuseNonPublic(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !Public(a) {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, host)
	}
	return nil
}

// CheckURL refuses an endpoint URL that can never be delivered to: not
// http(s), without a host, with credentials in it, or (unless allowPrivate)
// naming a non-public address or localhost literally. Names are checked
// again, resolved, on every attempt.
func CheckURL(raw string, allowPrivate bool) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.Opaque != "" {
		return errors.New("url must be an absolute http or https URL")
	}
	if u.User != nil {
		return errors.New("url must not carry credentials")
	}
	if len(raw) > 2048 {
		return errors.New("url is too long")
	}
	if allowPrivate {
		return nil
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return errors.New("url must not point at this machine")
	}
	if a, err := netip.ParseAddr(host); err == nil && !Public(a) {
		return errors.New("url must not point at a loopback, private or link-local address")
	}
	return nil
}
