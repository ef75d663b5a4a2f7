// Package secrets derives the server's keys from one master secret: a keyed
// hash for high-entropy credentials (API tokens) and an AEAD box for values
// that must be read back (JWT private keys, OAuth secrets, TOTP seeds).
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// MasterSize is the length of a master secret in bytes.
const MasterSize = 32

// Keys holds the keys derived from the master secret.
type Keys struct {
	macKey []byte
	aead   cipher.AEAD
}

// New derives the keys from a master secret of MasterSize bytes.
func New(master []byte) (*Keys, error) {
	if len(master) != MasterSize {
		return nil, fmt.Errorf("secrets: master secret must be %d bytes, got %d", MasterSize, len(master))
	}
	macKey, err := hkdf.Key(sha256.New, master, nil, "dynamicauth api-token mac v1", 32)
	if err != nil {
		return nil, fmt.Errorf("secrets: derive mac key: %w", err)
	}
	encKey, err := hkdf.Key(sha256.New, master, nil, "dynamicauth at-rest encryption v1", 32)
	if err != nil {
		return nil, fmt.Errorf("secrets: derive encryption key: %w", err)
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, fmt.Errorf("secrets: cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secrets: gcm: %w", err)
	}
	return &Keys{macKey: macKey, aead: aead}, nil
}

// MAC returns the keyed hash of a credential. Tokens are looked up by it, so
// a stolen database does not yield usable tokens.
func (k *Keys) MAC(purpose string, value []byte) []byte {
	m := hmac.New(sha256.New, k.macKey)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write(value)
	return m.Sum(nil)
}

// Seal encrypts plaintext; aad binds it to its context (e.g. a key id) so a
// ciphertext cannot be moved to another row.
func (k *Keys) Seal(plaintext, aad []byte) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("secrets: nonce: %w", err)
	}
	return k.aead.Seal(nonce, nonce, plaintext, aad), nil
}

// Open decrypts what Seal produced with the same aad.
func (k *Keys) Open(ciphertext, aad []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(ciphertext) < n {
		return nil, errors.New("secrets: ciphertext too short")
	}
	pt, err := k.aead.Open(nil, ciphertext[:n], ciphertext[n:], aad)
	if err != nil {
		return nil, fmt.Errorf("secrets: open: %w", err)
	}
	return pt, nil
}

// ParseMaster decodes a base64 (std or url, padded or not) master secret.
func ParseMaster(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != MasterSize {
				return nil, fmt.Errorf("secrets: master secret must decode to %d bytes, got %d", MasterSize, len(b))
			}
			return b, nil
		}
	}
	return nil, errors.New("secrets: master secret is not base64")
}

// LoadFile reads the master secret from path; a missing file is an error
// that errors.Is os.ErrNotExist.
func LoadFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secrets: read %s: %w", path, err)
	}
	m, err := ParseMaster(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// LoadOrCreateFile reads the master secret from path, creating the file with
// a fresh random secret (mode 0600) when it does not exist yet. created tells
// whether it was made now.
func LoadOrCreateFile(path string) (master []byte, created bool, err error) {
	m, err := LoadFile(path)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return m, false, err
	}
	m = make([]byte, MasterSize)
	if _, err := rand.Read(m); err != nil {
		return nil, false, fmt.Errorf("secrets: generate: %w", err)
	}
	if err := publish(path, base64.StdEncoding.EncodeToString(m)+"\n"); err != nil {
		if errors.Is(err, os.ErrExist) { // another process made it first
			return LoadOrCreateFile(path)
		}
		return nil, false, err
	}
	return m, true, nil
}

// publish creates path with content unless it exists (os.ErrExist then),
// all at once: the content is written and synced in a temporary file of
// the same directory, then linked at path. A reader never sees a partial
// secret, nor does a start after a crash; the link fails when another
// process published first.
func publish(path, content string) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*") // mode 0600
	if err != nil {
		return fmt.Errorf("secrets: create %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(content)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("secrets: write %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return err
		}
		return fmt.Errorf("secrets: create %s: %w", path, err)
	}
	// the new name is durable once its directory is
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
