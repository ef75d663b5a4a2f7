// Package passkeytest is a software WebAuthn authenticator for tests: it
// makes a P-256 key, answers creation options with a "none" attestation
// and request options with signed assertions, exactly as a browser would
// put them on the wire. Tests can tamper with every input (origin, RP ID,
// counter) to check the server refuses.
package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
)

// Authenticator holds one credential.
type Authenticator struct {
	Key          *ecdsa.PrivateKey
	CredentialID []byte
	UserHandle   []byte
	RPID         string
	Origin       string
	Counter      uint32
	// NoUserVerification leaves the UV flag unset, as an authenticator
	// that only tested presence (a security key without a PIN) does.
	NoUserVerification bool
}

// New makes an authenticator for an RP ID, used from origin.
func New(rpID, origin string) (*Authenticator, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	id := make([]byte, 32)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	return &Authenticator{Key: k, CredentialID: id, RPID: rpID, Origin: origin}, nil
}

var b64 = base64.RawURLEncoding

// Flags of authenticator data.
const (
	flagUP = 0x01
	flagUV = 0x04
	flagAT = 0x40
)

func (a *Authenticator) authData(withCred bool) ([]byte, error) {
	h := sha256.Sum256([]byte(a.RPID))
	out := append([]byte{}, h[:]...)
	flags := byte(flagUP | flagUV)
	if a.NoUserVerification {
		flags &^= flagUV
	}
	if withCred {
		flags |= flagAT
	}
	out = append(out, flags)
	out = binary.BigEndian.AppendUint32(out, a.Counter)
	if !withCred {
		return out, nil
	}
	out = append(out, make([]byte, 16)...) // AAGUID: zero
	out = binary.BigEndian.AppendUint16(out, uint16(len(a.CredentialID)))
	out = append(out, a.CredentialID...)
	x, y := make([]byte, 32), make([]byte, 32)
	a.Key.X.FillBytes(x)
	a.Key.Y.FillBytes(y)
	cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: x, -3: y})
	if err != nil {
		return nil, err
	}
	return append(out, cose...), nil
}

func (a *Authenticator) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.Origin, "crossOrigin": false})
	return b
}

// Create answers creation options (only the challenge is needed) with a
// PasskeyRegisterRequest body; clientDataKey is "clientDataJson" as the
// contract spells it there, or "clientDataJSON".
func (a *Authenticator) Create(challenge, clientDataKey string) ([]byte, error) {
	ad, err := a.authData(true)
	if err != nil {
		return nil, err
	}
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": ad})
	if err != nil {
		return nil, err
	}
	id := b64.EncodeToString(a.CredentialID)
	return json.Marshal(map[string]any{
		"id": id, "rawId": id, "type": "public-key", "clientExtensionResults": map[string]any{},
		"authenticatorAttachment": "platform",
		"response": map[string]any{
			clientDataKey:       b64.EncodeToString(a.clientData("webauthn.create", challenge)),
			"attestationObject": b64.EncodeToString(att),
			"transports":        []string{"internal"},
		},
	})
}

// Get answers request options with a PasskeyAuthRequest body, counting
// one use.
func (a *Authenticator) Get(challenge string) ([]byte, error) {
	a.Counter++
	ad, err := a.authData(false)
	if err != nil {
		return nil, err
	}
	cd := a.clientData("webauthn.get", challenge)
	cdHash := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, ad...), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.Key, digest[:])
	if err != nil {
		return nil, fmt.Errorf("sign assertion: %w", err)
	}
	id := b64.EncodeToString(a.CredentialID)
	return json.Marshal(map[string]any{
		"id": id, "rawId": id, "type": "public-key", "clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(cd),
			"authenticatorData": b64.EncodeToString(ad),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(a.UserHandle),
		},
	})
}
