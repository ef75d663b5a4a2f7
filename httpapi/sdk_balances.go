package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/dynamicauth/dynamicauth/balances"
	"github.com/dynamicauth/dynamicauth/errs"
)

// tokenBalance is the contract's TokenBalance. balance and rawBalance are
// JSON numbers written exactly (a uint256 has more digits than a double).
type tokenBalance struct {
	NetworkID  int64       `json:"networkId"`
	Address    string      `json:"address"`
	Name       string      `json:"name"`
	Symbol     string      `json:"symbol"`
	Decimals   int         `json:"decimals"`
	LogoURI    string      `json:"logoURI"`
	Balance    json.Number `json:"balance"`
	RawBalance json.Number `json:"rawBalance"`
	// price and marketValue (USD) only with includePrices, for tokens the
	// server's price source knows
	Price       *float64 `json:"price,omitempty"`
	MarketValue *float64 `json:"marketValue,omitempty"`
	IsNative    bool     `json:"isNative"`
}

// getAccountBalances answers GET /sdk/{environmentId}/chains/{chainName}/balances.
func (s *Server) getAccountBalances(w http.ResponseWriter, r *http.Request) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	req := balances.Request{Chain: r.PathValue("chainName"), Account: q.Get("accountAddress")}
	if req.Account == "" {
		return errs.Invalid("accountAddress: required")
	}
	if v := q.Get("networkId"); v != "" {
		if req.Network, err = networkParam("networkId", v); err != nil {
			return err
		}
	}
	// networkIds (the newer clients' getTokenBalances): several networks
	// of the chain in one call, read one after the other.
	var networks []int64
	for _, v := range q["networkIds"] {
		for _, p := range strings.Split(v, ",") {
			n, err := networkParam("networkIds", strings.TrimSpace(p))
			if err != nil {
				return err
			}
			networks = append(networks, n)
		}
	}
	if len(networks) > maxBalanceNetworks {
		return errs.Invalid("networkIds: at most %d", maxBalanceNetworks)
	}
	for name, dst := range map[string]*bool{"includeNative": &req.Native, "forceRefresh": &req.Fresh, "includePrices": &req.Prices} {
		switch v := q.Get(name); v {
		case "", "false":
		case "true":
			*dst = true
		default:
			return errs.Invalid("%s: must be true or false", name)
		}
	}
	if strings.Contains(r.Header.Get("Cache-Control"), "no-cache") {
		req.Fresh = true
	}
	for _, v := range q["whitelistedContracts"] {
		for _, c := range strings.Split(v, ",") {
			if c = strings.TrimSpace(c); c != "" {
				req.Contracts = append(req.Contracts, c)
			}
		}
	}
	if s.balances == nil {
		return errNoBalances
	}
	if len(networks) == 0 {
		networks = []int64{req.Network}
	}
	reqs := make([]balances.Request, len(networks))
	for i, n := range networks {
		reqs[i] = req
		reqs[i].Network = n
	}
	got, err := s.balances.ReadMany(r.Context(), envID, reqs)
	if err != nil {
		return err
	}
	var out []tokenBalance
	for _, list := range got {
		out = append(out, wireTokens(list)...)
	}
	if out == nil {
		out = []tokenBalance{}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// errNoBalances answers balance reads on a server built without them.
var errNoBalances = errs.Unprocessable("network_rpc_not_configured", "this server reads no balances", nil)

// wireTokens writes balances as the contract's TokenBalance.
func wireTokens(list []balances.Token) []tokenBalance {
	out := make([]tokenBalance, len(list))
	for i, t := range list {
		out[i] = tokenBalance{NetworkID: t.NetworkID, Address: t.Address, Name: t.Name, Symbol: t.Symbol, Decimals: t.Decimals,
			Balance: json.Number(t.Balance), RawBalance: json.Number(t.RawBalance), Price: t.Price, MarketValue: t.MarketValue,
			IsNative: t.IsNative}
	}
	return out
}

// maxBalanceNetworks bounds the networks one balances call reads.
const maxBalanceNetworks = 10

// networkParam reads a network id: a positive whole number.
func networkParam(name, v string) (int64, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, errs.Invalid("%s: must be a positive whole number", name)
	}
	return networkNumber(name, f)
}

// networkNumber checks a network id given as a JSON number.
func networkNumber(name string, f float64) (int64, error) {
	if f <= 0 || f > 1<<53 || f != float64(int64(f)) {
		return 0, errs.Invalid("%s: must be a positive whole number", name)
	}
	return int64(f), nil
}
