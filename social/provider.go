// Package social signs users in with an OAuth 2.0 / OpenID Connect
// provider: Google, Apple and any OpenID provider through their ID tokens,
// GitHub, Discord and X through their user endpoints, Telegram through its
// login widget. Providers are small descriptions (endpoints, scopes, how
// to read the user); the flow around them is one: state bound to the
// browser and single-use, PKCE S256 always, a nonce for OIDC.
package social

import (
	"encoding/json"
	"fmt"
	"strings"

	"golang.org/x/oauth2"
)

// Description is what distinguishes one provider from another.
type Description struct {
	Type string
	// Issuer, for OpenID providers, is where discovery starts
	// (Issuer + "/.well-known/openid-configuration") and what the ID
	// token's iss must be. Generic OIDC takes it from the settings.
	Issuer string
	// AuthURL, TokenURL and UserURL are the OAuth endpoints of providers
	// read through a user endpoint.
	AuthURL, TokenURL, UserURL string
	// EmailsURL lists the account's emails with their verified flag
	// (GitHub: /user returns only the public one, unverified).
	EmailsURL string
	Scopes    []string
	AuthStyle oauth2.AuthStyle
	// FormPost: the provider answers the redirect with a POSTed form
	// (Apple, when email or name scopes are asked).
	FormPost bool
	// ClientPKCE: Dynamic's SDKs add a PKCE challenge to the authorize
	// URL they build for this provider (twitter and github). For the
	// others a codeVerifier the client sends was never used (the React
	// widget's popup sends one for every provider) and is not passed on.
	ClientPKCE bool
	// ReadUser maps the user endpoint's JSON to an Identity.
	ReadUser func(m map[string]any) Identity
}

// OIDC tells whether the provider's identity comes from an ID token.
func (d Description) OIDC() bool { return d.ReadUser == nil }

// Provider types (ProviderEnum).
const (
	Google  = "google"
	Apple   = "apple"
	GitHub  = "github"
	Discord = "discord"
	X       = "twitter"
	OIDC    = "oidc" // any OpenID provider, by discovery
	// Okta is the contract's name for an OpenID provider found by
	// discovery at the provider's domain (Okta, or any other IdP).
	Okta = "okta"
	// Farcaster signs in with a SIWF message (package farcaster), not a
	// redirect: enabling it lets farcaster/signin and /verify serve.
	Farcaster = "farcaster"
	// SendGrid and Resend are not sign-in providers: an environment
	// enabling one sends its email codes through its own account there
	// (package delivery), the API key kept as the provider's sealed
	// client secret.
	SendGrid = "sendgrid"
	Resend   = "resend"
)

// AppleIssuer is Apple's ID token issuer and client-secret audience.
const AppleIssuer = "https://appleid.apple.com"

var descriptions = map[string]Description{
	Google: {Type: Google, Issuer: "https://accounts.google.com", AuthURL: "https://accounts.google.com/o/oauth2/v2/auth", Scopes: []string{"openid", "email", "profile"}},
	Apple: {Type: Apple, Issuer: AppleIssuer, AuthURL: "https://appleid.apple.com/auth/authorize", Scopes: []string{"openid", "email", "name"}, FormPost: true,
		AuthStyle: oauth2.AuthStyleInParams},
	OIDC: {Type: OIDC, Scopes: []string{"openid", "email", "profile"}},
	Okta: {Type: Okta, Scopes: []string{"openid", "email", "profile"}},
	GitHub: {Type: GitHub, AuthURL: "https://github.com/login/oauth/authorize",
		TokenURL: "https://github.com/login/oauth/access_token", UserURL: "https://api.github.com/user",
		EmailsURL: "https://api.github.com/user/emails", Scopes: []string{"read:user", "user:email"},
		AuthStyle: oauth2.AuthStyleInParams, ClientPKCE: true,
		ReadUser: func(m map[string]any) Identity {
			return Identity{AccountID: str(m, "id"), Username: str(m, "login"), DisplayName: str(m, "name"),
				PictureURL: str(m, "avatar_url")} // email: from EmailsURL, where GitHub says which are verified
		}},
	Discord: {Type: Discord, AuthURL: "https://discord.com/oauth2/authorize",
		TokenURL: "https://discord.com/api/oauth2/token", UserURL: "https://discord.com/api/users/@me",
		Scopes: []string{"identify", "email"}, AuthStyle: oauth2.AuthStyleInHeader,
		ReadUser: func(m map[string]any) Identity {
			id := Identity{AccountID: str(m, "id"), Username: str(m, "username"), DisplayName: str(m, "global_name"),
				Email: str(m, "email"), EmailVerified: m["verified"] == true}
			if av := str(m, "avatar"); av != "" && id.AccountID != "" {
				id.PictureURL = "https://cdn.discordapp.com/avatars/" + id.AccountID + "/" + av + ".png"
			}
			return id
		}},
	X: {Type: X, AuthURL: "https://x.com/i/oauth2/authorize", TokenURL: "https://api.x.com/2/oauth2/token",
		UserURL: "https://api.x.com/2/users/me?user.fields=profile_image_url", Scopes: []string{"users.read", "tweet.read"},
		AuthStyle: oauth2.AuthStyleInHeader, ClientPKCE: true,
		ReadUser: func(m map[string]any) Identity {
			d, _ := m["data"].(map[string]any) // X wraps the user in data and gives no email
			return Identity{AccountID: str(d, "id"), Username: str(d, "username"), DisplayName: str(d, "name"),
				PictureURL: str(d, "profile_image_url")}
		}},
}

// Describe returns the description of a provider type.
func Describe(providerType string) (Description, bool) {
	d, ok := descriptions[providerType]
	return d, ok
}

// Types lists the provider types served by the redirect flow.
func Types() []string { return []string{Google, Apple, GitHub, Discord, X, Okta, OIDC} }

// str reads a JSON field as a string (JSON numbers too, decoded as json.Number: GitHub ids are numbers).
func str(m map[string]any, key string) string {
	switch v := m[key].(type) {
	case string:
		return strings.TrimSpace(v)
	case json.Number:
		return v.String()
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}
