// Package conformance runs the Node suite that drives the server through
// Dynamic's official TypeScript client (@dynamic-labs/sdk-api). It lives in
// `go test ./...` so that the one test command runs everything.
package conformance

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestOfficialClient(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: builds the server and runs the Node suite")
	}
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm is not installed; the conformance suite needs Node.js 20+ and npm")
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if !installed(t, dir) {
		run(t, dir, "npm", "ci", "--no-audit", "--no-fund")
	}
	run(t, dir, "npm", "test")
}

// installed reports whether every dependency in package.json is present in
// node_modules, so a checkout with an older install gets a fresh one.
func installed(t *testing.T, dir string) bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Dependencies    map[string]string `json:"dependencies"`
		DevDependencies map[string]string `json:"devDependencies"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatalf("package.json: %v", err)
	}
	for _, deps := range []map[string]string{pkg.Dependencies, pkg.DevDependencies} {
		for name := range deps {
			if _, err := os.Stat(filepath.Join(dir, "node_modules", name, "package.json")); err != nil {
				return false
			}
		}
	}
	return true
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	t.Logf("%s %v:\n%s", name, args, out)
	if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
}
