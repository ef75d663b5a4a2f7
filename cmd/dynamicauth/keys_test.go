package main

import "testing"

func TestParsePrefixes(t *testing.T) {
	got, err := parsePrefixes("10.0.0.0/8, 192.0.2.7 ,2001:db8::/32,")
	if err != nil || len(got) != 3 || got[1].String() != "192.0.2.7/32" || got[0].String() != "10.0.0.0/8" {
		t.Fatalf("parsePrefixes: %v %v", got, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "not-an-ip", "1.2.3.4/x"} {
		if _, err := parsePrefixes(bad); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
	if got, err := parsePrefixes(""); err != nil || len(got) != 0 {
		t.Fatalf("empty: %v %v", got, err)
	}
}
