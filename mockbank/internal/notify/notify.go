package notify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/mockbank/internal/suggest"
	"github.com/obconnect/obconnect/openapi/fdxclient"
)

// Errors; every error this package returns wraps one of them.
var (
	ErrInvalid  = errors.New("notify: invalid request")
	ErrNotFound = errors.New("notify: not found")
	ErrNoKey    = errors.New("notify: no signing key for bank")
	ErrClosed   = errors.New("notify: dispatcher closed")
)

// Notification types.
const (
	TypeTransactionsNew    = string(fdxclient.TRANSACTIONSNEW)
	TypeTransactionsPosted = string(fdxclient.TRANSACTIONSPOSTED)
	TypeBalance            = string(fdxclient.BALANCE)
	TypeFraudSuspected     = string(fdxclient.FRAUDSUSPECTED)
	TypeConsentRevoked     = string(fdxclient.CONSENTREVOKED)
	TypeConsentUpdated     = string(fdxclient.CONSENTUPDATED)
	TypeConsentExpiring    = string(fdxclient.CONSENTEXPIRING)
	TypePlannedOutage      = string(fdxclient.PLANNEDOUTAGE)
	TypeCustom             = string(fdxclient.CUSTOM)
)

// Delivery statuses.
const (
	StatusPending   = "PENDING"
	StatusDelivered = "DELIVERED"
	StatusFailed    = "FAILED"
)

// Key is a bank's signing key as its JWKS publishes it.
type Key struct {
	Signer crypto.Signer
	KeyID  string
	// Algorithm defaults to ES256 for ECDSA keys and RS256 for RSA keys.
	Algorithm jose.SignatureAlgorithm
}

// KeySource returns the current signing key of a bank.
type KeySource func(ctx context.Context, bank string) (Key, error)

// Options configure a Dispatcher. Store and Keys are required.
type Options struct {
	Store *store.Store
	Keys  KeySource
	// Client posts the notifications; nil means a client with a 10 s
	// timeout that does not follow redirects.
	Client *http.Client
	// BaseDelay (default 1 s), MaxDelay (default 1 min) and MaxAttempts
	// (default 6) shape the retries.
	BaseDelay   time.Duration
	MaxDelay    time.Duration
	MaxAttempts int
	// ExpiringDays is how long before a consent's expiry CONSENT_EXPIRING
	// is sent (default 7).
	ExpiringDays int
	// LowBalance is the available balance (minor units) under which a
	// deposit account triggers BALANCE (default 100.00).
	LowBalance store.Money
	// Publisher names the bank in notifications; default the bank's name.
	Publisher func(bank string) string
	// Seed makes notification ids reproducible.
	Seed uint64
	// Logger receives delivery failures; never bodies or keys.
	Logger *slog.Logger
	// WallClock stamps attempts; default time.Now.
	WallClock func() time.Time
	// MaxDeliveries bounds the delivery log (default 10 000): beyond it the
	// oldest finished deliveries are forgotten, so a long-running mockbank
	// does not grow without bound.
	MaxDeliveries int
}

// Attempt is one POST of a delivery.
type Attempt struct {
	At         time.Time `json:"at"`
	HTTPStatus int       `json:"httpStatus,omitempty"`
	Error      string    `json:"error,omitempty"`
	// Duration is how long the receiver took to answer.
	Duration time.Duration `json:"duration,omitempty"`
	// Response is the start of the receiver's answer (MaxResponse bytes,
	// printable UTF-8), which usually says why it refused.
	Response string `json:"response,omitempty"`
	// Kind marks a deliberate misdelivery: KindDuplicate (the same
	// notification again after it was accepted) or KindBadSignature.
	Kind string `json:"kind,omitempty"`
}

// Delivery is one notification to one subscription.
type Delivery struct {
	ID             string          `json:"id"`
	NotificationID string          `json:"notificationId"`
	SubscriptionID string          `json:"subscriptionId"`
	ClientID       string          `json:"clientId"`
	Bank           string          `json:"bank"`
	Type           string          `json:"type"`
	CallbackURL    string          `json:"callbackUrl"`
	Status         string          `json:"status"`
	Attempts       []Attempt       `json:"attempts"`
	NextAttemptAt  time.Time       `json:"nextAttemptAt,omitzero"`
	Body           json.RawMessage `json:"body"`
	// Mode is the deliberate misbehaviour asked for (Mode* constants;
	// empty: normal) and Delay its wait.
	Mode  string        `json:"mode,omitempty"`
	Delay time.Duration `json:"delay,omitempty"`
	// RedeliveryOf is the delivery this one repeats (Redeliver).
	RedeliveryOf string `json:"redeliveryOf,omitempty"`
}

// Dispatcher builds, signs and delivers notifications. It is safe for
// concurrent use; Close stops retries.
type Dispatcher struct {
	opts   Options
	client *http.Client
	key    []byte
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu         sync.Mutex
	seq        uint64
	deliveries []*Delivery // oldest first
	byID       map[string]*Delivery
	low        map[string]bool            // bank/account -> under threshold
	expiring   map[string]bool            // bank/consent -> CONSENT_EXPIRING sent
	revokedAcc map[string]map[string]bool // bank/consent -> accounts notified
	produced   int
	closed     bool
	idle       *sync.Cond
	inflight   int
	// held are out-of-order deliveries waiting for the next delivery to
	// their subscription (by subscription id).
	held map[string][]chan struct{}
}

// New returns a Dispatcher; register [Dispatcher.HandleEvent] with the
// store's OnEvent to have state changes notified.
func New(opts Options) (*Dispatcher, error) {
	if opts.Store == nil || opts.Keys == nil {
		return nil, fmt.Errorf("%w: a store and a key source are required", ErrInvalid)
	}
	if opts.BaseDelay <= 0 {
		opts.BaseDelay = time.Second
	}
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = time.Minute
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 6
	}
	if opts.ExpiringDays <= 0 {
		opts.ExpiringDays = 7
	}
	if opts.LowBalance == 0 {
		opts.LowBalance = 100_00
	}
	if opts.Publisher == nil {
		opts.Publisher = func(b string) string { return b }
	}
	if opts.WallClock == nil {
		opts.WallClock = time.Now
	}
	if opts.MaxDeliveries <= 0 {
		opts.MaxDeliveries = 10_000
	}
	client := opts.Client
	if client == nil {
		client = &http.Client{
			Timeout: 10 * time.Second,
			// A receiver that redirects has a configuration problem the
			// integrator should see, and following would sign for a URL
			// nobody registered.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var seed [8]byte
	binary.BigEndian.PutUint64(seed[:], opts.Seed)
	k := sha256.Sum256(append([]byte("mockbank/notify ids "), seed[:]...))
	ctx, cancel := context.WithCancel(context.Background())
	d := &Dispatcher{
		opts: opts, client: client, key: k[:], log: log, ctx: ctx, cancel: cancel,
		byID: map[string]*Delivery{}, low: map[string]bool{}, expiring: map[string]bool{},
		revokedAcc: map[string]map[string]bool{}, held: map[string][]chan struct{}{},
	}
	d.idle = sync.NewCond(&d.mu)
	return d, nil
}

// Close stops pending retries and waits for in-flight attempts to end.
// Deliveries still pending stay PENDING (and resume after an import).
func (d *Dispatcher) Close() error {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.cancel()
	d.wg.Wait()
	return nil
}

// Wait blocks until no delivery is pending or ctx ends. Tests use it to
// observe the outcome of deliveries.
func (d *Dispatcher) Wait(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		d.mu.Lock()
		d.idle.Broadcast()
		d.mu.Unlock()
	})
	defer stop()
	d.mu.Lock()
	defer d.mu.Unlock()
	for d.inflight > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		d.idle.Wait()
	}
	return nil
}

// Produced counts the notifications queued since the dispatcher started.
func (d *Dispatcher) Produced() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.produced
}

// Deliveries lists deliveries newest first, of one bank or all (bank "").
func (d *Dispatcher) Deliveries(ctx context.Context, bank string) []Delivery {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Delivery, 0, len(d.deliveries))
	for i := len(d.deliveries) - 1; i >= 0; i-- {
		x := d.deliveries[i]
		if bank == "" || x.Bank == bank {
			out = append(out, x.clone())
		}
	}
	return out
}

func (x *Delivery) clone() Delivery {
	c := *x
	c.Attempts = slices.Clone(x.Attempts)
	c.Body = slices.Clone(x.Body)
	return c
}

// Request asks for a notification now (the admin API's fire).
type Request struct {
	Bank          string
	Type          string
	AccountID     string
	ConsentID     string
	TransactionID string
	// Fields are extra customFields.
	Fields map[string]string
	// Mode and Delay override the subscriptions' delivery mode for this
	// notification (ModeNormal forces normal delivery).
	Mode  string
	Delay time.Duration
}

// Fire builds the notification for every matching subscription and queues
// the deliveries; it returns the notification ids.
//
// A notification about an account (transactions, balance, fraud) may name
// a consent instead of an account: one is then sent for every account the
// consent still grants, to that consent's client only.
func (d *Dispatcher) Fire(ctx context.Context, req Request) ([]string, error) {
	if req.AccountID == "" && req.ConsentID != "" && accountKind(req.Type) {
		c, err := d.opts.Store.Consent(ctx, req.Bank, req.ConsentID)
		if err != nil {
			return nil, fmt.Errorf("%w: consent", ErrNotFound)
		}
		var plans []plan
		for _, a := range c.AccountIDs {
			if !c.GrantsAccount(a) {
				continue
			}
			r := req
			r.AccountID = a
			p, err := d.validate(ctx, r)
			if err != nil {
				return nil, err
			}
			plans = append(plans, p)
		}
		var ids []string
		for _, p := range plans {
			got, err := d.dispatch(ctx, p)
			if err != nil {
				return ids, err
			}
			ids = append(ids, got...)
		}
		return ids, nil
	}
	p, err := d.validate(ctx, req)
	if err != nil {
		return nil, err
	}
	return d.dispatch(ctx, p)
}

// accountKind reports whether a notification type is about an account.
func accountKind(typ string) bool {
	switch typ {
	case TypeTransactionsNew, TypeTransactionsPosted, TypeBalance, TypeFraudSuspected:
		return true
	}
	return false
}

// plan is a validated notification before it is addressed.
type plan struct {
	bank, typ string
	category  fdxclient.NotificationCategory
	payloadID string
	idType    fdxclient.NotificationPayloadIdType
	fields    [][2]string
	// audience: a consent's client, the clients covering an account (with
	// cluster granted, when set), or every subscriber.
	consentID, accountID string
	cluster              string
	mode                 string
	delay                time.Duration
}

func (d *Dispatcher) validate(ctx context.Context, req Request) (plan, error) {
	st := d.opts.Store
	if !slices.Contains(st.Banks(), req.Bank) {
		return plan{}, fmt.Errorf("%w: %s", ErrInvalid, suggest.Unknown("bank", req.Bank, st.Banks()))
	}
	if !ValidMode(req.Mode) {
		return plan{}, fmt.Errorf("%w: %s", ErrInvalid, suggest.Unknown("delivery mode", req.Mode, Modes()))
	}
	p := plan{bank: req.Bank, typ: req.Type, consentID: req.ConsentID, accountID: req.AccountID, mode: req.Mode, delay: req.Delay}
	if req.AccountID != "" {
		if _, err := st.Account(ctx, req.Bank, req.AccountID); err != nil {
			return plan{}, fmt.Errorf("%w: account", ErrNotFound)
		}
	}
	if req.ConsentID != "" {
		if _, err := st.Consent(ctx, req.Bank, req.ConsentID); err != nil {
			return plan{}, fmt.Errorf("%w: consent", ErrNotFound)
		}
	}
	needAccount := func() error {
		if req.AccountID == "" {
			return fmt.Errorf("%w: %s needs an accountId", ErrInvalid, req.Type)
		}
		return nil
	}
	switch req.Type {
	case TypeTransactionsNew, TypeTransactionsPosted, TypeBalance:
		if err := needAccount(); err != nil {
			return plan{}, err
		}
		p.category, p.payloadID, p.idType = fdxclient.NotificationCategoryNEWDATA, req.AccountID, fdxclient.NotificationPayloadIdTypeACCOUNT
		// Only clients allowed to read the data hear that it changed.
		p.cluster = "TRANSACTIONS"
		if req.Type == TypeBalance {
			p.cluster = "ACCOUNT_DETAILED"
		}
		if req.TransactionID != "" {
			p.fields = append(p.fields, [2]string{"transactionId", req.TransactionID})
		}
		if req.ConsentID != "" {
			// Named for a consent: its client hears it, whatever else
			// covers the account.
			p.accountID = ""
		}
	case TypeFraudSuspected:
		if err := needAccount(); err != nil {
			return plan{}, err
		}
		p.category = fdxclient.NotificationCategoryFRAUD
		p.cluster = "TRANSACTIONS"
		p.payloadID, p.idType = req.AccountID, fdxclient.NotificationPayloadIdTypeACCOUNT
		if req.TransactionID != "" {
			p.payloadID, p.idType = req.TransactionID, fdxclient.NotificationPayloadIdTypeTRANSACTION
		}
		p.fields = append(p.fields, [2]string{"accountId", req.AccountID})
		if req.ConsentID != "" {
			p.accountID = ""
		}
	case TypeConsentRevoked, TypeConsentUpdated, TypeConsentExpiring:
		if req.ConsentID == "" {
			return plan{}, fmt.Errorf("%w: %s needs a consentId", ErrInvalid, req.Type)
		}
		p.category, p.payloadID, p.idType = fdxclient.NotificationCategoryCONSENT, req.ConsentID, fdxclient.NotificationPayloadIdTypeCONSENT
		if req.AccountID != "" {
			p.fields = append(p.fields, [2]string{"accountId", req.AccountID})
			// The consent's client is the audience, whatever else covers
			// the account.
			p.accountID = ""
		}
	case TypePlannedOutage, TypeCustom:
		p.category, p.payloadID, p.idType = fdxclient.NotificationCategoryMAINTENANCE, "outage-"+req.Bank, fdxclient.NotificationPayloadIdTypeMAINTENANCE
		if req.Type == TypePlannedOutage {
			// A window a receiver can show: tomorrow, two hours, in
			// simulated time; the caller's own fields replace these.
			start := d.opts.Store.Now().Add(24 * time.Hour).Truncate(time.Hour)
			for _, f := range [][2]string{
				{"startTime", start.Format(time.RFC3339)},
				{"endTime", start.Add(2 * time.Hour).Format(time.RFC3339)},
				{"description", "Scheduled maintenance (mockbank)"},
			} {
				if _, given := req.Fields[f[0]]; !given {
					p.fields = append(p.fields, f)
				}
			}
		}
		if req.Type == TypeCustom {
			p.category = fdxclient.NotificationCategorySECURITY
		}
		if req.AccountID != "" {
			p.payloadID, p.idType = req.AccountID, fdxclient.NotificationPayloadIdTypeACCOUNT
		}
	default:
		return plan{}, fmt.Errorf("%w: unknown notification type %q", ErrInvalid, req.Type)
	}
	keys := make([]string, 0, len(req.Fields))
	for k := range req.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p.fields = append(p.fields, [2]string{k, req.Fields[k]})
	}
	return p, nil
}

// audience lists the subscriptions a plan goes to.
func (d *Dispatcher) audience(ctx context.Context, p plan) ([]*store.Subscription, error) {
	st := d.opts.Store
	subs, err := st.Subscriptions(ctx, p.bank, "")
	if err != nil {
		return nil, err
	}
	var clients map[string]bool
	switch {
	case p.consentID != "":
		c, err := st.Consent(ctx, p.bank, p.consentID)
		if err != nil {
			return nil, err
		}
		clients = map[string]bool{c.ClientID: true}
	case p.accountID != "":
		cs, err := st.Consents(ctx, p.bank)
		if err != nil {
			return nil, err
		}
		now := st.Now()
		clients = map[string]bool{}
		for _, c := range cs {
			if c.StatusAt(now) == store.ConsentActive && c.GrantsAccount(p.accountID) && (p.cluster == "" || c.HasCluster(p.cluster)) {
				clients[c.ClientID] = true
			}
		}
	}
	var out []*store.Subscription
	for _, s := range subs {
		if clients != nil && !clients[s.ClientID] {
			continue
		}
		if !slices.Contains(s.Types, p.typ) {
			continue
		}
		out = append(out, s)
	}
	return out, nil
}

func (d *Dispatcher) newIDLocked(prefix string) string {
	d.seq++
	m := hmac.New(sha256.New, d.key)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], d.seq)
	m.Write([]byte(prefix))
	m.Write(b[:])
	return prefix + "-" + hex.EncodeToString(m.Sum(nil)[:10])
}

func (d *Dispatcher) dispatch(ctx context.Context, p plan) ([]string, error) {
	subs, err := d.audience(ctx, p)
	if err != nil {
		return nil, err
	}
	now := d.opts.Store.Now()
	var ids []string
	var queued []*Delivery
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, ErrClosed
	}
	for _, s := range subs {
		n := fdxclient.Notification{
			NotificationId: d.newIDLocked("ntf"),
			Type:           fdxclient.NotificationType(p.typ),
			Category:       p.category,
			SentOn:         now,
			Publisher:      fdxclient.Party{Name: d.opts.Publisher(p.bank), Type: fdxclient.PartyTypeDATAPROVIDER},
			Subscriber:     &fdxclient.Party{Name: s.ClientID, Type: fdxclient.PartyTypeDATARECIPIENT},
			NotificationPayload: fdxclient.NotificationPayload{
				Id: p.payloadID, IdType: p.idType,
			},
		}
		if len(p.fields) > 0 {
			cf := make([]struct {
				Name  string `json:"name"`
				Value string `json:"value"`
			}, len(p.fields))
			for i, f := range p.fields {
				cf[i].Name, cf[i].Value = f[0], f[1]
			}
			n.NotificationPayload.CustomFields = &cf
		}
		body, err := json.Marshal(n)
		if err != nil {
			d.mu.Unlock()
			return nil, fmt.Errorf("notify: encode: %w", err)
		}
		x := &Delivery{
			ID: d.newIDLocked("dlv"), NotificationID: n.NotificationId, SubscriptionID: s.ID, ClientID: s.ClientID,
			Bank: p.bank, Type: p.typ, CallbackURL: s.CallbackURL, Status: StatusPending, Body: body,
			Mode: s.DeliveryMode, Delay: s.DeliveryDelay,
		}
		if p.mode != "" {
			x.Mode, x.Delay = p.mode, p.delay
		}
		if x.Mode == ModeNormal {
			x.Mode, x.Delay = "", 0
		}
		d.deliveries = append(d.deliveries, x)
		d.byID[x.ID] = x
		d.produced++
		d.inflight++
		queued = append(queued, x)
		ids = append(ids, n.NotificationId)
	}
	d.trimLocked()
	d.mu.Unlock()
	for _, x := range queued {
		d.start(x)
	}
	return ids, nil
}

func (d *Dispatcher) start(x *Delivery) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		d.deliver(x)
	}()
}

// deliver runs one delivery's attempts until success, exhaustion or Close.
func (d *Dispatcher) deliver(x *Delivery) {
	d.mu.Lock()
	id, bank, url, body, sub := x.ID, x.Bank, x.CallbackURL, x.Body, x.SubscriptionID
	n := len(x.Attempts)
	mode, delay := x.Mode, x.Delay
	d.mu.Unlock()
	if n == 0 {
		d.holdFirst(sub, mode, delay)
	}
	done := func(status string) {
		d.mu.Lock()
		if status != "" {
			x.Status = status
			x.NextAttemptAt = time.Time{}
		}
		d.inflight--
		if d.inflight == 0 {
			d.idle.Broadcast()
		}
		d.mu.Unlock()
	}
	for {
		if d.ctx.Err() != nil {
			done("")
			return
		}
		n++
		if n > 1 {
			// Each attempt is a new send: sentOn says when (in simulated
			// time), so a retry that outlives a clock step still passes a
			// receiver's freshness check. The notificationId stays, for
			// de-duplication.
			body = d.restamp(body)
			d.mu.Lock()
			x.Body = body
			d.mu.Unlock()
		}
		broken := mode == ModeBadSignature && n == 1
		a := d.attempt(bank, url, body, broken)
		ok := a.Error == ""
		d.mu.Lock()
		x.Attempts = append(x.Attempts, a)
		d.mu.Unlock()
		if n == 1 && mode != ModeOutOfOrder {
			// A held (out-of-order) delivery to the same subscription
			// goes once this one has been sent.
			d.release(sub)
		}
		if ok {
			if mode == ModeDuplicate {
				// The same notification again, as a bank that lost the
				// receiver's answer would send it.
				dup := d.attempt(bank, url, body, false)
				dup.Kind = KindDuplicate
				d.mu.Lock()
				x.Attempts = append(x.Attempts, dup)
				d.mu.Unlock()
			}
			done(StatusDelivered)
			return
		}
		if n >= d.opts.MaxAttempts {
			d.log.Warn("notification delivery failed", "delivery", id, "bank", bank, "attempts", n)
			done(StatusFailed)
			return
		}
		wait := backoff(d.opts.BaseDelay, d.opts.MaxDelay, n)
		d.mu.Lock()
		x.NextAttemptAt = a.At.Add(wait)
		d.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-d.ctx.Done():
			t.Stop()
		}
	}
}

// restamp sets sentOn to the simulated now. The body is one this package
// encoded from an fdxclient.Notification, so the round trip is lossless.
func (d *Dispatcher) restamp(body []byte) []byte {
	var n fdxclient.Notification
	if err := json.Unmarshal(body, &n); err != nil {
		return body
	}
	n.SentOn = d.opts.Store.Now()
	out, err := json.Marshal(n)
	if err != nil {
		return body
	}
	return out
}

// backoff is base·2^(n-1), capped.
func backoff(base, capd time.Duration, n int) time.Duration {
	w := base
	for i := 1; i < n && w < capd; i++ {
		w *= 2
	}
	return min(w, capd)
}

func (d *Dispatcher) post(ctx context.Context, bank, url string, body []byte, brokenSignature bool) (int, string, error) {
	sig, err := d.Sign(ctx, bank, body)
	if err != nil {
		return 0, "", err
	}
	if brokenSignature {
		sig = breakSignature(sig)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", fmt.Errorf("notify: callback URL: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "mockbank/1")
	req.Header.Set("x-jws-signature", sig)
	req.Header.Set("x-fapi-interaction-id", uuid.NewString())
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, MaxResponse))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp.StatusCode, printable(head), nil
}

// Sign returns the detached compact JWS of body under bank's key.
func (d *Dispatcher) Sign(ctx context.Context, bank string, body []byte) (string, error) {
	k, err := d.opts.Keys(ctx, bank)
	if err != nil {
		return "", fmt.Errorf("%w %q: %v", ErrNoKey, bank, err)
	}
	return SignDetached(k, body)
}

// SignDetached signs body with k as the signing contract says.
func SignDetached(k Key, body []byte) (string, error) {
	if k.Signer == nil {
		return "", ErrNoKey
	}
	alg := k.Algorithm
	if alg == "" {
		switch k.Signer.(type) {
		case *ecdsa.PrivateKey:
			alg = jose.ES256
		case *rsa.PrivateKey:
			alg = jose.RS256
		default:
			return "", fmt.Errorf("%w: key type %T needs an explicit algorithm", ErrNoKey, k.Signer)
		}
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: k.Signer, KeyID: k.KeyID}},
		(&jose.SignerOptions{}).WithType("JOSE"))
	if err != nil {
		return "", fmt.Errorf("notify: signer: %w", err)
	}
	jws, err := signer.Sign(body)
	if err != nil {
		return "", fmt.Errorf("notify: sign: %w", err)
	}
	return jws.DetachedCompactSerialize()
}

// trimLocked forgets the oldest finished deliveries beyond MaxDeliveries.
// Pending ones are kept whatever the count: they are still being worked on.
func (d *Dispatcher) trimLocked() {
	excess := len(d.deliveries) - d.opts.MaxDeliveries
	if excess <= 0 {
		return
	}
	kept := d.deliveries[:0]
	for _, x := range d.deliveries {
		if excess > 0 && x.Status != StatusPending {
			delete(d.byID, x.ID)
			excess--
			continue
		}
		kept = append(kept, x)
	}
	clear(d.deliveries[len(kept):])
	d.deliveries = kept
}
