package httpapi

// profileRoutes registers the CustomFields admin routes and the SDK's
// signed-in user profile routes.
func (s *Server) profileRoutes() {}
