// Package envconfig holds the parts of an environment's configuration that
// are records of their own rather than fields of its settings document: the
// SDK's views (which sign-in sections the login view shows, in what order),
// custom hostnames (a customer's domain that may name the token issuer once
// an operator has verified it) and deeplink URLs (the mobile redirect URLs
// an app may be sent back to).
package envconfig
