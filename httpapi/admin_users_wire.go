package httpapi

// The contract's User, Wallet, WalletDetail, Session, Visitor and bulk
// import failure shapes of the admin Users, Wallets, Sessions and Visits
// groups.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/users"
)

type wireSession struct {
	ID        string  `json:"id"`
	CreatedAt string  `json:"createdAt"`
	IPAddress *string `json:"ipAddress"`
	UserAgent *string `json:"userAgent"`
	RevokedAt *string `json:"revokedAt"`
}

func toSession(s *users.UserSession) wireSession {
	return wireSession{ID: s.ID, CreatedAt: ts(s.CreatedAt), IPAddress: nullable(s.IPAddress),
		UserAgent: nullable(s.UserAgent), RevokedAt: tsPtr(s.RevokedAt)}
}

func toSessions(list []users.UserSession) []wireSession {
	out := make([]wireSession, 0, len(list))
	for i := range list {
		out = append(out, toSession(&list[i]))
	}
	return out
}

// walletProvider is a credential's provider as a WalletProviderEnum.
func walletProvider(p string) string {
	if p == "" {
		return "browserExtension"
	}
	return p
}

type wireWallet struct {
	ID             string  `json:"id"`
	Name           string  `json:"name"`
	Chain          string  `json:"chain"`
	PublicKey      string  `json:"publicKey"`
	Provider       string  `json:"provider"`
	LastSelectedAt *string `json:"lastSelectedAt"`
}

func toWallet(c *users.Credential) wireWallet {
	return wireWallet{ID: c.ID, Name: c.WalletName, Chain: users.ChainEnumOf(c.Chain), PublicKey: c.PublicIdentifier,
		Provider: walletProvider(c.WalletProvider), LastSelectedAt: tsPtr(c.LastSelectedAt)}
}

func toWallets(list []users.Credential) []wireWallet {
	out := make([]wireWallet, 0, len(list))
	for i := range list {
		out = append(out, toWallet(&list[i]))
	}
	return out
}

type wireWalletDetail struct {
	ID                   string  `json:"id"`
	UserID               string  `json:"userId"`
	Name                 string  `json:"name"`
	Chain                string  `json:"chain"`
	PublicKey            string  `json:"publicKey"`
	LowerPublicKey       string  `json:"lowerPublicKey"`
	Provider             string  `json:"provider"`
	LastSelectedAt       *string `json:"lastSelectedAt"`
	SignInEnabled        bool    `json:"signInEnabled"`
	CreatedAt            string  `json:"createdAt"`
	UpdatedAt            string  `json:"updatedAt"`
	ProjectEnvironmentID string  `json:"projectEnvironmentId"`
}

func toWalletDetail(c *users.Credential) wireWalletDetail {
	return wireWalletDetail{ID: c.ID, UserID: c.UserID, Name: c.WalletName, Chain: users.ChainEnumOf(c.Chain),
		PublicKey: c.PublicIdentifier, LowerPublicKey: strings.ToLower(c.PublicIdentifier),
		Provider: walletProvider(c.WalletProvider), LastSelectedAt: tsPtr(c.LastSelectedAt), SignInEnabled: c.SignInEnabled,
		CreatedAt: ts(c.CreatedAt), UpdatedAt: ts(c.VerifiedAt), ProjectEnvironmentID: c.EnvironmentID}
}

// wireAdminUser is the contract's User as the admin API shows it.
type wireAdminUser struct {
	ID                       string               `json:"id"`
	ProjectEnvironmentID     string               `json:"projectEnvironmentId"`
	VerifiedCredentials      []session.Credential `json:"verifiedCredentials"`
	LastVerifiedCredentialID string               `json:"lastVerifiedCredentialId,omitempty"`
	Alias                    *string              `json:"alias"`
	Country                  *string              `json:"country"`
	Email                    *string              `json:"email"`
	FirstName                *string              `json:"firstName"`
	JobTitle                 *string              `json:"jobTitle"`
	LastName                 *string              `json:"lastName"`
	PhoneNumber              *string              `json:"phoneNumber"`
	TShirtSize               *string              `json:"tShirtSize"`
	Team                     *string              `json:"team"`
	Username                 *string              `json:"username"`
	FirstVisit               string               `json:"firstVisit"`
	LastVisit                string               `json:"lastVisit"`
	Metadata                 json.RawMessage      `json:"metadata"`
	Lists                    []string             `json:"lists"`
	MissingFields            []any                `json:"missingFields"`
	WalletPublicKey          string               `json:"walletPublicKey,omitempty"`
	Wallet                   string               `json:"wallet,omitempty"`
	Chain                    string               `json:"chain,omitempty"`
	CreatedAt                string               `json:"createdAt"`
	UpdatedAt                string               `json:"updatedAt"`
	Sessions                 *[]wireSession       `json:"sessions,omitempty"`
	Wallets                  []wireWallet         `json:"wallets"`
	// ChainalysisChecks are the sanctions checks of the user's wallets
	// (GET of one user and the users list; nil elsewhere).
	ChainalysisChecks *[]wireChainalysisCheck `json:"chainalysisChecks,omitempty"`
}

// toAdminUser renders a user; sessions are shown when not nil.
func toAdminUser(u *users.User, sessions []users.UserSession) wireAdminUser {
	meta := u.Metadata
	if len(meta) == 0 {
		meta = json.RawMessage("{}")
	}
	w := wireAdminUser{ID: u.ID, ProjectEnvironmentID: u.EnvironmentID, VerifiedCredentials: session.WireCredentials(u),
		LastVerifiedCredentialID: u.LastVerifiedCredentialID, Alias: nullable(u.Alias), Country: nullable(u.Country),
		Email: nullable(u.Email), FirstName: nullable(u.FirstName), JobTitle: nullable(u.JobTitle),
		LastName: nullable(u.LastName), PhoneNumber: nullable(u.PhoneNumber), TShirtSize: nullable(u.TShirtSize),
		Team: nullable(u.Team), Username: nullable(u.Username), FirstVisit: ts(u.CreatedAt), LastVisit: ts(u.LastVisitAt),
		Metadata: meta, Lists: []string{}, MissingFields: []any{}, CreatedAt: ts(u.CreatedAt), UpdatedAt: ts(u.UpdatedAt),
		Wallets: toWallets(u.WalletCredentials())}
	if pw := u.PrimaryWallet(); pw != nil {
		w.WalletPublicKey, w.Wallet, w.Chain = pw.PublicIdentifier, pw.WalletName, users.ChainEnumOf(pw.Chain)
	}
	if sessions != nil {
		ws := toSessions(sessions)
		w.Sessions = &ws
	}
	return w
}

func writeAdminUser(w http.ResponseWriter, u *users.User, sessions []users.UserSession) {
	writeJSON(w, http.StatusOK, map[string]any{"user": toAdminUser(u, sessions)})
}

type wireVisitor struct {
	ID                   string `json:"id"`
	Address              string `json:"address"`
	Chain                string `json:"chain"`
	WalletName           string `json:"walletName"`
	Provider             string `json:"provider"`
	CreatedAt            string `json:"createdAt"`
	ProjectEnvironmentID string `json:"projectEnvironmentId"`
}

func toVisitor(v *users.Visitor) wireVisitor {
	return wireVisitor{ID: v.ID, Address: v.Address, Chain: v.Chain, WalletName: v.WalletName,
		Provider: walletProvider(v.Provider), CreatedAt: ts(v.CreatedAt), ProjectEnvironmentID: v.EnvironmentID}
}

type wireBulkFailure struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// toBulkFailure names the row and a contract code for its refusal.
func toBulkFailure(f *users.BulkFailure) wireBulkFailure {
	code := "invalid_user"
	msg := f.Err.Error()
	var e *errs.E
	if errors.As(f.Err, &e) {
		msg = e.Message
		if e.Code != "" && (e.Kind == errs.KindConflict || e.Kind == errs.KindUnprocessable) {
			code = e.Code
		}
	}
	return wireBulkFailure{Error: fmt.Sprintf("[%d] %s", f.Index, msg), Code: code}
}
