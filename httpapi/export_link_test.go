package httpapi_test

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/exports"
)

// TestExportLinkAttacks: an export's signed download link serves the file
// as an attachment nobody caches, under a name made of the server's own
// values; the link opens nothing in another environment, for another
// organization's token, or once the export is deleted; and neither the
// request log nor any other log line carries its signature.
func TestExportLinkAttacks(t *testing.T) {
	logs := &logBuffer{}
	h := newHarnessWith(t, "sqlite", func(c *dynamicauth.Config) {
		c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	env := h.ids.EnvironmentID
	h.createUser(t, env, map[string]any{"email": "linked@example.com"})
	base := "/environments/" + env + "/exports"
	id, link := h.writtenExport(t, env)
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	sig := u.Query().Get("signature")

	st, hdr, body := h.fetchLink(t, link)
	if st != 200 || !strings.Contains(string(body), "linked@example.com") {
		t.Fatalf("the link: %d %s", st, body)
	}
	for k, want := range map[string]string{
		"Content-Disposition":    `attachment; filename="users-` + id + `.csv"`,
		"Cache-Control":          "no-store",
		"Referrer-Policy":        "no-referrer",
		"X-Content-Type-Options": "nosniff",
		"Content-Type":           "text/csv; charset=utf-8",
	} {
		if got := hdr.Get(k); got != want {
			t.Errorf("the file's %s: %q, want %q", k, got, want)
		}
	}

	// another organization's token gets no fresh link to the export
	other := h.newOrganization(t, "other")
	_, otherToken := h.envToken(t, h.token, other.sandboxID)
	for _, path := range []string{base + "/" + id + "/download", base + "/" + id} {
		r := h.send(t, request{method: "GET", path: v0 + path, token: otherToken})
		if r.status != 403 && r.status != 404 || r.header.Get("Location") != "" || strings.Contains(string(r.raw), sig) {
			t.Errorf("GET %s by another organization's token: %d %s", path, r.status, r.raw)
		}
	}
	// the link moved to another environment, or to a path that is no export
	for name, moved := range map[string]string{
		"another environment": strings.Replace(link, env, other.sandboxID, 1),
		"not an id":           strings.Replace(link, id, "..%2F..%2Fetc", 1),
	} {
		if st, _, body := h.fetchLink(t, moved); st != 403 && st != 404 || strings.Contains(string(body), "linked@example.com") {
			t.Errorf("the link moved to %s: %d %s", name, st, body)
		}
	}

	// deleted (past the retention): the unexpired link serves nothing
	purger := exports.New(exports.Deps{Store: h.store, Retention: time.Minute, Now: func() time.Time { return time.Now().Add(time.Hour) }})
	if n, err := purger.PurgeExpired(context.Background()); err != nil || n != 1 {
		t.Fatalf("purge: %d, %v", n, err)
	}
	if st, _, body := h.fetchLink(t, link); st != 404 && st != 403 || strings.Contains(string(body), "linked@example.com") {
		t.Errorf("a deleted export's link: %d %s", st, body)
	}

	if !strings.Contains(logs.String(), "/exports/"+env+"/"+id+"/file") {
		t.Fatalf("no request line for the link in the log:\n%s", logs.String())
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, sig) || strings.Contains(line, "signature=") {
			t.Errorf("a log line carries the link's signature: %s", line)
		}
	}
}
