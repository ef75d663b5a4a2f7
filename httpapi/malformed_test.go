package httpapi_test

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/ratelimit"
)

// TestMalformedRequests calls every admin and SDK operation of the
// contract as a broken or hostile client would: bodies that are not JSON
// objects, objects whose every member has the wrong JSON type, members
// with values no rule allows, oversized strings, ids that name nothing or
// are not ids, query values of the wrong type. Each answer is a 4xx in the
// contract's error shape (the harness checks every answer against the
// contract), never a 5xx; and the bodies that no schema admits, and
// text holding U+0000, change nothing: the environment's newest events
// are the same before and after them.
func TestMalformedRequests(t *testing.T) {
	mfBoth(t, func(c *dynamicauth.Config) {
		c.RateLimits = &ratelimit.Policy{Disabled: true} // every call must reach its handler
	}, testMalformedRequests)
}

func testMalformedRequests(t *testing.T, h *harness) {
	doc, _ := loadContract(t)
	ops := contractOps(doc)
	if len(ops) < 200 {
		t.Fatalf("%d admin and SDK operations in the contract; the walk below found too few", len(ops))
	}

	// Phase 1: bodies no schema admits. They must all be refused and leave
	// no trace.
	_, _, jwt := h.signIn(t, h.ids.EnvironmentID, newEVMWallet(t))
	before := h.lastEvents(t)
	for _, op := range ops {
		if op.body == nil {
			continue
		}
		path := op.path(h, false)
		for _, b := range refusedBodies(op.body) {
			h.wantRefused(t, op, request{method: op.method, path: path, token: op.token(h, jwt), body: b}, true)
		}
	}
	// U+0000 anywhere: PostgreSQL keeps none in text or jsonb.
	for _, op := range ops {
		path, token := op.path(h, false), op.token(h, jwt)
		h.wantRefused(t, op, request{method: op.method, path: path + "?q=a%00b", token: token, body: emptyFor(op)}, true)
		if op.body != nil {
			if b := withNUL(op.body); len(b) > 0 {
				h.wantRefused(t, op, request{method: op.method, path: path, token: token, body: b}, true)
			}
		}
	}
	if after := h.lastEvents(t); after != before {
		t.Errorf("refused bodies changed something: newest events before\n%s\nand after\n%s", before, after)
	}

	// Phase 2: input a handler must check itself. Any 4xx is right (a
	// call may also succeed where the input happens to be admissible);
	// a 5xx never is. A fresh session for each SDK call, as some of them
	// end it (logout, deleting the user).
	for _, op := range ops {
		var rqs []request
		if op.body != nil {
			path := op.path(h, false)
			for _, b := range []any{map[string]any{}, badValues(op.body), oversized(op.body)} {
				rqs = append(rqs, request{method: op.method, path: path, body: b})
			}
			rqs = append(rqs, request{method: op.method, path: path}) // no body at all
		}
		for _, odd := range []oddQuery{wrongTyped, outOfRange} {
			if q := garbageQuery(op.op, odd); q != "" && op.method == "GET" {
				rqs = append(rqs, request{method: op.method, path: op.path(h, false) + "?" + q})
			}
		}
		if op.hasIDParam() {
			rqs = append(rqs, request{method: op.method, path: op.path(h, true), body: emptyFor(op)})
		}
		for _, rq := range rqs {
			token := h.token
			if op.sdk {
				_, _, token = h.signIn(t, h.ids.EnvironmentID, newEVMWallet(t))
			}
			rq.token = token
			h.wantRefused(t, op, rq, false)
		}
	}
	t.Logf("%d operations; answers by status: %v", len(ops), h.statuses)
}

// contractOp is one admin or SDK operation of the contract.
type contractOp struct {
	method, template string
	op               *openapi3.Operation
	body             *openapi3.Schema // the JSON request body's schema, nil if none
	sdk              bool
}

func (o contractOp) String() string {
	return o.op.OperationID + " (" + o.method + " " + o.template + ")"
}

// contractOps lists the admin and SDK operations, reads before writes and
// deletions last, so that the calls that could remove what later calls
// use (an environment, the signed-in user) come after them.
func contractOps(doc *openapi3.T) []contractOp {
	var ops []contractOp
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			tier, _ := op.Extensions["x-tier"].(string)
			if tier != "admin" && tier != "sdk" {
				continue
			}
			c := contractOp{method: method, template: path, op: op, sdk: strings.HasPrefix(path, "/sdk/")}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
					c.body = mt.Schema.Value
				}
			}
			ops = append(ops, c)
		}
	}
	rank := map[string]int{"GET": 0, "POST": 1, "PUT": 1, "PATCH": 1, "DELETE": 2}
	sort.Slice(ops, func(i, j int) bool {
		if ri, rj := rank[ops[i].method], rank[ops[j].method]; ri != rj {
			return ri < rj
		}
		return ops[i].op.OperationID < ops[j].op.OperationID
	})
	return ops
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// tenantParam fills the harness's own organization, project and
// environment, so that a call gets past them to the input under test.
func tenantParam(h *harness, name string) string {
	switch name {
	case "environmentId":
		return h.ids.EnvironmentID
	case "organizationId":
		return h.ids.OrganizationID
	case "projectId":
		return h.ids.ProjectID
	}
	return ""
}

// path fills the template: the harness's tenant, a first enum value, and
// for every other id one that names nothing. garbage puts a value that is
// no id nor enum member everywhere but in the environment and
// organization, and there too when the call acts on the tenant itself.
func (o contractOp) path(h *harness, garbage bool) string {
	return v0 + pathParam.ReplaceAllStringFunc(o.template, func(m string) string {
		name := m[1 : len(m)-1]
		if garbage {
			if (name == "environmentId" || name == "organizationId") && !o.ownsOnlyTenant() {
				return tenantParam(h, name)
			}
			return url.PathEscape("x'; --")
		}
		if v := tenantParam(h, name); v != "" {
			return v
		}
		if p := o.op.Parameters.GetByInAndName("path", name); p != nil && p.Schema != nil && p.Schema.Value != nil {
			if enum := p.Schema.Value.Enum; len(enum) > 0 {
				return url.PathEscape(fmt.Sprint(enum[0]))
			}
		}
		return randomUUID
	})
}

// ownsOnlyTenant: every path parameter is a tenant id; the call acts on
// the tenant itself.
func (o contractOp) ownsOnlyTenant() bool {
	for _, m := range pathParam.FindAllStringSubmatch(o.template, -1) {
		if m[1] != "environmentId" && m[1] != "organizationId" && m[1] != "projectId" {
			return false
		}
	}
	return true
}

// hasIDParam: a path parameter other than the tenant's environment and
// organization, which the garbage path replaces.
func (o contractOp) hasIDParam() bool {
	for _, m := range pathParam.FindAllStringSubmatch(o.template, -1) {
		if m[1] != "environmentId" && m[1] != "organizationId" {
			return true
		}
	}
	return false
}

func (o contractOp) token(h *harness, jwt string) string {
	if o.sdk {
		return jwt
	}
	return h.token
}

func emptyFor(o contractOp) any {
	if o.body != nil {
		return map[string]any{}
	}
	return nil
}

// wantRefused sends rq and fails on a 5xx; strict also fails on anything
// but a 4xx.
func (h *harness) wantRefused(t *testing.T, op contractOp, rq request, strict bool) {
	t.Helper()
	res := h.send(t, rq)
	h.mu.Lock()
	h.statuses[res.status]++
	h.mu.Unlock()
	switch {
	case res.status >= 500:
		t.Errorf("%s with %s: %d %s", op, describeInput(rq), res.status, truncate(res.raw, 300))
	case strict && res.status < 400:
		t.Errorf("%s with %s: %d, want a 4xx refusal: %s", op, describeInput(rq), res.status, truncate(res.raw, 300))
	}
}

func describeInput(rq request) string {
	s := rq.path
	switch b := rq.body.(type) {
	case nil:
		s += ", no body"
	case string:
		s += ", body " + b
	default:
		s += ", body " + truncate([]byte(dump(b)), 200)
	}
	return s
}

// refusedBodies are bodies that the schema (an object's, or a list's of
// objects) does not admit.
func refusedBodies(s *openapi3.Schema) []any {
	out := []any{"{", "null", `"text"`, "7", `{"a":`}
	if s.Type != nil && s.Type.Is("array") {
		out = append(out, "{}", "[7]", "[null]")
		if s.Items != nil && s.Items.Value != nil {
			if w := wrongTypes(s.Items.Value); len(w) > 0 {
				out = append(out, []any{w})
			}
		}
		return out
	}
	out = append(out, "[]", "[{}]")
	if w := wrongTypes(s); len(w) > 0 {
		out = append(out, w)
	}
	return out
}

// properties are the members an object schema names, its allOf parts'
// included.
func properties(s *openapi3.Schema) map[string]*openapi3.Schema {
	out := map[string]*openapi3.Schema{}
	var walk func(s *openapi3.Schema)
	walk = func(s *openapi3.Schema) {
		if s == nil {
			return
		}
		for name, ref := range s.Properties {
			if ref != nil && ref.Value != nil {
				out[name] = ref.Value
			}
		}
		for _, part := range s.AllOf {
			if part != nil {
				walk(part.Value)
			}
		}
	}
	walk(s)
	return out
}

// members builds an object of the schema's members that have one JSON
// type: value gives a member's value, or false to leave it out.
func members(s *openapi3.Schema, value func(name, typ string, p *openapi3.Schema) (any, bool)) map[string]any {
	out := map[string]any{}
	for name, p := range properties(s) {
		if p.Type == nil || len(p.Type.Slice()) != 1 {
			continue // oneOf, anything: any value may be theirs
		}
		if v, ok := value(name, p.Type.Slice()[0], p); ok {
			out[name] = v
		}
	}
	return out
}

// wrongTypes gives every member that cannot be null a value of another
// JSON type.
func wrongTypes(s *openapi3.Schema) map[string]any {
	return members(s, func(_, typ string, p *openapi3.Schema) (any, bool) {
		if p.Nullable {
			return nil, false
		}
		switch typ {
		case "string":
			return 12345, true
		case "integer", "number":
			return "twelve", true
		case "boolean":
			return "yes", true
		case "array":
			return map[string]any{"not": "a list"}, true
		case "object":
			return []any{"not", "an", "object"}, true
		}
		return nil, false
	})
}

// badValues gives members values of their type that their rules refuse
// where a rule says so (an enum, a format, a bound), and odd ones
// elsewhere: negative numbers, a list of one null.
func badValues(s *openapi3.Schema) map[string]any {
	return members(s, func(name, typ string, _ *openapi3.Schema) (any, bool) {
		switch typ {
		case "string":
			return "not-a-" + strings.ToLower(name) + " \u202e'\"\\", true
		case "integer", "number":
			return -1e18, true
		case "boolean":
			return true, true
		case "array":
			return []any{nil}, true
		case "object":
			return map[string]any{"": nil}, true
		}
		return nil, false
	})
}

// withNUL puts U+0000 in every string member.
func withNUL(s *openapi3.Schema) map[string]any {
	return members(s, func(_, typ string, _ *openapi3.Schema) (any, bool) {
		return "a\x00b", typ == "string"
	})
}

// oversized gives every string member 100,000 characters and every list
// 10,000 entries.
func oversized(s *openapi3.Schema) map[string]any {
	return members(s, func(_, typ string, _ *openapi3.Schema) (any, bool) {
		switch typ {
		case "string":
			return strings.Repeat("a", 100_000), true
		case "array":
			items := make([]any, 10_000)
			for i := range items {
				items[i] = "a"
			}
			return items, true
		}
		return nil, false
	})
}

// oddQuery picks the odd query values.
type oddQuery int

const (
	wrongTyped oddQuery = iota // words for numbers and booleans, a bracket for the rest
	outOfRange                 // numbers past int64, negative ones; 10,000 characters of text
)

// garbageQuery gives every query parameter an odd value.
func garbageQuery(op *openapi3.Operation, odd oddQuery) string {
	q := url.Values{}
	for _, ref := range op.Parameters {
		p := ref.Value
		if p == nil || p.In != "query" {
			continue
		}
		number, boolean := false, false
		if p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Type != nil {
			ty := p.Schema.Value.Type
			number, boolean = ty.Is("integer") || ty.Is("number"), ty.Is("boolean")
		}
		switch {
		case odd == wrongTyped && number:
			q.Set(p.Name, "-1e999")
		case odd == wrongTyped && boolean:
			q.Set(p.Name, "maybe")
		case odd == wrongTyped:
			q.Set(p.Name, "][")
		case number:
			q.Add(p.Name, "9223372036854775808")
			q.Add(p.Name, "-1")
		case boolean:
			q.Set(p.Name, "TRUE")
		default:
			q.Set(p.Name, strings.Repeat("%", 10_000))
		}
	}
	return q.Encode()
}

// lastEvents names the environment's newest events (the first page of
// its event list, newest first): any change writes one.
func (h *harness) lastEvents(t *testing.T) string {
	t.Helper()
	st, res := h.do(t, "GET", "/environments/"+h.ids.EnvironmentID+"/events", h.token, nil)
	wantStatus(t, "list events", st, 200, res)
	var ids []string
	for i := range list(t, res, "data") {
		ids = append(ids, str(t, res, fmt.Sprintf("data.%d.eventId", i)))
	}
	if len(ids) == 0 {
		t.Fatal("no events to compare: the sign-in before should have written some")
	}
	return strings.Join(ids, " ")
}

// TestFormPostRefusesNUL: Apple's form_post (a form, not JSON) is held to
// the same rule: a field holding U+0000 is refused before it is read.
func TestFormPostRefusesNUL(t *testing.T) {
	h := newHarness(t)
	for _, form := range []string{"state=a%00b&code=c", "state=s&code=c&user=%7B%22name%22%3A%22%00%22%7D"} {
		res := h.send(t, request{method: "POST", path: v0 + "/sdk/" + h.ids.EnvironmentID + "/providers/apple/redirect",
			body: form, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
		wantError(t, "form "+form, res.status, res.json, 400, "U+0000")
	}
}

// TestSDKSessionsStayInTheirEnvironment: every SDK operation the contract
// guards with a bearer session answers 4xx without one, and with the
// session of a user of another organization's environment, presented on
// this environment's path: never a 2xx, never a 5xx.
func TestSDKSessionsStayInTheirEnvironment(t *testing.T) {
	h := newHarness(t)
	other := h.newOrganization(t, "elsewhere")
	_, _, foreign := h.signIn(t, other.sandboxID, newEVMWallet(t))
	doc, _ := loadContract(t)
	guarded := 0
	for _, op := range contractOps(doc) {
		if !op.sdk || op.op.Security == nil || len(*op.op.Security) == 0 {
			continue
		}
		guarded++
		for _, token := range []string{"", foreign} {
			res := h.send(t, request{method: op.method, path: op.path(h, false), token: token, body: emptyFor(op)})
			if res.status < 400 || res.status >= 500 {
				who := "no session"
				if token != "" {
					who = "another environment's session"
				}
				t.Errorf("%s with %s: %d %s", op, who, res.status, truncate(res.raw, 300))
			}
		}
	}
	if guarded < 30 {
		t.Fatalf("%d SDK operations guarded by a session in the contract; the walk found too few", guarded)
	}
}
