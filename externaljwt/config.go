// Package externaljwt accepts identities that an application's own auth
// system vouches for ("bring your own auth", behaviour.md §10): a JWT
// signed by a key published at the environment's JWKS URL, with the
// configured issuer and audience. It checks tokens and explains refusals;
// signing the user in is signin's job.
package externaljwt

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Config is ProjectSettings.security.externalAuth.
type Config struct {
	Enabled             bool   `json:"enabled"`
	Issuer              string `json:"iss"`
	Audience            string `json:"aud"`
	JWKSURL             string `json:"jwksUrl"`
	CookieName          string `json:"cookieName"`
	AssumeEmailVerified bool   `json:"assumeEmailVerified"`
	// Algorithms narrows the accepted signature algorithms (an extension
	// of the contract); empty means DefaultAlgorithms.
	Algorithms []string `json:"algorithms,omitempty"`
}

// MembersUnknownToClients are the paths in ProjectSettings of Config's
// members that Dynamic's client @dynamic-labs/sdk-api 0.0.847 has no
// model for (assumeEmailVerified is newer, algorithms an extension): the
// client drops them when it sends the settings back, so the settings
// service carries them over (tenant.KeepOmitted).
func MembersUnknownToClients() [][]string {
	return [][]string{
		{"security", "externalAuth", "assumeEmailVerified"},
		{"security", "externalAuth", "algorithms"},
	}
}

// DefaultAlgorithms are the asymmetric algorithms accepted unless the
// settings narrow them. Symmetric (HS*) and "none" are never accepted:
// the verification keys are public.
var DefaultAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// ConfigFromSettings reads the externalAuth block of a ProjectSettings
// document; a document without one yields a disabled Config.
func ConfigFromSettings(settings []byte) (Config, error) {
	var st struct {
		Security struct {
			ExternalAuth *Config `json:"externalAuth"`
		} `json:"security"`
	}
	if len(settings) == 0 {
		return Config{}, nil
	}
	if err := json.Unmarshal(settings, &st); err != nil {
		return Config{}, fmt.Errorf("read externalAuth settings: %w", err)
	}
	if st.Security.ExternalAuth == nil {
		return Config{}, nil
	}
	return *st.Security.ExternalAuth, nil
}

// Validate tells what makes the configuration unusable (nil if none).
func (c Config) Validate() error {
	if strings.TrimSpace(c.Issuer) == "" {
		return fmt.Errorf("externalAuth.iss is required")
	}
	u, err := url.Parse(c.JWKSURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("externalAuth.jwksUrl must be an http(s) URL")
	}
	for _, a := range c.Algorithms {
		if !slices.Contains(DefaultAlgorithms, a) {
			return fmt.Errorf("externalAuth.algorithms: %q is not an accepted asymmetric algorithm", a)
		}
	}
	return nil
}

func (c Config) algorithms() []string {
	if len(c.Algorithms) == 0 {
		return DefaultAlgorithms
	}
	return c.Algorithms
}
