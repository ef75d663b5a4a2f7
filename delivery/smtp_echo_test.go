package delivery_test

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"

	"github.com/dynamicauth/dynamicauth/delivery"
)

// echoingRelay is an SMTP relay that refuses every message by quoting
// its subject back, as some filters do ("554 rejected: <subject>"): the
// one reply Mailpit cannot be asked for.
func echoingRelay(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serveEcho(c)
		}
	}()
	return ln.Addr().String()
}

func serveEcho(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(s string) { c.Write([]byte(s + "\r\n")) }
	say("220 relay.test ESMTP")
	subject := ""
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 relay.test")
		case cmd == "DATA":
			say("354 go on")
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if s, ok := strings.CutPrefix(l, "Subject: "); ok {
					subject = strings.TrimSpace(s)
				}
				if l == ".\r\n" {
					break
				}
			}
			say("554 5.7.1 rejected: " + subject)
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

// TestSMTPErrorHoldsNoCode: a relay's refusal that quotes the message
// reaches the error (and the log) without the one-time code, which stays
// good for the retry.
func TestSMTPErrorHoldsNoCode(t *testing.T) {
	m, err := delivery.NewSMTP(delivery.SMTPConfig{URL: "smtp://" + echoingRelay(t) + "?tls=none", From: "auth@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	err = m.SendEmail(context.Background(), codeEmail("bob@example.com", "480213"))
	if err == nil {
		t.Fatal("the relay's refusal was not an error")
	}
	if !strings.Contains(err.Error(), "rejected") {
		t.Fatalf("the error lost the relay's reply: %v", err)
	}
	if strings.Contains(err.Error(), "480213") {
		t.Fatalf("the error holds the code: %v", err)
	}
}
