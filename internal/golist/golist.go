// Package golist lets a test assert what a package links: it runs
// `go list -deps` on the package in the test's working directory.
package golist

import (
	"os/exec"
	"strings"
	"testing"
)

// Forbid fails t for every dependency of the current directory's package
// whose import path starts with one of prefixes.
func Forbid(t testing.TB, prefixes ...string) {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command(gobin, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, p := range prefixes {
			if strings.HasPrefix(pkg, p) {
				t.Errorf("the package depends on %s", pkg)
			}
		}
	}
}
