package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/dynamicauth/dynamicauth/exports"
	"github.com/dynamicauth/dynamicauth/users"
)

// DynamicSource reads an environment's users from Dynamic's admin API
// (GET {BaseURL}/api/v0/environments/{EnvID}/users, offset pages, a
// bearer API token): the users of the hosted service, with their
// verified wallets and emails, profile and metadata.
type DynamicSource struct {
	BaseURL string // https://app.dynamicauth.com, or another server of the same API
	Token   string
	EnvID   string
	Client  *http.Client
	// PageSize is the limit of each request (100 when zero).
	PageSize int
	// Total is the count the first page reported (for a progress bar).
	Total int

	offset int
	page   []dynamicUser
	done   bool
}

// dynamicUser is the part of Dynamic's admin User an import keeps.
type dynamicUser struct {
	ID                  string          `json:"id"`
	Email               *string         `json:"email"`
	Alias               *string         `json:"alias"`
	FirstName           *string         `json:"firstName"`
	LastName            *string         `json:"lastName"`
	PhoneNumber         *string         `json:"phoneNumber"`
	Username            *string         `json:"username"`
	JobTitle            *string         `json:"jobTitle"`
	Country             *string         `json:"country"`
	TShirtSize          *string         `json:"tShirtSize"`
	Team                *string         `json:"team"`
	Metadata            json.RawMessage `json:"metadata"`
	VerifiedCredentials []struct {
		Format         string `json:"format"`
		Address        string `json:"address"`
		Chain          string `json:"chain"`
		Email          string `json:"email"`
		WalletName     string `json:"walletName"`
		WalletProvider string `json:"walletProvider"`
		VerifiedAt     string `json:"verifiedAt"`
		// a social account's (format oauth)
		OAuthProvider    string   `json:"oauth_provider"`
		OAuthAccountID   *string  `json:"oauth_account_id"`
		OAuthUsername    string   `json:"oauth_username"`
		OAuthDisplayName *string  `json:"oauth_display_name"`
		OAuthEmails      []string `json:"oauth_emails"`
		OAuthPhotos      []string `json:"oauth_account_photos"`
	} `json:"verifiedCredentials"`
	Wallets []struct {
		Name      string `json:"name"`
		Chain     string `json:"chain"`
		PublicKey string `json:"publicKey"`
		Provider  string `json:"provider"`
	} `json:"wallets"`
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// chainEnum names a verified credential's chain as Dynamic's ChainEnum
// (credentials carry a CAIP-2 namespace, wallets the enum).
func chainEnum(c string) string {
	switch strings.ToLower(c) {
	case "eip155", "evm", "eth":
		return "EVM"
	case "solana", "sol":
		return "SOL"
	}
	return c
}

func (u *dynamicUser) record() *exports.UserRecord {
	r := &exports.UserRecord{ID: u.ID, Email: deref(u.Email), Alias: deref(u.Alias), FirstName: deref(u.FirstName),
		LastName: deref(u.LastName), PhoneNumber: deref(u.PhoneNumber), Username: deref(u.Username),
		JobTitle: deref(u.JobTitle), Country: deref(u.Country), TShirtSize: deref(u.TShirtSize), Team: deref(u.Team),
		Metadata: u.Metadata, Wallets: []exports.WalletRecord{}}
	// The wallets list names wallets as the dashboard shows them; verified
	// credentials add any it lacks, and the verified email.
	seen := map[string]bool{}
	for _, w := range u.Wallets {
		key := strings.ToLower(w.PublicKey)
		if w.PublicKey == "" || seen[key] {
			continue
		}
		seen[key] = true
		r.Wallets = append(r.Wallets, exports.WalletRecord{Chain: chainEnum(w.Chain), Address: w.PublicKey,
			WalletName: w.Name, WalletProvider: w.Provider})
	}
	for _, c := range u.VerifiedCredentials {
		switch c.Format {
		case "blockchain":
			key := strings.ToLower(c.Address)
			if c.Address == "" || seen[key] {
				continue
			}
			seen[key] = true
			r.Wallets = append(r.Wallets, exports.WalletRecord{Chain: chainEnum(c.Chain), Address: c.Address,
				WalletName: c.WalletName, WalletProvider: c.WalletProvider})
		case "oauth":
			if c.OAuthProvider == "" || deref(c.OAuthAccountID) == "" {
				continue
			}
			r.SocialAccounts = append(r.SocialAccounts, users.NewOAuthAccount{Provider: c.OAuthProvider,
				AccountID: deref(c.OAuthAccountID), Username: c.OAuthUsername, DisplayName: deref(c.OAuthDisplayName),
				Emails: c.OAuthEmails, Photos: c.OAuthPhotos})
		case "email":
			if strings.EqualFold(c.Email, r.Email) && c.VerifiedAt != "" {
				r.EmailVerifiedAt = c.VerifiedAt
			}
		}
	}
	return r
}

// Next implements Source.
func (s *DynamicSource) Next(ctx context.Context) (*exports.UserRecord, string, error) {
	if len(s.page) == 0 && !s.done {
		if err := s.fetch(ctx); err != nil {
			return nil, "", err
		}
	}
	if len(s.page) == 0 {
		return nil, "", io.EOF
	}
	u := s.page[0]
	s.page = s.page[1:]
	return u.record(), "user " + u.ID, nil
}

func (s *DynamicSource) fetch(ctx context.Context) error {
	limit := s.PageSize
	if limit <= 0 {
		limit = 100
	}
	c := s.Client
	if c == nil {
		c = http.DefaultClient
	}
	u := strings.TrimRight(s.BaseURL, "/") + "/api/v0/environments/" + url.PathEscape(s.EnvID) + "/users?" +
		url.Values{"limit": {strconv.Itoa(limit)}, "offset": {strconv.Itoa(s.offset)}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("dynamic: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+s.Token)
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("dynamic: list users at offset %d: %w", s.offset, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("dynamic: list users at offset %d: %w", s.offset, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		_ = json.Unmarshal(body, &e)
		return fmt.Errorf("dynamic: list users answered %d %s (check the token and the environment id)", resp.StatusCode, e.Error)
	}
	var page struct {
		Count int           `json:"count"`
		Users []dynamicUser `json:"users"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return fmt.Errorf("dynamic: list users: %w", err)
	}
	if s.offset == 0 {
		s.Total = page.Count
	}
	s.page = page.Users
	s.offset += len(page.Users)
	if len(page.Users) < limit || (page.Count > 0 && s.offset >= page.Count) {
		s.done = true
	}
	return nil
}
