package access

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/users"
)

// Decision is what a session of an admitted user carries.
type Decision struct {
	Lists  []string // names of the lists the user matched (the lists claim)
	Scopes []string // scopes granted by matched lists and gates
}

// CodeSanctioned is the contract's code for a refused sanctioned wallet.
const CodeSanctioned = "chainalysis_blocked_wallet"

// CodeScreeningFailed is this server's code when sanctions screening
// could not answer (the contract has none): the wallet is refused with a
// 403 like a listed one (the contract's 422 codes are a closed list),
// never let through unscreened.
const CodeScreeningFailed = "sanctions_screening_failed"

// CodeBalances is the contract's code when balances cannot be read.
const CodeBalances = "unable_to_fetch_balances"

// Decide applies an environment's access rules to subj, before anything
// about the sign-in, link, transfer or refresh is written. A refusal is a
// Forbidden error (403) whose payload names the identity; a node that
// cannot be read is an error, never an allow. subject is called only when
// the environment has rules.
func (s *Service) Decide(ctx context.Context, envID string, subject func(context.Context) (Subject, error)) (*Decision, error) {
	rules, err := s.rules.get(ctx, s, envID)
	if err != nil {
		return nil, err
	}
	d := &Decision{Lists: []string{}}
	if !rules.Screening && len(rules.Lists) == 0 && len(rules.Gates) == 0 {
		return d, nil // the common case: no rules, no subject to build
	}
	subj, err := subject(ctx)
	if err != nil {
		return nil, err
	}
	if rules.Screening {
		if err := s.screen(ctx, envID, subj); err != nil {
			return nil, err
		}
	}
	gated, admitted := false, false
	block := func(what string) error {
		return &errs.E{Kind: errs.KindForbidden, Message: "access denied by " + what, Payload: payloadOf(subj)}
	}
	grant := func(o Outcome, scope string) {
		if o == OutcomeScope && !slices.Contains(d.Scopes, scope) {
			d.Scopes = append(d.Scopes, scope)
		}
		admitted = admitted || o == OutcomeSiteAccess
	}
	if len(rules.Lists) > 0 {
		ids, err := s.store.MatchingLists(ctx, envID, subj.keys())
		if err != nil {
			return nil, err
		}
		for _, l := range rules.Lists {
			o := effective(l.Outcome, l.Scope)
			gated = gated || o == OutcomeSiteAccess
			if !slices.Contains(ids, l.ID) {
				continue
			}
			if o == OutcomeBlock {
				return nil, block("allowlist " + l.Name)
			}
			d.Lists = append(d.Lists, l.Name)
			grant(o, l.Scope)
		}
	}
	if len(rules.Gates) > 0 {
		matched, err := s.matchGates(ctx, envID, rules.Gates, subj)
		if err != nil {
			return nil, err
		}
		for _, g := range rules.Gates {
			gated = gated || effective(g.Outcome, g.Scope) == OutcomeSiteAccess
		}
		for _, g := range matched {
			o := effective(g.Outcome, g.Scope)
			if o == OutcomeBlock {
				return nil, block("gate " + g.Name)
			}
			grant(o, g.Scope)
		}
	}
	if gated && !admitted {
		return nil, block("this site's access rules: no allowlist or token gate admits this user")
	}
	return d, nil
}

func (s *Service) matchGates(ctx context.Context, envID string, gates []Gate, subj Subject) ([]Gate, error) {
	var wallets []common.Address
	for _, w := range subj.Wallets {
		if w.Chain == users.ChainEIP155 && common.IsHexAddress(w.Address) {
			wallets = append(wallets, common.HexToAddress(w.Address))
		}
	}
	if len(wallets) == 0 {
		return nil, nil // nothing to hold tokens with: no gate matches
	}
	if s.balances == nil {
		return nil, s.balanceFailure(ctx, ErrNoNode)
	}
	matched, err := s.balances.matchGates(ctx, envID, gates, wallets)
	if err != nil {
		return nil, s.balanceFailure(ctx, err)
	}
	return matched, nil
}

func (s *Service) balanceFailure(ctx context.Context, err error) error {
	s.log.WarnContext(ctx, "access: token gate balances unavailable; sign-in refused", "err", err)
	return &errs.E{Kind: errs.KindUnprocessable, Code: CodeBalances,
		Message: "token balances could not be read to evaluate this site's access rules; try again", Err: err}
}

func (s *Service) screen(ctx context.Context, envID string, subj Subject) error {
	for _, w := range subj.Wallets {
		hit, err := s.sanctioned(ctx, w)
		switch {
		case hit:
			s.record(ctx, envID, w, CheckBlocked, "listed on the sanctions list")
			return &errs.E{Kind: errs.KindForbidden, Code: CodeSanctioned, Message: "this wallet is sanctioned",
				Payload: map[string]any{"walletPublicKey": w.Address}}
		case err != nil:
			// An outage is never an allow: the wallet is refused and the
			// failed check recorded (the cause goes to the log only: a
			// screening service's error may name its URL or key).
			s.log.ErrorContext(ctx, "access: sanctions screening failed; the wallet is refused until it can be screened",
				"env", envID, "wallet", w.Address, "err", err)
			s.record(ctx, envID, w, CheckFailed, "the sanctions screening could not be completed; the wallet was refused")
			return &errs.E{Kind: errs.KindForbidden, Code: CodeScreeningFailed,
				Message: "this wallet could not be screened against the sanctions list; try again later",
				Payload: map[string]any{"walletPublicKey": w.Address}, Err: err}
		default:
			s.record(ctx, envID, w, CheckOK, "not listed on the sanctions list")
		}
	}
	return nil
}

// sanctioned asks the screener; screening on where the server has none
// (an environment switched on before the server lost its
// --sanctions-list, or by an import) cannot screen, which is a failure,
// never a pass.
func (s *Service) sanctioned(ctx context.Context, w Wallet) (bool, error) {
	if s.screener == nil {
		return false, errNoScreener
	}
	return s.screener.Sanctioned(ctx, w.Chain, w.Address)
}

var errNoScreener = errors.New("screening is on but this server has no sanctions list (start it with --sanctions-list, or turn the environment's screening off)")

// payloadOf is ForbiddenErrorPayload: the identity refused.
func payloadOf(subj Subject) map[string]any {
	p := map[string]any{}
	if n := len(subj.Wallets); n > 0 {
		p["walletPublicKey"] = subj.Wallets[n-1].Address
	}
	if subj.Email != "" {
		p["email"] = strings.ToLower(subj.Email)
	}
	return p
}

// Fixed is a subject known up front, for Decide.
func Fixed(s Subject) func(context.Context) (Subject, error) {
	return func(context.Context) (Subject, error) { return s, nil }
}
