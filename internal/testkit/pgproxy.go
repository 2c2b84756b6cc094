package testkit

import (
	"bytes"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// PGProxy is a TCP proxy in front of PostgreSQL. It counts the client's
// round trips (each Sync of the extended protocol and each simple Query
// makes the client wait for the server) and the statements that begin a
// transaction. Cut drops every open connection and blackholes new ones
// (accepted, never answered: the worst case for a client without a
// connect timeout); Restore forwards again.
type PGProxy struct {
	Addr   string // host:port to connect to instead of the server
	target string
	ln     net.Listener

	mu     sync.Mutex
	down   bool
	closed bool
	conns  map[net.Conn]struct{}

	trips, begins atomic.Int64
	delay         atomic.Int64 // nanoseconds each client write waits
}

// SetDelay makes every write of the client reach the server d later (a
// slow database: one wait per round trip, as a client sends a round trip's
// messages in one write); 0 stops it.
func (p *PGProxy) SetDelay(d time.Duration) { p.delay.Store(int64(d)) }

// delayed writes to the server after the proxy's delay.
type delayed struct {
	w io.Writer
	p *PGProxy
}

func (d delayed) Write(b []byte) (int, error) {
	if wait := time.Duration(d.p.delay.Load()); wait > 0 {
		time.Sleep(wait)
	}
	return d.w.Write(b)
}

// ProxyPostgres starts a PGProxy in front of the PostgreSQL server of the
// URL dsn, closed when the test ends, and returns dsn pointed at it.
func ProxyPostgres(t testing.TB, dsn string) (*url.URL, *PGProxy) {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := NewPGProxy(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	u.Host = proxy.Addr
	return u, proxy
}

// NewPGProxy listens on a free local port and forwards to target
// (host:port of PostgreSQL). Close stops it.
func NewPGProxy(target string) (*PGProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &PGProxy{Addr: ln.Addr().String(), target: target, ln: ln, conns: map[net.Conn]struct{}{}}
	go p.serve()
	return p, nil
}

// Trips is the number of client round trips so far.
func (p *PGProxy) Trips() int64 { return p.trips.Load() }

// Begins is the number of statements so far that contain "begin".
func (p *PGProxy) Begins() int64 { return p.begins.Load() }

// Close stops listening and drops every connection.
func (p *PGProxy) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.ln.Close()
	p.dropAll()
}

// Cut drops every connection and blackholes new ones until Restore.
func (p *PGProxy) Cut() {
	p.mu.Lock()
	p.down = true
	p.mu.Unlock()
	p.dropAll()
}

// Restore forwards again; blackholed connections are closed, so clients
// redial.
func (p *PGProxy) Restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
	p.dropAll()
}

func (p *PGProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *PGProxy) dropAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]struct{}{}
}

func (p *PGProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			continue
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			continue // blackhole: hold the connection open, send nothing
		}
		go p.pipe(c)
	}
}

func (p *PGProxy) pipe(c net.Conn) {
	s, err := net.DialTimeout("tcp", p.target, 2*time.Second)
	if err != nil {
		c.Close()
		return
	}
	if !p.track(s) {
		c.Close()
		return
	}
	go func() {
		io.Copy(c, s)
		c.Close()
	}()
	p.countFrontend(io.TeeReader(c, delayed{s, p}))
	s.Close()
	c.Close()
}

// countFrontend parses the client side of the PostgreSQL protocol: an
// untyped startup message (sslmode=disable: no SSLRequest), then typed
// messages of a type byte and a length.
func (p *PGProxy) countFrontend(r io.Reader) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return
	}
	n := int(hdr[0])<<24 | int(hdr[1])<<16 | int(hdr[2])<<8 | int(hdr[3])
	if _, err := io.CopyN(io.Discard, r, int64(n-4)); err != nil {
		return
	}
	var typ [5]byte
	for {
		if _, err := io.ReadFull(r, typ[:]); err != nil {
			return
		}
		n := int64(int(typ[1])<<24 | int(typ[2])<<16 | int(typ[3])<<8 | int(typ[4]))
		if n < 4 {
			return // not the PostgreSQL protocol: forward without counting
		}
		if typ[0] == 'S' || typ[0] == 'Q' {
			p.trips.Add(1)
		}
		if typ[0] != 'Q' && typ[0] != 'P' { // only queries and parses carry SQL
			if _, err := io.CopyN(io.Discard, r, n-4); err != nil {
				return
			}
			continue
		}
		body := make([]byte, n-4)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		if bytes.Contains(bytes.ToLower(body), []byte("begin")) {
			p.begins.Add(1)
		}
	}
}
