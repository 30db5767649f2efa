package fakebank

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/obconnect/obconnect/sdk/model"
)

// Fault is an error the bank answers for the next Count data calls.
type Fault struct {
	Status     int
	Code       int
	RetryAfter int // seconds
	// RetryAfterHeader, when set, is sent as Retry-After verbatim instead
	// (an HTTP-date, or garbage), for tests of the header's other forms.
	RetryAfterHeader string
	Count            int
}

// Bank is the fake bank's state and its HTTP server.
type Bank struct {
	Server *httptest.Server
	// DataCalls counts requests to the data API (not OAuth).
	DataCalls atomic.Int64
	// TokenCalls counts requests to the token endpoint.
	TokenCalls atomic.Int64
	// Revocations counts requests to the token revocation endpoint.
	Revocations atomic.Int64

	mu           sync.Mutex
	accounts     []model.Account
	txs          map[string][]model.Transaction
	statements   map[string][]model.Statement
	docs         map[string][]byte
	contacts     map[string]model.Contact
	networks     map[string][]model.PaymentNetwork
	consents     map[string]*model.Consent
	codes        map[string]authRequest
	par          map[string]url.Values
	access       map[string]string // access token -> consent id
	refresh      map[string]string // refresh token -> consent id
	faults       []Fault
	now          func() time.Time
	accessTTL    time.Duration
	deny         bool
	lastAuth     http.Header
	lastRequests []*http.Request
	badNonce     bool
	subs         map[string]string // subscription id -> callback
}

type authRequest struct {
	params    url.Values
	challenge string
}

// New starts a fake bank with seeded data: a checking account with 23
// transactions, a credit card with 7, a loan with none.
func New() *Bank {
	b := &Bank{
		txs:        map[string][]model.Transaction{},
		statements: map[string][]model.Statement{},
		docs:       map[string][]byte{},
		contacts:   map[string]model.Contact{},
		networks:   map[string][]model.PaymentNetwork{},
		consents:   map[string]*model.Consent{},
		codes:      map[string]authRequest{},
		par:        map[string]url.Values{},
		access:     map[string]string{},
		refresh:    map[string]string{},
		subs:       map[string]string{},
		now:        time.Now,
		accessTTL:  time.Hour,
	}
	b.seed()
	b.Server = httptest.NewServer(http.HandlerFunc(b.serve))
	return b
}

// Close stops the server.
func (b *Bank) Close() { b.Server.Close() }

// URL is the base URL to open the connector with.
func (b *Bank) URL() string { return b.Server.URL }

func m(text string) model.Money { return model.MustMoney(text, "USD") }

func ptr(v model.Money) *model.Money { return &v }

func (b *Bank) seed() {
	base := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	b.accounts = []model.Account{
		{ID: "chk-1", Category: model.DepositAccount, Type: model.Checking, Status: model.AccountStatusOpen, NumberDisplay: "...6789", Currency: "USD",
			Balances: &model.Balances{AsOf: base, Current: ptr(m("1234567890123.45")), Available: ptr(m("1000.00"))}},
		{ID: "cc-1", Category: model.LineOfCredit, Type: model.CreditCard, Status: model.AccountStatusOpen, NumberDisplay: "...4321", Currency: "USD",
			Balances: &model.Balances{AsOf: base, Current: ptr(m("250.10")), CreditLine: ptr(m("5000.00")), AvailableCredit: ptr(m("4749.90"))}},
		{ID: "loan-1", Category: model.LoanAccount, Type: model.AutoLoan, Status: model.AccountStatusOpen, NumberDisplay: "...1111", Currency: "USD",
			Balances: &model.Balances{AsOf: base, Principal: ptr(m("12000.00"))}},
	}
	for i := range 23 {
		amt := m(fmt.Sprintf("%d.%02d", i*7, i))
		dir := model.Debit
		if i%5 == 0 {
			dir = model.Credit
		}
		signed, _ := model.SignedAmount(amt, dir)
		tx := model.Transaction{ID: fmt.Sprintf("chk-1-tx-%02d", i), AccountID: "chk-1", Amount: signed, Direction: dir,
			Status: model.Posted, TransactionTime: base.AddDate(0, 0, i), PostedTime: base.AddDate(0, 0, i).Add(time.Hour),
			Description: "purchase", Merchant: "Shop", MCC: "5411", Category: "Groceries"}
		if i == 22 {
			tx.Status, tx.PostedTime = model.Pending, time.Time{}
		}
		b.txs["chk-1"] = append(b.txs["chk-1"], tx)
	}
	for i := range 7 {
		b.txs["cc-1"] = append(b.txs["cc-1"], model.Transaction{ID: fmt.Sprintf("cc-1-tx-%d", i), AccountID: "cc-1",
			Amount: m(fmt.Sprintf("-%d.99", i+1)), Direction: model.Debit, Status: model.Posted,
			TransactionTime: base.AddDate(0, 0, i*3), PostedTime: base.AddDate(0, 0, i*3)})
	}
	b.statements["chk-1"] = []model.Statement{
		{ID: "st-1", AccountID: "chk-1", Date: time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), Status: model.StatementAvailable},
		{ID: "st-2", AccountID: "chk-1", Date: time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC), Status: model.StatementAvailable},
	}
	b.docs["st-1"] = []byte("%PDF-1.4 statement one")
	b.docs["st-2"] = []byte("%PDF-1.4 statement two")
	for _, a := range b.accounts {
		b.contacts[a.ID] = model.Contact{Holders: []model.Holder{{Name: model.Name{First: "Ada", Last: "Lovelace"}, Relationship: "PRIMARY"}}, Emails: []string{"ada@example.com"}}
	}
	b.networks["chk-1"] = []model.PaymentNetwork{{BankID: "021000021", Identifier: "123456786789", IdentifierType: "ACCOUNT_NUMBER", Type: model.USACH, TransferIn: true, TransferOut: true}}
}

// Truth returns copies of the bank's data, for tests to compare against.
func (b *Bank) Truth() (accounts []model.Account, txs map[string][]model.Transaction, statements map[string][]model.Statement) {
	b.mu.Lock()
	defer b.mu.Unlock()
	txs = map[string][]model.Transaction{}
	for k, v := range b.txs {
		txs[k] = slices.Clone(v)
	}
	statements = map[string][]model.Statement{}
	for k, v := range b.statements {
		statements[k] = slices.Clone(v)
	}
	return slices.Clone(b.accounts), txs, statements
}

// Networks returns the seeded payment networks of an account.
func (b *Bank) Networks(accountID string) []model.PaymentNetwork {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.networks[accountID])
}

// Fail queues a fault for the next data calls.
func (b *Bank) Fail(f Fault) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if f.Count <= 0 {
		f.Count = 1
	}
	b.faults = append(b.faults, f)
}

// Deny makes the consent page refuse (error=access_denied).
func (b *Bank) Deny(v bool) { b.mu.Lock(); b.deny = v; b.mu.Unlock() }

// SetAccessTTL sets the lifetime of access tokens issued from now on.
func (b *Bank) SetAccessTTL(d time.Duration) { b.mu.Lock(); b.accessTTL = d; b.mu.Unlock() }

// ExpireAccessTokens invalidates every access token (refresh tokens stay).
func (b *Bank) ExpireAccessTokens() {
	b.mu.Lock()
	defer b.mu.Unlock()
	clear(b.access)
}

// RevokeConsent revokes a consent at the bank, as a user would on the
// bank's own site.
func (b *Bank) RevokeConsent(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c, ok := b.consents[id]; ok {
		c.Status = model.ConsentStatusRevoked
	}
}

// ExpireConsent marks a consent expired at the bank.
func (b *Bank) ExpireConsent(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c, ok := b.consents[id]; ok {
		c.Status = model.ConsentStatusExpired
	}
}

// LastTokenRequestAuth returns the headers of the last token request.
func (b *Bank) LastTokenRequestAuth() http.Header {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lastAuth.Clone()
}

// DataRequests returns the data requests received so far (headers only).
func (b *Bank) DataRequests() []*http.Request {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.lastRequests)
}

type errBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fdxError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, errBody{Code: code, Message: msg})
}

func (b *Bank) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/authorize":
		b.authorize(w, r)
	case r.URL.Path == "/par":
		b.pushed(w, r)
	case r.URL.Path == "/token":
		b.token(w, r)
	case r.URL.Path == "/jwks":
		b.jwks(w, r)
	case r.URL.Path == "/revoke":
		if err := r.ParseForm(); err != nil || !clientAuthenticated(r) || r.PostForm.Get("token") == "" {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
			return
		}
		b.Revocations.Add(1)
		w.WriteHeader(http.StatusOK)
	default:
		b.data(w, r)
	}
}

func (b *Bank) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	b.mu.Lock()
	if ru := q.Get("request_uri"); ru != "" {
		p, ok := b.par[ru]
		if !ok {
			b.mu.Unlock()
			http.Error(w, "unknown request_uri", http.StatusBadRequest)
			return
		}
		delete(b.par, ru)
		q = p
	}
	deny := b.deny
	b.mu.Unlock()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	out := url.Values{"state": {q.Get("state")}}
	if deny {
		out.Set("error", "access_denied")
	} else {
		code := uuid.NewString()
		b.mu.Lock()
		b.codes[code] = authRequest{params: q, challenge: q.Get("code_challenge")}
		b.mu.Unlock()
		out.Set("code", code)
	}
	redirect.RawQuery = out.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (b *Bank) pushed(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !clientAuthenticated(r) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	ru := "urn:ietf:params:oauth:request_uri:" + uuid.NewString()
	b.mu.Lock()
	b.par[ru] = r.PostForm
	b.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"request_uri": ru, "expires_in": 60})
}

func clientAuthenticated(r *http.Request) bool {
	if _, _, ok := r.BasicAuth(); ok {
		return true
	}
	return r.PostForm.Get("client_assertion") != "" &&
		r.PostForm.Get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
}

func (b *Bank) token(w http.ResponseWriter, r *http.Request) {
	b.TokenCalls.Add(1)
	if err := r.ParseForm(); err != nil || !clientAuthenticated(r) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lastAuth = r.Header.Clone()
	b.lastAuth.Set("X-Form-Assertion", r.PostForm.Get("client_assertion"))
	var consentID, nonce string
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		ar, ok := b.codes[r.PostForm.Get("code")]
		delete(b.codes, r.PostForm.Get("code"))
		if !ok || !pkceOK(ar.challenge, r.PostForm.Get("code_verifier")) || ar.params.Get("redirect_uri") != r.PostForm.Get("redirect_uri") {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
			return
		}
		consentID = "consent-" + uuid.NewString()[:8]
		nonce = ar.params.Get("nonce")
		if b.badNonce {
			nonce = "tampered"
		}
		days, _ := strconv.Atoi(ar.params.Get("duration_days"))
		clusters := model.ParseClusters(ar.params.Get("scope"))
		c := &model.Consent{ID: consentID, Status: model.ConsentStatusActive, Purpose: ar.params.Get("purpose"), Clusters: clusters,
			Created: b.now().UTC(), Expires: b.now().UTC().AddDate(0, 0, days), DurationDays: days}
		for _, a := range b.accounts {
			c.Accounts = append(c.Accounts, model.ConsentAccount{AccountID: a.ID, Clusters: clusters, Status: model.ConsentStatusActive})
		}
		b.consents[consentID] = c
	case "refresh_token":
		id, ok := b.refresh[r.PostForm.Get("refresh_token")]
		delete(b.refresh, r.PostForm.Get("refresh_token")) // rotation: single use
		if !ok || b.consents[id].Status != model.ConsentStatusActive {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
			return
		}
		consentID = id
	case "client_credentials":
		at := "at-client-" + uuid.NewString()
		b.access[at] = ""
		writeJSON(w, http.StatusOK, map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": int(b.accessTTL.Seconds())})
		return
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	c := b.consents[consentID]
	at, rt := "at-"+uuid.NewString(), "rt-"+uuid.NewString()
	b.access[at], b.refresh[rt] = consentID, consentID
	ids := make([]string, 0, len(c.Accounts))
	for _, a := range c.Accounts {
		ids = append(ids, a.AccountID)
	}
	scope := "openid offline_access"
	for _, cl := range c.Clusters {
		scope += " " + string(cl)
	}
	resp := map[string]any{
		"access_token": at, "refresh_token": rt, "token_type": "Bearer", "expires_in": int(b.accessTTL.Seconds()),
		"scope": scope, "consent_id": consentID, "account_ids": ids, "consent_expires_at": c.Expires.Format(time.RFC3339),
	}
	if nonce != "" {
		resp["id_token"] = b.idToken(clientIDOf(r), nonce, consentID)
	}
	writeJSON(w, http.StatusOK, resp)
}

func pkceOK(challenge, verifier string) bool {
	return verifier != "" && challenge == s256(verifier)
}
