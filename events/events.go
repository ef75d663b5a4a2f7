// Package events names the changes the server records in its outbox (the
// events table, written in the same transaction as the change). Every
// writer and reader of an event name uses these constants: the stores, the
// domain services, and later the webhook delivery and the events API.
package events

// Event names, as Dynamic's webhooks and events API spell them.
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
)
