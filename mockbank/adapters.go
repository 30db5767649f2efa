package mockbank

import (
	"context"
	"crypto/subtle"
	"errors"
	"slices"

	"github.com/obconnect/obconnect/fdxerr"
	"github.com/obconnect/obconnect/mockbank/internal/authz"
	"github.com/obconnect/obconnect/mockbank/internal/datagen"
	"github.com/obconnect/obconnect/mockbank/internal/store"
)

// authUsers implements authz.Users over the store for one bank.
type authUsers struct {
	st  *store.Store
	gen datagen.Config
}

var _ authz.Users = (*authUsers)(nil)

func (u *authUsers) Authenticate(ctx context.Context, username, password string) (authz.User, error) {
	if code, ok := store.ParseErrorUser(username); ok {
		if _, known := fdxerr.Lookup(code); known {
			// Any documented FDX code can be tried without configuration.
			if err := datagen.EnsureErrorUser(ctx, u.st, u.gen, code); err != nil {
				return authz.User{}, err
			}
		}
	}
	usr, err := u.st.UserByUsername(ctx, u.gen.Bank, username)
	if errors.Is(err, store.ErrNotFound) {
		return authz.User{}, authz.ErrInvalidCredentials
	}
	if err != nil {
		return authz.User{}, err
	}
	if subtle.ConstantTimeCompare([]byte(password), []byte(usr.Password)) != 1 {
		return authz.User{}, authz.ErrInvalidCredentials
	}
	if usr.Locked {
		return authz.User{}, authz.ErrUserLocked
	}
	return authz.User{ID: usr.ID, DisplayName: usr.FirstName + " " + usr.LastName, NeedsOTP: usr.OTP != ""}, nil
}

func (u *authUsers) VerifyOTP(ctx context.Context, userID, code string) error {
	usr, err := u.st.User(ctx, u.gen.Bank, userID)
	if err != nil {
		return authz.ErrInvalidOTP
	}
	if usr.OTP == "" || subtle.ConstantTimeCompare([]byte(code), []byte(usr.OTP)) != 1 {
		return authz.ErrInvalidOTP
	}
	return nil
}

func (u *authUsers) AccountsForConsent(ctx context.Context, userID string) ([]authz.AccountChoice, error) {
	usr, err := u.st.User(ctx, u.gen.Bank, userID)
	if err != nil {
		return nil, err
	}
	out := make([]authz.AccountChoice, 0, len(usr.Accounts))
	for _, id := range usr.Accounts {
		a, err := u.st.Account(ctx, u.gen.Bank, id)
		if err != nil {
			return nil, err
		}
		name := a.ProductName
		if a.Status != store.StatusOpen {
			name += " (" + a.Status + ")"
		}
		out = append(out, authz.AccountChoice{ID: a.ID, DisplayName: name, MaskedNumber: a.MaskedNumber(), Type: string(a.Kind)})
	}
	return out, nil
}

// authConsents implements authz.Consents over the store for one bank.
type authConsents struct {
	st   *store.Store
	bank string
}

var _ authz.Consents = (*authConsents)(nil)

func (c *authConsents) CreateConsent(ctx context.Context, req authz.ConsentRequest) (string, error) {
	rec, err := c.st.CreateConsent(ctx, store.Consent{
		Bank: c.bank, UserID: req.UserID, ClientID: req.ClientID, ClientName: req.ClientName,
		Purpose: req.Purpose, Clusters: req.Clusters, AccountIDs: req.AccountIDs,
		DurationDays: req.DurationDays, LookbackDays: req.LookbackDays,
		CreatedAt: req.CreatedAt, ExpiresAt: req.ExpiresAt,
	})
	if err != nil {
		return "", err
	}
	return rec.ID, nil
}

func (c *authConsents) ConsentStatus(ctx context.Context, consentID string) (authz.ConsentState, error) {
	rec, err := c.st.Consent(ctx, c.bank, consentID)
	if err != nil {
		return authz.ConsentState{Active: false, Status: "UNKNOWN"}, nil
	}
	s := rec.StatusAt(c.st.Now())
	st := authz.ConsentState{Active: s == store.ConsentActive, Status: s}
	if len(rec.RevokedAccounts) > 0 {
		// Accounts revoked one by one (usbank) leave the grant on the next
		// refresh, so the token response's account_ids tells the app.
		st.AccountIDs = slices.DeleteFunc(slices.Clone(rec.AccountIDs), func(id string) bool { return slices.Contains(rec.RevokedAccounts, id) })
	}
	return st, nil
}
