package app

import (
	"context"
	"crypto"
	"crypto/x509"
	"database/sql"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/obconnect/obconnect/connectors/chase"
	_ "github.com/obconnect/obconnect/connectors/citi"
	_ "github.com/obconnect/obconnect/connectors/usbank"
	_ "github.com/obconnect/obconnect/connectors/wellsfargo"
	"github.com/obconnect/obconnect/fleet"
	_ "github.com/obconnect/obconnect/fleet/fleetpg"
	_ "github.com/obconnect/obconnect/fleet/fleetsqlite"
	"github.com/obconnect/obconnect/mockbank"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/webhook"
	"github.com/obconnect/obconnect/store/postgres"
	"github.com/obconnect/obconnect/store/sqlite"
	"github.com/obconnect/obconnect/store/sqlstore"
)

// LaunchOptions configure Launch.
type LaunchOptions struct {
	// Addr is where the app listens ("127.0.0.1:8090"; port 0 picks one).
	Addr string
	// DataDir holds the SQLite files (state.db: tokens, grants and the
	// app's tables; fleet.db: the fleet and River). Used when PostgresDSN
	// is empty.
	DataDir string
	// PostgresDSN puts everything in PostgreSQL instead.
	PostgresDSN string
	// Keys seal tokens at rest; nil means a fresh key for this run.
	Keys *sqlstore.Keyring
	// Seed and Start are mockbank's: its data, and where its simulated
	// clock starts (zero: midnight UTC today, as cmd/mockbank does).
	Seed  uint64
	Start time.Time
	// Users are the app's local accounts to create.
	Users []UserPass
	// Logger gets operational logs; nil means silent.
	Logger *slog.Logger
}

// UserPass is one local app account.
type UserPass struct{ Username, Password string }

// Instance is a running assistant with its in-process mockbank.
type Instance struct {
	URL       string
	App       *App
	Fleet     *fleet.Fleet
	Mock      *mockbank.Server
	MockURL   string
	FleetDSN  string
	StatePath string // the SQLite state file, "" on PostgreSQL
	stop      []func()
}

// notificationTypes are those the app subscribes to: the fleet's (new,
// posted, revoked) and the alerts'.
var notificationTypes = []string{"TRANSACTIONS_NEW", "TRANSACTIONS_POSTED", "BALANCE", "FRAUD_SUSPECTED", "CONSENT_REVOKED", "CONSENT_EXPIRING"}

// Launch starts mockbank on a loopback port of its own, the stores, the
// fleet (working jobs in this process), the app, and the webhook
// receivers, subscribed at every bank. Close stops them all.
func Launch(ctx context.Context, o LaunchOptions) (inst *Instance, err error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	inst = &Instance{}
	defer func() {
		if err != nil {
			inst.Close()
			inst = nil
		}
	}()
	appLn, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("assistant: listen on %s: %w", o.Addr, err)
	}
	inst.URL = "http://" + appLn.Addr().String()
	mockLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = appLn.Close()
		return nil, err
	}
	inst.MockURL = "http://" + mockLn.Addr().String()

	// mockbank, in process, with the banks' real rate limits: the fleet's
	// budget keeps under them.
	start := o.Start
	if start.IsZero() {
		start = time.Now().UTC().Truncate(24 * time.Hour)
	}
	mock, err := mockbank.New(ctx, &mockbank.Options{Seed: o.Seed, Clock: func() time.Time { return start }, BaseURL: inst.MockURL,
		RedirectURIs: []string{inst.URL + "/callback"}, NotificationRetryBase: 200 * time.Millisecond, Logger: o.Logger})
	if err != nil {
		_ = appLn.Close()
		_ = mockLn.Close()
		return nil, err
	}
	inst.Mock = mock
	mockSrv := &http.Server{Handler: mock, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = mockSrv.Serve(mockLn) }()
	inst.stop = append(inst.stop, func() { _ = mockSrv.Close(); _ = mock.Close() })

	// The state store (tokens sealed, webhook replay) and the app's tables.
	keys := o.Keys
	if keys == nil {
		k, err := sqlstore.GenerateKey("assistant")
		if err != nil {
			return inst, err
		}
		if keys, err = sqlstore.NewKeyring(k); err != nil {
			return inst, err
		}
	}
	var st *sqlstore.Store
	pg := o.PostgresDSN != ""
	if pg {
		ps, err := postgres.Open(ctx, o.PostgresDSN, &postgres.Options{Keys: keys, Now: mock.Now})
		if err != nil {
			return inst, err
		}
		inst.stop = append(inst.stop, func() { _ = ps.Close() })
		st, inst.FleetDSN = ps.Store, o.PostgresDSN
	} else {
		if o.DataDir == "" {
			return inst, errors.New("assistant: LaunchOptions.DataDir or PostgresDSN is required")
		}
		inst.StatePath = filepath.Join(o.DataDir, "state.db")
		ss, err := sqlite.Open(ctx, inst.StatePath, &sqlite.Options{Keys: keys, Now: mock.Now})
		if err != nil {
			return inst, err
		}
		inst.stop = append(inst.stop, func() { _ = ss.Close() })
		st, inst.FleetDSN = ss.Store, "sqlite://"+filepath.Join(o.DataDir, "fleet.db")
	}

	// The fleet, one client per bank on mockbank's ready clients.
	var banks []fleet.Bank
	var names []string
	infos := mock.Banks()
	for _, b := range infos {
		creds := sdk.Credentials{ClientID: b.Client.ID, ClientSecret: b.Client.Secret, KeyID: b.Client.KeyID}
		if b.Client.PrivateKeyPEM != "" {
			if creds.PrivateKey, err = parseKey(b.Client.PrivateKeyPEM); err != nil {
				return inst, fmt.Errorf("assistant: %s client key: %w", b.Name, err)
			}
		}
		banks = append(banks, fleet.Bank{Name: b.Name, Credentials: creds, Options: &sdk.Options{BaseURL: b.Issuer,
			RedirectURL: inst.URL + "/callback", TokenStore: st.Tokens(), Now: mock.Now}})
		names = append(names, b.Name)
	}
	f, err := fleet.Open(ctx, inst.FleetDSN, &fleet.Options{Banks: banks, Now: mock.Now, Logger: o.Logger, FetchPollInterval: 200 * time.Millisecond})
	if err != nil {
		return inst, err
	}
	inst.Fleet = f
	inst.stop = append(inst.stop, func() { _ = f.Close() })
	if err := f.Start(ctx); err != nil {
		return inst, err
	}

	txDB := st.DB()
	if !pg {
		// A reader of its own on the fleet's file: WAL lets it read while
		// the fleet's one connection writes.
		txDB, err = sql.Open("sqlite", "file:"+filepath.Join(o.DataDir, "fleet.db")+"?mode=ro&_pragma=busy_timeout(5000)")
		if err != nil {
			return inst, err
		}
		inst.stop = append(inst.stop, func() { _ = txDB.Close() })
	}
	a, err := New(ctx, Config{Fleet: f, DB: st.DB(), Postgres: pg, TxDB: txDB, Banks: names, BankNow: mock.Now, BaseURL: inst.URL, Logger: o.Logger})
	if err != nil {
		return inst, err
	}
	inst.App = a
	inst.stop = append(inst.stop, a.Close)
	for _, u := range o.Users {
		if err := a.AddUser(ctx, u.Username, u.Password); err != nil && !strings.Contains(strings.ToLower(err.Error()), "unique") {
			return inst, err
		}
	}

	mux := http.NewServeMux()
	mux.Handle("/", a.Handler())
	appSrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	for _, b := range infos {
		keys, err := webhook.DiscoverJWKS(ctx, b.DiscoveryURL, nil)
		if err != nil {
			return inst, err
		}
		v, err := webhook.NewVerifier(keys, &webhook.Options{Publisher: b.Name, Subscriber: b.Client.ID, Now: mock.Now, Replay: st.Replay()})
		if err != nil {
			return inst, err
		}
		mux.Handle("POST /hooks/"+b.Name, webhook.Handler(v, a.EventHandler(b.Name)))
	}
	go func() { _ = appSrv.Serve(appLn) }()
	// Stopped first (stop runs in reverse): no request reaches a closed app.
	inst.stop = append(inst.stop, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = appSrv.Shutdown(sctx)
		_ = appSrv.Close()
	})
	for _, b := range infos {
		if _, err := f.Client(b.Name).Subscribe(ctx, nil, inst.URL+"/hooks/"+b.Name, notificationTypes...); err != nil {
			return inst, fmt.Errorf("assistant: subscribing at %s: %w", b.Name, err)
		}
	}
	return inst, nil
}

// Close stops everything Launch started, in reverse order.
func (i *Instance) Close() {
	for k := len(i.stop) - 1; k >= 0; k-- {
		i.stop[k]()
	}
	i.stop = nil
}

// AdminToken is the in-process mockbank's admin token.
func (i *Instance) AdminToken() string { return i.Mock.AdminToken() }

func parseKey(p string) (crypto.Signer, error) {
	blk, _ := pem.Decode([]byte(p))
	if blk == nil {
		return nil, errors.New("no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("not a signing key")
	}
	return s, nil
}
