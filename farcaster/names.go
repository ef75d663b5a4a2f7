package farcaster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Names finds an fid's username. A lookup that fails leaves the
// credential without one; it never refuses a sign-in.
type Names interface {
	// Username returns the fid's current username, "" if it has none.
	Username(ctx context.Context, fid uint64) (string, error)
}

// DefaultNameServer is Farcaster's name server (fnames).
const DefaultNameServer = "https://fnames.farcaster.xyz"

// NameServer reads usernames from Farcaster's name server:
// GET {base}/transfers/current?fid=N answers the fid's latest name
// transfer, {"transfer": {"username", "to", ...}}; a name transferred
// away (to another fid, or to 0 to release it) is no longer the fid's.
type NameServer struct {
	base   string
	client *http.Client
}

// NewNameServer reads from base (DefaultNameServer when ""); client nil
// means one with a 5 s timeout.
func NewNameServer(base string, client *http.Client) (*NameServer, error) {
	if base == "" {
		base = DefaultNameServer
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("farcaster: name server %q is not an http(s) URL", base)
	}
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	return &NameServer{base: strings.TrimRight(base, "/"), client: client}, nil
}

// maxNameAnswer bounds what is read of an answer.
const maxNameAnswer = 64 << 10

// Username asks the name server.
func (n *NameServer) Username(ctx context.Context, fid uint64) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		n.base+"/transfers/current?fid="+strconv.FormatUint(fid, 10), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/json")
	res, err := n.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("farcaster: name server: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxNameAnswer))
	if err != nil {
		return "", fmt.Errorf("farcaster: name server: %w", err)
	}
	switch {
	case res.StatusCode == http.StatusNotFound:
		return "", nil // no name ever
	case res.StatusCode != http.StatusOK:
		return "", fmt.Errorf("farcaster: name server answered %s", res.Status)
	}
	var ans struct {
		Transfer *struct {
			Username string `json:"username"`
			To       uint64 `json:"to"`
		} `json:"transfer"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		return "", fmt.Errorf("farcaster: name server: %w", err)
	}
	if ans.Transfer == nil || ans.Transfer.To != fid {
		return "", nil
	}
	name := ans.Transfer.Username
	if !validName(name) {
		return "", errors.New("farcaster: name server answered a malformed username")
	}
	return name, nil
}

// validName is an fname: 1-16 lowercase letters, digits or hyphens, not
// starting with a hyphen (Farcaster's rule), or an ENS name (".eth") of at
// most 255 characters of the same alphabet and dots.
func validName(s string) bool {
	if s == "" || len(s) > 255 || s[0] == '-' {
		return false
	}
	ens := strings.HasSuffix(s, ".eth")
	if !ens && len(s) > 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
		case c == '.' && ens:
		default:
			return false
		}
	}
	return true
}
