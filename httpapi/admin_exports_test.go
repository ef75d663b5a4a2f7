package httpapi_test

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/exports"
)

func (h *harness) runExports(t *testing.T) {
	t.Helper()
	for {
		ran, err := h.auth.Exporter().RunOnce(context.Background())
		if err != nil {
			t.Fatalf("write exports: %v", err)
		}
		if !ran {
			return
		}
	}
}

// writtenExport queues a CSV export of env's users, writes it, and
// returns its id and signed download link.
func (h *harness) writtenExport(t *testing.T, env string) (id, link string) {
	t.Helper()
	base := "/environments/" + env + "/exports"
	st, res := h.do(t, "POST", base, h.token, map[string]any{"format": "csv", "model": "users"})
	wantStatus(t, "create export", st, 200, res)
	id = str(t, res, "id")
	h.runExports(t)
	st, res = h.do(t, "GET", base+"/"+id, h.token, nil)
	wantStatus(t, "get export", st, 200, res)
	return id, str(t, res, "downloadUrl")
}

// fetchLink GETs a download link with no bearer.
func (h *harness) fetchLink(t *testing.T, link string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := h.srv.Client().Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// TestExportsAPI: an export is pending until written, then completed with
// a signed downloadUrl; download answers 204 pointing at it; the link
// serves the file without a bearer and refuses a tampered signature; bad
// input is a 400 that queues nothing; other environments see nothing.
func TestExportsAPI(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	for i := range 3 {
		h.createUser(t, env, map[string]any{"email": "export" + string(rune('a'+i)) + "@example.com",
			"wallets": []any{newWalletBody(t)}, "metadata": map[string]any{"plan": "pro"}})
	}
	base := "/environments/" + env + "/exports"

	for _, tc := range []struct {
		body any
		frag string
	}{
		{map[string]any{"format": "xml", "model": "users"}, "format"},
		{map[string]any{"format": "csv", "model": "sessions"}, "model"},
		{map[string]any{"model": "users"}, "format"},
		{map[string]any{"format": "csv", "model": "users", "shape": "round"}, "shape"},
		{map[string]any{"format": "json", "model": "users"}, "format"},
		{map[string]any{"format": "csv", "model": "wallets"}, "model"},
		{map[string]any{"format": "csv", "model": "visits", "filter": map[string]any{"users": map[string]any{"filterValue": "x"}}}, "filter"},
		{map[string]any{"format": "csv", "model": "users", "filter": map[string]any{"users": map[string]any{"filterColumn": "shoe"}}}, "filterColumn"},
	} {
		st, res := h.do(t, "POST", base, h.token, tc.body)
		wantError(t, "create export", st, res, 400, tc.frag)
	}

	st, res := h.do(t, "POST", base, h.token, map[string]any{"format": "csv", "model": "users"})
	wantStatus(t, "create export", st, 200, res)
	id := str(t, res, "id")
	if str(t, res, "status") != "pending" || res.(map[string]any)["startedAt"] != nil || res.(map[string]any)["downloadUrl"] != nil {
		t.Fatalf("a new export: %v", res)
	}
	st, res = h.do(t, "GET", base+"/"+id+"/download", h.token, nil)
	wantError(t, "download of a pending export", st, res, 422, "not completed")

	st, res = h.do(t, "POST", base, h.token, map[string]any{"format": "csv", "model": "users",
		"filter": map[string]any{"users": map[string]any{"filterColumn": "email", "filterValue": "exportb@"}}})
	wantStatus(t, "create filtered export", st, 200, res)
	filteredID := str(t, res, "id")

	h.runExports(t)
	st, res = h.do(t, "GET", base+"/"+id, h.token, nil)
	wantStatus(t, "get export", st, 200, res)
	if str(t, res, "status") != "completed" || str(t, res, "startedAt") == "" || str(t, res, "completedAt") == "" {
		t.Fatalf("written export: %v", res)
	}
	link := str(t, res, "downloadUrl")

	r := h.send(t, request{method: "GET", path: v0 + base + "/" + id + "/download", token: h.token})
	if r.status != 204 || r.header.Get("Location") == "" {
		t.Fatalf("download: %d, Location %q", r.status, r.header.Get("Location"))
	}
	for _, l := range []string{link, r.header.Get("Location")} {
		st, hdr, body := h.fetchLink(t, l)
		if st != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") {
			t.Fatalf("GET %s: %d %s %s", l, st, hdr.Get("Content-Type"), body)
		}
		rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
		if err != nil || len(rows) != 4 || rows[0][0] != "id" || !strings.Contains(string(body), "exportc@example.com") ||
			!strings.Contains(string(body), `{""plan"":""pro""}`) {
			t.Fatalf("the file: %v\n%s", err, body)
		}
	}

	u, _ := url.Parse(link)
	q := u.Query()
	for name, mutate := range map[string]func(url.Values){
		"tampered signature": func(v url.Values) { v.Set("signature", strings.Repeat("0", 64)) },
		"later expiry":       func(v url.Values) { v.Set("expires", "99999999999") },
		"no signature":       func(v url.Values) { v.Del("signature") },
	} {
		v := url.Values{}
		for k, vs := range q {
			v[k] = append([]string(nil), vs...)
		}
		mutate(v)
		bad := *u
		bad.RawQuery = v.Encode()
		st, _, body := h.fetchLink(t, bad.String())
		if st != 403 || strings.Contains(string(body), "export") && strings.Contains(string(body), "@example.com") {
			t.Errorf("%s: %d %s", name, st, body)
		}
	}
	// The link of one export does not open another.
	other := strings.Replace(link, id, filteredID, 1)
	if st, _, _ := h.fetchLink(t, other); st != 403 {
		t.Errorf("a link moved to another export: %d", st)
	}

	st, res = h.do(t, "GET", base+"/"+filteredID, h.token, nil)
	wantStatus(t, "get filtered export", st, 200, res)
	st, _, body := h.fetchLink(t, str(t, res, "downloadUrl"))
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if st != 200 || err != nil || len(rows) != 2 || rows[1][1] != "exportb@example.com" {
		t.Fatalf("filtered export: %d %s", st, body)
	}

	st, res = h.do(t, "GET", base+"?model=users", h.token, nil)
	wantStatus(t, "list exports", st, 200, res)
	if l := list(t, res, "exports"); len(l) != 2 || str(t, l[0], "id") != filteredID {
		t.Fatalf("list: %v", res)
	}
	st, res = h.do(t, "GET", base+"?model=visits", h.token, nil)
	wantStatus(t, "list visits exports", st, 200, res)
	if l := list(t, res, "exports"); len(l) != 0 {
		t.Fatalf("list visits: %v", res)
	}
	st, res = h.do(t, "GET", base+"?model=nope", h.token, nil)
	wantError(t, "list with a bad model", st, res, 400, "model")

	// The other environment of the project sees none of it.
	live := h.ids.LiveEnvironmentID
	st, res = h.do(t, "GET", "/environments/"+live+"/exports/"+id, h.token, nil)
	wantError(t, "export from another environment", st, res, 404)

	// The record: created and completed events for both.
	evs, _ := h.eventPages(t, env, "resourceType=export")
	names := map[string]int{}
	for _, e := range evs {
		names[e["eventName"].(string)]++
	}
	if names["export.created"] != 2 || names["export.completed"] != 2 {
		t.Fatalf("export events: %v", names)
	}
}

// TestExportDownloadOutlivesWriteTimeout: a download that takes longer
// than the http.Server's WriteTimeout (60 s in `dynamicauth serve`, which
// a file of a million users over an ordinary link exceeds) is served
// whole while the client keeps reading: the deadline is extended chunk by
// chunk rather than cutting the file short mid-stream.
func TestExportDownloadOutlivesWriteTimeout(t *testing.T) {
	h := newHarness(t)
	env := h.ids.EnvironmentID
	st, res := h.do(t, "POST", "/environments/"+env+"/exports", h.token, map[string]any{"format": "csv", "model": "users"})
	wantStatus(t, "create export", st, 200, res)
	id := str(t, res, "id")

	// The file, written as the runner would: 16 chunks of 1 MiB, more
	// than the sockets between server and client buffer.
	es, ok := h.store.(exports.Store)
	if !ok {
		t.Fatal("the store keeps no exports")
	}
	ctx, now := context.Background(), time.Now()
	e, err := es.ClaimExport(ctx, now, now.Add(time.Hour))
	if err != nil || e == nil || e.ID != id {
		t.Fatalf("claim the export: %v, %v", e, err)
	}
	chunk := []byte(strings.Repeat("x", 1<<20))
	const chunks = 16
	lease := now.Add(time.Hour)
	for seq := range chunks {
		if err := es.WriteChunk(ctx, id, seq, chunk, lease, lease); err != nil {
			t.Fatal(err)
		}
	}
	done := now.Add(time.Second)
	e.Status, e.Rows, e.Bytes, e.CompletedAt = exports.StatusCompleted, 1, chunks<<20, &done
	if err := es.FinishExport(ctx, e, lease); err != nil {
		t.Fatal(err)
	}
	st, res = h.do(t, "GET", "/environments/"+env+"/exports/"+id, h.token, nil)
	wantStatus(t, "get export", st, 200, res)
	link, err := url.Parse(str(t, res, "downloadUrl"))
	if err != nil {
		t.Fatal(err)
	}

	// The same handler behind a server with a short WriteTimeout, and a
	// client that pauses past it before reading on.
	srv := httptest.NewUnstartedServer(h.auth.Handler())
	srv.Config.WriteTimeout = 300 * time.Millisecond
	srv.Start()
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + link.RequestURI())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("download: %d", resp.StatusCode)
	}
	first := make([]byte, 1<<20)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	rest, err := io.ReadAll(resp.Body)
	if got := len(first) + len(rest); err != nil || got != chunks<<20 {
		t.Fatalf("downloaded %d of %d bytes: %v", got, chunks<<20, err)
	}
}
