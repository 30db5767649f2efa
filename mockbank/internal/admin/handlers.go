package admin

// What the handlers of every resource share: finding a user, account or
// consent whatever its bank, and amounts between the API and the store.
// Each resource's handlers are in a file of its own (users.go, ...).

import (
	"context"
	"slices"

	"github.com/obconnect/obconnect/mockbank/internal/faults"
	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/mockbank/internal/suggest"
	"github.com/obconnect/obconnect/openapi/fdxtypes"
)

func ptr[T any](v T) *T { return &v }

func money(m store.Money) fdxtypes.Decimal { return fdxtypes.DecimalFromMinor(int64(m), 2) }

// minor converts an exact decimal amount to cents, refusing sub-cent
// precision instead of rounding.
func minor(field string, d fdxtypes.Decimal) (store.Money, error) {
	n, err := d.MinorUnits(2)
	if err != nil {
		return 0, invalid("%s: %s is not an amount with at most 2 decimals", field, d.String())
	}
	return store.Money(n), nil
}

func (s *Server) hasBank(name string) bool { return slices.Contains(s.deps.Store.Banks(), name) }

// checkBank refuses a bank that is not served, naming the likely one and
// every served bank.
func (s *Server) checkBank(name string) error {
	if s.hasBank(name) {
		return nil
	}
	return invalid("%s", suggest.Unknown("bank", name, s.deps.Store.Banks()))
}

// checkEndpoint refuses an endpoint name faults and the journal do not
// know, naming the likely one and every valid one.
func checkEndpoint(name string) error {
	if faults.KnownEndpoint(name) {
		return nil
	}
	return invalid("%s", suggest.Unknown("endpoint", name, faults.Endpoints()))
}

func (s *Server) findUser(ctx context.Context, id string) (string, *store.User, error) {
	for _, b := range s.deps.Store.Banks() {
		if u, err := s.deps.Store.User(ctx, b, id); err == nil {
			return b, u, nil
		}
	}
	return "", nil, notFound("user %q not found", id)
}

func (s *Server) findAccount(ctx context.Context, id string) (string, *store.Account, error) {
	for _, b := range s.deps.Store.Banks() {
		if a, err := s.deps.Store.Account(ctx, b, id); err == nil {
			return b, a, nil
		}
	}
	return "", nil, notFound("account %q not found", id)
}

func (s *Server) findConsent(ctx context.Context, id string) (string, *store.Consent, error) {
	for _, b := range s.deps.Store.Banks() {
		if c, err := s.deps.Store.Consent(ctx, b, id); err == nil {
			return b, c, nil
		}
	}
	return "", nil, notFound("consent %q not found", id)
}

// summary counts what the state holds, for the start-up log.
func (s *Server) summary(ctx context.Context) []any {
	var users, consents, active, subs int
	now := s.deps.Store.Now()
	for _, b := range s.deps.Store.Banks() {
		if us, err := s.deps.Store.Users(ctx, b); err == nil {
			users += len(us)
		}
		if cs, err := s.deps.Store.Consents(ctx, b); err == nil {
			consents += len(cs)
			for _, c := range cs {
				if c.StatusAt(now) == store.ConsentActive {
					active++
				}
			}
		}
		if ss, err := s.deps.Store.Subscriptions(ctx, b, ""); err == nil {
			subs += len(ss)
		}
	}
	return []any{"users", users, "consents", consents, "activeConsents", active, "subscriptions", subs,
		"faults", len(s.deps.Faults.List(ctx)), "scenariosApplied", len(s.appliedScenarios()), "simulatedNow", now.Format("2006-01-02T15:04:05Z07:00")}
}
