package admin

// The consents resource: consents at every bank, listed and revoked.

import (
	"context"
	"slices"
	"time"

	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

func apiConsent(c *store.Consent, now time.Time) adminapi.Consent {
	out := adminapi.Consent{ConsentId: c.ID, Bank: c.Bank, UserId: c.UserID, ClientId: c.ClientID,
		Status: adminapi.ConsentStatus(c.StatusAt(now)), AccountIds: slices.Clone(c.AccountIDs), Clusters: slices.Clone(c.Clusters),
		CreatedTime: c.CreatedAt.UTC(), ExpirationTime: c.ExpiresAt.UTC()}
	if out.AccountIds == nil {
		out.AccountIds = []string{}
	}
	if c.ClientName != "" {
		out.ClientName = ptr(c.ClientName)
	}
	if c.Purpose != "" {
		out.Purpose = ptr(c.Purpose)
	}
	if len(c.RevokedAccounts) > 0 {
		out.RevokedAccountIds = ptr(slices.Clone(c.RevokedAccounts))
	}
	if !c.RevokedAt.IsZero() {
		out.RevokedTime = ptr(c.RevokedAt.UTC())
	}
	if !c.LoginRequiredAt.IsZero() {
		out.LoginRequiredTime = ptr(c.LoginRequiredAt.UTC())
	}
	if c.LookbackDays > 0 {
		out.LookbackDays = ptr(c.LookbackDays)
	}
	return out
}

func (s *Server) consentOut(bank string, c *store.Consent) adminapi.Consent {
	ac := apiConsent(c, s.deps.Store.Now())
	if ac.Bank == "" {
		ac.Bank = bank
	}
	return ac
}

// GetConsent returns one consent.
func (s *Server) GetConsent(ctx context.Context, req adminapi.GetConsentRequestObject) (adminapi.GetConsentResponseObject, error) {
	bank, c, err := s.findConsent(ctx, req.ConsentId)
	if err != nil {
		return nil, err
	}
	return adminapi.GetConsent200JSONResponse(s.consentOut(bank, c)), nil
}

// ExpireConsent ends an active consent now.
func (s *Server) ExpireConsent(ctx context.Context, req adminapi.ExpireConsentRequestObject) (adminapi.ExpireConsentResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	bank, c, err := s.findConsent(ctx, req.ConsentId)
	if err != nil {
		return nil, err
	}
	nc, err := s.deps.Store.ExpireConsent(ctx, bank, c.ID)
	if err != nil {
		return nil, err
	}
	s.changed()
	return adminapi.ExpireConsent200JSONResponse(s.consentOut(bank, nc)), nil
}

// ResetLogin revokes the consent's tokens until the user consents again.
func (s *Server) ResetLogin(ctx context.Context, req adminapi.ResetLoginRequestObject) (adminapi.ResetLoginResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	bank, c, err := s.findConsent(ctx, req.ConsentId)
	if err != nil {
		return nil, err
	}
	if st := c.StatusAt(s.deps.Store.Now()); st != store.ConsentActive {
		return nil, conflict("consent %s is %s", c.ID, st)
	}
	p := s.provider(bank)
	if p == nil {
		return nil, &apiError{status: 503, code: "internal", msg: bank + " has no authorization server yet"}
	}
	if _, err := p.ResetLogin(ctx, c.ID); err != nil {
		return nil, err
	}
	nc, err := s.deps.Store.MarkLoginRequired(ctx, bank, c.ID)
	if err != nil {
		return nil, err
	}
	s.changed()
	return adminapi.ResetLogin200JSONResponse(s.consentOut(bank, nc)), nil
}

// ListConsents lists consents.
func (s *Server) ListConsents(ctx context.Context, req adminapi.ListConsentsRequestObject) (adminapi.ListConsentsResponseObject, error) {
	banks := s.deps.Store.Banks()
	if req.Params.Bank != nil {
		if err := s.checkBank(*req.Params.Bank); err != nil {
			return nil, err
		}
		banks = []string{*req.Params.Bank}
	}
	now := s.deps.Store.Now()
	out := []adminapi.Consent{}
	for _, b := range banks {
		cs, err := s.deps.Store.Consents(ctx, b)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			ac := apiConsent(c, now)
			if ac.Bank == "" {
				ac.Bank = b
			}
			if req.Params.Status != nil && string(ac.Status) != string(*req.Params.Status) {
				continue
			}
			out = append(out, ac)
		}
	}
	return adminapi.ListConsents200JSONResponse{Consents: out}, nil
}

// RevokeConsent revokes a consent at the bank, whole or some accounts.
func (s *Server) RevokeConsent(ctx context.Context, req adminapi.RevokeConsentRequestObject) (adminapi.RevokeConsentResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	bank, c, err := s.findConsent(ctx, req.ConsentId)
	if err != nil {
		return nil, err
	}
	var accounts []string
	if req.Body != nil && req.Body.AccountIds != nil {
		accounts = *req.Body.AccountIds
	}
	if len(accounts) > 0 && !s.deps.AccountLevelRevocation(bank) {
		return nil, invalid("%s revokes whole consents only", bank)
	}
	for _, a := range accounts {
		if !slices.Contains(c.AccountIDs, a) {
			return nil, invalid("account %q is not in the consent", a)
		}
	}
	nc, err := s.deps.Store.RevokeConsent(ctx, bank, c.ID, accounts, "revoked at the bank (admin API)")
	if err != nil {
		return nil, err
	}
	s.changed()
	ac := apiConsent(nc, s.deps.Store.Now())
	if ac.Bank == "" {
		ac.Bank = bank
	}
	return adminapi.RevokeConsent200JSONResponse(ac), nil
}
