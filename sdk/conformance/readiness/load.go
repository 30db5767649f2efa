package readiness

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/conformance"
)

// LoadOptions bound the load phase; it stops at whichever bound comes
// first. Both bounds are required: a load phase never runs unbounded.
type LoadOptions struct {
	// Rate is the requests per second aimed at; 0 means 5.
	Rate float64 `json:"rate"`
	// MaxRequests and MaxDuration bound the phase; 0 means 200 requests
	// and 30 s. MaxRequests is at most 100,000.
	MaxRequests int           `json:"maxRequests"`
	MaxDuration time.Duration `json:"-"`
	// Workers send concurrently; 0 means 4.
	Workers int `json:"workers"`
}

// Load is the report's load section: the figures at the chosen rate and
// whether the profile's targets held.
type Load struct {
	Rate          float64        `json:"rate"`
	MaxRequests   int            `json:"maxRequests"`
	MaxDurationMs float64        `json:"maxDurationMs"`
	AchievedRate  float64        `json:"achievedRate"`
	DurationMs    float64        `json:"durationMs"`
	Mix           map[string]int `json:"mix"`
	// Refused counts requests to another host than the configured one,
	// refused unsent.
	Refused   int               `json:"refused"`
	Overall   Figures           `json:"overall"`
	Endpoints []EndpointFigures `json:"endpoints"`
	Pass      bool              `json:"pass"`
	Problems  []string          `json:"problems"`
}

// The realistic mix: a person opening an app (accounts, then one
// account's balances) and a scheduled sync paging through history.
const (
	mixAttendedList   = "attended: list accounts"
	mixAttendedDetail = "attended: account detail"
	mixUnattended     = "unattended: page through transactions"
)

// runLoad replays the mix at the chosen rate through one linked grant.
// Every request goes to the configured BaseURL's host only: the meter
// refuses any other (a redirect, a bank's absolute link).
func runLoad(ctx context.Context, cfg Config, parent *meter, o LoadOptions) *Load {
	if o.Rate <= 0 {
		o.Rate = 5
	}
	if o.MaxRequests <= 0 {
		o.MaxRequests = 200
	}
	// Every exchange is kept for exact percentiles.
	o.MaxRequests = min(o.MaxRequests, maxSamples)
	if o.MaxDuration <= 0 {
		o.MaxDuration = 30 * time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	l := &Load{Rate: o.Rate, MaxRequests: o.MaxRequests, MaxDurationMs: ms(o.MaxDuration), Mix: map[string]int{}, Problems: []string{}}
	m := &meter{desc: parent.desc, version: parent.version, threshold: parent.threshold, router: parent.router}
	rec := newRoot(1)
	rec.Run("load", func(t conformance.T) {
		h, err := measured(cfg.Harness, m)(ctx, t)
		require.NoError(t, err, "HarnessMaker")
		t.Cleanup(func() { _ = h.Close() })
		c, err := h.NewClient(ctx, func(o *sdk.Options) { o.Retry = sdk.RetryPolicy{MaxAttempts: 1}; o.RateLimit.RequestsPerSecond = -1 })
		require.NoError(t, err)
		clusters := []sdk.Cluster{sdk.AccountBasic, sdk.AccountDetailed}
		if slices.Contains(c.Profile().Clusters, sdk.Transactions) {
			clusters = append(clusters, sdk.Transactions)
		}
		g, err := h.Link(ctx, c, sdk.LinkRequest{Clusters: clusters, Purpose: sdk.PurposeAccountAggregation, Duration: 24 * time.Hour})
		require.NoError(t, err, "Link")
		// From here on, only the configured address.
		ad, ok := h.(*meteredHarness).Harness.(interface{ Address() string })
		require.True(t, ok, "the harness does not say which address it was configured with; the load phase runs only against that address")
		m.allowHost = hostOf(ad.Address())
		require.NotEmpty(t, m.allowHost, "the configured address %q has no host", ad.Address())
		m.take() // the link is not load
		m.budget.Store(int64(o.MaxRequests))
		m.bounded = true
		accts := g.AccountIDs
		if len(accts) == 0 {
			for a, err := range c.Accounts(ctx, g) {
				if err != nil {
					break
				}
				accts = append(accts, a.ID)
			}
		}
		require.NotEmpty(t, accts, "accounts to read")
		lctx, cancel := context.WithTimeout(ctx, o.MaxDuration)
		defer cancel()
		lim := rate.NewLimiter(rate.Limit(o.Rate), 1)
		var mu sync.Mutex
		next := func() bool {
			return lim.Wait(lctx) == nil && m.budget.Load() > 0
		}
		start := time.Now()
		var wg sync.WaitGroup
		for w := range o.Workers {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(w), 1))
				for next() {
					a := accts[rng.IntN(len(accts))]
					kind := mixAttendedList
					switch p := rng.IntN(10); {
					case p >= 7 && slices.Contains(clusters, sdk.Transactions):
						kind = mixUnattended
					case p >= 4:
						kind = mixAttendedDetail
					}
					mu.Lock()
					l.Mix[kind]++
					mu.Unlock()
					switch kind {
					case mixAttendedList:
						for _, err := range c.Accounts(lctx, g) {
							if err != nil {
								break
							}
						}
					case mixAttendedDetail:
						_, _ = c.Account(lctx, g, a)
					case mixUnattended:
						// One page of recent history per request slot.
						q := sdk.TxQuery{Start: time.Now().AddDate(0, 0, -14)}
						for _, err := range c.Transactions(lctx, g, a, q) {
							_ = err
							break
						}
					}
				}
			})
		}
		wg.Wait()
		l.DurationMs = ms(time.Since(start))
	})
	for _, ch := range rec.checks() {
		if ch.Status == Fail {
			l.Problems = append(l.Problems, fmt.Sprintf("could not run: %v", ch.Why))
		}
	}
	ss := m.take()
	l.Overall = figures(ss)
	l.Endpoints = byEndpoint(ss)
	if l.DurationMs > 0 {
		l.AchievedRate = float64(l.Overall.Requests) / (l.DurationMs / 1000)
	}
	if l.Refused = int(m.refused.Load()); l.Refused > 0 {
		l.Problems = append(l.Problems, fmt.Sprintf("%d requests to a host other than %s were refused", l.Refused, m.allowHost))
	}
	l.Problems = append(l.Problems, cfg.Thresholds.judge("at "+fmt.Sprint(o.Rate)+" req/s", l.Overall)...)
	l.Pass = len(l.Problems) == 0
	return l
}
