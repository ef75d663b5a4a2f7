// Package access decides who may sign in and what their session may do:
// allowlists, token gates and sanctions screening (behaviour.md §8).
//
// The sign-in flows call Decide before anything is written. An enabled
// list or gate with outcome "block" refuses the users it matches; when
// any "siteAccess" list or gate is enabled, a user must match one of
// them; "scope" ones add their scope to the session. The names of the
// lists a user matched go into the JWT's lists claim.
//
// Balances are read from EVM nodes (go-ethereum's ethclient, one per
// network id), concurrently, with a deadline and a short cache; a node
// that fails is an error, never an allow.
package access
