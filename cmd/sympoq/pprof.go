package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// startPprof serves the Go profiler's endpoints (/debug/pprof/) on addr,
// which the configuration has checked is a loopback address, on a server of
// its own: nothing of it is reachable through the public listener. An
// empty addr starts nothing.
func startPprof(addr string, logger *slog.Logger) (string, func(context.Context) error, error) {
	if addr == "" {
		return "", func(context.Context) error { return nil }, nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Warn("profiler stopped", "err", err)
		}
	}()
	return ln.Addr().String(), hs.Shutdown, nil
}
