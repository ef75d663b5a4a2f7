package access

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// Screener tells whether an address is sanctioned.
type Screener interface {
	Sanctioned(ctx context.Context, chain, address string) (bool, error)
}

// ListScreener is the built-in Screener: addresses from a file (one per
// line, '#' comments; e.g. the OFAC SDN digital-currency addresses),
// re-read when the file changes, checked at most every CheckEvery.
type ListScreener struct {
	path       string
	checkEvery time.Duration
	now        func() time.Time

	mu      sync.RWMutex
	set     map[string]struct{}
	modTime time.Time
	size    int64
	checked time.Time
}

// NewListScreener loads path; an unreadable file is an error at start.
func NewListScreener(path string) (*ListScreener, error) {
	l := &ListScreener{path: path, checkEvery: 10 * time.Second, now: time.Now}
	if err := l.Reload(); err != nil {
		return nil, err
	}
	return l, nil
}

// SetCheckEvery sets how often the file is looked at for changes (10 s by
// default; 0: at every screening). Call it before screening starts.
func (l *ListScreener) SetCheckEvery(d time.Duration) { l.checkEvery = d }

// Len is how many addresses are listed.
func (l *ListScreener) Len() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.set)
}

// Reload re-reads the file now.
func (l *ListScreener) Reload() error {
	f, err := os.Open(l.path)
	if err != nil {
		return fmt.Errorf("sanctions list: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("sanctions list: %w", err)
	}
	set := map[string]struct{}{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[walletKey(line)] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("sanctions list %s: %w", l.path, err)
	}
	l.mu.Lock()
	l.set, l.modTime, l.size, l.checked = set, st.ModTime(), st.Size(), l.now()
	l.mu.Unlock()
	return nil
}

// refresh reloads the file when it changed since the last look. A file
// that became unreadable is an error (the wallet is refused as
// unscreened) until it can be read again: a list nobody can update is not
// trusted for ever.
func (l *ListScreener) refresh() error {
	now := l.now()
	l.mu.RLock()
	due := now.Sub(l.checked) >= l.checkEvery || now.Before(l.checked) // a clock set back: look again
	mod, size := l.modTime, l.size
	l.mu.RUnlock()
	if !due {
		return nil
	}
	st, err := os.Stat(l.path)
	if err != nil {
		return fmt.Errorf("sanctions list: %w", err)
	}
	if st.ModTime().Equal(mod) && st.Size() == size {
		l.mu.Lock()
		l.checked = now
		l.mu.Unlock()
		return nil
	}
	if age := now.Sub(st.ModTime()); age >= 0 && age < settle {
		return nil // perhaps still being written: the last list serves, the next screening looks again
	}
	return l.Reload()
}

// settle is how long a changed list file must stay unchanged before it
// replaces the list, so that an operator's `curl … > list.txt` is read
// whole: a half-written list would let the wallets of its missing half
// through.
const settle = 2 * time.Second

// Sanctioned reports whether address is on the list. An address on the
// last list read is listed even if the file cannot be re-read; any other
// address then gets the error.
func (l *ListScreener) Sanctioned(_ context.Context, _ string, address string) (bool, error) {
	err := l.refresh()
	l.mu.RLock()
	_, hit := l.set[walletKey(address)]
	l.mu.RUnlock()
	if hit {
		return true, nil
	}
	return false, err
}
