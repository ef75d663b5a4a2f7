package httpapi

// adminUserRoutes registers the admin Users, Wallets, Sessions and Visits
// routes.
func (s *Server) adminUserRoutes() {}
