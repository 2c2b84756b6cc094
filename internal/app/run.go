package app

// Serving: the listeners, shutdown, and the background loops.

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// ReloadTLS loads the TLS certificate and key files again (SIGHUP); it is
// a no-op behind a proxy. On an error the current certificate stays.
func (s *Server) ReloadTLS() error {
	if s.certs == nil {
		return nil
	}
	return s.certs.Reload()
}

// Run serves on cfg.Addr until ctx is cancelled, then shuts down
// gracefully. It also collects expired rows in the background. With
// --tls-cert it serves HTTPS, HTTP/2 included.
func (s *Server) Run(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	var metricsSrv *http.Server
	if s.cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", s.cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return err
		}
		metricsSrv = &http.Server{Handler: s.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second}
		go metricsSrv.Serve(mln)
		defer metricsSrv.Close()
		s.log.Info("metrics", "listen", mln.Addr().String(), "pprof", s.cfg.Pprof)
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	if s.certs != nil {
		srv.TLSConfig = s.certs.TLSConfig()
		go func() { errc <- srv.ServeTLS(ln, "", "") }()
	} else {
		go func() { errc <- srv.Serve(ln) }()
	}
	gcDone := make(chan struct{})
	gcCtx, stopGC := context.WithCancel(ctx)
	go func() {
		defer close(gcDone)
		s.gcLoop(gcCtx)
	}()
	select {
	case err := <-errc:
		stopGC()
		<-gcDone
		closeCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		return errors.Join(err, s.Close(closeCtx))
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	stopGC()
	<-gcDone
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	// The audit log is closed after the last request has finished, so
	// that what those requests recorded is written too.
	defer func() {
		if err := s.Close(shutdownCtx); err != nil {
			s.log.Warn("audit log not fully written at shutdown", "err", err)
		}
	}()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (s *Server) gcLoop(ctx context.Context) {
	t := time.NewTicker(s.gcEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := s.store.GarbageCollect(ctx, time.Now())
			if err != nil {
				s.log.Warn("garbage collection failed", "err", err)
			} else if n > 0 {
				s.log.Debug("garbage collected", "rows", n)
			}
		}
	}
}

// accountPasskeys is passkeys for the account pages: a nil *passkey.Service
// (passkeys off) must be a nil interface there.
