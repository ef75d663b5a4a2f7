package exports_test

import (
	"context"
	"io"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/exports"
)

// TestDownloadLinks: a signed link opens its export's file until it
// expires, and nothing else: not after its expiry, not with its signature
// cut, padded, re-cased or moved to another export or environment, not
// signed by another key (a previous key of this server still opens it),
// and not once the export is deleted.
func TestDownloadLinks(t *testing.T) {
	f := newFixture(t)
	f.seed(t, 3)
	ctx := context.Background()
	var ids []string
	for range 2 {
		e, err := f.app.Exports().Create(ctx, f.app.System, f.env, exports.Input{Format: exports.FormatCSV, Model: exports.ModelUsers})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	f.run(t, 1<<20)

	start := time.Now()
	key, oldKey := []byte("this server's link key"), []byte("the key before rotation")
	service := func(now time.Time, key []byte, previous ...[]byte) *exports.Service {
		return exports.New(exports.Deps{Store: f.store, Now: func() time.Time { return now }, LinkKey: key, PreviousLinkKeys: previous})
	}
	linkOf := func(s *exports.Service, envID, id string) (expires, signature string) {
		t.Helper()
		q, err := url.ParseQuery(s.LinkQuery(&exports.Export{EnvironmentID: envID, ID: id}))
		if err != nil {
			t.Fatal(err)
		}
		return q.Get("expires"), q.Get("signature")
	}
	open := func(s *exports.Service, envID, id, expires, signature string) error {
		e, body, err := s.OpenLink(ctx, envID, id, expires, signature)
		if err == nil {
			if e.ID != id {
				t.Fatalf("a link to %s opened %s", id, e.ID)
			}
			if b, rerr := io.ReadAll(body); rerr != nil || !strings.Contains(string(b), "@example.com") {
				t.Fatalf("the file of %s: %v %q", id, rerr, b)
			}
		}
		return err
	}
	now := service(start, key)
	exp, sig := linkOf(now, f.env, ids[0])
	if err := open(now, f.env, ids[0], exp, sig); err != nil {
		t.Fatalf("a fresh link: %v", err)
	}
	if err := open(service(start.Add(exports.LinkTTL), key), f.env, ids[0], exp, sig); err != nil {
		t.Fatalf("a link at its expiry: %v", err)
	}

	live := f.app.IDs.LiveEnvironmentID
	otherExp, otherSig := linkOf(now, f.env, ids[1])
	refused := map[string]struct {
		s                 *exports.Service
		env, id, exp, sig string
	}{
		"past its expiry":         {service(start.Add(exports.LinkTTL+time.Second), key), f.env, ids[0], exp, sig},
		"a later expiry":          {now, f.env, ids[0], strconv.FormatInt(start.Add(24*time.Hour).Unix(), 10), sig},
		"no expiry":               {now, f.env, ids[0], "", sig},
		"no signature":            {now, f.env, ids[0], exp, ""},
		"a truncated signature":   {now, f.env, ids[0], exp, sig[:len(sig)-1]},
		"half the signature":      {now, f.env, ids[0], exp, sig[:len(sig)/2]},
		"a padded signature":      {now, f.env, ids[0], exp, sig + "00"},
		"one character changed":   {now, f.env, ids[0], exp, flip(sig)},
		"the signature upcased":   {now, f.env, ids[0], exp, strings.ToUpper(sig)},
		"moved to another export": {now, f.env, ids[1], exp, sig},
		"another export's expiry": {now, f.env, ids[0], otherExp, otherSig},
		"moved to another env":    {now, live, ids[0], exp, sig},
		"another server's key":    {service(start, []byte("another server's key")), f.env, ids[0], exp, sig},
		"no key configured":       {service(start, nil), f.env, ids[0], exp, sig},
	}
	for name, c := range refused {
		if err := open(c.s, c.env, c.id, c.exp, c.sig); err == nil {
			t.Errorf("%s: the link opened the file", name)
		}
	}

	// rotation: a link signed before it still opens until it expires
	oldExp, oldSig := linkOf(service(start, oldKey), f.env, ids[0])
	if err := open(service(start, key, oldKey), f.env, ids[0], oldExp, oldSig); err != nil {
		t.Errorf("a link under the previous key: %v", err)
	}

	// deleted (past the retention): its unexpired link opens nothing
	purger := exports.New(exports.Deps{Store: f.store, Retention: time.Hour, Now: func() time.Time { return start.Add(2 * time.Hour) }})
	if n, err := purger.PurgeExpired(ctx); err != nil || n != 2 {
		t.Fatalf("purge: %d, %v", n, err)
	}
	if err := open(now, f.env, ids[0], exp, sig); err == nil {
		t.Error("a deleted export's link opened a file")
	}
}

// flip changes the last hex digit of s.
func flip(s string) string {
	last := "0"
	if s[len(s)-1] == '0' {
		last = "1"
	}
	return s[:len(s)-1] + last
}
