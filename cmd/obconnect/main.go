// Command obconnect is the command line for integrators: link a bank
// account, read its data, keep it in sync, watch its notifications and
// revoke the consent, with the grant and its tokens kept (tokens
// encrypted) in an embedded SQLite state file. It works against a default
// `go run ./cmd/mockbank` out of the box and against any bank with the
// integrator's credentials. See docs/cli.md.
//
//	obconnect link wellsfargo
//	obconnect transactions --since 2026-01-01 --csv
//	obconnect sync
//
// Exit codes: 0 ok, 1 failure, 2 usage, 3 consent revoked, 4 consent
// expired, 5 not authorised (link again), 6 bank unavailable or rate
// limited (retry later); docs/cli.md lists them with what to do.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program with the real environment: os.Getenv, the
// user's config directory, the system clock and browser. Tests call
// execute with an env of their own instead.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return execute(ctx, systemEnv(), args, stdin, stdout, stderr)
}
