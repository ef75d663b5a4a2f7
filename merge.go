package dynamicauth

import (
	"context"
	"errors"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
)

// Account merges without HTTP. Linking a wallet of another user who can
// also sign in some other way (LinkWallet) does not split that account:
// it is refused with merge_accounts_confirmation, whose payload
// MergeConflictsOf reads (the other user's profile and the fields both
// filled in differently), and leaves a pending merge of the session's
// user for signin.PendingMergeTTL. MergeAccounts runs it with the values
// the user chose; MergeUsers runs one without conflicts, or merges
// another user who verified the same email. The other user is deleted,
// their credentials move over, and the session's tokens are re-issued.

// MergeAccounts runs the session's user's pending merge with a resolution
// for each conflicting field (POST /verify/merge): req.Resolutions names,
// per field, the user whose value stays; req.Origin and req.Device are
// checked as the route checks its Origin header and device headers. A
// session whose user has no live pending merge (another user's session,
// one merged already, one expired) is refused with signin.ErrNoPendingMerge,
// and so is the merge of an account a second factor or device approval
// protects (code signin.CodeMergeInvalid): its owner signs in to it and
// links from there.
func (a *Auth) MergeAccounts(ctx context.Context, envID, sessionToken string, req signin.MergeRequest) (*signin.Result, error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return nil, err
	}
	return a.signin.MergeAccounts(ctx, cur, req)
}

// MergeUsers runs the session's user's pending merge when it has one
// (Dynamic's JS SDK's mergeUserAccounts without conflicts), else merges
// into the user another user of the environment who verified the same
// email address (POST /users/merge). Conflicting profiles are refused
// with merge_accounts_confirmation (MergeConflictsOf) and a pending merge
// for MergeAccounts; with nothing to merge, the refusal has the code
// signin.CodeMergeInvalid.
func (a *Auth) MergeUsers(ctx context.Context, envID, sessionToken string) (*signin.Result, error) {
	cur, err := a.current(ctx, envID, sessionToken, fullSession)
	if err != nil {
		return nil, err
	}
	return a.signin.MergeUsers(ctx, cur, "", "")
}

// MergeConflictsOf is the merge a link or MergeUsers offered instead of
// going on (an error with the code signin.CodeMergeConfirmation): the
// other user's profile and the fields to resolve for MergeAccounts. It is
// nil for any other error.
func MergeConflictsOf(err error) *signin.MergeConflicts {
	var e *errs.E
	if !errors.As(err, &e) || e.Code != signin.CodeMergeConfirmation {
		return nil
	}
	mc, _ := e.Payload["mergeConflicts"].(*signin.MergeConflicts)
	return mc
}
