package secrets

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSealedText(t *testing.T) {
	ring, err := New(master(2), master(1))
	if err != nil {
		t.Fatal(err)
	}
	old := testKeys(t, 1)
	v, err := old.SealText("hook-secret", []byte("webhook:1"))
	if err != nil || !strings.HasPrefix(v, TextPrefix) || strings.Contains(v, "hook-secret") {
		t.Fatalf("SealText: %q, %v", v, err)
	}
	if got, err := ring.OpenText(v, []byte("webhook:1")); err != nil || got != "hook-secret" {
		t.Fatalf("OpenText under the previous secret: %q, %v", got, err)
	}
	if _, err := ring.OpenText(v, []byte("webhook:2")); err == nil {
		t.Fatal("sealed text opened for another row")
	}
	if _, err := ring.OpenText(TextPrefix+"!!", nil); err == nil {
		t.Fatal("sealed text that is not base64 opened")
	}
	if got, err := ring.OpenText("stored-before-sealing", nil); err != nil || got != "stored-before-sealing" {
		t.Fatalf("clear text: %q, %v", got, err)
	}

	out, changed, err := ring.ResealText(v, []byte("webhook:1"))
	if err != nil || !changed {
		t.Fatalf("ResealText of the previous secret's: %v, %v", changed, err)
	}
	if got, err := testKeys(t, 2).OpenText(out, []byte("webhook:1")); err != nil || got != "hook-secret" {
		t.Fatalf("resealed text under the current secret alone: %q, %v", got, err)
	}
	if again, changed, err := ring.ResealText(out, []byte("webhook:1")); err != nil || changed || again != out {
		t.Fatalf("ResealText of the current secret's: %v, %v", changed, err)
	}
	sealed, changed, err := ring.ResealText("clear", []byte("webhook:1"))
	if got, _ := testKeys(t, 2).OpenText(sealed, []byte("webhook:1")); err != nil || !changed || got != "clear" {
		t.Fatalf("ResealText of clear text: %q %v, %v", got, changed, err)
	}
	if out, changed, err := ring.ResealText("", nil); err != nil || changed || out != "" {
		t.Fatalf("ResealText of nothing: %q %v, %v", out, changed, err)
	}
	foreign, _ := testKeys(t, 3).SealText("x", nil)
	if _, changed, err := ring.ResealText(foreign, nil); err == nil || changed {
		t.Fatal("text of an unknown secret resealed")
	}
}

func TestMask(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"short", "*****"},
		{"12345678", "********"},
		{"the-client-secret", "*************cret"},
		{"geheimnis-schlüssel", "***************ssel"},
		{"mot-de-passé-été", "************-été"},
	} {
		got := Mask(c.in)
		if got != c.want {
			t.Errorf("Mask(%q) = %q, want %q", c.in, got, c.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("Mask(%q) = %q splits a character", c.in, got)
		}
	}
}
