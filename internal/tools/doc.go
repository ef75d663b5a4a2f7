// Package tools pins the programs the tests run (a module of its own, so
// their dependencies stay out of the library's go.mod): Mailpit, the SMTP
// server the delivery tests send to. `go tool -n mailpit` run in this
// directory builds it once into Go's build cache and prints its path.
package tools
