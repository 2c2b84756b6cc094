package httpx

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP decides the address rate limits are keyed on. Forwarding headers
// are believed only when the direct peer is one of trusted (a configured
// proxy); otherwise anyone could pick their own throttle key (RFC 9700
// §4.13).
type ClientIP struct {
	Trusted []netip.Prefix
}

// Of returns the throttle key of r's client: its IPv4 address (an
// IPv4-mapped IPv6 address counts as the IPv4 one), or the /64 prefix of
// its IPv6 address, since one subscriber is routinely given a whole /64
// and could otherwise take a fresh key per request.
func (c ClientIP) Of(r *http.Request) string {
	a, raw, ok := c.client(r)
	if !ok {
		return raw
	}
	return key(a)
}

// Addr returns r's client address as logged with every record of the
// request: the same client [ClientIP.Of] decides on, but the whole address
// (an IPv4-mapped IPv6 address shown as IPv4).
func (c ClientIP) Addr(r *http.Request) string {
	a, raw, ok := c.client(r)
	if !ok {
		return raw
	}
	return a.Unmap().String()
}

// client returns the direct peer or, when the peer is a trusted proxy, the
// rightmost X-Forwarded-For hop that is not one. ok is false when the
// peer's address does not parse; raw is then the peer as given.
func (c ClientIP) client(r *http.Request) (a netip.Addr, raw string, ok bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, host, false
	}
	if !c.trusted(peer) {
		return peer, host, true
	}
	// Walk X-Forwarded-For from the right, skipping trusted proxies.
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !c.trusted(a) {
			return a, host, true
		}
	}
	return peer, host, true
}

func key(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

func (c ClientIP) trusted(a netip.Addr) bool {
	for _, p := range c.Trusted {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}
