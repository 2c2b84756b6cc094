package sesame

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"net/http"
	"strings"
	"sync"
	"time"
)

// MemoryStore is a [ServerStore] that keeps sessions in the app's memory:
// the browser holds only a random session ID in an HttpOnly cookie. It
// suits an app that runs as one process; sessions end when it restarts.
// An app with several instances implements [ServerStore] over what they
// share.
//
// Unlike a [CookieStore] it can end a session: Delete and EndSessions
// remove it on the server, and a copy of the cookie then finds nothing.
// The session ID changes whenever the session's owner does (at sign-in),
// so an ID planted in a browser before sign-in never names a signed-in
// session.
type MemoryStore struct {
	name   string
	secure bool
	maxAge time.Duration
	now    func() time.Time

	mu        sync.Mutex
	sessions  map[[32]byte]*memSession // by SHA-256 of the cookie's ID
	lastPrune time.Time
}

type memSession struct {
	data    []byte
	owner   SessionOwner
	expires time.Time
}

// NewMemoryStore returns a memory store whose cookie is called name (see
// [CookieName]) and whose sessions last at most maxAge after their last
// save (0: [CookieMaxAge]). secure sets the cookie's Secure attribute,
// which names starting with "__Host-" or "__Secure-" always get.
func NewMemoryStore(name string, secure bool, maxAge time.Duration) (*MemoryStore, error) {
	if name == "" || strings.TrimFunc(name, isCookieNameChar) != "" {
		return nil, &ConfigError{Field: "cookie name", Reason: "must be non-empty and use only A-Z a-z 0-9 _ - ."}
	}
	if maxAge <= 0 {
		maxAge = CookieMaxAge
	}
	secure = secure || strings.HasPrefix(name, "__Host-") || strings.HasPrefix(name, "__Secure-")
	return &MemoryStore{name: name, secure: secure, maxAge: maxAge, now: time.Now, sessions: make(map[[32]byte]*memSession)}, nil
}

// Len reports how many sessions the store holds, expired ones included
// until they are pruned.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

func (s *MemoryStore) key(r *http.Request) ([32]byte, bool) {
	ck, err := r.Cookie(s.name)
	if err != nil || ck.Value == "" {
		return [32]byte{}, false
	}
	return sha256.Sum256([]byte(ck.Value)), true
}

// Load implements [SessionStore].
func (s *MemoryStore) Load(_ context.Context, r *http.Request) ([]byte, error) {
	k, ok := s.key(r)
	if !ok {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.sessions[k]
	if m == nil || !s.now().Before(m.expires) {
		return nil, nil
	}
	return m.data, nil
}

// Save implements [SessionStore]: a session without an owner, such as a
// sign-in in progress.
func (s *MemoryStore) Save(ctx context.Context, w http.ResponseWriter, r *http.Request, data []byte) error {
	return s.SaveOwned(ctx, w, r, data, SessionOwner{})
}

// SaveOwned implements [ServerStore].
func (s *MemoryStore) SaveOwned(_ context.Context, w http.ResponseWriter, r *http.Request, data []byte, owner SessionOwner) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune(now)
	if k, ok := s.key(r); ok {
		if m := s.sessions[k]; m != nil && now.Before(m.expires) && m.owner == owner {
			m.data, m.expires = append([]byte(nil), data...), now.Add(s.maxAge)
			return nil
		}
		delete(s.sessions, k) // a new owner gets a new ID
	}
	id := rand.Text()
	s.sessions[sha256.Sum256([]byte(id))] = &memSession{data: append([]byte(nil), data...), owner: owner, expires: now.Add(s.maxAge)}
	http.SetCookie(w, s.cookie(id, int(s.maxAge/time.Second)))
	return nil
}

// Delete implements [SessionStore].
func (s *MemoryStore) Delete(_ context.Context, w http.ResponseWriter, r *http.Request) error {
	if k, ok := s.key(r); ok {
		s.mu.Lock()
		delete(s.sessions, k)
		s.mu.Unlock()
		http.SetCookie(w, s.cookie("", -1))
	}
	return nil
}

// EndSessions implements [ServerStore].
func (s *MemoryStore) EndSessions(_ context.Context, owner SessionOwner) (int, error) {
	if owner.Subject == "" && owner.SID == "" {
		return 0, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, m := range s.sessions {
		if owner.matches(m.owner) {
			delete(s.sessions, k)
			n++
		}
	}
	return n, nil
}

// matches reports whether a session owned by o is one that the logout of
// owner ends.
func (owner SessionOwner) matches(o SessionOwner) bool {
	if owner.SID != "" {
		return o.SID == owner.SID && (owner.Subject == "" || o.Subject == owner.Subject)
	}
	return owner.Subject != "" && o.Subject == owner.Subject
}

// prune drops expired sessions, at most once a minute.
func (s *MemoryStore) prune(now time.Time) {
	if now.Sub(s.lastPrune) < time.Minute {
		return
	}
	s.lastPrune = now
	for k, m := range s.sessions {
		if !now.Before(m.expires) {
			delete(s.sessions, k)
		}
	}
}

func (s *MemoryStore) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: s.name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode}
}
