// Package externaljwt accepts identities that an application's own auth
// system vouches for ("bring your own auth", behaviour.md §10): a JWT
// signed by a key published at the environment's JWKS URL, with the
// configured issuer and audience. It checks tokens and explains refusals;
// signing the user in is signin's job.
package externaljwt

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
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

// CheckSettings refuses a security.externalAuth that the server could not
// apply when next replaces the stored ProjectSettings (a
// tenant.SettingsRule, run after the members clients drop are carried
// over): a member of the wrong type (which ConfigFromSettings cannot
// read, so every external sign-in failed), an algorithm Verify never
// accepts, or an enabled config Validate refuses (every external sign-in
// refused). A disabled config may still be incomplete.
func CheckSettings(next map[string]any, _ json.RawMessage) error {
	sec, _ := next["security"].(map[string]any)
	v := sec["externalAuth"]
	if v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return errs.Invalid("security.externalAuth: must be an object")
	}
	for _, k := range []string{"enabled", "assumeEmailVerified"} {
		if x, ok := m[k]; ok && x != nil {
			if _, isBool := x.(bool); !isBool {
				return errs.Invalid("security.externalAuth.%s: must be true or false", k)
			}
		}
	}
	for _, k := range []string{"iss", "aud", "jwksUrl", "cookieName"} {
		if x, ok := m[k]; ok && x != nil {
			if _, isString := x.(string); !isString {
				return errs.Invalid("security.externalAuth.%s: must be a string", k)
			}
		}
	}
	if x, ok := m["algorithms"]; ok && x != nil {
		arr, isArray := x.([]any)
		if !isArray {
			return errs.Invalid("security.externalAuth.algorithms: must be an array of %s", strings.Join(DefaultAlgorithms, ", "))
		}
		for _, a := range arr {
			if s, _ := a.(string); !slices.Contains(DefaultAlgorithms, s) {
				return errs.Invalid("security.externalAuth.algorithms: %v is not one of %s", a, strings.Join(DefaultAlgorithms, ", "))
			}
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return errs.Invalid("security.externalAuth: %v", err)
	}
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return errs.Invalid("security.externalAuth: %v", err)
	}
	if c.Enabled {
		if err := c.Validate(); err != nil {
			return errs.Invalid("security.%v", err)
		}
	}
	return nil
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

// maxSetting bounds each text setting: iss with a 255-byte sub stays
// well inside PostgreSQL's bound on an index row (about 2.7 kB).
const maxSetting = 1024

// Validate tells what makes the configuration unusable (nil if none).
func (c Config) Validate() error {
	if strings.TrimSpace(c.Issuer) == "" {
		return fmt.Errorf("externalAuth.iss is required")
	}
	// Bounded: each is compared or fetched at every sign-in, and iss goes
	// into the credential's indexed key.
	for name, v := range map[string]string{"iss": c.Issuer, "aud": c.Audience, "jwksUrl": c.JWKSURL} {
		if len(v) > maxSetting {
			return fmt.Errorf("externalAuth.%s: at most %d bytes", name, maxSetting)
		}
	}
	if err := checkJWKSURL(c.JWKSURL); err != nil {
		return err
	}
	for _, a := range c.Algorithms {
		if !slices.Contains(DefaultAlgorithms, a) {
			return fmt.Errorf("externalAuth.algorithms: %q is not an accepted asymmetric algorithm", a)
		}
	}
	return nil
}

// checkJWKSURL wants https: whoever can change the key set in transit
// signs in as anyone. Plain http is left to an auth system on the
// operator's own network, where nothing is in between that the operator
// does not run: localhost, a loopback or private address, or a name of
// one label (a container's or host's name on that network, which no
// public DNS answers). The guarded client dials those only under
// --external-jwt-allow-private.
func checkJWKSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("externalAuth.jwksUrl must be an https URL")
	}
	if u.Scheme == "http" && !onOwnNetwork(u.Hostname()) {
		return fmt.Errorf("externalAuth.jwksUrl must be an https URL (http only on localhost, a loopback or private address, or a one-label host name)")
	}
	return nil
}

// onOwnNetwork tells a host that can only be on the server's own network.
func onOwnNetwork(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback() || ip.IsPrivate()
	}
	return host != "" && !strings.Contains(strings.TrimSuffix(host, "."), ".")
}

func (c Config) algorithms() []string {
	if len(c.Algorithms) == 0 {
		return DefaultAlgorithms
	}
	return c.Algorithms
}
