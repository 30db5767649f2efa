// Command assistant is the obconnect reference app: a chat web page where
// a person links accounts at the four banks through each bank's consent
// page, asks about their money in plain words, gets fraud, low-balance,
// large-purchase and consent alerts as they happen, reads an audit log of
// every read, and revokes.
//
//	go run ./cmd/assistant
//
// starts it with mockbank in the same process, the state in SQLite files
// in a fresh temporary directory, and the fleet syncing on River; it
// prints the URL, the app's users and the banks' test users.
// -postgres DSN keeps everything in PostgreSQL instead. See
// docs/assistant.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/obconnect/obconnect/cmd/assistant/internal/app"
	"github.com/obconnect/obconnect/store/sqlstore"
)

// demoUsers are the app's own accounts: two people, each seeing only what
// they link.
var demoUsers = []app.UserPass{{Username: "alice", Password: "alice-pass"}, {Username: "bob", Password: "bob-pass1"}}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "assistant:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("assistant", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8090", "where the app listens (loopback by default)")
	data := fs.String("data", "", "directory of the SQLite files (default: a fresh temporary directory, removed on exit)")
	pg := fs.String("postgres", os.Getenv("OBCONNECT_POSTGRES"), "PostgreSQL DSN: keep tokens, the app's tables and the fleet there instead of SQLite (default $OBCONNECT_POSTGRES)")
	seed := fs.Uint64("seed", 0, "mockbank's data seed")
	logLevel := fs.String("log-level", "warn", "debug, info, warn or error (logs go to stderr)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	dir := *data
	if dir == "" && *pg == "" {
		tmp, err := os.MkdirTemp("", "obconnect-assistant-")
		if err != nil {
			return err
		}
		// The in-process mockbank forgets everything on exit, so grants
		// kept past it would point at consents that no longer exist.
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	var keys *sqlstore.Keyring
	if spec := os.Getenv("OBCONNECT_KEYS"); spec != "" {
		k, err := sqlstore.ParseKeyring(spec)
		if err != nil {
			return fmt.Errorf("OBCONNECT_KEYS: %w", err)
		}
		keys = k
	}
	inst, err := app.Launch(ctx, app.LaunchOptions{Addr: *addr, DataDir: dir, PostgresDSN: *pg, Keys: keys, Seed: *seed, Users: demoUsers, Logger: logger})
	if err != nil {
		return err
	}
	defer inst.Close()

	where := "SQLite in " + dir
	if *pg != "" {
		where = "PostgreSQL"
	}
	fmt.Fprintf(stdout, "obconnect assistant ready at %s\n\n", inst.URL)
	fmt.Fprintf(stdout, "  sign in to the app as:   ")
	for i, u := range demoUsers {
		if i > 0 {
			fmt.Fprint(stdout, "   or   ")
		}
		fmt.Fprintf(stdout, "%s / %s", u.Username, u.Password)
	}
	fmt.Fprintf(stdout, "\n  at the bank, sign in as: user_good / pass_good (checking, savings, card, loan)\n")
	fmt.Fprintf(stdout, "                           user_live / pass_good (new activity as the clock moves), user_mfa / pass_good (code 123456)\n\n")
	fmt.Fprintf(stdout, "  mockbank (in process):   %s   admin %s/admin, token %s\n", inst.MockURL, inst.MockURL, inst.AdminToken())
	fmt.Fprintf(stdout, "  data:                    %s; tokens sealed with a key %s\n\n", where, keyNote(keys))
	fmt.Fprintf(stdout, "  move the banks' clock (pending posts, alerts arrive in the chat):\n")
	fmt.Fprintf(stdout, "    curl -s -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' -d '{\"by\":\"24h\"}' %s/admin/clock/advance\n\n", inst.AdminToken(), inst.MockURL)
	fmt.Fprintln(stdout, "Ctrl-C stops it.")
	<-ctx.Done()
	return nil
}

func keyNote(k *sqlstore.Keyring) string {
	if k == nil {
		return "made for this run (set OBCONNECT_KEYS to keep tokens across runs)"
	}
	return "from OBCONNECT_KEYS"
}
