package admin

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/mockbank/internal/authz"
	"github.com/obconnect/obconnect/mockbank/internal/faults"
	"github.com/obconnect/obconnect/mockbank/internal/journal"
	"github.com/obconnect/obconnect/mockbank/internal/notify"
	"github.com/obconnect/obconnect/mockbank/internal/persist"
	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/mockbank/scenario"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

// Host is what the control side needs from mockbank's server
// (the mockbank root adapts its server to it).
type Host interface {
	Store() *store.Store
	Provider(bank string) *authz.Provider
	MountAdmin(h http.Handler)
	OnClose(f func())
	AdminToken() string
}

// ControlOptions configure the whole control side.
type ControlOptions struct {
	// Banks are the served banks' descriptions; required.
	Banks []*bankdesc.Description
	Seed  uint64
	// AllowRemote lets non-loopback clients use the admin API.
	AllowRemote bool
	// DataFile, when set, is loaded at Attach (if it exists) and kept up to
	// date; SaveInterval (default 1 s) bounds how often it is written.
	DataFile     string
	SaveInterval time.Duration
	// ScenarioFile, when set, is applied at Attach, after the data file,
	// with ScenarioMode (ScenarioOnce when empty: skipped when the state
	// already holds it).
	ScenarioFile, ScenarioMode string
	// ReadyClient is the id of a bank's ready client: the client links and
	// subscriptions are for unless they name another.
	ReadyClient func(bank string) string
	// BankList describes the banks for GET /admin/banks.
	BankList func(ctx context.Context, baseURL string) ([]adminapi.Bank, error)
	// Reset, when nil, restores the state captured at Attach (before the
	// data file and the scenario are applied): the seeded data and the
	// ready clients.
	Reset func(ctx context.Context) error
	// Party tells the fault injector whose call a request is, for faults
	// limited to one consent or client (faults.Options.Party).
	Party func(bank string, r *http.Request) (clientID, consentID string)
	// Notify shapes deliveries (BaseDelay, MaxDelay, MaxAttempts,
	// ExpiringDays, LowBalance, Client); Store and Keys are filled in.
	Notify notify.Options
	// JournalSize is how many requests the journal keeps
	// (journal.DefaultSize when 0; negative: no journal). Who tells the
	// journal whose request it is; SimNow is simulated time.
	JournalSize int
	Who         func(bank string, r *http.Request) journal.Party
	SimNow      func() time.Time
	Logger      *slog.Logger
}

// Control is the control side of one mockbank: fault injector, notification
// dispatcher, admin API and persistence. The server builds it first (its
// Middleware wraps each bank), then Attaches it once the authorization
// servers exist.
type Control struct {
	opts    ControlOptions
	log     *slog.Logger
	Faults  *faults.Injector
	Journal *journal.Journal

	mu     sync.Mutex
	host   Host
	Admin  *Server
	Notify *notify.Dispatcher
	saver  *persist.Saver
	file   *persist.File
	stop   context.CancelFunc
	done   chan struct{}
	closed bool
}

// NewControl returns a Control with its fault injector ready.
func NewControl(opts ControlOptions) *Control {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Control{opts: opts, log: log, Faults: faults.New(faults.Options{Banks: opts.Banks, Seed: opts.Seed, Party: opts.Party}),
		Journal: journal.New(journal.Options{Size: opts.JournalSize, Simulated: opts.SimNow})}
}

// Middleware wraps a bank's handler: the request journal outermost (so it
// sees faults and their latency), faults, then a note to the persistence
// layer after every request that may change state.
func (c *Control) Middleware(bank string) func(http.Handler) http.Handler {
	inject := c.Faults.Middleware(bank)
	var who func(*http.Request) journal.Party
	if c.opts.Who != nil {
		who = func(r *http.Request) journal.Party { return c.opts.Who(bank, r) }
	}
	record := c.Journal.Middleware(bank, func(r *http.Request) string { return faults.OperationID(r.Method, r.URL.Path) }, who)
	return func(next http.Handler) http.Handler {
		h := record(inject(next))
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r)
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
			default:
				c.touch()
			}
		})
	}
}

// accountRevocation reports whether a bank's description lets it revoke
// single accounts of a consent.
func (c *Control) accountRevocation(bank string) bool {
	for _, d := range c.opts.Banks {
		if d.Name == bank {
			return d.AccountRevocation
		}
	}
	return false
}

func (c *Control) touch() {
	c.mu.Lock()
	s := c.saver
	c.mu.Unlock()
	if s != nil {
		s.Touch()
	}
}

// Attach builds the dispatcher and the admin API over host, mounts the API,
// loads the data file and the scenario, and starts saving. The host's
// authorization servers must exist (its base URL known).
func (c *Control) Attach(ctx context.Context, host Host) error {
	st := host.Store()
	// Everything in the store now came from the seed: compact snapshots
	// (saves, reset, the snapshot endpoint) leave it out until extended.
	st.MarkSeeded()
	for _, d := range c.opts.Banks {
		if b := d.Name; host.Provider(b) == nil {
			return fmt.Errorf("%w: bank %q has no authorization server yet (set the base URL first)", ErrConfig, b)
		}
	}
	nopts := c.opts.Notify
	nopts.Store = st
	nopts.Seed = c.opts.Seed
	nopts.Logger = c.log
	keys := &keyCache{host: host}
	nopts.Keys = keys.key
	nd, err := notify.New(nopts)
	if err != nil {
		return err
	}
	st.OnEvent(nd.HandleEvent)
	st.OnEvent(func(e store.Event) {
		if e.Kind == store.EventConsentRevoked {
			// Tokens of a revoked consent die with it, whoever revoked it.
			if p := host.Provider(e.Bank); p != nil {
				_, _ = p.RevokeConsent(context.Background(), e.ConsentID)
			}
		}
		if e.Kind == store.EventClockAdvanced && st.Running() {
			// A running clock's sweep every second changes no state by
			// itself (the offset moves only on advance, which saves);
			// saving each tick would rewrite the file every second.
			return
		}
		c.touch()
	})
	parts := map[string]Part{}
	for _, d := range c.opts.Banks {
		b := d.Name
		parts["authz/"+b] = Part{
			Export: func(ctx context.Context) (json.RawMessage, error) {
				p := host.Provider(b)
				if p == nil {
					return nil, fmt.Errorf("admin: %s has no authorization server", b)
				}
				s, err := p.ExportState(ctx)
				if err != nil {
					return nil, err
				}
				return json.Marshal(s)
			},
			Import: func(ctx context.Context, raw json.RawMessage) error {
				var s authz.State
				if err := json.Unmarshal(raw, &s); err != nil {
					return err
				}
				p := host.Provider(b)
				if p == nil {
					return fmt.Errorf("admin: %s has no authorization server", b)
				}
				if err := p.ImportState(ctx, &s); err != nil {
					return err
				}
				keys.forget(b)
				return nil
			},
		}
	}
	deps := Deps{Store: st, Faults: c.Faults, Notify: nd, Journal: c.Journal, Provider: host.Provider, ReadyClient: c.opts.ReadyClient, Banks: c.opts.BankList, AccountLevelRevocation: c.accountRevocation,
		Parts: parts, OnChange: c.touch}
	srv, err := New(Options{Token: host.AdminToken(), AllowRemote: c.opts.AllowRemote, Seed: c.opts.Seed, Logger: c.log}, deps)
	if err != nil {
		_ = nd.Close()
		return err
	}
	if c.opts.Reset != nil {
		srv.deps.Reset = c.opts.Reset
	} else {
		initial, err := srv.ExportState(ctx)
		if err != nil {
			_ = nd.Close()
			return err
		}
		srv.deps.Reset = func(ctx context.Context) error { return srv.importState(ctx, initial) }
	}
	var file *persist.File
	if c.opts.DataFile != "" {
		file, err = persist.Open(c.opts.DataFile)
		if err != nil {
			_ = nd.Close()
			return err
		}
		state, err := file.Load(ctx)
		switch {
		case errors.Is(err, persist.ErrNotExist):
		case err != nil:
			_ = nd.Close()
			return fmt.Errorf("admin: data file %s: %w", file.Path(), err)
		default:
			if err := srv.ImportState(ctx, state); err != nil {
				_ = nd.Close()
				return fmt.Errorf("admin: data file %s: %w", file.Path(), err)
			}
			c.log.Info("state file loaded", append([]any{"file", file.Path()}, srv.summary(ctx)...)...)
		}
		if errors.Is(err, persist.ErrNotExist) {
			c.log.Info("no state file yet: starting from the seed; it will be created", "file", file.Path())
		}
	}
	if c.opts.ScenarioFile != "" {
		sc, err := scenario.ReadFile(ctx, c.opts.ScenarioFile)
		var res ScenarioResult
		if err == nil {
			res, err = srv.ApplyScenario(ctx, sc, c.opts.ScenarioMode, c.opts.ScenarioFile)
		}
		if err != nil {
			_ = nd.Close()
			return fmt.Errorf("admin: scenario: %w", err)
		}
		logScenario(c.log, c.opts.ScenarioFile, res)
	}
	var saver *persist.Saver
	if file != nil {
		saver = persist.NewSaver(file, srv.ExportState, c.opts.SaveInterval, func(err error) {
			c.log.Error("saving state failed", "file", file.Path(), "err", err)
		})
		// One save now: a data file that cannot be written (missing
		// directory, permissions) is an error at start, not a log line
		// after the first change.
		if err := saver.Flush(ctx); err != nil {
			_ = nd.Close()
			return fmt.Errorf("admin: data file %s: %w", file.Path(), err)
		}
	}
	c.mu.Lock()
	c.host, c.Admin, c.Notify, c.file, c.saver = host, srv, nd, file, saver
	if saver != nil {
		runCtx, cancel := context.WithCancel(context.Background())
		c.stop, c.done = cancel, make(chan struct{})
		go func() { defer close(c.done); saver.Run(runCtx) }()
	}
	c.mu.Unlock()
	host.MountAdmin(srv.Handler())
	host.OnClose(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.Close(ctx); err != nil {
			c.log.Error("closing the control side", "err", err)
		}
	})
	return nil
}

// Flush writes the data file now (no-op without one).
func (c *Control) Flush(ctx context.Context) error {
	c.mu.Lock()
	s := c.saver
	c.mu.Unlock()
	if s == nil {
		return nil
	}
	return s.Flush(ctx)
}

// Close stops deliveries, stops the saver and writes the final state.
func (c *Control) Close(ctx context.Context) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	nd, stop, done := c.Notify, c.stop, c.done
	c.mu.Unlock()
	if nd != nil {
		_ = nd.Close()
	}
	if stop != nil {
		stop()
		<-done
	}
	return c.Flush(ctx)
}

// keyCache turns a provider's PKCS #8 key into a notify.Key whose kid is
// the one the provider's JWKS publishes.
type keyCache struct {
	host Host
	mu   sync.Mutex
	keys map[string]cachedKey
}

type cachedKey struct {
	sum [32]byte
	key notify.Key
}

func (k *keyCache) forget(bank string) {
	k.mu.Lock()
	delete(k.keys, bank)
	k.mu.Unlock()
}

func (k *keyCache) key(ctx context.Context, bank string) (notify.Key, error) {
	p := k.host.Provider(bank)
	if p == nil {
		return notify.Key{}, fmt.Errorf("no authorization server for %q", bank)
	}
	der, err := p.SigningKeyPKCS8(ctx)
	if err != nil {
		return notify.Key{}, err
	}
	sum := sha256.Sum256(der)
	k.mu.Lock()
	if c, ok := k.keys[bank]; ok && c.sum == sum {
		k.mu.Unlock()
		return c.key, nil
	}
	k.mu.Unlock()
	raw, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return notify.Key{}, err
	}
	signer, ok := raw.(crypto.Signer)
	if !ok {
		return notify.Key{}, errors.New("signing key is not a crypto.Signer")
	}
	jwk, err := publishedKey(p, signer.Public())
	if err != nil {
		return notify.Key{}, err
	}
	key := notify.Key{Signer: signer, KeyID: jwk.KeyID, Algorithm: jose.SignatureAlgorithm(jwk.Algorithm)}
	k.mu.Lock()
	if k.keys == nil {
		k.keys = map[string]cachedKey{}
	}
	k.keys[bank] = cachedKey{sum: sum, key: key}
	k.mu.Unlock()
	return key, nil
}

// publishedKey reads the provider's JWKS through its own handler and finds
// the entry for pub, so the kid and alg are exactly what verifiers fetch.
func publishedKey(p *authz.Provider, pub crypto.PublicKey) (jose.JSONWebKey, error) {
	u, err := url.Parse(p.Discovery().JWKSURI)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	rec := httptest.NewRecorder()
	p.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u.RequestURI(), nil))
	if rec.Code != http.StatusOK {
		return jose.JSONWebKey{}, fmt.Errorf("JWKS answered %d", rec.Code)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(rec.Body.Bytes(), &set); err != nil {
		return jose.JSONWebKey{}, err
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	for _, k := range set.Keys {
		if e, ok := pub.(equaler); ok && e.Equal(k.Key) {
			return k, nil
		}
	}
	return jose.JSONWebKey{}, errors.New("the signing key is not in the bank's JWKS")
}

// logScenario says what a scenario applied at start did, ids but never a
// token.
func logScenario(log *slog.Logger, file string, res ScenarioResult) {
	short := res.SHA256
	if len(short) > 12 {
		short = short[:12]
	}
	if !res.Applied {
		args := []any{"file", file, "sha256", short}
		if res.Previous != nil {
			args = append(args, "appliedAt", res.Previous.At.Format(time.RFC3339))
		}
		log.Info("scenario already applied to this state: skipped (-scenario-mode always applies it again)", args...)
		return
	}
	var consents []string
	for _, l := range res.Links {
		consents = append(consents, l.ConsentId)
	}
	log.Info("scenario applied", "file", file, "sha256", short,
		"users", len(res.UserIDs), "accounts", len(res.AccountIDs), "transactions", res.TransactionCount,
		"subscriptions", len(res.SubscriptionIDs), "links", consents, "notifications", len(res.NotificationIDs),
		"faults", len(res.FaultIDs), "clockSteps", len(res.Steps))
}
