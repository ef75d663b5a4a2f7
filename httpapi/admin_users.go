package httpapi

// The admin Users, Wallets, Sessions and Visits groups: query and body
// decoding, and the contract's User, Wallet, WalletDetail, Session and
// Visitor shapes.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// ---- wire shapes ----

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

// ---- requests ----

// adminOptString is a JSON string that may be absent, null (clears) or set.
type adminOptString struct {
	set bool
	v   string
}

func (o *adminOptString) UnmarshalJSON(b []byte) error {
	o.set = true
	if string(b) == "null" {
		o.v = ""
		return nil
	}
	return json.Unmarshal(b, &o.v)
}

func (o adminOptString) ptr() *string {
	if !o.set {
		return nil
	}
	v := o.v
	return &v
}

// adminProfileRequest is InternalUpdatableUserFields, as far as it is stored.
type adminProfileRequest struct {
	Alias       adminOptString  `json:"alias"`
	FirstName   adminOptString  `json:"firstName"`
	LastName    adminOptString  `json:"lastName"`
	JobTitle    adminOptString  `json:"jobTitle"`
	PhoneNumber adminOptString  `json:"phoneNumber"`
	TShirtSize  adminOptString  `json:"tShirtSize"`
	Team        adminOptString  `json:"team"`
	Country     adminOptString  `json:"country"`
	Username    adminOptString  `json:"username"`
	Metadata    json.RawMessage `json:"metadata"`
}

func (p *adminProfileRequest) patch() users.ProfilePatch {
	return users.ProfilePatch{Alias: p.Alias.ptr(), FirstName: p.FirstName.ptr(), LastName: p.LastName.ptr(),
		JobTitle: p.JobTitle.ptr(), PhoneNumber: p.PhoneNumber.ptr(), TShirtSize: p.TShirtSize.ptr(), Team: p.Team.ptr(),
		Country: p.Country.ptr(), Username: p.Username.ptr(), Metadata: p.Metadata}
}

type adminWalletRequest struct {
	PublicWalletAddress string `json:"publicWalletAddress"`
	Chain               string `json:"chain"`
	WalletName          string `json:"walletName"`
	WalletProvider      string `json:"walletProvider"`
}

func (w adminWalletRequest) domain() users.NewWallet {
	return users.NewWallet{Address: w.PublicWalletAddress, Chain: w.Chain, WalletName: w.WalletName,
		WalletProvider: w.WalletProvider}
}

// adminUserRequest is InternalBulkUpdateUserFields / InternalUserFields.
type adminUserRequest struct {
	adminProfileRequest
	ID              string               `json:"id"`
	Email           string               `json:"email"`
	EmailVerifiedAt *string              `json:"emailVerifiedAt"`
	Wallets         []adminWalletRequest `json:"wallets"`
	OAuthAccounts   []json.RawMessage    `json:"oauthAccounts"`
}

func (req *adminUserRequest) domain(prefix string) (users.NewUser, error) {
	in := users.NewUser{ID: req.ID, Profile: req.patch(), Email: req.Email, OAuthAccounts: len(req.OAuthAccounts)}
	if req.EmailVerifiedAt != nil {
		t, err := time.Parse(time.RFC3339Nano, *req.EmailVerifiedAt)
		if err != nil {
			return users.NewUser{}, errs.Invalid("%semailVerifiedAt: must be an RFC 3339 date-time", prefix)
		}
		in.EmailVerifiedAt = &t
	}
	for _, w := range req.Wallets {
		in.Wallets = append(in.Wallets, w.domain())
	}
	return in, nil
}

// decodeUsers reads a JSON array whose items are checked against schema.
func (s *Server) decodeUsers(w http.ResponseWriter, r *http.Request, schema string) ([]adminUserRequest, error) {
	raw, err := s.readBody(w, r)
	if err != nil {
		return nil, err
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, errs.Invalid("body: must be a JSON array of users")
	}
	out := make([]adminUserRequest, len(items))
	for i, item := range items {
		prefix := "[" + strconv.Itoa(i) + "]"
		var generic any
		if err := json.Unmarshal(item, &generic); err != nil {
			return nil, errs.Invalid("%s: malformed JSON", prefix)
		}
		if _, ok := generic.(map[string]any); !ok {
			return nil, errs.Invalid("%s: must be a JSON object", prefix)
		}
		if err := s.contract.Validate(schema, generic); err != nil {
			return nil, errs.Invalid("%s.%s", prefix, adminErrMessage(err))
		}
		if err := json.Unmarshal(item, &out[i]); err != nil {
			return nil, errs.Invalid("%s.%s", prefix, jsonProblem(err))
		}
	}
	return out, nil
}

func adminErrMessage(err error) string {
	var e *errs.E
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

// ---- query parameters ----

// optionalEnvID reads the environmentId path parameter; legacy routes
// have none ("").
func optionalEnvID(r *http.Request) (string, error) {
	if r.PathValue("environmentId") == "" {
		return "", nil
	}
	return pathID(r, "environmentId")
}

// filterParams reads filter[name] (the official client percent-encodes
// the brackets) and checks the set against the contract's schema.
func (s *Server) filterParams(q url.Values, schema string, names ...string) (map[string]string, error) {
	out := map[string]string{}
	generic := map[string]any{}
	for _, n := range names {
		if v, ok := q["filter["+n+"]"]; ok && len(v) > 0 {
			out[n], generic[n] = v[0], v[0]
		}
	}
	if err := s.contract.Validate(schema, generic); err != nil {
		field, reason, _ := strings.Cut(adminErrMessage(err), ": ")
		return nil, errs.Invalid("filter[%s]: %s", field, reason)
	}
	return out, nil
}

func adminBoolParam(q url.Values, name string) (bool, error) {
	v := q.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, errs.Invalid("%s: must be true or false, got %q", name, truncate(v, 32))
	}
	return b, nil
}

func (s *Server) userListQuery(q url.Values) (users.ListQuery, error) {
	f, err := s.filterParams(q, "UserSearchFilterParams", "filterColumn", "filterValue", "filterSocialProvider", "chain")
	if err != nil {
		return users.ListQuery{}, err
	}
	var lq users.ListQuery
	if lq.Filter, err = users.ParseUserFilter(f["filterColumn"], f["filterValue"], f["filterSocialProvider"], f["chain"]); err != nil {
		return lq, err
	}
	if lq.Order, err = users.ParseOrder(q.Get("orderBy"), users.UserOrderFields); err != nil {
		return lq, err
	}
	if lq.Page, err = users.ParsePage(q.Get("offset"), q.Get("limit")); err != nil {
		return lq, err
	}
	lq.WithSessions, err = adminBoolParam(q, "includeSessions")
	return lq, err
}

func (s *Server) visitorListQuery(q url.Values) (users.ListQuery, error) {
	f, err := s.filterParams(q, "VisitorSearchFilterParams", "filterColumn", "filterValue", "chain")
	if err != nil {
		return users.ListQuery{}, err
	}
	var lq users.ListQuery
	if lq.Filter, err = users.ParseVisitorFilter(f["filterColumn"], f["filterValue"], f["chain"]); err != nil {
		return lq, err
	}
	if lq.Order, err = users.ParseOrder(q.Get("orderBy"), users.VisitorOrderFields); err != nil {
		return lq, err
	}
	lq.Page, err = users.ParsePage(q.Get("offset"), q.Get("limit"))
	return lq, err
}

// ---- users ----

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	q, err := s.userListQuery(r.URL.Query())
	if err != nil {
		return err
	}
	list, err := s.users.ListUsers(r.Context(), p, envID, q)
	if err != nil {
		return err
	}
	out := make([]wireAdminUser, 0, len(list.Users))
	for i := range list.Users {
		var sessions []users.UserSession
		if q.WithSessions {
			sessions = list.Sessions[list.Users[i].ID]
			if sessions == nil {
				sessions = []users.UserSession{}
			}
		}
		out = append(out, toAdminUser(&list.Users[i], sessions))
	}
	if err := s.withChecks(r.Context(), envID, list.Users, out); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": list.Total, "users": out})
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	var req adminUserRequest
	if err := s.decode(w, r, "InternalBulkUpdateUserFields", &req); err != nil {
		return err
	}
	in, err := req.domain("")
	if err != nil {
		return err
	}
	u, err := s.users.CreateUser(r.Context(), p, envID, in)
	if err != nil {
		return err
	}
	writeAdminUser(w, u, nil)
	return nil
}

func (s *Server) bulkCreateUsers(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	upsert, err := adminBoolParam(r.URL.Query(), "upsert")
	if err != nil {
		return err
	}
	reqs, err := s.decodeUsers(w, r, "InternalUserFields")
	if err != nil {
		return err
	}
	rows := make([]users.NewUser, len(reqs))
	for i := range reqs {
		reqs[i].ID = "" // not part of InternalUserFields
		if rows[i], err = reqs[i].domain("[" + strconv.Itoa(i) + "]."); err != nil {
			return err
		}
	}
	res, err := s.users.BulkCreate(r.Context(), p, envID, rows, users.BulkOptions{Upsert: upsert})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toBulkResult(res))
	return nil
}

func toBulkResult(res *users.BulkResult) map[string]any {
	created := make([]wireAdminUser, 0, len(res.Created))
	for i := range res.Created {
		created = append(created, toAdminUser(&res.Created[i], nil))
	}
	updated := make([]wireAdminUser, 0, len(res.Updated))
	for i := range res.Updated {
		updated = append(updated, toAdminUser(&res.Updated[i], nil))
	}
	failed := make([]wireBulkFailure, 0, len(res.Failed))
	for i := range res.Failed {
		failed = append(failed, toBulkFailure(&res.Failed[i]))
	}
	return map[string]any{"created": created, "updated": updated, "failed": failed, "total": res.Total}
}

// userPath reads the optional environment and the user id of a user route.
func userPath(r *http.Request) (envID, userID string, err error) {
	if envID, err = optionalEnvID(r); err != nil {
		return "", "", err
	}
	userID, err = pathID(r, "userId")
	return envID, userID, err
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, userID, err := userPath(r)
	if err != nil {
		return err
	}
	u, sessions, err := s.users.GetUser(r.Context(), p, envID, userID)
	if err != nil {
		return err
	}
	if sessions == nil {
		sessions = []users.UserSession{}
	}
	out := []wireAdminUser{toAdminUser(u, sessions)}
	if err := s.withChecks(r.Context(), u.EnvironmentID, []users.User{*u}, out); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": out[0]})
	return nil
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, userID, err := userPath(r)
	if err != nil {
		return err
	}
	var req adminProfileRequest
	if err := s.decode(w, r, "InternalUpdatableUserFields", &req); err != nil {
		return err
	}
	u, err := s.users.UpdateUser(r.Context(), p, envID, userID, req.patch())
	if err != nil {
		return err
	}
	writeAdminUser(w, u, nil)
	return nil
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, userID, err := userPath(r)
	if err != nil {
		return err
	}
	if err := s.users.DeleteUser(r.Context(), p, envID, userID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) revokeUserSessions(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, userID, err := userPath(r)
	if err != nil {
		return err
	}
	if err := s.users.RevokeUserSessions(r.Context(), p, envID, userID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getOAuthAccessToken(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "oauthAccountId")
	if err != nil {
		return err
	}
	if s.oauthAccounts == nil {
		return social.ErrAccountNotFound
	}
	tok, err := s.oauthAccounts.AdminAccessToken(r.Context(), p, id)
	if err != nil {
		return err
	}
	writeOAuthAccessToken(w, tok)
	return nil
}

// ---- sessions ----

func (s *Server) revokeSession(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	id, err := pathID(r, "sessionId")
	if err != nil {
		return err
	}
	ss, err := s.users.RevokeSession(r.Context(), p, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toSession(ss))
	return nil
}

func (s *Server) getSession(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	userID, err := pathID(r, "userId")
	if err != nil {
		return err
	}
	id, err := pathID(r, "sessionId")
	if err != nil {
		return err
	}
	ss, err := s.users.GetSession(r.Context(), p, userID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toSession(ss))
	return nil
}

// ---- wallets ----

func (s *Server) listWallets(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	page, err := users.ParsePage(r.URL.Query().Get("offset"), r.URL.Query().Get("limit"))
	if err != nil {
		return err
	}
	list, total, err := s.users.ListWallets(r.Context(), p, envID, page)
	if err != nil {
		return err
	}
	out := make([]wireWalletDetail, 0, len(list))
	for i := range list {
		out = append(out, toWalletDetail(&list[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"wallets": out, "count": total, "limit": page.Limit, "offset": page.Offset})
	return nil
}

func (s *Server) listUserWallets(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, userID, err := userPath(r)
	if err != nil {
		return err
	}
	list, err := s.users.UserWallets(r.Context(), p, envID, userID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(list), "wallets": toWallets(list)})
	return nil
}

func (s *Server) createWallet(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, userID, err := userPath(r)
	if err != nil {
		return err
	}
	var req adminWalletRequest
	if err := s.decode(w, r, "CreateWalletRequest", &req); err != nil {
		return err
	}
	c, err := s.users.CreateWallet(r.Context(), p, envID, userID, req.domain())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toWallet(c))
	return nil
}

func walletPath(r *http.Request) (envID, walletID string, err error) {
	if envID, err = optionalEnvID(r); err != nil {
		return "", "", err
	}
	walletID, err = pathID(r, "walletId")
	return envID, walletID, err
}

func (s *Server) getWallet(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, walletID, err := walletPath(r)
	if err != nil {
		return err
	}
	c, err := s.users.GetWallet(r.Context(), p, envID, walletID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toWallet(c))
	return nil
}

func (s *Server) deleteWallet(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, walletID, err := walletPath(r)
	if err != nil {
		return err
	}
	if err := s.users.DeleteWallet(r.Context(), p, envID, walletID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// embeddedWallets answers the embedded-wallet routes: no provider is
// configured, so each is refused once the environment is reached.
func (s *Server) embeddedWallets(acc tenant.Access) func(http.ResponseWriter, *http.Request, *tenant.Principal) error {
	return func(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
		envID, err := pathID(r, "environmentId")
		if err != nil {
			return err
		}
		return s.users.EmbeddedWallets(r.Context(), p, envID, acc)
	}
}

// ---- visits ----

func (s *Server) listVisitors(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	q, err := s.visitorListQuery(r.URL.Query())
	if err != nil {
		return err
	}
	list, total, err := s.users.ListVisitors(r.Context(), p, envID, q)
	if err != nil {
		return err
	}
	out := make([]wireVisitor, 0, len(list))
	for i := range list {
		out = append(out, toVisitor(&list[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": total, "visitors": out})
	return nil
}
