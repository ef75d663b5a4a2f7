package httpapi

// profileRoutes registers the CustomFields admin routes and the SDK's
// signed-in user profile routes (GET /sdk/{environmentId}/users is in
// server.go and served by getSDKUser in sdk_users.go).
func (s *Server) profileRoutes() {
	m := s.mux
	m.HandleFunc("GET "+v0+"/environments/{environmentId}/custom/fields", s.admin(s.listCustomFields))
	m.HandleFunc("POST "+v0+"/environments/{environmentId}/custom/fields", s.admin(s.createCustomField))
	m.HandleFunc("GET "+v0+"/custom/fields/{customFieldId}", s.admin(s.getCustomField))
	m.HandleFunc("PUT "+v0+"/custom/fields/{customFieldId}", s.admin(s.updateCustomField))
	m.HandleFunc("DELETE "+v0+"/custom/fields/{customFieldId}", s.admin(s.deleteCustomField))

	m.HandleFunc("PUT "+v0+"/sdk/{environmentId}/users", s.sdkUser(s.updateSelf))
	m.HandleFunc("DELETE "+v0+"/sdk/{environmentId}/users", s.sdkUser(s.deleteSelf))
	m.HandleFunc("GET "+v0+"/sdk/{environmentId}/users/check", s.sdkUser(s.checkUserField))
}
