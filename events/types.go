package events

// Ping is the test event a webhook receives when it is created.
const Ping = "ping"

// Type is an event a webhook can subscribe to (GET /eventTypes).
type Type struct {
	Name        string
	Description string
}

// Types lists the events this server records, in the order GET
// /eventTypes returns them. A name joins this list when the server starts
// writing it: a subscription to an event that never fires would be a lie.
var Types = []Type{
	{UserCreated, "A user signed up or was created by an admin."},
	{UserUpdated, "A user's profile or metadata changed."},
	{UserDeleted, "A user was deleted."},
	{UserMerged, "Two users were merged into one."},
	{SessionCreated, "A user signed in and a session was created."},
	{SessionRevoked, "A session was revoked."},
	{WalletLinked, "A wallet was linked to a user."},
	{WalletUnlinked, "A wallet was unlinked from a user."},
	{WalletTransferred, "A wallet moved from one user to another."},
	{WalletSanctionsBlocked, "A wallet on the sanctions list was refused (sign-in, link, transfer or refresh)."},
	{WalletSanctionsFailed, "A wallet could not be screened against the sanctions list and was refused."},
	{VisitCreated, "A wallet connected to the app (a visit), signed in or not."},
	{MFADeviceAdded, "A user verified a new MFA device (its first code passed)."},
	{MFADeviceDelete, "A user deleted a verified MFA device."},
	{MFAReset, "An admin reset a user's MFA: devices, recovery codes and MFA tokens removed."},
	{PasskeyAdded, "A user registered a passkey."},
	{PasskeyDeleted, "A user deleted a passkey."},
	{DeviceRegistered, "A user's device was registered: their first sign-in's, or one they approved by the emailed link."},
	{DeviceRevoked, "A user revoked a registered device (its sessions are revoked with it)."},
	{SdkViewUpdated, "An operator replaced an SDK view (the login screen's sections)."},
	{CustomHostnameCreated, "An operator added a custom hostname (pending until verified)."},
	{CustomHostnameUpdated, "A custom hostname was verified (active) or failed verification."},
	{CustomHostnameDeleted, "An operator removed a custom hostname."},
	{ExchangeCreated, "An operator added an exchange (Coinbase, Kraken) to the environment."},
	{ExchangeUpdated, "An exchange was enabled or disabled."},
	{ExchangeDeleted, "An operator removed an exchange."},
	{DeeplinkURLCreated, "An operator added a deeplink URL (an allowed mobile redirect)."},
	{DeeplinkURLDeleted, "An operator removed a deeplink URL."},
	{ExportCreated, "An operator asked for an export of users, visits, wallets or events."},
	{ExportCompleted, "An export's file was written and can be downloaded."},
	{ExportFailed, "An export could not be written."},
}

// Selectable returns the names a webhook may subscribe to.
func Selectable() []string {
	names := make([]string, len(Types))
	for i, t := range Types {
		names[i] = t.Name
	}
	return names
}
