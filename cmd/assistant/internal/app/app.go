// Package app is the assistant reference app: a chat web page in which a
// person links accounts at the four banks through each bank's own consent
// page, asks about them in plain words, receives alerts from verified bank
// notifications, and revokes.
//
// # Where the data comes from
//
// Transactions are read from the fleet's obconnect_transactions table
// (fleet.Transactions), kept fresh by the fleet's River jobs; balances and
// loan payments are read from the bank through the sdk when asked, since
// the fleet stores no balances. Every read is written to the audit log.
//
// # Isolation
//
// The app's own tables (assistant_*) key every row by the app user. The
// fleet's tables are keyed by bank and account; the app reads them only
// for accounts it finds under the signed-in user's links, so one app user
// never reaches another's data.
//
// # Privacy
//
// The purpose is shown on every link and on the consent page; there is no
// advertising and no outside request (no fonts, scripts or images from the
// internet); account numbers are masked; tokens live sealed in the sdk's
// store and never reach a page or a log.
package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/obconnect/obconnect/fleet"
	"github.com/obconnect/obconnect/sdk"
)

// Config wires the app to the platform.
type Config struct {
	// Fleet syncs the linked accounts and holds their transactions; its
	// clients (Fleet.Client) link and read balances.
	Fleet *fleet.Fleet
	// DB holds the app's own tables; Postgres says which SQL dialect.
	DB       *sql.DB
	Postgres bool
	// TxDB is the database holding the fleet's obconnect_transactions
	// table (the same as DB on PostgreSQL; the fleet's file, read-only, on
	// SQLite), for looking one transaction up by its key when an alert
	// names it. Nil means reading the account's rows through the fleet.
	TxDB *sql.DB
	// Banks are the bank names offered for linking, in order.
	Banks []string
	// BankNow is the banks' clock ("this month" is the bank's month);
	// mockbank's simulated clock in the demo. Nil means time.Now.
	BankNow func() time.Time
	// BaseURL is where the app is reached (the consent redirect returns
	// to BaseURL/callback).
	BaseURL string
	// Logger gets operational events, never tokens or account numbers.
	Logger *slog.Logger
	// LargePurchase is the debit from which a new transaction is announced
	// as a large purchase; zero means 500.00.
	LargePurchase sdk.Money
	// RevokeWait bounds how long a revocation waits for the fleet to
	// delete the data before it reports; zero means 30 s.
	RevokeWait time.Duration
}

// App is the assistant. It is an http.Handler (Handler) and receives the
// banks' verified notifications (HandleEvent).
type App struct {
	cfg  Config
	db   *db
	hub  *hub
	log  *slog.Logger
	wg   sync.WaitGroup
	done chan struct{}

	handler http.Handler
	signIns *throttle

	mu      sync.Mutex
	pending map[string]pendingLink // by OAuth state
}

type pendingLink struct {
	userID  string
	link    *sdk.PendingLink
	expires time.Time
}

// New migrates the app's tables and returns the app.
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Fleet == nil || cfg.DB == nil {
		return nil, errors.New("assistant: Config.Fleet and Config.DB are required")
	}
	if cfg.BankNow == nil {
		cfg.BankNow = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.LargePurchase.IsZero() {
		cfg.LargePurchase = sdk.MustMoney("500.00", "USD")
	}
	if cfg.RevokeWait == 0 {
		cfg.RevokeWait = 30 * time.Second
	}
	a := &App{cfg: cfg, db: &db{sql: cfg.DB, pg: cfg.Postgres}, hub: newHub(), log: cfg.Logger,
		pending: map[string]pendingLink{}, done: make(chan struct{}), signIns: newThrottle()}
	if err := a.db.migrate(ctx); err != nil {
		return nil, err
	}
	a.handler = a.routes()
	return a, nil
}

// AddUser creates a local app user.
func (a *App) AddUser(ctx context.Context, username, password string) error {
	_, err := a.db.addUser(ctx, username, password)
	return err
}

// Close waits for the app's background work (alerts being composed,
// revocations being reported) and ends the chat streams.
func (a *App) Close() {
	select {
	case <-a.done:
	default:
		close(a.done)
	}
	a.wg.Wait()
}

// go runs background work the app waits for on Close.
func (a *App) goBackground(f func(ctx context.Context)) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-a.done:
				cancel()
			case <-ctx.Done():
			}
		}()
		f(ctx)
	}()
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func (a *App) client(bank string) *sdk.Client { return a.cfg.Fleet.Client(bank) }

// notify stores an alert and pushes it to the user's open chat pages.
func (a *App) notify(ctx context.Context, userID string, al Alert) {
	al.At = time.Now().UTC()
	if err := a.db.saveAlert(ctx, userID, al); err != nil {
		a.log.Error("assistant: saving an alert", "kind", al.Kind, "err", err)
	}
	a.hub.publish(userID, al)
}

// hub fans alerts out to the server-sent-event streams of each user.
type hub struct {
	mu   sync.Mutex
	subs map[string]map[chan Alert]struct{}
}

func newHub() *hub { return &hub{subs: map[string]map[chan Alert]struct{}{}} }

func (h *hub) subscribe(userID string) (chan Alert, func()) {
	ch := make(chan Alert, 16)
	h.mu.Lock()
	if h.subs[userID] == nil {
		h.subs[userID] = map[chan Alert]struct{}{}
	}
	h.subs[userID][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[userID], ch)
		h.mu.Unlock()
	}
}

func (h *hub) publish(userID string, al Alert) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[userID] {
		select {
		case ch <- al:
		default: // a stalled page reloads the stored alerts instead
		}
	}
}

var _ http.Handler = (*App)(nil)
