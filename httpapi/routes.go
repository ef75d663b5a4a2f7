package httpapi

import (
	"net/http"
	"slices"

	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/tenant"
)

const v0 = "/api/v0"

// routes is the one route table: every route the API serves is listed
// here, grouped by resource, so a path leads to its handler by search.
func (s *Server) routes() {
	m := routeTable{s}
	// Process health (not part of Dynamic's contract).
	m.HandleFunc("GET /healthz", s.public(s.healthz))
	m.HandleFunc("GET /readyz", s.public(s.readyz))

	// SDK (end users).
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/settings", s.public(s.sdkSettings))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/healthcheck", s.public(s.sdkHealthcheck))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/networks", s.public(s.getNetworks))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/prefetch", s.public(s.prefetch))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/sdkSettings", s.public(s.logSDKSettings))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/chains/{chainName}/balances", s.public(s.getAccountBalances))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/balances", s.public(s.postMultichainBalances))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/nonce", s.public(s.getNonce))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/nonces", s.public(s.getNonces))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/verify", s.public(s.walletSignIn))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/wallets/signin", s.public(s.walletSignIn))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/connect", s.public(s.connect))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/events", s.public(s.publishEvents))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/providers/{providerType}/loginUrl", s.public(s.oauthLoginURL))
	m.Browser("GET "+v0+"/sdk/{environmentId}/providers/{providerType}/login", s.oauthLogin)
	m.Browser("GET "+v0+"/sdk/{environmentId}/providers/{providerType}/authorizeHtml", s.oauthAuthorizeHtml)
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/providers/{providerType}/initAuth", s.public(s.oauthInitAuth))
	m.Browser("GET "+v0+"/sdk/{environmentId}/providers/{providerType}/redirect", s.oauthRedirect(""))
	m.Browser("POST "+v0+"/sdk/{environmentId}/providers/apple/redirect", s.oauthRedirect(social.Apple))
	m.Browser("GET "+v0+"/sdk/{environmentId}/providers/cbOauthRedirectUrl", s.oauthRedirect("*"))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/providers/{providerType}/oauthResult", s.public(s.oauthResult))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/providers/{providerType}/signIn", s.public(s.oauthSignIn))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/providers/{providerType}/verify", s.sdkUser(s.oauthVerify))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/oauthAccounts/{oauthAccountId}/accessToken", s.sdkUser(s.userOAuthAccessToken))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/externalAuth/signin", s.public(s.externalAuthSignin))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/farcaster/signin", s.public(s.farcasterSignIn))
	m.Browser("GET "+v0+"/sdk/{environmentId}/telegram/auth", s.telegramAuthPage)
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/telegram/auth", s.public(s.telegramAuthPost))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/telegram/signin", s.public(s.telegramSignIn))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/telegram/verify", s.sdkUser(s.telegramVerify))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/checkTelegramAuth", s.public(s.telegramCheck))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/farcaster/verify", s.sdkUser(s.farcasterVerify))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/emailVerifications/create", s.public(s.createEmailVerification))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/emailVerifications/retry", s.public(s.retryEmailVerification))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/emailVerifications/signin", s.public(s.codeSignIn(otp.ChannelEmail, "EmailVerificationVerifyRequest")))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/emailVerifications/verify", s.sdkUser(s.codeVerify(otp.ChannelEmail, "EmailVerificationVerifyRequest")))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/emailProvider", s.public(s.emailProvider))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/smsVerifications/create", s.public(s.createSMSVerification))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/smsVerifications/retry", s.public(s.retrySMSVerification))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/smsVerifications/signin", s.public(s.codeSignIn(otp.ChannelSMS, "SmsVerificationVerifyRequest")))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/smsVerifications/verify", s.sdkUser(s.codeVerify(otp.ChannelSMS, "SmsVerificationVerifyRequest")))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/externalAuth/verify", s.sdkUser(s.externalAuthVerify))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/verify/link", s.sdkUser(s.withMergeConflicts(s.linkWallet(false))))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/wallets/verify", s.sdkUser(s.withMergeConflicts(s.linkWallet(false))))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/verify/transfer", s.sdkUser(s.linkWallet(true)))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/verify/merge", s.sdkUser(s.verifyMerge))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/users/merge", s.sdkUser(s.mergeUsers))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/verify/unlink", s.sdkUser(s.unlinkWallet))
	m.HandleFunc("PUT "+v0+"/sdk/{environmentId}/users/wallets/selection", s.sdkUser(s.selectWallet))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/refresh", s.sdkSession(s.refresh))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/revoke", s.sdkSession(s.revoke))
	// Device registration (newer than the contract; sdk_devices.go).
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/deviceRegistration", s.sdkSession(s.approveDevice))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/deviceRegistrations", s.sdkUser(s.listDevices))
	m.HandleFunc("DELETE "+v0+"/sdk/{environmentId}/deviceRegistrations", s.sdkUser(s.revokeAllDevices))
	m.HandleFunc("DELETE "+v0+"/sdk/{environmentId}/deviceRegistrations/{deviceRegistrationId}", s.sdkUser(s.revokeDevice))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/session", s.sdkSession(s.sessionCheck))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users", s.sdkUser(s.getSDKUser))
	m.HandleFunc("PUT "+v0+"/sdk/{environmentId}/users", s.sdkUser(s.updateSelf))
	m.HandleFunc("DELETE "+v0+"/sdk/{environmentId}/users", s.sdkUser(s.deleteSelf))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/check", s.sdkUser(s.checkUserField))

	// The signed-in user's MFA. Device registration and the auth routes
	// serve MFA-pending sessions (sdkSession); recovery codes need a full
	// one (sdkUser), since they stand in for the second factor.
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/mfa", s.sdkMFA(s.listMfaDevices))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/stepUp/check", s.sdkUser(s.stepUpCheck))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/mfa/methods", s.sdkMFA(s.mfaMethods))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/mfa/register/totp", s.sdkMFA(s.registerTotp))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/users/mfa/register/totp", s.sdkMFA(s.confirmTotp))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/users/mfa/auth/totp", s.sdkMFA(s.authTotp))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/users/mfa/auth/recovery", s.sdkMFA(s.authRecovery))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/users/mfa/auth/email", s.sdkMFA(s.authEmailMfa))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/mfa/recovery", s.sdkUser(s.recoveryCodes(false)))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/users/mfa/recovery", s.sdkUser(s.recoveryCodes(true)))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/mfa/{mfaDeviceId}", s.sdkMFA(s.getMfaDevice))
	m.HandleFunc("PUT "+v0+"/sdk/{environmentId}/users/mfa/{mfaDeviceId}", s.sdkUser(s.updateMfaDevice))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/mfa/register/passkey", s.sdkMFA(s.passkeyRegistrationOptions(true)))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/users/mfa/register/passkey", s.sdkMFA(s.registerPasskey("MFARegisterPasskeyDevicePostRequest")))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/users/mfa/auth/passkey", s.sdkMFA(s.authPasskey))
	m.HandleFunc("DELETE "+v0+"/sdk/{environmentId}/users/mfa/{mfaDeviceId}", s.sdkUser(s.deleteMfaDevice))

	// Passkeys: registered while signed in, then a way to sign in (never
	// to sign up) and a second factor.
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/passkeys/register", s.sdkUser(s.passkeyRegistrationOptions(false)))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/users/passkeys/register", s.sdkUser(s.registerPasskey("PasskeyRegisterRequest")))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/passkeys/signin", s.public(s.passkeySignInOptions))
	m.HandleFunc("POST "+v0+"/sdk/{environmentId}/users/passkeys/signin", s.public(s.passkeySignIn))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/passkeys/authenticate", s.sdkMFA(s.passkeyAuthenticateOptions))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/passkeys", s.sdkUser(s.listPasskeys))
	m.HandleFunc("PUT "+v0+"/sdk/{environmentId}/users/passkeys", s.sdkUser(s.updatePasskey))
	m.HandleFunc("DELETE "+v0+"/sdk/{environmentId}/users/passkeys", s.sdkUser(s.deletePasskey))

	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/.well-known/jwks", s.public(s.jwks))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/.well-known/jwks.json", s.public(s.jwks))

	// Organizations.
	m.HandleFunc("GET "+v0+"/organizations", s.admin(s.listOrganizations))
	m.HandleFunc("POST "+v0+"/organizations", s.admin(s.createOrganization))
	m.HandleFunc("GET "+v0+"/organizations/{organizationId}", s.admin(s.getOrganization))
	m.HandleFunc("PUT "+v0+"/organizations/{organizationId}", s.admin(s.updateOrganization))
	m.HandleFunc("PUT "+v0+"/organizations/{organizationId}/address", s.admin(s.updateOrganizationAddress))
	m.HandleFunc("GET "+v0+"/organizations/{organizationId}/billing/subscription", s.admin(s.getSubscription))
	m.HandleFunc("PUT "+v0+"/organizations/{organizationId}/billing/subscription/coupon", s.admin(s.applyCoupon))
	m.HandleFunc("PUT "+v0+"/organizations/{organizationId}/billing/upgrade", s.admin(s.upgradeSubscription))
	m.HandleFunc("GET "+v0+"/organizations/{organizationId}/ssoProvider", s.admin(s.getSsoProvider))
	m.HandleFunc("POST "+v0+"/organizations/{organizationId}/ssoProvider", s.admin(s.createSsoProvider))
	m.HandleFunc("PUT "+v0+"/organizations/{organizationId}/ssoProvider/{ssoProviderId}", s.admin(s.updateSsoProvider))
	m.HandleFunc("DELETE "+v0+"/organizations/{organizationId}/ssoProvider/{ssoProviderId}", s.admin(s.deleteSsoProvider))

	// Projects.
	m.HandleFunc("GET "+v0+"/organizations/{organizationId}/projects", s.admin(s.listProjects))
	m.HandleFunc("POST "+v0+"/organizations/{organizationId}/projects", s.admin(s.createProject))
	m.HandleFunc("GET "+v0+"/projects/{projectId}", s.admin(s.getProject))
	m.HandleFunc("PUT "+v0+"/projects/{projectId}", s.admin(s.updateProject))
	m.HandleFunc("DELETE "+v0+"/projects/{projectId}", s.admin(s.deleteProject))

	// Environments.
	m.HandleFunc("GET "+v0+"/projects/{projectId}/environments", s.admin(s.listProjectEnvironments))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}", s.admin(s.getEnvironment))
	m.HandleFunc("PUT "+v0+"/environments/{environmentId}", s.admin(s.updateProjectSettings))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/keys", s.admin(s.getKeys))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/externalJwt/check", s.admin(s.checkExternalJwt))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/settings/providers", s.admin(s.listProviders))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/settings/providers", s.admin(s.createProvider))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/settings/providers/urls", s.admin(s.providerURLs))
	m.HandleFunc("GET "+v0+"/settings/providers/{providerId}", s.admin(s.getProvider))
	m.HandleFunc("PUT "+v0+"/settings/providers/{providerId}", s.admin(s.updateProvider))
	m.HandleFunc("PUT "+v0+"/settings/providers/{providerId}/enable", s.admin(s.setProviderEnabled(true)))
	m.HandleFunc("PUT "+v0+"/settings/providers/{providerId}/disable", s.admin(s.setProviderEnabled(false)))
	m.HandleFunc("DELETE "+v0+"/settings/providers/{providerId}", s.admin(s.deleteProvider))
	// Settings exchanges (admin_exchanges.go).
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/settings/exchanges", s.admin(s.listExchanges))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/settings/exchanges", s.admin(s.createExchange))
	m.HandleFunc("GET "+v0+"/settings/exchanges/{exchangeId}", s.admin(s.getExchange))
	m.HandleFunc("PUT "+v0+"/settings/exchanges/{exchangeId}/enable", s.admin(s.setExchangeEnabled(true)))
	m.HandleFunc("PUT "+v0+"/settings/exchanges/{exchangeId}/disable", s.admin(s.setExchangeEnabled(false)))
	m.HandleFunc("DELETE "+v0+"/settings/exchanges/{exchangeId}", s.admin(s.deleteExchange))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/statistics/visitors", s.admin(s.getVisitors))

	// Tokens.
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/tokens", s.admin(s.listTokens))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/tokens", s.admin(s.createToken))
	m.HandleFunc("DELETE "+v0+"/environments/{environmentId}/tokens/{tokenId}", s.admin(s.deleteToken))

	// Origins.
	// Access control (admin_allowlists.go, admin_gates.go).
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/integrations/chainalysis", s.admin(s.chainalysis(screeningKept)))
	m.HandleFunc("PUT "+v0+"/environments/{environmentId}/integrations/chainalysis/sanctions/enable", s.admin(s.chainalysis(screeningOn)))
	m.HandleFunc("PUT "+v0+"/environments/{environmentId}/integrations/chainalysis/sanctions/disable", s.admin(s.chainalysis(screeningOff)))
	// Environment configuration records (admin_sdkviews.go,
	// admin_hostnames.go, admin_deeplinks.go).
	m.HandleFunc("GET "+v0+"/chains/{chainName}/tokens", s.admin(s.chainTokens))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/sdkViews", s.admin(s.listSdkViews))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/sdkViews/{sdkViewType}", s.admin(s.getSdkView))
	m.HandleFunc("PUT "+v0+"/environments/{environmentId}/sdkViews/{sdkViewType}", s.admin(s.updateSdkView))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/custom/hostnames", s.admin(s.listHostnames))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/custom/hostnames", s.admin(s.createHostname))
	m.HandleFunc("DELETE "+v0+"/environments/{environmentId}/custom/hostnames/{customHostnameId}", s.admin(s.deleteHostname))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/deeplinkUrls", s.admin(s.listDeeplinks))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/deeplinkUrls", s.admin(s.addDeeplink))
	m.HandleFunc("DELETE "+v0+"/deeplinkUrls/{deeplinkUrlId}", s.admin(s.deleteDeeplink))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/allowlists", s.admin(s.listAllowlists))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/allowlists", s.admin(s.createAllowlist))
	m.HandleFunc("GET "+v0+"/allowlists/{allowlistId}", s.admin(s.getAllowlist))
	m.HandleFunc("PUT "+v0+"/allowlists/{allowlistId}", s.admin(s.updateAllowlist))
	m.HandleFunc("DELETE "+v0+"/allowlists/{allowlistId}", s.admin(s.deleteAllowlist))
	m.HandleFunc("PUT "+v0+"/allowlists/{allowlistId}/enable", s.admin(s.enableAllowlist(true)))
	m.HandleFunc("PUT "+v0+"/allowlists/{allowlistId}/disable", s.admin(s.enableAllowlist(false)))
	m.HandleFunc("GET "+v0+"/allowlists/{allowlistId}/entries", s.admin(s.listAllowlistEntries))
	m.HandleFunc("POST "+v0+"/allowlists/{allowlistId}/entries", s.admin(s.addAllowlistEntry))
	m.HandleFunc("DELETE "+v0+"/allowlistEntries/{allowlistEntryId}", s.admin(s.deleteAllowlistEntry))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/gates", s.admin(s.listGates))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/gates", s.admin(s.createGate))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/gates/{gateId}", s.admin(s.getGate))
	m.HandleFunc("PUT "+v0+"/environments/{environmentId}/gates/{gateId}", s.admin(s.updateGate))
	m.HandleFunc("DELETE "+v0+"/environments/{environmentId}/gates/{gateId}", s.admin(s.deleteGate))
	m.HandleFunc("PUT "+v0+"/environments/{environmentId}/gates/{gateId}/enable", s.admin(s.enableGate(true)))
	m.HandleFunc("PUT "+v0+"/environments/{environmentId}/gates/{gateId}/disable", s.admin(s.enableGate(false)))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/origins", s.admin(s.listOrigins))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/origins", s.admin(s.addOrigin))
	m.HandleFunc("DELETE "+v0+"/origins/{originId}", s.admin(s.deleteOrigin))

	// Members and invites.
	m.HandleFunc("GET "+v0+"/organizations/{organizationId}/members", s.admin(s.listMembers))
	m.HandleFunc("PUT "+v0+"/members/{memberId}", s.admin(s.updateMemberRole))
	m.HandleFunc("PUT "+v0+"/members/{memberId}/delegateOwnership", s.admin(s.delegateOwnership))
	m.HandleFunc("DELETE "+v0+"/members/{memberId}", s.admin(s.deleteMember))
	m.HandleFunc("GET "+v0+"/membershipEnvironmentIds", s.admin(s.membershipEnvironmentIDs))
	m.HandleFunc("GET "+v0+"/invites", s.admin(s.listInvites))
	m.HandleFunc("PUT "+v0+"/invites/{inviteId}", s.admin(s.updateInvite))
	m.HandleFunc("DELETE "+v0+"/invites/{inviteId}", s.admin(s.deleteInvite))
	m.HandleFunc("GET "+v0+"/organizations/{organizationId}/invites", s.admin(s.listOrganizationInvites))
	m.HandleFunc("POST "+v0+"/organizations/{organizationId}/invites", s.admin(s.createInvite))

	// Organization MFA settings.
	m.HandleFunc("GET "+v0+"/organizations/{organizationId}/mfaSettings", s.admin(s.listMfaSettings))
	m.HandleFunc("PUT "+v0+"/organizations/{organizationId}/mfaSettings/{mfaDeviceType}/enable", s.admin(s.enableMfaDevice))
	m.HandleFunc("PUT "+v0+"/organizations/{organizationId}/mfaSettings/{mfaDeviceType}/disable", s.admin(s.disableMfaDevice))

	// Users, Wallets, Sessions and Visits. The legacy routes without an
	// environment find it from the user, wallet or session and apply the
	// same reach rules.
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/users", s.admin(s.listUsers))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/users", s.admin(s.createUser))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/users/bulk", s.admin(s.bulkCreateUsers))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/users/{userId}", s.admin(s.getUser))
	m.HandleFunc("PUT "+v0+"/environments/{environmentId}/users/{userId}", s.admin(s.updateUser))
	m.HandleFunc("DELETE "+v0+"/environments/{environmentId}/users/{userId}", s.admin(s.deleteUser))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/users/{userId}/sessions/revoke", s.admin(s.revokeUserSessions))
	m.HandleFunc("GET "+v0+"/users/{userId}", s.admin(s.getUser))
	m.HandleFunc("PUT "+v0+"/users/{userId}", s.admin(s.updateUser))
	m.HandleFunc("DELETE "+v0+"/users/{userId}", s.admin(s.deleteUser))
	m.HandleFunc("POST "+v0+"/users/{userId}/sessions/revoke", s.admin(s.revokeUserSessions))
	m.HandleFunc("GET "+v0+"/oauthAccounts/{oauthAccountId}/accessToken", s.admin(s.getOAuthAccessToken))

	// Sessions.
	m.HandleFunc("PUT "+v0+"/sessions/{sessionId}/revoke", s.admin(s.revokeSession))
	m.HandleFunc("GET "+v0+"/users/{userId}/sessions/{sessionId}", s.admin(s.getSession))

	// Wallets.
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/wallets", s.admin(s.listWallets))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/wallets/{walletId}", s.admin(s.getWallet))
	m.HandleFunc("DELETE "+v0+"/environments/{environmentId}/wallets/{walletId}", s.admin(s.deleteWallet))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/users/{userId}/wallets", s.admin(s.listUserWallets))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/users/{userId}/wallets", s.admin(s.createWallet))
	m.HandleFunc("GET "+v0+"/users/{userId}/wallets", s.admin(s.listUserWallets))
	m.HandleFunc("POST "+v0+"/users/{userId}/wallets", s.admin(s.createWallet))
	m.HandleFunc("GET "+v0+"/wallets/{walletId}", s.admin(s.getWallet))
	m.HandleFunc("DELETE "+v0+"/wallets/{walletId}", s.admin(s.deleteWallet))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/embeddedWalletVersions", s.admin(s.embeddedWallets(tenant.Read)))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/embeddedWallets", s.admin(s.embeddedWallets(tenant.Write)))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/embeddedWallets/farcaster", s.admin(s.embeddedWallets(tenant.Write)))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/wallets/recover", s.admin(s.embeddedWallets(tenant.Write)))

	// Visits.
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/visitors", s.admin(s.listVisitors))

	// Custom fields (the signed-in user's own profile routes are with the SDK's).
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/custom/fields", s.admin(s.listCustomFields))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/custom/fields", s.admin(s.createCustomField))
	m.HandleFunc("GET "+v0+"/custom/fields/{customFieldId}", s.admin(s.getCustomField))
	m.HandleFunc("PUT "+v0+"/custom/fields/{customFieldId}", s.admin(s.updateCustomField))
	m.HandleFunc("DELETE "+v0+"/custom/fields/{customFieldId}", s.admin(s.deleteCustomField))

	// Webhooks and the event types they subscribe to.
	m.HandleFunc("GET "+v0+"/eventTypes", s.admin(s.eventTypes))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/webhooks", s.admin(s.listWebhooks))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/webhooks", s.admin(s.createWebhook))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/webhooks/{webhookId}", s.admin(s.getWebhook))
	m.HandleFunc("PUT "+v0+"/environments/{environmentId}/webhooks/{webhookId}", s.admin(s.updateWebhook))
	m.HandleFunc("DELETE "+v0+"/environments/{environmentId}/webhooks/{webhookId}", s.admin(s.deleteWebhook))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/webhooks/{webhookId}/messages", s.admin(s.listWebhookMessages))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/webhooks/{webhookId}/messages/{messageId}", s.admin(s.getWebhookMessageDeliveries))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/webhooks/{webhookId}/messages/{messageId}/redeliver", s.admin(s.redeliverWebhookMessage))

	// An environment's test account (a later-tier group).
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/test/account", s.admin(s.testAccount(false)))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/test/account", s.admin(s.testAccount(true)))
	m.HandleFunc("DELETE "+v0+"/environments/{environmentId}/test/account", s.admin(s.deleteTestAccount))

	// Events: the outbox, newest first.
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/events", s.admin(s.listEvents))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/events/{eventId}", s.admin(s.getEvent))

	// Exports: jobs, and their files once written.
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/exports", s.admin(s.listExports))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/exports", s.admin(s.createExport))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/exports/{exportId}", s.admin(s.getExport))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/exports/{exportId}/download", s.admin(s.downloadExport))
	m.HandleFunc("GET /exports/{environmentId}/{exportId}/file", s.public(s.exportFile))

	// Analytics, in UTC.
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/analytics/topline", s.admin(s.analyticsTopline))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/analytics/overview", s.admin(s.analyticsOverview))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/analytics/engagement", s.admin(s.analyticsEngagement))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/analytics/walletsBreakdown", s.admin(s.analyticsWalletsBreakdown))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/analytics/wallets", s.admin(s.analyticsWallets))
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/analytics/visits", s.admin(s.analyticsVisits))

	// End users' MFA: the admin resets (a lost authenticator).
	m.HandleFunc("DELETE "+v0+"/users/{userId}/mfa", s.admin(s.resetUserMfa))
	m.HandleFunc("POST "+v0+"/users/{userId}/mfa/reset", s.admin(s.resetUserMfa))
}

// routeTable registers routes on the mux and remembers their patterns
// (Routes), so that tests walk the routes the server really serves.
type routeTable struct{ s *Server }

func (t routeTable) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	t.s.mux.HandleFunc(pattern, h)
	t.s.patterns = append(t.s.patterns, pattern)
}

// Browser registers a route a browser navigates to (see browser): its
// refusals, the rate limit's too (writeLimited), are pages for a client
// that reads HTML.
func (t routeTable) Browser(pattern string, h func(http.ResponseWriter, *http.Request) error) {
	t.HandleFunc(pattern, t.s.browser(h))
	if t.s.browserRoutes == nil {
		t.s.browserRoutes = map[string]bool{}
	}
	t.s.browserRoutes[pattern] = true
}

// Routes lists the patterns the server registered ("GET /api/v0/users/{userId}"),
// in registration order.
func (s *Server) Routes() []string { return slices.Clone(s.patterns) }
