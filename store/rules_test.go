package store_test

// The stores hold no rules of the domain's: a refusal a client sees is a
// sentinel the domain declares (users.ErrWalletOwnedElsewhere, …) and an
// event name is a constant of package events. These tests read the
// source, so a literal code or name written into a store fails here
// rather than in review.

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/events"
)

// fset positions every file the tests parse.
var fset = token.NewFileSet()

// goFiles parses the non-test Go files below root, skipping the folders
// skip names (relative to root) and any node_modules.
func goFiles(t *testing.T, root string, skip ...string) map[string]*ast.File {
	t.Helper()
	out := map[string]*ast.File{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			rel, _ := filepath.Rel(root, path)
			if d.Name() == "node_modules" || d.Name() == "testdata" || (rel != "." && strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			for _, s := range skip {
				if rel == s {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		out[path] = f
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// stringLit is the value of a string literal expression, if it is one.
func stringLit(e ast.Expr) (string, bool) {
	b, ok := e.(*ast.BasicLit)
	if !ok || b.Kind != token.STRING {
		return "", false
	}
	v, err := strconv.Unquote(b.Value)
	return v, err == nil
}

// errsCall names the errs constructor a call is (NotFound, Internal, …).
func errsCall(c *ast.CallExpr) string {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	if x, ok := sel.X.(*ast.Ident); ok && x.Name == "errs" {
		return sel.Sel.Name
	}
	return ""
}

// contractCodes collects the error codes the domain answers with: the
// code argument of errs.NotFound, errs.Conflict and errs.Unprocessable,
// and every Code: field of a composite literal, outside store/.
func contractCodes(t *testing.T) map[string]bool {
	codes := map[string]bool{}
	codeRE := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)+$`) // snake_case, as the contract's codes are
	for _, f := range goFiles(t, "..", "store", "conformance", "examples") {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				switch errsCall(n) {
				case "NotFound", "Conflict", "Unprocessable":
					if v, ok := stringLit(n.Args[0]); ok && codeRE.MatchString(v) {
						codes[v] = true
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Code" {
					if v, ok := stringLit(n.Value); ok && codeRE.MatchString(v) {
						codes[v] = true
					}
				}
			}
			return true
		})
	}
	return codes
}

// eventNames collects every string constant of package events.
func eventNames(t *testing.T) []string {
	var names []string
	for _, f := range goFiles(t, "../events") {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				for _, v := range s.(*ast.ValueSpec).Values {
					if name, ok := stringLit(v); ok {
						names = append(names, name)
					}
				}
			}
		}
	}
	return names
}

// TestNoContractCodesOrEventNamesInStores: no string under store/ (SQL
// included) is a contract error code or an event name, and no store
// builds a client-facing refusal itself: it returns the domain's
// sentinels, errs.Duplicate for an unnamed unique violation,
// errs.UnstorableText for text the backend cannot keep, or an internal
// error.
func TestNoContractCodesOrEventNamesInStores(t *testing.T) {
	codes := contractCodes(t)
	names := eventNames(t)
	// The collectors must see the rules they guard, or this test passes
	// vacuously.
	for _, c := range []string{"reassign_wallet_confirm", "cannot_delete_last_sign_in_verified_credential", "user_not_found"} {
		if !codes[c] {
			t.Fatalf("contract code %q not found outside store/: the collector is broken (%d codes)", c, len(codes))
		}
	}
	if len(names) < len(events.Types) || !strings.Contains(strings.Join(names, " "), events.WalletUnlinked) {
		t.Fatalf("event names not read from package events: %v", names)
	}
	var found []string
	for _, f := range goFiles(t, ".", "storetest") {
		ast.Inspect(f, func(n ast.Node) bool {
			if n == nil {
				return true
			}
			path := fset.Position(n.Pos()).String()
			switch n := n.(type) {
			case *ast.BasicLit:
				v, ok := stringLit(n)
				if !ok {
					return true
				}
				if codes[v] {
					found = append(found, path+": contract error code "+strconv.Quote(v))
				}
				for _, name := range names {
					// Dotted names are found inside SQL too; "ping"
					// only as a whole string.
					if v == name || (strings.Contains(name, ".") && strings.Contains(v, name)) {
						found = append(found, path+": event name "+strconv.Quote(name))
					}
				}
			case *ast.CallExpr:
				switch c := errsCall(n); c {
				case "", "Is", "KindOf", "Internal", "Duplicate", "UnstorableText":
				default:
					found = append(found, path+": errs."+c+" (return a sentinel the domain declares)")
				}
			}
			return true
		})
	}
	sort.Strings(found)
	if len(found) > 0 {
		t.Errorf("rules that belong to the domain, found in store/:\n%s", strings.Join(found, "\n"))
	}
}
