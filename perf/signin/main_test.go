package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"testing"
)

// TestMain lets the test binary be the benchmark's server child.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		c, err := parseConfig(os.Args[1:])
		if err == nil {
			err = runRole(context.Background(), c)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestBenchRuns: a short run of the benchmark completes sign-ins over HTTP
// and in the floor with no errors (a smoke test; the figures are not
// judged here).
func TestBenchRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	c, err := parseConfig([]string{"-duration", "300ms", "-warmup", "100ms", "-workers", "4", "-alg", "ES256", "-rounds", "2"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := bench(t.Context(), c, &out); err != nil {
		t.Fatalf("bench: %v\n%s", err, out.String())
	}
	t.Log(out.String())
	for _, phase := range []string{"http full rate", "floor, sign-in transaction", "floor, three bare rows"} {
		rows := regexp.MustCompile(`\d: `+phase+`\s+(\d+)\s+[\d.]+\s+[\d.]+\s+(\d+)`).FindAllStringSubmatch(out.String(), -1)
		if len(rows) != 2 {
			t.Fatalf("%d %q lines, want one a round, in:\n%s", len(rows), phase, out.String())
		}
		for _, m := range rows {
			if n, _ := strconv.Atoi(m[1]); n == 0 {
				t.Errorf("%s: no sign-ins", phase)
			}
			if m[2] != "0" {
				t.Errorf("%s: %s errors", phase, m[2])
			}
		}
	}
}
