package httpapi

import "net/http"

// withFraming adds the headers every response carries and closes
// connections whose request framing could be ambiguous.
//
// A request with both Content-Length and Transfer-Encoding is read by
// some proxies one way and by us the other: the bytes after the chunked
// body become a request the proxy never saw (smuggling, RFC 9112 §6.1).
// Go's server removes the Content-Length before a handler runs, so the
// two cannot be told apart here from a plain chunked request; every
// transfer-coded HTTP/1 request is therefore answered and its connection
// closed, which leaves nothing after the body to be read as a request.
// Clients of this API send JSON with a Content-Length, so the cost is a
// new connection for the rare streaming client.
func withFraming(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if r.ProtoMajor == 1 && len(r.TransferEncoding) > 0 {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}
