package verifier

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

func TestNewValidatesConfig(t *testing.T) {
	keys := StaticKeys(jose.JSONWebKeySet{})
	url := "https://auth.example.com/api/v0/sdk/env/.well-known/jwks"
	cases := map[string]struct {
		cfg  Config
		want string
	}{
		"no key source":     {Config{EnvironmentID: "env"}, "one of JWKSURL and Keys"},
		"both key sources":  {Config{JWKSURL: url, Keys: keys, EnvironmentID: "env"}, "mutually exclusive"},
		"no environment":    {Config{JWKSURL: url}, "EnvironmentID"},
		"relative url":      {Config{JWKSURL: "/jwks", EnvironmentID: "env"}, "absolute http(s)"},
		"ftp url":           {Config{JWKSURL: "ftp://x/jwks", EnvironmentID: "env"}, "absolute http(s)"},
		"negative leeway":   {Config{Keys: keys, EnvironmentID: "env", Leeway: -time.Second}, "Leeway"},
		"negative interval": {Config{Keys: keys, EnvironmentID: "env", MinRefreshInterval: -1}, "MinRefreshInterval"},
		"empty audience":    {Config{Keys: keys, EnvironmentID: "env", Audience: []string{""}}, "Audience"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want mention of %q", err, tc.want)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	v, err := New(Config{JWKSURL: "http://127.0.0.1:8080/api/v0/sdk/env/.well-known/jwks", EnvironmentID: "env"})
	if err != nil {
		t.Fatal(err)
	}
	c := v.cfg
	if c.RequireScope != "user:basic" || c.Leeway != 30*time.Second || c.MinRefreshInterval != time.Minute ||
		c.HTTPClient == nil || c.Now == nil || c.Logger == nil {
		t.Errorf("defaults not applied: %+v", c)
	}
	if _, err := v.Verify(context.Background(), ""); err == nil {
		t.Error("empty token accepted")
	}
}
