package server

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestFromProxies(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	var got *http.Request
	h := fromProxies(trusted, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r }))
	for _, tc := range []struct {
		name, remote, xff, proto string
		wantAddr                 string
		wantTLS                  bool
	}{
		{"a client directly, headers ignored", "203.0.113.7:5555", "198.51.100.1", "https", "203.0.113.7:5555", false},
		{"through the proxy", "10.1.2.3:4000", "198.51.100.1", "https", "198.51.100.1:0", true},
		{"a forged entry left of the real client", "10.1.2.3:4000", "192.0.2.66, 198.51.100.1", "", "198.51.100.1:0", false},
		{"two trusted hops", "10.1.2.3:4000", "198.51.100.1, 10.9.9.9", "http", "198.51.100.1:0", false},
		{"no header: the proxy itself", "10.1.2.3:4000", "", "", "10.1.2.3:0", false},
		{"malformed entry stops the walk", "10.1.2.3:4000", "198.51.100.1, garbage", "", "10.1.2.3:0", false},
		{"IPv6 proxy", "[::1]:4000", "2001:db8::5", "", "[2001:db8::5]:0", false},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if tc.proto != "" {
			r.Header.Set("X-Forwarded-Proto", tc.proto)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got.RemoteAddr != tc.wantAddr || (got.TLS != nil) != tc.wantTLS {
			t.Errorf("%s: RemoteAddr %q TLS %v, want %q %v", tc.name, got.RemoteAddr, got.TLS != nil, tc.wantAddr, tc.wantTLS)
		}
	}
}
