package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"

	"github.com/sympoq/sympoq/internal/config"
	"github.com/sympoq/sympoq/internal/desk"
	"github.com/sympoq/sympoq/internal/mail"
)

// startSMTP listens on --smtp-listen and serves the receiver in the
// background; the returned function stops it gracefully. Without the flag
// it does nothing.
func startSMTP(cfg *config.Config, d *desk.Service, logger *slog.Logger) (addr string, stop func(context.Context) error, err error) {
	if cfg.SMTPListen == "" {
		return "", func(context.Context) error { return nil }, nil
	}
	opts := mail.SMTPOptions{Domain: cfg.SMTPDomain, MaxMessageBytes: desk.MaxInboundBytes, Logger: logger}
	if opts.Domain == "" {
		opts.Domain = cfg.BaseDomain
	}
	if cfg.SMTPCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.SMTPCert, cfg.SMTPKey)
		if err != nil {
			return "", nil, fmt.Errorf("--smtp-cert/--smtp-key: %w", err)
		}
		opts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", cfg.SMTPListen)
	if err != nil {
		return "", nil, fmt.Errorf("--smtp-listen: %w", err)
	}
	srv := mail.NewSMTPServer(opts, d.SMTPReceiver(cfg.BaseDomain == ""))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	stop = func(ctx context.Context) error {
		err := srv.Shutdown(ctx)
		if serr := <-done; err == nil {
			err = serr
		}
		return err
	}
	return ln.Addr().String(), stop, nil
}
