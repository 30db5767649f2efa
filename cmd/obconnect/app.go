package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/obconnect/obconnect/store/sqlite"
)

// App is what every subcommand shares: the program's streams, the global
// flags, the configuration and the state store, both opened on first use.
// A subcommand is a function from *App to *cobra.Command, added with
// register from an init function in its own file, so that adding one
// touches no other file.
type App struct {
	env    env
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer

	// Global flags (see newRoot).
	ConfigPath  string // --config
	StatePath   string // --state
	KeyringPath string // --keyring
	MockbankURL string // --mockbank
	Description string // --description
	Bank        string // --bank
	ConsentID   string // --consent

	cfg     *Config
	store   *sqlite.Store
	started bool // the command's own code ran: later errors are not usage errors
}

// commands are the subcommands, in the order their files registered them;
// cobra lists them by name.
var commands []func(*App) *cobra.Command

// register adds a subcommand. Call it from an init function.
func register(newCmd func(*App) *cobra.Command) { commands = append(commands, newCmd) }

// Exit codes, documented in docs/cli.md: scripts branch on them, so they
// only ever gain members.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitRevoked     = 3 // the consent was revoked: delete its data, link again
	exitExpired     = 4 // the consent expired: link again
	exitUnauth      = 5 // tokens refused or missing: link again
	exitUnavailable = 6 // the bank is unavailable or rate limited: retry later
)

// execute runs the command line args in env and returns the exit code.
func execute(ctx context.Context, e env, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &App{env: e, Stdin: stdin, Stdout: stdout, Stderr: stderr}
	defer a.close()
	root := a.newRoot()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	if !a.started && code == exitFailure {
		code = exitUsage
	}
	// The sdk's messages name the module already; one prefix is enough.
	fmt.Fprintf(stderr, "obconnect: %s\n", strings.TrimPrefix(err.Error(), "obconnect: "))
	if h := hint(err); h != "" {
		fmt.Fprintf(stderr, "  %s\n", h)
	}
	if code == exitUsage {
		fmt.Fprintln(stderr, "  run 'obconnect --help' or 'obconnect COMMAND --help' for usage")
	}
	return code
}

func (a *App) newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "obconnect",
		Short: "Link bank accounts and read their data over open banking APIs",
		Long: `obconnect links a bank account through the bank's consent page, keeps the
grant and its tokens (encrypted) in a local SQLite state file, and reads the
account's data: accounts, balances, transactions, statements, contact details
and payment networks. It syncs transactions incrementally, prints verified
notifications live and revokes consents.

Credentials come from the environment or the config file, never from flags.
Against a local mockbank (go run ./cmd/mockbank), export the admin token it
prints and every built-in bank works with its ready client:

  export MOCKBANK_ADMIN_TOKEN=<token printed by mockbank>

Exit codes: 0 ok, 1 failure, 2 usage, 3 consent revoked, 4 consent expired,
5 not authorised (link again), 6 bank unavailable or rate limited (retry).
See docs/cli.md.`,
		Example: `  obconnect link wellsfargo
  obconnect accounts
  obconnect transactions --since 2026-01-01 --status posted --csv > tx.csv
  obconnect doctor`,
		SilenceErrors: true,
		SilenceUsage:  true,
		// Errors before this hook are cobra's (flags, arguments, unknown
		// commands): usage errors. Subcommands must not set their own
		// PersistentPreRunE, which would replace this one.
		PersistentPreRunE: func(*cobra.Command, []string) error {
			a.started = true
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	f := root.PersistentFlags()
	f.StringVar(&a.ConfigPath, "config", "", "config file (default $CONFIG_DIR/obconnect/config.yaml; env OBCONNECT_CONFIG)")
	f.StringVar(&a.StatePath, "state", "", "SQLite state file of grants and tokens (default $CONFIG_DIR/obconnect/state.db; env OBCONNECT_STATE)")
	f.StringVar(&a.KeyringPath, "keyring", "", "file holding the keyring that encrypts tokens (default $CONFIG_DIR/obconnect/keyring); OBCONNECT_KEYS overrides it")
	f.StringVar(&a.MockbankURL, "mockbank", "", "mockbank base URL whose ready clients to use (default http://127.0.0.1:8080; env OBCONNECT_MOCKBANK)")
	f.StringVar(&a.Description, "description", "", "bank description file (JSON) of a bank with no built-in connector")
	f.StringVar(&a.Bank, "bank", "", "bank of the grant to use, when several are linked")
	f.StringVar(&a.ConsentID, "consent", "", "consent id of the grant to use, when several are linked")
	for _, newCmd := range commands {
		root.AddCommand(newCmd(a))
	}
	return root
}

// close releases the state store.
func (a *App) close() {
	if a.store != nil {
		_ = a.store.Close()
		a.store = nil
	}
}

// Now is the clock: mockbank's in tests, the system's otherwise.
func (a *App) Now() time.Time {
	if a.env.Now != nil {
		return a.env.Now()
	}
	return time.Now()
}

// HTTPClient is the base HTTP client of every client the program opens.
func (a *App) HTTPClient() *http.Client {
	if a.env.HTTPClient != nil {
		return a.env.HTTPClient
	}
	return &http.Client{Timeout: 60 * time.Second}
}

// getenv reads an environment variable of the program's environment.
func (a *App) getenv(k string) string {
	if a.env.Getenv == nil {
		return ""
	}
	return a.env.Getenv(k)
}

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// hinted is an error with what the user should do about it.
type hinted struct {
	err  error
	hint string
	code int // 0: from the error
}

func (e *hinted) Error() string { return e.err.Error() }
func (e *hinted) Unwrap() error { return e.err }

// withHint attaches what to do to err.
func withHint(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &hinted{err: err, hint: fmt.Sprintf(format, args...)}
}

// usagef is a usage error with a message.
func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }
