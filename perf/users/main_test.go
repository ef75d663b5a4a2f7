package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestBenchRuns runs the benchmark small (500 users, a few samples, one
// bulk request) on SQLite: the fill, every lookup and the import answer
// without errors. It checks that the benchmark works, not how fast.
func TestBenchRuns(t *testing.T) {
	c, err := parseConfig([]string{"-users", "500", "-samples", "3", "-imports", "1", "-budget", "1s"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := bench(t.Context(), c, &out); err != nil {
		t.Fatalf("bench: %v\n%s", err, out.String())
	}
	for _, want := range []string{"500 users with a wallet each", "| list: filter walletPublicKey | 3 |",
		"| 1 | 501 | 1000 |", "1000 users imported"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
