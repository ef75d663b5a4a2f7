// Package verifier is what an application's backend uses to trust a session
// JWT issued by dynamicauth (or by Dynamic itself, whose tokens have the same
// shape): it fetches the environment's JSON Web Key Set, checks the
// signature with the key the token names, and checks the claims a backend
// must not skip (expiry, environment, the "user:basic" scope).
//
// A Verifier is safe for concurrent use. Build one per environment at
// startup and share it.
package verifier
