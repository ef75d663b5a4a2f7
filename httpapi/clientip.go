package httpapi

import (
	"net/http"
	"net/netip"
	"strings"
)

// clientIP is the address rate limits and session records use: the peer,
// or, when the peer is a trusted proxy, the nearest address in
// X-Forwarded-For that is not one (walking from the right, since every
// proxy appends and only the trusted ones' additions can be believed).
func (s *Server) clientIP(r *http.Request) string {
	peer := hostOnly(r.RemoteAddr)
	addr, err := netip.ParseAddr(peer)
	if err != nil || !s.trusted(addr) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, ok := forwardedAddr(hops[i])
		if !ok {
			break // a forged or broken entry: stop at the last good one
		}
		peer = hop.Unmap().String()
		if !s.trusted(hop) {
			break
		}
	}
	return peer
}

func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.trustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedAddr reads one X-Forwarded-For entry: an address, or an
// address and port, which some proxies (Azure Application Gateway, IIS
// ARR) append.
func forwardedAddr(entry string) (netip.Addr, bool) {
	entry = strings.TrimSpace(entry)
	if a, err := netip.ParseAddr(entry); err == nil {
		return a, true
	}
	ap, err := netip.ParseAddrPort(entry)
	return ap.Addr(), err == nil
}
