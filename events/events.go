// Package events names the changes the server records in its outbox (the
// events table, written in the same transaction as the change) and serves
// the admin Events API over them. Every writer and reader of an event name
// uses these constants: the stores, the domain services, the webhook
// delivery and the events API. Names live here and nowhere else.
package events

import "strings"

// Event names, as Dynamic's webhooks and events API spell them
// ({resource}.{action}; behaviour.md §6.3).
const (
	UserCreated       = "user.created"
	UserUpdated       = "user.updated"
	UserDeleted       = "user.deleted"
	UserMerged        = "user.merged"
	SessionCreated    = "user.session.created"
	SessionRevoked    = "user.session.revoked"
	WalletLinked      = "wallet.linked"
	WalletUnlinked    = "wallet.unlinked"
	WalletTransferred = "wallet.transferred"
	// VisitCreated is a wallet connecting before any sign-in
	// (POST /sdk/{env}/connect).
	VisitCreated = "visit.created"
)

// Names for credential and factor changes. Dynamic documents
// user.email.unlinked (emitted, not selectable) and user.social.*; the
// others follow its {resource}.{action} pattern. A name joins Types (and
// so GET /eventTypes) in the commit that starts writing it.
const (
	EmailLinked     = "user.email.linked"
	EmailUnlinked   = "user.email.unlinked"
	PhoneLinked     = "user.phone.linked"
	PhoneUnlinked   = "user.phone.unlinked"
	SocialLinked    = "user.social.linked"
	SocialUnlinked  = "user.social.unlinked"
	MFADeviceAdded  = "user.mfa.device.added"
	MFADeviceDelete = "user.mfa.device.deleted"
	MFAReset        = "user.mfa.reset"
	PasskeyAdded    = "user.passkey.added"
	PasskeyDeleted  = "user.passkey.deleted"
	// DeviceRegistered and DeviceRevoked: a device a user trusts (device
	// registration) was registered, or revoked by the user.
	DeviceRegistered = "user.device.registered"
	DeviceRevoked    = "user.device.revoked"
)

// Names for changes to an environment's configuration records (package
// envconfig). Dynamic documents no names for these; they follow its
// {resource}.{action} pattern, so a webhook can tell an operator that a
// hostname or a redirect target changed.
const (
	SdkViewUpdated        = "sdkView.updated"
	CustomHostnameCreated = "customHostname.created"
	CustomHostnameUpdated = "customHostname.updated"
	CustomHostnameDeleted = "customHostname.deleted"
	DeeplinkURLCreated    = "deeplinkUrl.created"
	DeeplinkURLDeleted    = "deeplinkUrl.deleted"
	ExchangeCreated       = "exchange.created"
	ExchangeUpdated       = "exchange.updated"
	ExchangeDeleted       = "exchange.deleted"
)

// Names for an operator's data exports (package exports): who took what
// out of the server is part of the record. This server's own names, after
// Dynamic's {resource}.{action} pattern.
const (
	ExportCreated   = "export.created"
	ExportCompleted = "export.completed"
	ExportFailed    = "export.failed"
)

// Names for sanctions screening (package access): a wallet refused as
// listed, and a wallet refused because it could not be screened (the
// screening service or list was unavailable). This server's own names,
// after Dynamic's {resource}.{action} pattern; OK checks have none.
const (
	WalletSanctionsBlocked = "wallet.sanctions.blocked"
	WalletSanctionsFailed  = "wallet.sanctions.failed"
)

// ResourceType is what an event is about: the first segment of its name
// ("user" for user.session.created, "wallet", "visit", "ping"). The
// Events API filters on it (?resourceType=), from a column of its own.
func ResourceType(name string) string {
	if i := strings.IndexByte(name, '.'); i >= 0 {
		return name[:i]
	}
	return name
}

// Action is what happened: the last segment of the name ("created").
func Action(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:]
	}
	return name
}
