package conformance

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/model"
)

// smallPage forces many pages on small ranges; reading a whole history of
// thousands of transactions that way would take minutes at a rate-limited
// bank, so whole-history reads use the bank's maximum page size unless the
// history is small.
const (
	smallPage        = 2
	smallHistory     = 200
	windowTarget     = 15
	concurrentReader = 4
)

type kit struct {
	h       Harness
	truth   *Truth
	profile sdk.Profile
	// pageSize is used for whole-history reads.
	pageSize int
	// limiter is shared by every client the kit opens: the bank counts
	// requests per client id, not per sdk.Client.
	limiter *rate.Limiter
}

// env is one linked client with an exchange counter.
type env struct {
	c         *sdk.Client
	g         *sdk.Grant
	exchanges *atomic.Int64
}

func (k *kit) clusters() []sdk.Cluster {
	var out []sdk.Cluster
	for _, c := range []sdk.Cluster{sdk.AccountBasic, sdk.AccountDetailed, sdk.Transactions, sdk.Statements, sdk.CustomerContact, sdk.PaymentSupport} {
		if slices.Contains(k.profile.Clusters, c) {
			out = append(out, c)
		}
	}
	return out
}

// newEnv opens a client (no retries unless asked, small pages, no client
// side rate limit) and links the test user for the given clusters.
func (k *kit) newEnv(t T, clusters []sdk.Cluster, mutate func(*sdk.Options)) *env {
	t.Helper()
	ctx := context.Background()
	n := &atomic.Int64{}
	c, err := k.h.NewClient(ctx, func(cfg *sdk.Options) {
		cfg.PageSize = k.pageSize
		cfg.Limiter = k.limiter
		// The profile's client-side limiter stays on: the kit should not
		// trip the bank's own limit, and integrators run with it.
		cfg.Retry = sdk.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 50 * time.Millisecond, MaxRetryAfter: 5 * time.Second}
		prev := cfg.Observer
		cfg.Observer = func(e sdk.Exchange) {
			n.Add(1)
			if prev != nil {
				prev(e)
			}
		}
		if mutate != nil {
			mutate(cfg)
		}
	})
	require.NoError(t, err, "NewClient")
	if clusters == nil {
		clusters = k.clusters()
	}
	g, err := k.h.Link(ctx, c, sdk.LinkRequest{Clusters: clusters, Purpose: sdk.PurposePersonalFinancialManagement, Duration: 30 * 24 * time.Hour})
	require.NoError(t, err, "Link")
	return &env{c: c, g: g, exchanges: n}
}

// skipIfUnimplemented skips when a harness hook is not available.
func skipIfUnimplemented(t T, err error, what string) {
	t.Helper()
	if err != nil && sdk.ErrorCode(err) == sdk.Unimplemented {
		t.Skipf("harness cannot %s here: %v", what, err)
	}
	require.NoError(t, err, what)
}

func all[V any](seq func(func(V, error) bool)) ([]V, error) {
	var out []V
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// subtests are the kit's checks, each run on a harness of its own.
var subtests = []struct {
	name string
	run  func(*kit, T)
}{
	{"Profile", (*kit).testProfile},
	{"Link", (*kit).testLink},
	{"Accounts", (*kit).testAccounts},
	{"AccountDetail", (*kit).testAccountDetail},
	{"Transactions", (*kit).testTransactions},
	{"TransactionDateFilter", (*kit).testDateFilter},
	{"Statements", (*kit).testStatements},
	{"Contact", (*kit).testContact},
	{"PaymentNetworks", (*kit).testPaymentNetworks},
	{"Consent", (*kit).testConsent},
	{"Errors", (*kit).testErrors},
	{"Quirks", (*kit).testQuirks},
	{"TokenRefreshMidIteration", (*kit).testTokenRefresh},
	{"ContextCancellation", (*kit).testCancellation},
	{"Concurrent", (*kit).testConcurrent},
	{"Revoke", (*kit).testRevoke},
	{"Optional", (*kit).testOptional},
}

// Subtests is how many top-level subtests the kit runs, each on a harness
// of its own.
func Subtests() int { return len(subtests) }

// RunT runs the kit on any T; see Run. Every subtest gets a fresh harness
// from makeHarness, closed when the subtest ends, so that no subtest sees
// another's consents, faults or revocations, and they run in parallel.
func RunT(t T, makeHarness HarnessMaker) {
	t.Helper()
	for _, st := range subtests {
		t.Run(st.name, func(t T) {
			t.Parallel()
			st.run(newKit(t, makeHarness), t)
		})
	}
}

// newKit makes the subtest's harness and reads the bank's truth and
// profile through it.
func newKit(t T, makeHarness HarnessMaker) *kit {
	t.Helper()
	ctx := context.Background()
	h, err := makeHarness(ctx, t)
	require.NoError(t, err, "HarnessMaker")
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("Harness.Close: %v", err)
		}
	})
	truth, err := h.Truth(ctx)
	require.NoError(t, err, "Truth")
	require.NotEmpty(t, truth.Accounts, "the test user must have accounts")
	probe, err := h.NewClient(ctx, nil)
	require.NoError(t, err, "NewClient")
	k := &kit{h: h, truth: truth, profile: probe.Profile(), pageSize: smallPage}
	if rl := k.profile.RateLimit; rl.RequestsPerSecond > 0 {
		k.limiter = rate.NewLimiter(rate.Limit(rl.RequestsPerSecond), max(rl.Burst, 1))
	}
	total := 0
	for _, txs := range truth.Transactions {
		total += len(txs)
	}
	if total > smallHistory {
		k.pageSize = k.profile.MaxPageSize
	}
	return k
}

func (k *kit) testProfile(t T) {
	p := k.profile
	assert.NotEmpty(t, p.Name, "Name")
	assert.NotEmpty(t, p.FDXVersion, "FDXVersion")
	assert.Contains(t, []sdk.Pagination{sdk.PaginationOffset, sdk.PaginationPageKey}, p.Pagination, "Pagination")
	assert.Positive(t, p.MaxPageSize, "MaxPageSize")
	assert.True(t, p.DefaultPageSize > 0 && p.DefaultPageSize <= p.MaxPageSize, "DefaultPageSize within 1..MaxPageSize")
	assert.Positive(t, p.RateLimit.RequestsPerSecond, "RateLimit.RequestsPerSecond")
	assert.Positive(t, p.RateLimit.Burst, "RateLimit.Burst")
	assert.Positive(t, p.HistoryWindow, "HistoryWindow")
	assert.NotEmpty(t, p.Clusters, "Clusters")
	for _, c := range p.Clusters {
		assert.True(t, c.Valid(), "cluster %q", c)
	}
	for name, u := range map[string]string{"AuthorizationURL": p.Auth.AuthorizationURL, "TokenURL": p.Auth.TokenURL} {
		pu, err := url.Parse(u)
		assert.True(t, err == nil && pu.IsAbs(), "%s %q must be absolute", name, u)
	}
	if p.Auth.PARRequired {
		assert.NotEmpty(t, p.Auth.PARURL, "PARURL when PAR is required")
	}
	assert.Contains(t, []sdk.ClientAuth{sdk.ClientSecretBasic, sdk.PrivateKeyJWT}, p.Auth.ClientAuth)
}

func (k *kit) testLink(t T) {
	e := k.newEnv(t, nil, nil)
	assert.NotEmpty(t, e.g.ConsentID, "consent id")
	assert.ElementsMatch(t, k.clusters(), e.g.Clusters, "granted clusters")
	if e.g.AccountIDs != nil {
		for _, a := range k.truth.Accounts {
			assert.Contains(t, e.g.AccountIDs, a.ID, "granted accounts")
		}
	}
	// Compare with CreatedAt, the client's clock: a bank may run on
	// simulated time (mockbank does).
	assert.True(t, e.g.ExpiresAt.After(e.g.CreatedAt), "expiry in the future")
	assert.True(t, e.g.ExpiresAt.Before(e.g.CreatedAt.Add(sdk.MaxConsentDuration+24*time.Hour)), "expiry within 365 days")
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v", e.g, e.g, e.g), "Bearer")
}

func (k *kit) testAccounts(t T) {
	e := k.newEnv(t, nil, func(cfg *sdk.Options) { cfg.PageSize = 1 }) // one account per page
	got, err := all(e.c.Accounts(context.Background(), e.g))
	require.NoError(t, err)
	ids := map[string]int{}
	for _, a := range got {
		ids[a.ID]++
		assert.Nil(t, a.Balances, "account lists carry no balances (%s)", a.ID)
		assert.NotContains(t, a.String()+fmt.Sprint(a), "Bearer")
	}
	for id, n := range ids {
		assert.Equal(t, 1, n, "account %s listed %d times", id, n)
	}
	want := map[string]int{}
	for _, a := range k.truth.Accounts {
		want[a.ID] = 1
	}
	assert.Equal(t, want, ids, "accounts listed must be exactly the user's accounts")
	for _, a := range got {
		i := slices.IndexFunc(k.truth.Accounts, func(x sdk.Account) bool { return x.ID == a.ID })
		if i >= 0 {
			tr := k.truth.Accounts[i]
			assert.Equal(t, tr.Category, a.Category, "category of %s", a.ID)
			assert.Equal(t, tr.Type, a.Type, "type of %s", a.ID)
		}
	}
}

func (k *kit) testAccountDetail(t T) {
	e := k.newEnv(t, nil, nil)
	for _, tr := range k.truth.Accounts {
		a, err := e.c.Account(context.Background(), e.g, tr.ID)
		if tr.Status == model.AccountStatusClosed || tr.Status == model.AccountStatusRestricted {
			if err != nil {
				assert.Contains(t, []sdk.Code{sdk.AccountClosed, sdk.AccountLocked}, sdk.ErrorCode(err), "%s", tr.ID)
				continue
			}
		}
		if !assert.NoError(t, err, "Account(%s)", tr.ID) {
			continue
		}
		if !assert.NotNil(t, a.Balances, "balances of %s", tr.ID) {
			continue
		}
		b := a.Balances
		switch a.Category {
		case model.DepositAccount:
			assert.True(t, b.Current != nil || b.Available != nil, "deposit %s has current or available", a.ID)
			assert.Nil(t, b.CreditLine, "deposit %s has no credit line", a.ID)
		case model.LineOfCredit:
			assert.True(t, b.Current != nil || b.CreditLine != nil || b.AvailableCredit != nil, "LOC %s has current/credit line", a.ID)
		case model.LoanAccount:
			assert.True(t, b.Principal != nil || b.Current != nil, "loan %s has principal or current", a.ID)
			assert.Nil(t, b.Available, "loan %s has no available funds", a.ID)
		}
		for name, m := range map[string]*sdk.Money{"Current": b.Current, "Available": b.Available, "CreditLine": b.CreditLine, "AvailableCredit": b.AvailableCredit, "Principal": b.Principal} {
			if m != nil {
				_, err := model.CurrencyExponent(m.Currency)
				assert.NoError(t, err, "%s %s currency", a.ID, name)
			}
		}
		if tr.Balances != nil {
			assert.Equal(t, tr.Balances.Current, b.Current, "exact current balance of %s", a.ID)
			assert.Equal(t, tr.Balances.Available, b.Available, "exact available balance of %s", a.ID)
			assert.Equal(t, tr.Balances.CreditLine, b.CreditLine, "exact credit line of %s", a.ID)
			assert.Equal(t, tr.Balances.Principal, b.Principal, "exact principal of %s", a.ID)
		}
	}
}

func (k *kit) withTransactions() []sdk.Account {
	var out []sdk.Account
	for _, a := range k.truth.Accounts {
		if len(k.truth.Transactions[a.ID]) > 0 {
			out = append(out, a)
		}
	}
	return out
}

func (k *kit) testTransactions(t T) {
	if !slices.Contains(k.profile.Clusters, sdk.Transactions) {
		t.Skipf("bank does not offer TRANSACTIONS")
	}
	e := k.newEnv(t, nil, nil)
	accts := k.withTransactions()
	require.NotEmpty(t, accts, "the test user needs an account with transactions")
	for _, a := range accts {
		got, err := all(e.c.Transactions(context.Background(), e.g, a.ID, sdk.TxQuery{}))
		if !assert.NoError(t, err, "Transactions(%s)", a.ID) {
			continue
		}
		byID := map[string]sdk.Transaction{}
		for _, tx := range got {
			_, dup := byID[tx.ID]
			assert.False(t, dup, "transaction %s of %s returned twice", tx.ID, a.ID)
			byID[tx.ID] = tx
			assert.Equal(t, time.UTC, tx.TransactionTime.Location(), "UTC timestamps (%s)", tx.ID)
			switch tx.Direction {
			case model.Debit:
				assert.LessOrEqual(t, tx.Amount.Minor, int64(0), "debit %s is negative", tx.ID)
			case model.Credit:
				assert.GreaterOrEqual(t, tx.Amount.Minor, int64(0), "credit %s is positive", tx.ID)
			}
		}
		truth := k.truth.Transactions[a.ID]
		assert.Equal(t, len(truth), len(byID), "transactions of %s: all pages, nothing dropped", a.ID)
		for _, want := range truth {
			tx, ok := byID[want.ID]
			if !assert.True(t, ok, "transaction %s of %s missing", want.ID, a.ID) {
				continue
			}
			assert.Equal(t, want.Amount, tx.Amount, "exact signed amount of %s", want.ID)
			assert.Equal(t, want.Status, tx.Status, "status of %s", want.ID)
		}
	}
}

func dayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// window is a date range holding about windowTarget transactions of one
// account: small enough to read with tiny pages at a rate-limited bank.
type window struct {
	account    string
	start, end time.Time
	// want are the truth's transactions with both dates in the range: the
	// bank must return them whichever date it filters on.
	want []sdk.Transaction
}

func (k *kit) window(t T) window {
	t.Helper()
	accts := k.withTransactions()
	require.NotEmpty(t, accts, "the test user needs an account with transactions")
	best := accts[0]
	for _, a := range accts {
		if len(k.truth.Transactions[a.ID]) > len(k.truth.Transactions[best.ID]) {
			best = a
		}
	}
	txs := slices.Clone(k.truth.Transactions[best.ID])
	slices.SortFunc(txs, func(x, y sdk.Transaction) int { return x.Date().Compare(y.Date()) })
	i0 := len(txs) / 3
	i1 := min(i0+windowTarget-1, len(txs)-1)
	w := window{account: best.ID, start: dayOf(txs[i0].Date()), end: dayOf(txs[i1].Date())}
	for _, tx := range txs {
		if w.in(tx.TransactionTime) && (tx.PostedTime.IsZero() || w.in(tx.PostedTime)) {
			w.want = append(w.want, tx)
		}
	}
	return w
}

func (w window) in(d time.Time) bool {
	d = dayOf(d)
	return !d.Before(w.start) && !d.After(w.end)
}

func (w window) query() sdk.TxQuery { return sdk.TxQuery{Start: w.start, End: w.end} }

// check reports what a windowed read got wrong; it is also used from
// goroutines, so it returns problems instead of failing.
func (w window) check(got []sdk.Transaction) []string {
	var problems []string
	ids := map[string]bool{}
	for _, tx := range got {
		if ids[tx.ID] {
			problems = append(problems, fmt.Sprintf("transaction %s returned twice", tx.ID))
		}
		ids[tx.ID] = true
		if !w.in(tx.TransactionTime) && !w.in(tx.PostedTime) {
			problems = append(problems, fmt.Sprintf("transaction %s (%s) outside %s..%s", tx.ID, tx.Date().Format(time.RFC3339), w.start.Format(time.DateOnly), w.end.Format(time.DateOnly)))
		}
	}
	for _, tx := range w.want {
		if !ids[tx.ID] {
			problems = append(problems, fmt.Sprintf("transaction %s (%s) within %s..%s missing", tx.ID, tx.Date().Format(time.RFC3339), w.start.Format(time.DateOnly), w.end.Format(time.DateOnly)))
		}
	}
	return problems
}

func (k *kit) testDateFilter(t T) {
	if !slices.Contains(k.profile.Clusters, sdk.Transactions) {
		t.Skipf("bank does not offer TRANSACTIONS")
	}
	w := k.window(t)
	e := k.newEnv(t, nil, func(cfg *sdk.Options) { cfg.PageSize = smallPage })
	got, err := all(e.c.Transactions(context.Background(), e.g, w.account, w.query()))
	require.NoError(t, err)
	for _, p := range w.check(got) {
		t.Errorf("%s", p)
	}
	_, err = all(e.c.Transactions(context.Background(), e.g, w.account, sdk.TxQuery{Start: w.end, End: w.start.Add(-24 * time.Hour)}))
	assert.ErrorIs(t, err, sdk.ErrInvalidArgument, "End before Start")
}

func (k *kit) testStatements(t T) {
	e := k.newEnv(t, nil, nil)
	a := k.truth.Accounts[0]
	if !slices.Contains(k.profile.Clusters, sdk.Statements) {
		before := e.exchanges.Load()
		_, err := all(e.c.Statements(context.Background(), e.g, a.ID, sdk.TxQuery{}))
		assert.ErrorIs(t, err, sdk.ErrUnimplemented, "statements at a bank without STATEMENTS")
		assert.Equal(t, before, e.exchanges.Load(), "no request for an unsupported cluster")
		return
	}
	for _, acc := range k.truth.Accounts {
		want := k.truth.Statements[acc.ID]
		got, err := all(e.c.Statements(context.Background(), e.g, acc.ID, sdk.TxQuery{}))
		if !assert.NoError(t, err, "Statements(%s)", acc.ID) {
			continue
		}
		var gotIDs, wantIDs []string
		for _, s := range got {
			gotIDs = append(gotIDs, s.ID)
		}
		for _, s := range want {
			wantIDs = append(wantIDs, s.ID)
		}
		assert.ElementsMatch(t, wantIDs, gotIDs, "statements of %s", acc.ID)
		if len(got) > 0 {
			rc, err := e.c.StatementPDF(context.Background(), e.g, acc.ID, got[0].ID)
			if assert.NoError(t, err, "StatementPDF") {
				n, err := io.Copy(io.Discard, rc)
				assert.NoError(t, err)
				assert.Positive(t, n, "statement document is not empty")
				assert.NoError(t, rc.Close())
			}
		}
	}
	_, err := e.c.StatementPDF(context.Background(), e.g, a.ID, "no-such-statement-0000")
	assert.ErrorIs(t, err, sdk.ErrNotFound, "unknown statement")
}

func (k *kit) testContact(t T) {
	if !slices.Contains(k.profile.Clusters, sdk.CustomerContact) {
		t.Skipf("bank does not offer CUSTOMER_CONTACT")
	}
	e := k.newEnv(t, nil, nil)
	c, err := e.c.Contact(context.Background(), e.g, k.truth.Accounts[0].ID)
	require.NoError(t, err)
	assert.True(t, len(c.Holders)+len(c.Emails)+len(c.Addresses)+len(c.Telephones) > 0, "contact has some information")
}

func (k *kit) testPaymentNetworks(t T) {
	if !slices.Contains(k.profile.Clusters, sdk.PaymentSupport) {
		t.Skipf("bank does not offer PAYMENT_SUPPORT")
	}
	e := k.newEnv(t, nil, nil)
	found := false
	for _, a := range k.truth.Accounts {
		pns, err := e.c.PaymentNetworks(context.Background(), e.g, a.ID)
		if err != nil {
			assert.NotContains(t, []sdk.Code{sdk.Unknown, sdk.Internal}, sdk.ErrorCode(err), "PaymentNetworks(%s): %v", a.ID, err)
			continue
		}
		for _, pn := range pns {
			found = true
			full := pn.Identifier.Reveal()
			if len(full) > 4 {
				assert.NotContains(t, fmt.Sprintf("%v %+v %s", pn, pn, pn.Identifier), full, "full number printed")
			}
		}
		if want, ok := k.truth.PaymentNetworks[a.ID]; ok {
			assert.Equal(t, len(want), len(pns), "payment networks of %s", a.ID)
		}
	}
	assert.True(t, found, "some account has a payment network")
}

func (k *kit) testConsent(t T) {
	e := k.newEnv(t, nil, nil)
	cs, err := e.c.Consent(context.Background(), e.g)
	require.NoError(t, err)
	assert.Equal(t, e.g.ConsentID, cs.ID)
	assert.Equal(t, model.ConsentStatusActive, cs.Status)
	_, err = e.c.Consent(context.Background(), &sdk.Grant{Bank: e.g.Bank, ConsentID: "no-such-consent-0000", ID: e.g.ID, Clusters: e.g.Clusters})
	assert.Error(t, err, "unknown consent")
}

func (k *kit) testErrors(t T) {
	t.Run("ScopeNotGranted", func(t T) {
		e := k.newEnv(t, []sdk.Cluster{sdk.AccountBasic}, nil)
		before := e.exchanges.Load()
		a := k.truth.Accounts[0].ID
		_, err := all(e.c.Transactions(context.Background(), e.g, a, sdk.TxQuery{}))
		assert.ErrorIs(t, err, sdk.ErrScopeNotGranted)
		_, err = e.c.Account(context.Background(), e.g, a)
		assert.ErrorIs(t, err, sdk.ErrScopeNotGranted)
		if e.g.AccountIDs != nil {
			e2 := *e.g
			e2.Clusters = append(slices.Clone(e2.Clusters), sdk.AccountDetailed)
			_, err = e.c.Account(context.Background(), &e2, "not-in-grant-0000")
			assert.ErrorIs(t, err, sdk.ErrScopeNotGranted)
		}
		assert.Equal(t, before, e.exchanges.Load(), "scope errors send no request")
	})
	t.Run("NotFound", func(t T) {
		e := k.newEnv(t, nil, nil)
		// An account the bank does not know, in a grant that does not list
		// accounts, reaches the bank.
		g := *e.g
		g.AccountIDs = nil
		_, err := e.c.Account(context.Background(), &g, "no-such-account-0000")
		assert.ErrorIs(t, err, sdk.ErrNotFound)
	})
	for _, code := range []sdk.Code{sdk.NotFound, sdk.InvalidArgument, sdk.Unavailable, sdk.Internal, sdk.AccountClosed, sdk.AccountLocked, sdk.ConsentRevoked, sdk.ConsentExpired} {
		t.Run("Injected"+code.String(), func(t T) {
			e := k.newEnv(t, nil, func(cfg *sdk.Options) { cfg.Retry.MaxAttempts = 1 })
			skipIfUnimplemented(t, k.h.InjectFault(context.Background(), e.g, Fault{Code: code}), "inject "+code.String())
			_, err := e.c.Account(context.Background(), e.g, k.truth.Accounts[0].ID)
			assert.Equal(t, code, sdk.ErrorCode(err), "%v", err)
			var be *sdk.BankError
			assert.ErrorAs(t, err, &be, "the bank's error is reachable")
		})
	}
	t.Run("RateLimited", func(t T) {
		e := k.newEnv(t, nil, func(cfg *sdk.Options) { cfg.Retry.MaxAttempts = 1 })
		skipIfUnimplemented(t, k.h.InjectFault(context.Background(), e.g, Fault{Code: sdk.RateLimited, RetryAfter: time.Second}), "inject RateLimited")
		_, err := e.c.Account(context.Background(), e.g, k.truth.Accounts[0].ID)
		assert.ErrorIs(t, err, sdk.ErrRateLimited)
		d, ok := sdk.RetryAfter(err)
		// A bank may send the second as an HTTP-date (RFC 9110 §10.2.3),
		// which has whole seconds and is read against the client's clock:
		// about a second, not exactly.
		assert.True(t, ok && d >= time.Second/2 && d <= 2*time.Second, "Retry-After carried: %v", d)
	})
	t.Run("TransientFaultRetried", func(t T) {
		e := k.newEnv(t, nil, func(cfg *sdk.Options) { cfg.Retry.MaxAttempts = 3 })
		skipIfUnimplemented(t, k.h.InjectFault(context.Background(), e.g, Fault{Code: sdk.Unavailable, Count: 2}), "inject Unavailable")
		_, err := e.c.Account(context.Background(), e.g, k.truth.Accounts[0].ID)
		assert.NoError(t, err, "two transient faults are retried away")
	})
	t.Run("ConsentRevoked", func(t T) {
		e := k.newEnv(t, nil, nil)
		skipIfUnimplemented(t, k.h.RevokeAtBank(context.Background(), e.g), "revoke at the bank")
		_, err := all(e.c.Accounts(context.Background(), e.g))
		assert.ErrorIs(t, err, sdk.ErrConsentRevoked)
	})
	t.Run("ConsentExpired", func(t T) {
		e := k.newEnv(t, nil, nil)
		skipIfUnimplemented(t, k.h.ExpireAtBank(context.Background(), e.g), "expire at the bank")
		_, err := all(e.c.Accounts(context.Background(), e.g))
		assert.ErrorIs(t, err, sdk.ErrConsentExpired)
	})
	t.Run("ConsentExpiredLocally", func(t T) {
		e := k.newEnv(t, nil, nil)
		g := *e.g
		g.ExpiresAt = g.CreatedAt.Add(-time.Minute) // past on the client's clock
		before := e.exchanges.Load()
		_, err := all(e.c.Accounts(context.Background(), &g))
		assert.ErrorIs(t, err, sdk.ErrConsentExpired)
		assert.Equal(t, before, e.exchanges.Load(), "expired grants send no request")
	})
}

func (k *kit) testTokenRefresh(t T) {
	if !slices.Contains(k.profile.Clusters, sdk.Transactions) {
		t.Skipf("bank does not offer TRANSACTIONS")
	}
	w := k.window(t)
	e := k.newEnv(t, nil, func(cfg *sdk.Options) { cfg.PageSize = smallPage })
	var got []sdk.Transaction
	for tx, err := range e.c.Transactions(context.Background(), e.g, w.account, w.query()) {
		require.NoError(t, err, "iteration across a token refresh")
		got = append(got, tx)
		if len(got) == 1 {
			skipIfUnimplemented(t, k.h.ExpireAccessTokens(context.Background(), e.g), "expire access tokens")
		}
	}
	for _, p := range w.check(got) {
		t.Errorf("across the refresh: %s", p)
	}
}

func (k *kit) testCancellation(t T) {
	e := k.newEnv(t, nil, func(cfg *sdk.Options) { cfg.PageSize = smallPage })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := all(e.c.Accounts(ctx, e.g))
	assert.ErrorIs(t, err, sdk.ErrCanceled)
	if !slices.Contains(k.profile.Clusters, sdk.Transactions) {
		return
	}
	w := k.window(t)
	if len(w.want) <= smallPage {
		return
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	var last error
	n := 0
	for _, err := range e.c.Transactions(ctx2, e.g, w.account, w.query()) {
		if err != nil {
			last = err
			break
		}
		n++
		cancel2()
	}
	assert.ErrorIs(t, last, context.Canceled, "cancellation mid-iteration ends it with the context's error")
	assert.LessOrEqual(t, n, smallPage, "no page fetched after cancellation")
}

func (k *kit) testConcurrent(t T) {
	e := k.newEnv(t, nil, nil) // large pages: this is about shared state, not paging
	var w *window
	if slices.Contains(k.profile.Clusters, sdk.Transactions) {
		ww := k.window(t)
		w = &ww
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var problems []string
	for range concurrentReader {
		wg.Go(func() {
			var local []string
			got, err := all(e.c.Accounts(context.Background(), e.g))
			switch {
			case err != nil:
				local = append(local, "Accounts: "+err.Error())
			case len(got) != len(k.truth.Accounts):
				local = append(local, fmt.Sprintf("got %d accounts, want %d", len(got), len(k.truth.Accounts)))
			}
			if w != nil {
				txs, err := all(e.c.Transactions(context.Background(), e.g, w.account, w.query()))
				if err != nil {
					local = append(local, "Transactions: "+err.Error())
				} else {
					local = append(local, w.check(txs)...)
				}
			}
			mu.Lock()
			problems = append(problems, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	assert.Empty(t, problems, "concurrent reads: %s", strings.Join(problems, "; "))
}

func (k *kit) testRevoke(t T) {
	e := k.newEnv(t, nil, nil)
	ctx := context.Background()
	require.NoError(t, e.c.Revoke(ctx, e.g))
	before := e.exchanges.Load()
	_, err := all(e.c.Accounts(ctx, e.g))
	assert.ErrorIs(t, err, sdk.ErrConsentRevoked)
	assert.Equal(t, before, e.exchanges.Load(), "a revoked grant sends no request")
	// A second client that does not know about the revocation is refused by
	// the bank (its tokens are gone, or the bank says revoked).
	g := *e.g
	g.RevokedAt = time.Time{}
	_, err = all(e.c.Accounts(ctx, &g))
	assert.Contains(t, []sdk.Code{sdk.ConsentRevoked, sdk.Unauthenticated}, sdk.ErrorCode(err), "after revocation: %v", err)
}

func (k *kit) testOptional(t T) {
	probe, err := k.h.NewClient(context.Background(), nil)
	require.NoError(t, err)
	canRevokeAccounts, canSubscribe := probe.Profile().AccountRevocation, probe.Profile().Subscriptions
	t.Run("NotificationSubscriber", func(t T) {
		e := k.newEnv(t, nil, nil)
		sub, err := e.c.Subscribe(context.Background(), nil, "https://kit.example/notifications", "CONSENT_REVOKED")
		if !canSubscribe {
			assert.ErrorIs(t, err, sdk.ErrUnimplemented)
			return
		}
		require.NoError(t, err)
		assert.NotEmpty(t, sub.ID, "subscription id")
		_, err = e.c.Subscribe(context.Background(), nil, "not a url")
		assert.ErrorIs(t, err, sdk.ErrInvalidArgument)
		assert.NoError(t, e.c.Unsubscribe(context.Background(), nil, sub.ID), "Unsubscribe")
		sub2, err := e.c.Subscribe(context.Background(), e.g, "https://kit.example/notifications", "CONSENT_REVOKED")
		if assert.NoError(t, err, "Subscribe with a grant's token") {
			assert.NoError(t, e.c.Unsubscribe(context.Background(), e.g, sub2.ID))
		}
	})
	t.Run("AccountRevoker", func(t T) {
		e := k.newEnv(t, nil, nil)
		if len(k.truth.Accounts) < 2 {
			t.Skipf("needs two accounts")
		}
		victim, keep := k.truth.Accounts[0].ID, k.truth.Accounts[1].ID
		err := e.c.RevokeAccounts(context.Background(), e.g, victim)
		if !canRevokeAccounts {
			assert.ErrorIs(t, err, sdk.ErrUnimplemented)
			return
		}
		require.NoError(t, err)
		_, err = e.c.Account(context.Background(), e.g, victim)
		assert.ErrorIs(t, err, sdk.ErrScopeNotGranted, "revoked account is out of the grant locally")
		g := *e.g
		g.RevokedAccounts = nil
		_, err = e.c.Account(context.Background(), &g, victim)
		assert.Contains(t, []sdk.Code{sdk.ConsentRevoked, sdk.NotFound, sdk.ScopeNotGranted}, sdk.ErrorCode(err), "the bank refuses the revoked account: %v", err)
		_, err = e.c.Account(context.Background(), e.g, keep)
		assert.NoError(t, err, "other accounts stay readable")
	})
}
