package users

import "github.com/dynamicauth/dynamicauth/errs"

// The refusals the user stores report (the admin ones are in admin.go).
var (
	ErrUserNotFound        = errs.NotFound("user_not_found", "user not found")
	ErrCustomFieldNotFound = errs.NotFound("custom_field_not_found", "custom field not found")
	// ErrCustomFieldNameTaken: another field of the environment has the name.
	ErrCustomFieldNameTaken = errs.Unprocessable("duplicate_exists", "name: a custom field with this name exists already", nil)
	// ErrWalletOwnedElsewhere: linking a wallet another user owns needs the
	// caller's confirmation (a transfer).
	ErrWalletOwnedElsewhere = errs.Unprocessable("reassign_wallet_confirm",
		"this wallet belongs to another account; confirm moving it to this one with /verify/transfer", nil)
	// ErrTransferLeavesNoSignIn: the transfer would leave the former owner
	// with no credential to sign in with.
	ErrTransferLeavesNoSignIn = errs.Unprocessable("reassign_wallet_error",
		"moving this wallet would leave its account with no way to sign in; send skipEmptyAccountCheck to move it anyway", nil)
	// ErrNotOwnCredential: the credential is not one of the user's.
	ErrNotOwnCredential = errs.Unprocessable("forbidden_unlink_request", "verifiedCredentialId is not one of this user's credentials", nil)
	// ErrLastSignInCredential: a user keeps at least one credential to sign in with.
	ErrLastSignInCredential = errs.Unprocessable("cannot_delete_last_sign_in_verified_credential",
		"this is the last credential the user can sign in with", nil)
)
