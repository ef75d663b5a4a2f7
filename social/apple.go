package social

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// AppleKey is the Sign in with Apple key of a team: Apple wants the
// client secret to be an ES256 JWT signed with it.
type AppleKey struct {
	TeamID        string
	KeyID         string
	PrivateKeyPEM string // the .p8 file: a PKCS#8 P-256 key
}

// appleSecretLifetime: Apple accepts up to six months; a short one limits
// what a leaked secret is worth, and one is signed per exchange anyway.
const appleSecretLifetime = 5 * time.Minute

// ClientSecret signs the client secret for clientID (the Services ID).
func (k *AppleKey) ClientSecret(clientID string, now time.Time) (string, error) {
	block, _ := pem.Decode([]byte(k.PrivateKeyPEM))
	if block == nil {
		return "", fmt.Errorf("%w: Apple private key is not PEM", ErrSettings)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return "", fmt.Errorf("%w: Apple private key: %v", ErrSettings, err)
	}
	ec, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || ec.Curve.Params().Name != "P-256" {
		return "", fmt.Errorf("%w: Apple private key must be a P-256 EC key", ErrSettings)
	}
	if k.TeamID == "" || k.KeyID == "" {
		return "", fmt.Errorf("%w: Apple team id and key id are required", ErrSettings)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: ec},
		(&jose.SignerOptions{}).WithHeader("kid", k.KeyID))
	if err != nil {
		return "", fmt.Errorf("apple client secret: %w", err)
	}
	claims, _ := json.Marshal(map[string]any{"iss": k.TeamID, "sub": clientID, "aud": AppleIssuer,
		"iat": now.Unix(), "exp": now.Add(appleSecretLifetime).Unix()})
	obj, err := signer.Sign(claims)
	if err != nil {
		return "", fmt.Errorf("apple client secret: %w", err)
	}
	return obj.CompactSerialize()
}

// AppleUser is the "user" field of Apple's first form_post: the name,
// sent once, never in the ID token.
type AppleUser struct {
	Name struct {
		FirstName string `json:"firstName"`
		LastName  string `json:"lastName"`
	} `json:"name"`
}

// ParseAppleUser reads the form's user field (empty on later logins).
func ParseAppleUser(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	var u AppleUser
	if err := json.Unmarshal([]byte(raw), &u); err != nil {
		return "", fmt.Errorf("%w: apple user field: %v", ErrUser, err)
	}
	name := u.Name.FirstName
	if u.Name.LastName != "" {
		name += " " + u.Name.LastName
	}
	return name, nil
}
