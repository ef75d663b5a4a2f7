package httpapi_test

// The in-process harness: a fresh SQLite store per test, the whole server
// built through the dynamicauth facade, served by httptest. Every response
// the harness receives is checked against the contract (the embedded
// OpenAPI document) with kin-openapi, so a JSON name, type or enum value
// that drifts from Dynamic's fails whichever test produced it.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/contract"
	"github.com/dynamicauth/dynamicauth/externaljwt"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/store/postgres"
	"github.com/dynamicauth/dynamicauth/store/postgres/pgtest"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

const v0 = "/api/v0"

// masterSecret is fixed so that runs are reproducible.
var masterSecret = []byte("0123456789abcdef0123456789abcdef")

// The contract router is built once per test binary (loading and
// validating the document takes a while); it is read-only afterwards.
var (
	contractOnce   sync.Once
	contractDoc    *openapi3.T
	contractRouter routers.Router
	contractErr    error
)

func loadContract(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	contractOnce.Do(func() {
		c, err := contract.Load()
		if err != nil {
			contractErr = err
			return
		}
		// Route on the request path alone: /api/v0/...
		c.Doc.Servers = openapi3.Servers{{URL: v0}}
		contractDoc = c.Doc
		contractRouter, contractErr = legacy.NewRouter(c.Doc)
	})
	if contractErr != nil {
		t.Fatalf("load contract: %v", contractErr)
	}
	return contractDoc, contractRouter
}

// harness is one server on one fresh database.
type harness struct {
	srv   *httptest.Server
	store store.Store
	auth  *dynamicauth.Auth
	ids   *tenant.Bootstrap
	token string // the owner's organization-wide token from Init

	mu       sync.Mutex
	covered  map[string]bool // "METHOD /contract/path" answered with 2xx
	statuses map[int]int
}

func newHarness(t *testing.T) *harness { return newHarnessOn(t, "sqlite") }

// backends are the stores a both-backends test runs on: SQLite always,
// PostgreSQL when DYNAMICAUTH_TEST_POSTGRES_URL is set.
func backends() []string {
	if pgtest.Enabled() {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// openStore opens a fresh, empty store of the named backend.
func openStore(t *testing.T, backend string) store.Store {
	t.Helper()
	ctx := context.Background()
	switch backend {
	case "sqlite":
		st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "dynamicauth.db"), sqlite.Options{Synchronous: "NORMAL"})
		if err != nil {
			t.Fatalf("open store: %v", err)
		}
		return st
	case "postgres":
		st, err := postgres.Open(ctx, pgtest.FreshSchema(t), postgres.Options{MaxConns: 4})
		if err != nil {
			t.Fatalf("open postgres store: %v", err)
		}
		return st
	}
	t.Fatalf("unknown backend %q", backend)
	return nil
}

// newHarnessOn builds the harness on a fresh store of the named backend.
func newHarnessOn(t *testing.T, backend string) *harness {
	t.Helper()
	return newHarnessWith(t, backend, func(*dynamicauth.Config) {})
}

// newHarnessWith is newHarnessOn with the configuration adjusted by tune.
func newHarnessWith(t *testing.T, backend string, tune func(*dynamicauth.Config)) *harness {
	t.Helper()
	loadContract(t)
	ctx := context.Background()
	st := openStore(t, backend)
	// externaljwttest's auth systems publish their keys on loopback.
	cfg := dynamicauth.Config{Store: st, MasterSecret: masterSecret, ExternalJWT: externaljwt.Deps{AllowPrivate: true},
		SocialAllowPrivate: true} // test identity providers run on loopback
	tune(&cfg)
	a, err := dynamicauth.New(cfg)
	if err != nil {
		st.Close()
		t.Fatalf("dynamicauth.New: %v", err)
	}
	ids, tok, created, err := a.Init(ctx)
	if err != nil {
		st.Close()
		t.Fatalf("Init: %v", err)
	}
	if !created || tok == "" {
		st.Close()
		t.Fatalf("Init on a fresh database: created=%v token=%q", created, tok)
	}
	h := &harness{srv: httptest.NewServer(a.Handler()), store: st, auth: a, ids: ids, token: tok,
		covered: map[string]bool{}, statuses: map[int]int{}}
	t.Cleanup(func() {
		h.srv.Close()
		h.store.Close()
	})
	return h
}

// request is one call; the zero values mean "no such header / no body". A
// header set to "" is removed (e.g. the default Content-Type).
type request struct {
	method string
	path   string // full path, query included ("/api/v0/...", "/healthz")
	token  string // sent as "Authorization: Bearer <token>" unless empty
	body   any    // nil: no body; string or []byte: sent as is; else JSON-encoded
	header map[string]string
	host   string // the Host header, when not the server's address
}

// response is what came back; json is the decoded body (nil if empty).
type response struct {
	status int
	header http.Header
	raw    []byte
	json   any
}

// do sends method path (below /api/v0) with an optional bearer token and
// JSON body, validates the answer against the contract and returns the
// status and the decoded body.
func (h *harness) do(t *testing.T, method, path, token string, body any) (int, any) {
	t.Helper()
	r := h.send(t, request{method: method, path: v0 + path, token: token, body: body})
	return r.status, r.json
}

// send is do with full control over path and headers.
func (h *harness) send(t *testing.T, rq request) *response {
	t.Helper()
	var rd io.Reader
	ct := ""
	switch b := rq.body.(type) {
	case nil:
	case string:
		rd, ct = strings.NewReader(b), "application/json"
	case []byte:
		rd, ct = bytes.NewReader(b), "application/json"
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode request body: %v", err)
		}
		rd, ct = bytes.NewReader(raw), "application/json"
	}
	req, err := http.NewRequest(rq.method, h.srv.URL+rq.path, rd)
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if rq.token != "" {
		req.Header.Set("Authorization", "Bearer "+rq.token)
	}
	if rq.host != "" {
		req.Host = rq.host
	}
	for k, v := range rq.header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", rq.method, rq.path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", rq.method, rq.path, err)
	}
	out := &response{status: res.StatusCode, header: res.Header, raw: raw}
	if len(bytes.TrimSpace(raw)) > 0 {
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s %s -> %d: Content-Type %q, want application/json; body %s",
				rq.method, rq.path, res.StatusCode, res.Header.Get("Content-Type"), raw)
		}
		if err := json.Unmarshal(raw, &out.json); err != nil {
			t.Errorf("%s %s -> %d: body is not JSON: %v: %s", rq.method, rq.path, res.StatusCode, err, raw)
		}
	}
	h.validate(t, rq, out)
	return out
}

// validate fails the test when a response breaks the contract, and records
// the contract operations answered with success.
func (h *harness) validate(t *testing.T, rq request, res *response) {
	t.Helper()
	if res.status == http.StatusUnsupportedMediaType {
		// Outside the contract on purpose: its clients always send JSON,
		// and a body of another type is refused before any operation.
		return
	}
	op, err := checkContract(t, rq.method, rq.path, res)
	if err != nil && newerResponses[op] == res.status {
		// The newer API's answer; the test that asks checks its body.
		err = nil
	}
	if err != nil {
		t.Errorf("%s %s -> %d: response breaks the contract (%s):\n%s\nbody: %s",
			rq.method, rq.path, res.status, op, describeContractError(err), truncate(res.raw, 2000))
		return
	}
	if op != "" && res.status >= 200 && res.status < 300 {
		h.mu.Lock()
		h.covered[op] = true
		h.mu.Unlock()
	}
}

// newerResponses are statuses of the newer API (the sdk-api-core that
// Dynamic's JS SDK is built on) that the contract (0.0.847) does not list,
// by operation: externalAuth/verify answers an assertion (a token with
// scope and jti, the JS SDK's requestExternalAuthElevatedToken) with 200
// ExternalAuthAssertionResponse, where the older form stays 204.
var newerResponses = map[string]int{"POST /sdk/{environmentId}/externalAuth/verify": http.StatusOK}

// checkContract validates a response against the contract operation that
// method and path map to, and names that operation ("GET /organizations").
// Requests outside the contract (/healthz, unknown routes, wrong methods,
// CORS preflights) have no operation: op is empty and nothing is checked.
func checkContract(t *testing.T, method, path string, res *response) (op string, err error) {
	t.Helper()
	_, router := loadContract(t)
	u, err := url.Parse(path)
	if err != nil {
		return "", fmt.Errorf("parse path %q: %w", path, err)
	}
	// Route on the path alone; the request body was consumed already.
	rreq := &http.Request{Method: method, URL: &url.URL{Path: u.Path, RawQuery: u.RawQuery},
		Header: http.Header{}, Host: "localhost"}
	route, params, err := router.FindRoute(rreq)
	if err != nil {
		var re *routers.RouteError
		if errors.As(err, &re) && (re.Reason == routers.ErrPathNotFound.Error() ||
			re.Reason == routers.ErrMethodNotAllowed.Error()) {
			return "", nil
		}
		return "", fmt.Errorf("contract routing: %w", err)
	}
	op = route.Method + " " + route.Path
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: rreq, PathParams: params, Route: route},
		Status:                 res.status,
		Header:                 res.header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(res.raw)
	return op, openapi3filter.ValidateResponse(context.Background(), in)
}

// describeContractError lists what kin-openapi found, one line per problem,
// without the schema dumps its errors carry.
func describeContractError(err error) string {
	var lines []string
	var walk func(err error)
	walk = func(err error) {
		if len(lines) >= 10 {
			return
		}
		var multi openapi3.MultiError
		if errors.As(err, &multi) {
			for _, e := range multi {
				walk(e)
			}
			return
		}
		var se *openapi3.SchemaError
		if errors.As(err, &se) {
			v, _ := json.Marshal(se.Value)
			lines = append(lines, fmt.Sprintf("  /%s: %s (value %s)", strings.Join(se.JSONPointer(), "/"),
				truncate([]byte(se.Reason), 300), truncate(v, 200)))
			return
		}
		var re *openapi3filter.ResponseError
		if errors.As(err, &re) && re.Err != nil {
			if re.Reason != "" {
				lines = append(lines, "  "+re.Reason)
			}
			walk(re.Err)
			return
		}
		lines = append(lines, "  "+truncate([]byte(err.Error()), 500))
	}
	walk(err)
	return strings.Join(lines, "\n")
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// ---- reading JSON values ----

// at walks a decoded JSON value along a dotted path; numeric segments
// index arrays. It returns nil and false when the path does not exist.
func at(v any, path string) (any, bool) {
	if path == "" {
		return v, true
	}
	for _, seg := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			next, ok := x[seg]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

func str(t *testing.T, v any, path string) string {
	t.Helper()
	x, ok := at(v, path)
	if !ok {
		t.Fatalf("no %q in %s", path, dump(v))
	}
	s, ok := x.(string)
	if !ok {
		t.Fatalf("%q is %T (%v), want string", path, x, x)
	}
	return s
}

func list(t *testing.T, v any, path string) []any {
	t.Helper()
	x, ok := at(v, path)
	if !ok {
		t.Fatalf("no %q in %s", path, dump(v))
	}
	l, ok := x.([]any)
	if !ok {
		t.Fatalf("%q is %T (%v), want array", path, x, x)
	}
	return l
}

func obj(t *testing.T, v any, path string) map[string]any {
	t.Helper()
	x, ok := at(v, path)
	if !ok {
		t.Fatalf("no %q in %s", path, dump(v))
	}
	m, ok := x.(map[string]any)
	if !ok {
		t.Fatalf("%q is %T (%v), want object", path, x, x)
	}
	return m
}

func has(v any, path string) bool {
	_, ok := at(v, path)
	return ok
}

func dump(v any) string {
	b, _ := json.Marshal(v)
	return truncate(b, 2000)
}

// wantEq compares a JSON leaf with a Go value.
func wantEq(t *testing.T, v any, path string, want any) {
	t.Helper()
	got, ok := at(v, path)
	if !ok {
		t.Errorf("no %q in %s", path, dump(v))
		return
	}
	if w, isInt := want.(int); isInt {
		want = float64(w)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || fmt.Sprintf("%T", got) != fmt.Sprintf("%T", want) {
		t.Errorf("%s = %#v, want %#v", path, got, want)
	}
}

func wantStatus(t *testing.T, what string, got, want int, body any) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: status %d, want %d; body %s", what, got, want, dump(body))
	}
}

// wantError checks an error answer: the status, a non-empty "error" that
// mentions every fragment, and nothing but error fields in the body.
func wantError(t *testing.T, what string, status int, body any, wantStatus int, fragments ...string) {
	t.Helper()
	if status != wantStatus {
		t.Errorf("%s: status %d, want %d; body %s", what, status, wantStatus, dump(body))
		return
	}
	m, ok := body.(map[string]any)
	if !ok {
		t.Errorf("%s: error body is %T, want object: %s", what, body, dump(body))
		return
	}
	msg, _ := m["error"].(string)
	if msg == "" {
		t.Errorf("%s: error body has no error message: %s", what, dump(body))
	}
	for _, f := range fragments {
		if !strings.Contains(msg, f) {
			t.Errorf("%s: error %q does not mention %q", what, msg, f)
		}
	}
	for k := range m {
		if k != "error" && k != "code" && k != "payload" {
			t.Errorf("%s: error body carries %q: %s", what, k, dump(body))
		}
	}
}

// wantTime parses an RFC 3339 time and checks it is about now.
func wantTime(t *testing.T, v any, path string) time.Time {
	t.Helper()
	tm := parseTime(t, v, path)
	if d := time.Since(tm); d < -time.Hour || d > 24*time.Hour {
		t.Errorf("%s = %s is not about now", path, tm)
	}
	return tm
}

func parseTime(t *testing.T, v any, path string) time.Time {
	t.Helper()
	s := str(t, v, path)
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("%s = %q is not an RFC 3339 time: %v", path, s, err)
	}
	return tm
}

// ---- fixtures ----

// envToken mints an environment token through the API.
func (h *harness) envToken(t *testing.T, creator, envID string, scopes ...string) (id, raw string) {
	t.Helper()
	body := map[string]any{"note": "test token"}
	if scopes != nil {
		body["scopes"] = scopes
	}
	st, res := h.do(t, "POST", "/environments/"+envID+"/tokens", creator, body)
	wantStatus(t, "mint token", st, 200, res)
	return str(t, res, "token.id"), str(t, res, "token.rawToken")
}

// orgFixture is an organization with one project made through the API.
type orgFixture struct {
	orgID, projectID, sandboxID, liveID string
}

// newOrganization creates an organization with a project, as the owner.
func (h *harness) newOrganization(t *testing.T, name string) orgFixture {
	t.Helper()
	st, res := h.do(t, "POST", "/organizations", h.token, map[string]any{"name": name})
	wantStatus(t, "create organization", st, 200, res)
	orgID := str(t, res, "organization.id")
	st, res = h.do(t, "POST", "/organizations/"+orgID+"/projects", h.token, map[string]any{"name": name + " project"})
	wantStatus(t, "create project", st, 200, res)
	f := orgFixture{orgID: orgID, projectID: str(t, res, "project.id")}
	for _, e := range list(t, res, "project.projectEnvironments") {
		switch str(t, e, "environmentName") {
		case "sandbox":
			f.sandboxID = str(t, e, "id")
		case "live":
			f.liveID = str(t, e, "id")
		}
	}
	if f.sandboxID == "" || f.liveID == "" {
		t.Fatalf("project without both environments: %s", dump(res))
	}
	return f
}

// newUser makes a dashboard user that is owner of a throwaway organization
// of their own and returns that membership. The HTTP API cannot create
// dashboard users, so this goes through the store.
func (h *harness) newUser(t *testing.T, email string) (memberID, orgID string, user tenant.DashboardUser) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	user = tenant.DashboardUser{ID: newUUID(t), Email: email, Alias: strings.Split(email, "@")[0], CreatedAt: now}
	org := &tenant.Organization{ID: newUUID(t), Name: "home of " + email, CreatedAt: now, UpdatedAt: now}
	m := &tenant.Member{ID: newUUID(t), OrganizationID: org.ID, User: user, Role: tenant.RoleOwner, CreatedAt: now}
	if err := h.store.CreateOrganization(context.Background(), org, m); err != nil {
		t.Fatalf("seed user %s: %v", email, err)
	}
	return m.ID, org.ID, user
}

// addMember makes a new dashboard user a member of orgID with role: an
// invite to orgID is accepted on their behalf, through the store.
func (h *harness) addMember(t *testing.T, orgID string, role tenant.Role, email string) string {
	t.Helper()
	_, _, user := h.newUser(t, email)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	inv := &tenant.Invite{ID: newUUID(t), OrganizationID: orgID, Status: tenant.InvitePending,
		Email: email, Role: role, CreatedAt: now}
	if err := h.store.CreateInvite(ctx, inv, tenant.MaxPendingInvites); err != nil {
		t.Fatalf("seed invite: %v", err)
	}
	m := &tenant.Member{ID: newUUID(t), OrganizationID: orgID, User: user, Role: role, CreatedAt: now}
	if err := h.store.SetInviteStatus(ctx, inv.ID, tenant.InviteAccepted, m, tenant.MaxPendingInvites); err != nil {
		t.Fatalf("seed membership: %v", err)
	}
	return m.ID
}

// orgWideToken stores an organization-wide token created by memberID (the
// kind `dynamicauth init` makes for the owner) and returns its raw value.
// The API only makes such tokens for the seeded owner, so this writes the
// row itself, hashing the token as tenant does (MAC "api-token" under the
// master secret); if that scheme changes, requests with it answer 401.
func (h *harness) orgWideToken(t *testing.T, memberID, orgID string) string {
	t.Helper()
	keys, err := secrets.New(masterSecret)
	if err != nil {
		t.Fatal(err)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 56)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	raw := "dyn_" + string(b)
	tok := &tenant.Token{ID: newUUID(t), EnvironmentID: h.ids.EnvironmentID, ProjectID: h.ids.ProjectID,
		OrganizationID: orgID, Hash: keys.MAC("api-token", []byte(raw)), Checksum: raw[len(raw)-6:],
		Note: "test org-wide token", OrgWide: true, CreatedBy: tenant.Member{ID: memberID},
		CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	if err := h.store.CreateToken(context.Background(), tok, tenant.MaxTokens); err != nil {
		t.Fatalf("seed token: %v", err)
	}
	return raw
}

// newUUID returns a fresh lower-case version 4 UUID for test rows.
func newUUID(t *testing.T) string {
	t.Helper()
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b[:])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

// randomUUID is a well-formed id that names nothing.
const randomUUID = "5f0c1b9e-3d2a-4c1e-9b7a-0e6f4d2c8a11"
