package httpapi

import (
	"net/http"
	"strconv"

	"github.com/dynamicauth/dynamicauth/chains"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// The admin Chains group: the bundled token list of a chain (package
// chains), for any valid API token; it names no environment.

type wireTokenAddress struct {
	NetworkID       int64  `json:"networkId"`
	ContractAddress string `json:"contractAddress"`
}

type wireChainToken struct {
	Name           string             `json:"name"`
	Symbol         string             `json:"symbol"`
	TokenAddresses []wireTokenAddress `json:"tokenAddresses"`
}

func (s *Server) chainTokens(w http.ResponseWriter, r *http.Request, _ *tenant.Principal) error {
	var network *int64
	if v := r.URL.Query().Get("networkId"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return errs.Invalid("networkId must be a positive integer chain id")
		}
		network = &n
	}
	tokens, err := chains.Tokens(r.PathValue("chainName"), network)
	if err != nil {
		return err
	}
	out := make([]wireChainToken, 0, len(tokens))
	for _, t := range tokens {
		wt := wireChainToken{Name: t.Name, Symbol: t.Symbol, TokenAddresses: make([]wireTokenAddress, 0, len(t.Addresses))}
		for _, a := range t.Addresses {
			wt.TokenAddresses = append(wt.TokenAddresses, wireTokenAddress{NetworkID: a.NetworkID, ContractAddress: a.ContractAddress})
		}
		out = append(out, wt)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
