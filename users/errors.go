package users

import (
	"errors"

	"github.com/dynamicauth/dynamicauth/errs"
)

// The refusals the user stores report (the admin ones are in admin.go).
var (
	ErrUserNotFound        = errs.NotFound("user_not_found", "user not found")
	ErrCustomFieldNotFound = errs.NotFound("custom_field_not_found", "custom field not found")
	// ErrCustomFieldNameTaken: another field of the environment has the name.
	ErrCustomFieldNameTaken = errs.Unprocessable("duplicate_exists", "name: a custom field with this name exists already", nil)
	// ErrWalletOwnedElsewhere: linking a wallet another user owns, who can
	// sign in without it, needs the caller's confirmation (a transfer).
	ErrWalletOwnedElsewhere = errs.Unprocessable("reassign_wallet_confirm",
		"this wallet belongs to another account; confirm moving it to this one with /verify/transfer", nil)
	// ErrTransferLeavesNoSignIn: moving the credential (a transfer, or a
	// link that would need one) would leave the former owner with no
	// credential to sign in with. Dynamic's React widget reads this code
	// from a link as "the other account has nothing else" and asks before
	// it sends the transfer with skipEmptyAccountCheck; its JS SDK turns it
	// into LinkCredentialError ("cannot be reassigned").
	ErrTransferLeavesNoSignIn = errs.Unprocessable("reassign_wallet_error",
		"this wallet is its account's only way to sign in; moving it needs /verify/transfer with skipEmptyAccountCheck", nil)
	// ErrNotOwnCredential: the credential is not one of the user's.
	ErrNotOwnCredential = errs.Unprocessable("forbidden_unlink_request", "verifiedCredentialId is not one of this user's credentials", nil)
	// ErrLastSignInCredential: a user keeps at least one credential to sign in with.
	ErrLastSignInCredential = errs.Unprocessable("cannot_delete_last_sign_in_verified_credential",
		"this is the last credential the user can sign in with", nil)
)

// OwnedByAnother reports whether err is a link's refusal of a credential
// another user holds: ErrWalletOwnedElsewhere, or
// ErrTransferLeavesNoSignIn when it is that user's only one.
func OwnedByAnother(err error) bool {
	return errors.Is(err, ErrWalletOwnedElsewhere) || errors.Is(err, ErrTransferLeavesNoSignIn)
}
