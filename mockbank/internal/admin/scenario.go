package admin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/obconnect/obconnect/mockbank/internal/faults"
	"github.com/obconnect/obconnect/mockbank/internal/notify"
	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/mockbank/scenario"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

// Scenario modes: whether a scenario already applied to the state is
// applied again.
const (
	ScenarioOnce   = "once"
	ScenarioAlways = "always"
)

// AppliedScenario records a scenario applied to the state, so that
// applying it again (a restart with -data and -scenario) can be a no-op.
type AppliedScenario struct {
	SHA256 string `json:"sha256"`
	Source string `json:"source,omitempty"`
	// At is the simulated time it was applied.
	At time.Time `json:"at"`
}

// ScenarioResult lists what a scenario created.
type ScenarioResult struct {
	// Applied is false when mode once found it applied already (Previous
	// says when).
	Applied  bool
	SHA256   string
	Previous *AppliedScenario

	UserIDs, AccountIDs, FaultIDs    []string
	SubscriptionIDs, NotificationIDs []string
	Links                            []adminapi.Link
	TransactionCount                 int
	// Steps are the clock steps' reports, in order.
	Steps []adminapi.ClockAdvanceResult
}

type scenarioAccount struct {
	account accountPlan
	txs     []txPlan
}

type scenarioUser struct {
	user     userPlan
	accounts []scenarioAccount
}

type scenarioPlan struct {
	subs   []store.Subscription
	users  []scenarioUser
	links  []adminapi.ScenarioLink
	notes  []adminapi.ScenarioNotification
	faults []faults.Spec
	steps  []time.Duration
}

// ScenarioHash identifies a scenario document whatever its form (YAML or
// JSON, spacing, key order): the SHA-256 of its canonical JSON.
func ScenarioHash(sc adminapi.Scenario) (string, error) {
	b, err := json.Marshal(sc)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// ApplyScenario validates a whole scenario, then applies it in the order
// the Scenario schema gives. Nothing changes when validation fails; a
// failure after that (a link the authorization server refuses, say)
// restores the state from before the call. With mode once (or "") a
// scenario already applied to this state is skipped; source is recorded
// with it (a file name, or "admin API").
func (s *Server) ApplyScenario(ctx context.Context, sc adminapi.Scenario, mode, source string) (ScenarioResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum, err := ScenarioHash(sc)
	if err != nil {
		return ScenarioResult{}, err
	}
	res := ScenarioResult{SHA256: sum}
	switch mode {
	case "", ScenarioOnce:
		applied := s.appliedScenarios()
		if i := slices.IndexFunc(applied, func(a AppliedScenario) bool { return a.SHA256 == sum }); i >= 0 {
			prev := applied[i]
			res.Previous = &prev
			return res, nil
		}
	case ScenarioAlways:
	default:
		return res, invalid("scenario mode %q: want once or always", mode)
	}
	plan, err := s.planScenario(ctx, sc)
	if err != nil {
		return res, err
	}
	backup, err := s.ExportState(ctx)
	if err != nil {
		return res, err
	}
	if err := s.applyScenario(ctx, plan, &res); err != nil {
		if rerr := s.importState(ctx, backup); rerr != nil {
			s.log.Error("admin: scenario rollback failed", "err", rerr)
		}
		return ScenarioResult{SHA256: sum}, err
	}
	res.Applied = true
	s.appliedMu.Lock()
	if len(s.applied) >= maxApplied {
		s.applied = s.applied[1:]
	}
	s.applied = append(s.applied, AppliedScenario{SHA256: sum, Source: source, At: s.deps.Store.Now()})
	s.appliedMu.Unlock()
	s.changed()
	return res, nil
}

// maxApplied bounds the record of applied scenarios.
const maxApplied = 1000

func (s *Server) planScenario(ctx context.Context, sc adminapi.Scenario) (*scenarioPlan, error) {
	p := &scenarioPlan{}
	if sc.Subscriptions != nil {
		for i, in := range *sc.Subscriptions {
			sub, err := s.planSubscription(ctx, in)
			if err != nil {
				return nil, fmt.Errorf("subscriptions[%d]: %w", i, err)
			}
			p.subs = append(p.subs, sub)
		}
	}
	taken := map[string]bool{}
	if sc.Users != nil {
		for i, su := range *sc.Users {
			up, err := s.planUser(ctx, su.User, taken)
			if err != nil {
				return nil, fmt.Errorf("users[%d]: %w", i, err)
			}
			taken[up.bank+"/"+up.user.Username] = true
			entry := scenarioUser{user: up}
			if su.Accounts != nil {
				for j, sa := range *su.Accounts {
					ap, err := s.planAccount(up.bank, sa.Account)
					if err != nil {
						return nil, fmt.Errorf("users[%d].accounts[%d]: %w", i, j, err)
					}
					ae := scenarioAccount{account: ap}
					if sa.Transactions != nil {
						for _, st := range *sa.Transactions {
							if st.Timestamp != nil && st.Timestamp.Before(ae.account.account.OpenDate) {
								ae.account.account.OpenDate = st.Timestamp.UTC()
							}
						}
						for k, st := range *sa.Transactions {
							a := ae.account.account
							tp, err := s.planTx(&a, st)
							if err != nil {
								return nil, fmt.Errorf("users[%d].accounts[%d].transactions[%d]: %w", i, j, k, err)
							}
							ae.txs = append(ae.txs, tp)
						}
					}
					entry.accounts = append(entry.accounts, ae)
				}
			}
			p.users = append(p.users, entry)
		}
	}
	refs := map[string]bool{}
	if sc.Links != nil {
		for i, l := range *sc.Links {
			if l.Ref != nil {
				if refs[*l.Ref] {
					return nil, fmt.Errorf("links[%d]: ref %q is used twice", i, *l.Ref)
				}
				refs[*l.Ref] = true
			}
			in := linkCreate(l)
			if l.Username != nil && taken[l.Bank+"/"+*l.Username] {
				// The scenario's own user: checked once it exists.
				if err := s.checkBank(l.Bank); err != nil {
					return nil, fmt.Errorf("links[%d]: %w", i, err)
				}
			} else if _, err := s.planLink(ctx, in); err != nil {
				return nil, fmt.Errorf("links[%d]: %w", i, err)
			}
			p.links = append(p.links, l)
		}
	}
	if sc.Notifications != nil {
		for i, n := range *sc.Notifications {
			if err := s.checkBank(n.Bank); err != nil {
				return nil, fmt.Errorf("notifications[%d]: %w", i, err)
			}
			if n.Link != nil && !refs[*n.Link] {
				var known []string
				for r := range refs {
					known = append(known, r)
				}
				return nil, fmt.Errorf("notifications[%d]: %w", i, invalid("link %q names no link of this scenario (refs: %v)", *n.Link, known))
			}
			if n.Link != nil && n.ConsentId != nil {
				return nil, fmt.Errorf("notifications[%d]: %w", i, invalid("give link or consentId, not both"))
			}
			if _, _, err := deliveryOptions(n.Delivery); err != nil {
				return nil, fmt.Errorf("notifications[%d]: %w", i, err)
			}
			p.notes = append(p.notes, n)
		}
	}
	if sc.Faults != nil {
		banks := s.deps.Store.Banks()
		for i, f := range *sc.Faults {
			sp, err := faultSpec(f)
			if err == nil {
				sp, err = sp.Validate(banks)
			}
			if err != nil {
				return nil, fmt.Errorf("faults[%d]: %w", i, classify(err))
			}
			p.faults = append(p.faults, sp)
		}
	}
	if sc.ClockSteps != nil {
		for i, step := range *sc.ClockSteps {
			d, err := scenario.ParseDuration(step)
			if err != nil || d <= 0 || d > MaxClockStep {
				return nil, fmt.Errorf("clockSteps[%d]: %w", i, invalid("%q is not a positive duration (36h, 2d) of at most %s", step, scenario.FormatDuration(MaxClockStep)))
			}
			p.steps = append(p.steps, d)
		}
	}
	return p, nil
}

func linkCreate(l adminapi.ScenarioLink) adminapi.LinkCreate {
	in := adminapi.LinkCreate{Bank: l.Bank, Username: l.Username, UserId: l.UserId, ClientId: l.ClientId, AccountIds: l.AccountIds,
		Duration: l.Duration, Lookback: l.Lookback}
	if l.Clusters != nil {
		cs := make([]adminapi.LinkCreateClusters, len(*l.Clusters))
		for i, c := range *l.Clusters {
			cs[i] = adminapi.LinkCreateClusters(c)
		}
		in.Clusters = &cs
	}
	if l.Purpose != nil {
		p := adminapi.LinkCreatePurpose(*l.Purpose)
		in.Purpose = &p
	}
	return in
}

func (s *Server) applyScenario(ctx context.Context, p *scenarioPlan, res *ScenarioResult) error {
	res.UserIDs, res.AccountIDs, res.FaultIDs = []string{}, []string{}, []string{}
	res.SubscriptionIDs, res.NotificationIDs, res.Links = []string{}, []string{}, []adminapi.Link{}
	for _, sub := range p.subs {
		ns, err := s.deps.Store.CreateSubscription(ctx, sub)
		if err != nil {
			return err
		}
		res.SubscriptionIDs = append(res.SubscriptionIDs, ns.ID)
	}
	type pending struct {
		bank string
		acct *store.Account
		txs  []txPlan
	}
	var txs []pending
	for _, u := range p.users {
		nu, err := s.applyUser(ctx, u.user)
		if err != nil {
			return err
		}
		res.UserIDs = append(res.UserIDs, nu.ID)
		for _, a := range u.accounts {
			na, err := s.applyAccount(ctx, a.account, nu.ID)
			if err != nil {
				return err
			}
			res.AccountIDs = append(res.AccountIDs, na.ID)
			txs = append(txs, pending{u.user.bank, na, a.txs})
		}
	}
	consents := map[string]string{} // ref -> consent id
	for i, l := range p.links {
		lp, err := s.planLink(ctx, linkCreate(l))
		if err != nil {
			return fmt.Errorf("links[%d]: %w", i, err)
		}
		out, err := s.applyLink(ctx, lp)
		if err != nil {
			return fmt.Errorf("links[%d]: %w", i, err)
		}
		if l.Ref != nil {
			consents[*l.Ref] = out.ConsentId
		}
		res.Links = append(res.Links, out)
	}
	// Transactions after the links, so that the linked clients hear of
	// them.
	for _, t := range txs {
		for _, tp := range t.txs {
			if _, err := s.applyTx(ctx, t.bank, t.acct, tp); err != nil {
				return err
			}
			res.TransactionCount++
		}
	}
	for i, n := range p.notes {
		r := notify.Request{Bank: n.Bank, Type: string(n.Type), AccountID: deref(n.AccountId), ConsentID: deref(n.ConsentId), TransactionID: deref(n.TransactionId)}
		if n.Link != nil {
			r.ConsentID = consents[*n.Link]
		}
		if n.Fields != nil {
			r.Fields = *n.Fields
		}
		r.Mode, r.Delay, _ = deliveryOptions(n.Delivery)
		ids, err := s.deps.Notify.Fire(ctx, r)
		if err != nil {
			return fmt.Errorf("notifications[%d]: %w", i, classify(err))
		}
		res.NotificationIDs = append(res.NotificationIDs, ids...)
	}
	for i, l := range p.links {
		if l.State == nil || *l.State == adminapi.ScenarioLinkStateACTIVE {
			continue
		}
		out := res.Links[i]
		var err error
		switch *l.State {
		case adminapi.ScenarioLinkStateEXPIRED:
			_, err = s.deps.Store.ExpireConsent(ctx, out.Bank, out.ConsentId)
		case adminapi.ScenarioLinkStateLOGINREQUIRED:
			if prov := s.provider(out.Bank); prov != nil {
				_, err = prov.ResetLogin(ctx, out.ConsentId)
			}
			if err == nil {
				_, err = s.deps.Store.MarkLoginRequired(ctx, out.Bank, out.ConsentId)
			}
		case adminapi.ScenarioLinkStateREVOKED:
			_, err = s.deps.Store.RevokeConsent(ctx, out.Bank, out.ConsentId, nil, "revoked by the scenario")
		}
		if err != nil {
			return fmt.Errorf("links[%d].state: %w", i, err)
		}
	}
	for _, f := range p.faults {
		r, err := s.deps.Faults.Add(ctx, f)
		if err != nil {
			return err
		}
		res.FaultIDs = append(res.FaultIDs, r.ID)
	}
	for _, d := range p.steps {
		step, err := s.advance(ctx, d)
		if err != nil {
			return err
		}
		res.Steps = append(res.Steps, step)
	}
	return nil
}

// LoadScenario applies a scenario.
func (s *Server) LoadScenario(ctx context.Context, req adminapi.LoadScenarioRequestObject) (adminapi.LoadScenarioResponseObject, error) {
	if req.Body == nil {
		return nil, invalid("a body is required")
	}
	mode := ""
	if req.Params.Mode != nil {
		mode = string(*req.Params.Mode)
	}
	res, err := s.ApplyScenario(ctx, *req.Body, mode, "admin API")
	if err != nil {
		return nil, err
	}
	out := adminapi.LoadScenario200JSONResponse{Applied: res.Applied, Sha256: res.SHA256}
	if res.Applied {
		out.UserIds, out.AccountIds, out.FaultIds = &res.UserIDs, &res.AccountIDs, &res.FaultIDs
		out.SubscriptionIds, out.NotificationIds, out.Links = &res.SubscriptionIDs, &res.NotificationIDs, &res.Links
	}
	return out, nil
}
