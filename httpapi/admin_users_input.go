package httpapi

// The admin users' requests: bodies (profile, user, wallet, bulk rows)
// and the lists' query parameters, decoded into the users package's
// input.

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/users"
)

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
	// null unmarshals into a nil slice without error: it is no list.
	if err := json.Unmarshal(raw, &items); err != nil || items == nil {
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
