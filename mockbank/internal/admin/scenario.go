package admin

import (
	"context"
	"fmt"
	"time"

	"github.com/obconnect/obconnect/mockbank/internal/faults"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

// ScenarioResult lists what a scenario created.
type ScenarioResult struct {
	UserIDs    []string
	AccountIDs []string
	FaultIDs   []string
	// Steps are the clock steps' reports, in order.
	Steps []adminapi.ClockAdvanceResult
}

type scenarioPlan struct {
	users []struct {
		user     userPlan
		accounts []struct {
			account accountPlan
			txs     []txPlan
		}
	}
	faults []faults.Spec
	steps  []time.Duration
}

// ApplyScenario validates a whole scenario, then creates its users,
// accounts and transactions, injects its faults and runs its clock steps,
// in that order. Nothing changes when validation fails; a failure after
// that (not expected) restores the state from before the call.
func (s *Server) ApplyScenario(ctx context.Context, sc adminapi.Scenario) (ScenarioResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	plan, err := s.planScenario(ctx, sc)
	if err != nil {
		return ScenarioResult{}, err
	}
	backup, err := s.ExportState(ctx)
	if err != nil {
		return ScenarioResult{}, err
	}
	res, err := s.applyScenario(ctx, plan)
	if err != nil {
		if rerr := s.importState(ctx, backup); rerr != nil {
			s.log.Error("admin: scenario rollback failed", "err", rerr)
		}
		return ScenarioResult{}, err
	}
	s.changed()
	return res, nil
}

func (s *Server) planScenario(ctx context.Context, sc adminapi.Scenario) (*scenarioPlan, error) {
	p := &scenarioPlan{}
	taken := map[string]bool{}
	if sc.Users != nil {
		for i, su := range *sc.Users {
			up, err := s.planUser(ctx, su.User, taken)
			if err != nil {
				return nil, fmt.Errorf("users[%d]: %w", i, err)
			}
			taken[up.bank+"/"+up.user.Username] = true
			var entry struct {
				user     userPlan
				accounts []struct {
					account accountPlan
					txs     []txPlan
				}
			}
			entry.user = up
			if su.Accounts != nil {
				for j, sa := range *su.Accounts {
					ap, err := s.planAccount(up.bank, sa.Account)
					if err != nil {
						return nil, fmt.Errorf("users[%d].accounts[%d]: %w", i, j, err)
					}
					var ae struct {
						account accountPlan
						txs     []txPlan
					}
					ae.account = ap
					if sa.Transactions != nil {
						for _, st := range *sa.Transactions {
							if st.Timestamp != nil && st.Timestamp.Before(ap.account.OpenDate) {
								ae.account.account.OpenDate = st.Timestamp.UTC()
								ap.account.OpenDate = st.Timestamp.UTC()
							}
						}
						for k, st := range *sa.Transactions {
							a := ap.account
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
	if sc.Faults != nil {
		banks := s.deps.Store.Banks()
		for i, f := range *sc.Faults {
			spec, err := toSpec(f).Validate(banks)
			if err != nil {
				return nil, fmt.Errorf("faults[%d]: %w", i, classify(err))
			}
			p.faults = append(p.faults, spec)
		}
	}
	if sc.ClockSteps != nil {
		for i, step := range *sc.ClockSteps {
			d, err := time.ParseDuration(step)
			if err != nil || d <= 0 || d > MaxClockStep {
				return nil, fmt.Errorf("clockSteps[%d]: %w", i, invalid("%q is not a positive Go duration of at most %s", step, MaxClockStep))
			}
			p.steps = append(p.steps, d)
		}
	}
	return p, nil
}

func (s *Server) applyScenario(ctx context.Context, p *scenarioPlan) (ScenarioResult, error) {
	res := ScenarioResult{UserIDs: []string{}, AccountIDs: []string{}, FaultIDs: []string{}}
	for _, u := range p.users {
		nu, err := s.applyUser(ctx, u.user)
		if err != nil {
			return res, err
		}
		res.UserIDs = append(res.UserIDs, nu.ID)
		for _, a := range u.accounts {
			na, err := s.applyAccount(ctx, a.account, nu.ID)
			if err != nil {
				return res, err
			}
			res.AccountIDs = append(res.AccountIDs, na.ID)
			if err := s.applyTxs(ctx, u.user.bank, na, a.txs); err != nil {
				return res, err
			}
		}
	}
	for _, f := range p.faults {
		r, err := s.deps.Faults.Add(ctx, f)
		if err != nil {
			return res, err
		}
		res.FaultIDs = append(res.FaultIDs, r.ID)
	}
	for _, d := range p.steps {
		step, err := s.advance(ctx, d)
		if err != nil {
			return res, err
		}
		res.Steps = append(res.Steps, step)
	}
	return res, nil
}

// LoadScenario applies a scenario.
func (s *Server) LoadScenario(ctx context.Context, req adminapi.LoadScenarioRequestObject) (adminapi.LoadScenarioResponseObject, error) {
	if req.Body == nil {
		return nil, invalid("a body is required")
	}
	res, err := s.ApplyScenario(ctx, *req.Body)
	if err != nil {
		return nil, err
	}
	return adminapi.LoadScenario200JSONResponse{UserIds: &res.UserIDs, AccountIds: &res.AccountIDs, FaultIds: &res.FaultIDs}, nil
}
