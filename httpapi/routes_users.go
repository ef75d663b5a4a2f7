package httpapi

// adminUserRoutes registers the admin Users, Wallets, Sessions and Visits
// routes. The legacy routes without an environment find it from the user,
// wallet or session and apply the same reach rules.
func (s *Server) adminUserRoutes() {
	m := s.mux

	// Users.
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
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/embeddedWalletVersions", s.admin(s.embeddedWallets(false)))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/embeddedWallets", s.admin(s.embeddedWallets(true)))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/embeddedWallets/farcaster", s.admin(s.embeddedWallets(true)))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/wallets/recover", s.admin(s.embeddedWallets(true)))

	// Visits.
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/visitors", s.admin(s.listVisitors))
}
