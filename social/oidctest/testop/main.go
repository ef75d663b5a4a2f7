// Command testop serves the test OpenID provider of package oidctest for
// tests outside Go (the conformance suite): one client, one user, on
// loopback. It prints {"issuer": URL} on a line once it answers, and runs
// until its standard input closes (the test ends).
//
//	go run ./social/oidctest/testop -client ID -secret S -redirect URL
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/dynamicauth/dynamicauth/social/oidctest"
)

func main() {
	client := flag.String("client", "dynamicauth-rp", "client id")
	secret := flag.String("secret", "rp-secret", "client secret")
	redirect := flag.String("redirect", "", "the client's redirect URI")
	email := flag.String("email", "ada@example.com", "the user's email (verified)")
	picture := flag.String("picture", "", "the user's profile picture URL (the picture claim)")
	consent := flag.Bool("consent", false, "the login page asks the user to allow or deny (AskConsent)")
	flag.Parse()
	o, err := oidctest.New("127.0.0.1:0", *client, *secret, *redirect)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testop:", err)
		os.Exit(1)
	}
	defer o.Close()
	if *consent {
		o.AskConsent()
	}
	o.AddUser(oidctest.User{ID: "op-user-1", Email: *email, Name: "Ada Lovelace", EmailVerified: true, Picture: *picture})
	_ = json.NewEncoder(os.Stdout).Encode(map[string]string{"issuer": o.URL})
	_, _ = io.Copy(io.Discard, os.Stdin)
}
