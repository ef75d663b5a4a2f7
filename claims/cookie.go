package claims

// CookieName is the cookie that carries the minified JWT in Dynamic's
// cookie mode (security.auth.storage: cookie): the name Dynamic's SDKs
// use, set by the SDK routes and read by verifier.Middleware.
const CookieName = "DYNAMIC_JWT_TOKEN"
