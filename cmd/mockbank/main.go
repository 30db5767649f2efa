// Command mockbank serves the four mock banks (authorization servers and
// FDX data APIs) on one port, for integrators and QA. See docs/mockbank.md.
//
// Usage:
//
//	go run ./cmd/mockbank [-addr 127.0.0.1:8080] [-seed N] [-data FILE] [-scenario FILE]
//	                      [-tls-cert FILE -tls-key FILE] [-log-level info]
//	                      [-profile FILE]...
//
// -profile serves a bank description file (package bankdesc), such as
// connectors/chase/bank.json, unchanged.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/connectors"
	"github.com/obconnect/obconnect/mockbank"
	"github.com/obconnect/obconnect/mockbank/scenario"
)

// memoryLimit is the Go runtime's soft memory limit unless GOMEMLIMIT sets
// another. Without one, the collector lets the heap grow to twice what is
// live, and a burst of garbage (user_large generated at every bank, or the
// admin API's ground truth of a 50 000-record account) would leave the
// process near 200 MB resident; with it, the runtime collects and returns
// memory sooner, keeping the worst case under the 150 MB target
// (docs/mockbank.md, Performance). It is soft: a larger live heap (custom
// data) still works, with more collector work.
const memoryLimit = 100 << 20

func main() {
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(memoryLimit)
	}
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

type profileFlags []string

func (p *profileFlags) String() string     { return strings.Join(*p, ",") }
func (p *profileFlags) Set(v string) error { *p = append(*p, v); return nil }

type config struct {
	addr, data, cert, key, level string
	scenario, scenarioMode       string
	adminRemote                  bool
	seed                         uint64
	profiles                     profileFlags
	start                        time.Time
	// frozen keeps simulated time still between clock steps (-clock
	// frozen); by default it runs with the wall clock.
	frozen bool
}

// parseStart reads -start. The default, "now", starts simulated time at
// the wall clock's now, so that (with the clock running) a receiver or an
// sdk client on wall time agrees with mockbank until someone advances it;
// "today" is midnight UTC of the current day; a fixed instant, with
// -clock frozen, gives histories that are byte-identical across days and
// restarts.
func parseStart(v string, now time.Time) (time.Time, error) {
	switch v {
	case "today":
		return now.UTC().Truncate(24 * time.Hour), nil
	case "now":
		return now.UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("-start %q: want today, now or an RFC 3339 instant such as 2026-06-01T12:00:00Z", v)
	}
	return t.UTC(), nil
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("mockbank", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "listen address (host:port); loopback by default")
	fs.Uint64Var(&c.seed, "seed", 0, "seed of the generated data: the same seed serves the same bytes")
	fs.StringVar(&c.data, "data", "", "state file: loaded at start when it exists, saved atomically after changes and on shutdown")
	fs.StringVar(&c.scenario, "scenario", "", "scenario file (YAML or JSON: subscriptions, users, links, notifications, faults, clock steps) applied at start, after -data")
	fs.StringVar(&c.scenarioMode, "scenario-mode", "once", "once: skip a -scenario the state (-data) already holds; always: apply it again")
	fs.BoolVar(&c.adminRemote, "admin-remote", false, "serve the admin API and dashboard to non-loopback clients too (they need the token either way)")
	fs.StringVar(&c.cert, "tls-cert", "", "TLS certificate file (PEM); serve HTTPS when set with -tls-key")
	fs.StringVar(&c.key, "tls-key", "", "TLS private key file (PEM)")
	fs.StringVar(&c.level, "log-level", "info", "log level: debug, info, warn or error")
	fs.Var(&c.profiles, "profile", "bank description file (JSON, the format of connectors/<bank>/bank.json; see package bankdesc): served beside the built-in banks, or instead of the built-in bank of the same name; repeatable")
	start := fs.String("start", "now", "where simulated time starts: now, today (midnight UTC) or an RFC 3339 instant; with -clock frozen, the same seed and start serve the same bytes")
	clock := fs.String("clock", "running", "running: simulated time moves with the wall clock (and jumps ahead on advance); frozen: it moves only on advance")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "mockbank serves four mock banks (OAuth 2.0/OpenID Connect and the FDX data API) on one port.\n\nUsage: mockbank [flags]\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nTest users (password pass_good): user_good, user_mfa (code 123456), user_locked, user_closed,\nuser_error_<code>, user_large, user_live, user_lockout. See docs/mockbank.md.\n\nEnvironment: MOCKBANK_ADMIN_TOKEN fixes the admin API's token (16+ characters; random otherwise).\n")
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if c.start, err = parseStart(*start, time.Now()); err != nil {
		return nil, err
	}
	switch c.scenarioMode {
	case "once", "always":
	default:
		return nil, fmt.Errorf("-scenario-mode %q: want once or always", c.scenarioMode)
	}
	switch *clock {
	case "running":
	case "frozen":
		c.frozen = true
	default:
		return nil, fmt.Errorf("-clock %q: want running or frozen", *clock)
	}
	if err := checkAddr(c.addr); err != nil {
		return nil, err
	}
	if (c.cert == "") != (c.key == "") {
		return nil, errors.New("-tls-cert and -tls-key go together")
	}
	switch c.level {
	case "debug", "info", "warn", "error":
	default:
		return nil, fmt.Errorf("-log-level %q: want debug, info, warn or error", c.level)
	}
	return c, nil
}

// checkAddr refuses a listen address that cannot work, as a bad flag (exit
// 2) rather than a failure to listen (exit 1): no port, or a port that is
// not a number from 0 to 65535.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %v", addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("-addr %q: the port must be a number from 0 to 65535", addr)
	}
	return nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "mockbank: %v\n", err)
		return 2
	}
	// Signals are caught from here on, before the banner says the server
	// is ready: a SIGTERM sent as soon as the banner appears (a CI script's
	// cleanup) is a graceful stop, never the default kill that skips
	// saving the state.
	sigctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.level))
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	banks, err := loadBanks(c.profiles)
	if err != nil {
		fmt.Fprintf(stderr, "mockbank: %v\n", err)
		return 2
	}

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		fmt.Fprintf(stderr, "mockbank: %v\n", err)
		return 1
	}
	scheme := "http"
	if c.cert != "" {
		scheme = "https"
	}
	host := publicHost(c.addr, ln.Addr())
	start := time.Now()
	// A fixed admin token comes from the environment (a flag would show in
	// the process list), so QA scripts and mockbankctl can share it.
	adminToken := os.Getenv("MOCKBANK_ADMIN_TOKEN")
	if adminToken != "" && len(adminToken) < 16 {
		ln.Close()
		fmt.Fprintln(stderr, "mockbank: MOCKBANK_ADMIN_TOKEN must have at least 16 characters")
		return 2
	}
	srv, err := mockbank.New(ctx, &mockbank.Options{Seed: c.seed, Clock: func() time.Time { return c.start }, RunClock: !c.frozen, Banks: banks, BaseURL: scheme + "://" + host,
		Logger: log, AdminToken: adminToken, DataFile: c.data, ScenarioFile: c.scenario, ScenarioMode: c.scenarioMode, AllowRemoteAdmin: c.adminRemote})
	if err != nil {
		ln.Close()
		if errors.Is(err, scenario.ErrInvalid) {
			// A scenario's mistakes are the user's input, said once:
			// "-scenario qa.yaml: line 4: users[0]...: ...".
			msg := strings.TrimPrefix(err.Error(), "admin: scenario: ")
			msg = strings.Replace(msg, scenario.ErrInvalid.Error()+": ", "", 1)
			fmt.Fprintf(stderr, "mockbank: -scenario %s\n", msg)
			return 2
		}
		// The library's errors name themselves already.
		fmt.Fprintf(stderr, "mockbank: %s\n", strings.TrimPrefix(err.Error(), "mockbank: "))
		if errors.Is(err, mockbank.ErrConfig) || errors.Is(err, bankdesc.ErrInvalid) {
			// A -profile mockbank cannot serve is bad input, like a bad flag.
			return 2
		}
		return 1
	}
	defer srv.Close()
	_, port, _ := net.SplitHostPort(host)
	banner(stdout, srv, scheme+"://"+host, port, time.Since(start))

	hs := newHTTPServer(srv, log, defaultTimeouts)
	errc := make(chan error, 1)
	go func() {
		if c.cert != "" {
			errc <- hs.ServeTLS(ln, c.cert, c.key)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(stderr, "mockbank: %v\n", err)
			return 1
		}
	case <-sigctx.Done():
		log.Info("shutting down; in-flight requests finish")
		shut, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := hs.Shutdown(shut); err != nil {
			log.Error("shutdown", "err", err)
			return 1
		}
	}
	return 0
}

// loadBanks returns the built-in banks with the -profile files applied: a
// file names a bank in its description, and replaces the built-in bank of
// that name (a partner correcting an assumption) or joins the others.
func loadBanks(paths []string) ([]*bankdesc.Description, error) {
	banks := connectors.Builtin()
	from := map[string]string{}
	for _, path := range paths {
		d, err := bankdesc.Load(path)
		if err != nil {
			return nil, fmt.Errorf("-profile: %w", err)
		}
		if prev, dup := from[d.Name]; dup {
			return nil, fmt.Errorf("-profile %s: bank %q is already described by %s", path, d.Name, prev)
		}
		from[d.Name] = path
		if i := slices.IndexFunc(banks, func(b *bankdesc.Description) bool { return b.Name == d.Name }); i >= 0 {
			banks[i] = d
		} else {
			banks = append(banks, d)
		}
	}
	return banks, nil
}

// timeouts bound how long a connection may hold the server (docs/mockbank.md,
// Run it). Without them a client trickling a request body a byte at a time,
// or keeping idle connections open, held its connections indefinitely.
type timeouts struct {
	readHeader, read, write, idle time.Duration
}

// maxFaultLatency is the longest delay a fault may inject: the admin spec's
// latencyMs maximum (a test keeps the two in step).
const maxFaultLatency = 120 * time.Second

var defaultTimeouts = timeouts{
	readHeader: 10 * time.Second,
	// read covers the whole request, body included. The largest bodies
	// (admin scenarios and snapshots) take milliseconds on loopback and a
	// few seconds on a slow link; a client that trickles a body is cut off.
	read: 15 * time.Second,
	// write runs from the end of the request headers to the end of the
	// response, so it must outlast the longest injected latency and then
	// leave a minute to write a large answer (the admin API's ground truth
	// of user_large is about 9 MB: 4 s to a client reading 1 MB/s).
	write: maxFaultLatency + time.Minute,
	// idle closes a keep-alive connection that sends no new request.
	idle: 30 * time.Second,
}

func newHTTPServer(h http.Handler, log *slog.Logger, t timeouts) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.readHeader,
		ReadTimeout:       t.read,
		WriteTimeout:      t.write,
		IdleTimeout:       t.idle,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// publicHost is the host:port that mockbank's URLs (issuer, discovery, data
// API) carry. It keeps the name the user chose (e.g. localhost) and the
// port actually bound (for port 0). An unspecified address (0.0.0.0, ::, or
// none, as in ":8080") is where to listen, not an address a client can
// call, so the URLs use 127.0.0.1 instead: a client on another machine
// should be given mockbank with -addr bound to the name it uses.
func publicHost(addr string, bound net.Addr) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return bound.String()
	}
	if _, p, err := net.SplitHostPort(bound.String()); err == nil {
		port = p
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// keyPath is where a private_key_jwt bank's ready-client key is written.
// The port is in the name so that two instances (on two ports) never
// overwrite each other's keys, while a script can still predict the path.
func keyPath(port, bank string) string {
	return filepath.Join(os.TempDir(), "mockbank-"+port+"-"+bank+"-client.pem")
}

// writeKey writes a private key readable only by its owner. The name is
// predictable in a shared directory, so an existing file (perhaps a
// symlink planted by someone else) is removed and the new one created
// exclusively, never written through.
func writeKey(path string, pem []byte) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(pem); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

func banner(w io.Writer, srv *mockbank.Server, base, port string, took time.Duration) {
	fmt.Fprintf(w, "mockbank ready at %s (started in %s)\n\n", base, took.Round(time.Millisecond))
	for _, b := range srv.Banks() {
		d := b.Description
		fmt.Fprintf(w, "%s (mock) — FDX %s, %s pagination, %s", d.DisplayName, d.FDXVersion, d.Paging.Style, d.Auth.ClientAuth)
		if d.Auth.PARRequired {
			fmt.Fprint(w, ", PAR required")
		}
		fmt.Fprintf(w, "\n  discovery: %s\n  data API:  %s\n", b.DiscoveryURL, b.DataURL)
		fmt.Fprintf(w, "  ready client: %s", b.Client.ID)
		if b.Client.Secret != "" {
			fmt.Fprintf(w, "  secret: %s", b.Client.Secret)
		}
		if b.Client.PrivateKeyPEM != "" {
			path := keyPath(port, b.Name)
			if err := writeKey(path, []byte(b.Client.PrivateKeyPEM)); err != nil {
				fmt.Fprintf(w, "  key not written (%v); kid %s", err, b.Client.KeyID)
			} else {
				fmt.Fprintf(w, "  key: %s (kid %s)", path, b.Client.KeyID)
			}
		}
		fmt.Fprintf(w, "\n  redirect URIs: %s\n\n", strings.Join(b.Client.RedirectURIs, " "))
	}
	fmt.Fprintf(w, "admin API: %s/admin  token: %s\n", base, srv.AdminToken())
	// The dashboard's URL without the token: a link pasted into a ticket
	// or a chat must not carry it. The page asks for it once.
	fmt.Fprintf(w, "dashboard: %s/admin/ui/ (sign in with the admin token)\n\n", base)
	fmt.Fprintln(w, "test users:")
	for _, u := range mockbank.TestUsers() {
		extra := ""
		if u.OTP != "" {
			extra = " (one-time code " + u.OTP + ")"
		}
		fmt.Fprintf(w, "  %-18s %s%s — %s\n", u.Username, u.Password, extra, u.Description)
	}
}
