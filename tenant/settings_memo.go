package tenant

import "sync"

// SettingsMemo remembers a value derived from an environment's settings
// document, keyed by the document's bytes: every sign-in read a few
// members of the same document with json.Unmarshal, which scans all of
// it each time (session lifetime, IP collection, MFA, kyc: about 2% of
// the server's CPU per sign-in in perf/signin's profile, ES256, with the
// bootstrap's 438-byte settings; more with a real project's). A changed
// document is another key, so nothing needs invalidating. Values are
// shared between callers: derive must return something they only read.
// The zero value is ready; keep it in the service that derives.
type SettingsMemo[T any] struct {
	mu    sync.RWMutex
	m     map[string]T
	bytes int // of m's keys
}

// maxMemoDocuments bounds a memo (past it, it starts over): one entry per
// environment and version of its settings in use.
const maxMemoDocuments = 1024

// maxMemoBytes bounds the documents a memo keeps, in bytes: settings
// documents may be up to maxSettings each, and an environment's admin
// makes as many as they like, so the count alone let one tenant hold
// hundreds of MiB in each memo. Real documents are a few KiB: the count
// bounds them first.
const maxMemoBytes = 16 << 20

// Get returns derive(settings), derived once per distinct document.
func (m *SettingsMemo[T]) Get(settings []byte, derive func([]byte) T) T {
	m.mu.RLock()
	v, ok := m.m[string(settings)] // no copy: the conversion only looks up
	m.mu.RUnlock()
	if ok {
		return v
	}
	v = derive(settings)
	if len(settings) > maxMemoBytes {
		return v
	}
	m.mu.Lock()
	if m.m == nil || len(m.m) >= maxMemoDocuments || m.bytes+len(settings) > maxMemoBytes {
		m.m, m.bytes = make(map[string]T), 0
	}
	if _, ok := m.m[string(settings)]; !ok {
		m.bytes += len(settings)
	}
	m.m[string(settings)] = v
	m.mu.Unlock()
	return v
}
