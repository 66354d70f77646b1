package server

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// fromProxies makes a request that arrived through one of the trusted
// reverse proxies look as it did at the proxy: RemoteAddr becomes the client
// the proxies saw (the right-most address of X-Forwarded-For that is not a
// trusted proxy itself), and a request the proxy took over HTTPS
// (X-Forwarded-Proto: https) counts as TLS, so session cookies stay Secure.
// Requests from anyone else keep their own peer address, whatever headers
// they send: the headers are only believed from the proxies.
func fromProxies(trusted []netip.Prefix, next http.Handler) http.Handler {
	if len(trusted) == 0 {
		return next
	}
	isTrusted := func(a netip.Addr) bool {
		a = a.Unmap()
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, err := netip.ParseAddrPort(r.RemoteAddr)
		if err != nil || !isTrusted(peer.Addr()) {
			next.ServeHTTP(w, r)
			return
		}
		client := peer.Addr()
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a malformed entry: trust nothing left of it
			}
			client = a.Unmap()
			if !isTrusted(client) {
				break
			}
		}
		r2 := r.Clone(r.Context())
		r2.RemoteAddr = net.JoinHostPort(client.String(), "0")
		if r.TLS == nil && strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https") {
			r2.TLS = &tls.ConnectionState{}
		}
		next.ServeHTTP(w, r2)
	})
}
