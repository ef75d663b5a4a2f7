// Package dynamicauth is a self-hostable, embeddable server for Dynamic's
// (dynamic.xyz) authentication API: wallet sign-in, sessions as JWTs, and
// the admin API, served over HTTP and callable from Go.
//
// # Embedding
//
// Open a store (the application imports the driver it uses, so an app on
// PostgreSQL never links SQLite), build an Auth, seed it, start its
// background work and mount its handler:
//
//	st, err := sqlite.Open(ctx, "auth.db", sqlite.Options{}) // or postgres.Open(ctx, url, postgres.Options{})
//	secret, _, err := secrets.LoadOrCreateFile("master.key")   // 32 bytes, created once
//	auth, err := dynamicauth.New(dynamicauth.Config{Store: st, MasterSecret: secret})
//	ids, ownerToken, err := auth.Bootstrap(ctx) // seeds once; ownerToken only on that first call
//	auth.Start(ctx)
//	defer auth.Close()
//	mux.Handle("/api/v0/", auth.Handler())
//
// Handler also answers the probes /healthz and /readyz; mount it under a
// prefix with http.StripPrefix. In the sandbox environment localhost and
// loopback addresses are allowed origins, so a dev server works at once.
//
// # The Go API
//
// Users, Sessions, CustomFields, Tenants and Keys apply the same rules as
// the admin API. Each call names who acts: a request's principal, or, for
// the application's own code, System(orgID), the organization's owner,
// with no API token involved:
//
//	p := dynamicauth.System(ids.OrganizationID)
//	u, err := auth.Users().FindByWallet(ctx, p, ids.EnvironmentID, "0xAbC…")
//	list, err := auth.Users().ListUsers(ctx, p, ids.EnvironmentID, users.ListQuery{})
//	err = auth.Sessions().RevokeAll(ctx, p, ids.EnvironmentID, u.ID)
//
// # Protecting your routes
//
// Verifier checks session JWTs in process, with this server's keys and
// its revocation state, so a revoked session is refused at once:
//
//	v, err := auth.Verifier(ids.EnvironmentID)
//	mux.Handle("GET /me", v.Middleware(me)) // verifier.ClaimsFrom(r.Context()) inside
//
// UserOf turns the claims into the user with their wallets. A backend in
// another process uses package verifier with the JWKS URL instead.
//
// # Signing in from Go
//
// Every sign-in of the SDK routes has a method with the same rules
// (hooks, access, sanctions, MFA), for an application that receives the
// proof on an endpoint of its own: SignInWithWallet (a signed message
// carrying a nonce from IssueNonces), SignInWithCode, SignInWithPasskey,
// SignInExternal, SignInWithFarcaster, SignInWithTelegram. The session's
// token then drives LinkWallet, TransferWallet, UnlinkCredential,
// SelectWallet, MergeAccounts, VerifyCode, RefreshSession, SignOut, the
// user's own profile (Profile, UpdateProfile, DeleteAccount,
// CheckStepUp), passkeys (RegisterPasskey, DeletePasskey) and the MFA
// methods (RegisterTOTP, PassTOTP, …); SessionCookie sets it in cookie
// mode.
//
// # Hooks
//
// Config.Hooks are plain functions: BeforeSignIn may refuse a sign-in
// (signin.Refuse, signin.RefuseWithCode) before anything is written;
// OnSignIn runs inside the sign-in's transaction, before the tokens are
// signed, so metadata it sets is stored and in the tokens, and custom
// claims it sets are top-level claims of the session's tokens; AfterChange
// hears about each committed change to users, sessions, credentials and
// second factors, and each environment deleted with its project, whether
// made over HTTP or from Go.
//
// # Backups
//
// Backup writes a consistent copy of an SQLite store while it serves
// (sqlite.Restore puts one back, the server stopped). The copy's keys open
// only with the master secret, which it does not hold; Start refuses a
// secret that does not open the store's keys (CheckMasterSecret).
//
// # Rotating the master secret
//
// Build the Auth with the new secret as MasterSecret and the old one in
// PreviousMasterSecrets: what the old one sealed still opens, and API
// tokens and recovery codes it hashed still match (a token is rehashed
// under the new secret when used). ResealSecrets then seals every stored
// secret under the new one; it may run while the Auth serves.
//
// # Testing
//
// Package dynamicauthtest gives a seeded app on a temporary store and
// signs wallets in, for tests of the embedding application.
package dynamicauth
