package sdk

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/obconnect/obconnect/sdk/driver"
)

// Grant is the outcome of a completed link: what the user consented to at
// one bank. It holds no secrets (tokens live in the TokenStore under
// TokenKey()), so it can be stored as JSON next to the user's record.
type Grant struct {
	// Bank is the registry name of the bank.
	Bank string `json:"bank"`
	// ConsentID is the bank's consent id (from the token response's
	// consent_id, or the consent_id claim of the ID or access token).
	ConsentID string `json:"consent_id"`
	// Clusters are the granted data clusters (the token's scope).
	Clusters []Cluster `json:"clusters"`
	// AccountIDs are the accounts the user shared. Nil means the bank did
	// not say; the SDK then leaves account checks to the bank.
	AccountIDs []string `json:"account_ids,omitempty"`
	// Purpose and DurationDays are what was requested.
	Purpose      Purpose `json:"purpose"`
	DurationDays int     `json:"duration_days"`
	// CreatedAt and ExpiresAt bound the consent (UTC).
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// RevokedAt is set by Client.Revoke; zero while active as far as this
	// SDK knows.
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	// RevokedAccounts are accounts revoked on their own (RevokeAccounts).
	RevokedAccounts []string `json:"revoked_accounts,omitempty"`
	// UserRef is the integrator's reference carried from the LinkRequest.
	UserRef string `json:"user_ref,omitempty"`
	// ID is an SDK-generated id used when the bank returned no consent id.
	ID string `json:"id"`
}

// TokenKey is the TokenStore key of the grant's tokens.
func (g *Grant) TokenKey() string {
	id := g.ConsentID
	if id == "" {
		id = "grant-" + g.ID
	}
	return g.Bank + "/" + id
}

// Clone returns a deep copy of g; nil gives nil.
func (g *Grant) Clone() *Grant {
	if g == nil {
		return nil
	}
	cp := *g
	cp.Clusters = slices.Clone(g.Clusters)
	cp.AccountIDs = slices.Clone(g.AccountIDs)
	cp.RevokedAccounts = slices.Clone(g.RevokedAccounts)
	return &cp
}

// HasCluster reports whether the grant includes c.
func (g *Grant) HasCluster(c Cluster) bool { return slices.Contains(g.Clusters, c) }

// HasAccount reports whether the grant covers the account (true when the
// bank did not list accounts).
func (g *Grant) HasAccount(id string) bool {
	if slices.Contains(g.RevokedAccounts, id) {
		return false
	}
	return g.AccountIDs == nil || slices.Contains(g.AccountIDs, id)
}

// String describes the grant; it holds nothing secret.
func (g *Grant) String() string {
	return fmt.Sprintf("Grant{%s consent:%s clusters:%v accounts:%d expires:%s}", g.Bank, g.ConsentID, g.Clusters, len(g.AccountIDs), g.ExpiresAt.Format(time.RFC3339))
}

// LogValue logs the grant's identifiers.
func (g *Grant) LogValue() slog.Value {
	return slog.GroupValue(slog.String("bank", g.Bank), slog.String("consent_id", g.ConsentID),
		slog.Any("clusters", g.Clusters), slog.Int("accounts", len(g.AccountIDs)), slog.Time("expires_at", g.ExpiresAt))
}

// check enforces the consent before any network traffic: the grant must be
// for this bank, unrevoked and unexpired, the bank must offer the cluster,
// the grant must include it, and the account (if any) must be covered.
func (c *Client) check(op string, g *Grant, cluster Cluster, accountID string) error {
	if g == nil {
		return &Error{Code: InvalidArgument, Op: op, Msg: "nil grant"}
	}
	if g.Bank != c.bank {
		return &Error{Code: InvalidArgument, Op: op, Msg: fmt.Sprintf("grant is for bank %q, client for %q", g.Bank, c.bank)}
	}
	if !g.RevokedAt.IsZero() {
		return &Error{Code: ConsentRevoked, Op: op, Msg: "consent " + g.ConsentID + " was revoked"}
	}
	if !g.ExpiresAt.IsZero() && !c.now().Before(g.ExpiresAt) {
		return &Error{Code: ConsentExpired, Op: op, Msg: "consent " + g.ConsentID + " expired at " + g.ExpiresAt.UTC().Format(time.RFC3339)}
	}
	if cluster != "" {
		if !slices.Contains(c.profile.Clusters, cluster) {
			return &Error{Code: Unimplemented, Op: op, Msg: c.bank + " does not offer " + string(cluster)}
		}
		if !g.HasCluster(cluster) {
			return &Error{Code: ScopeNotGranted, Op: op, Msg: "grant does not include " + string(cluster)}
		}
	}
	if accountID != "" {
		if err := validID(op, "account id", accountID); err != nil {
			return err
		}
		if !g.HasAccount(accountID) {
			return &Error{Code: ScopeNotGranted, Op: op, Msg: "account " + accountID + " is not in the grant"}
		}
	}
	// What the bank withdrew on a refresh binds every copy of the grant,
	// including ones loaded from storage before the change was persisted.
	if gt := c.cachedTokens(g); gt != nil {
		if code := gt.endedCode(); code != OK {
			return endedError(op, code)
		}
		var now time.Time
		if !g.ExpiresAt.IsZero() { // a grant checked without its expiry (Revoke, Consent) skips the bank's too
			now = c.now()
		}
		return gt.scopeNow().permits(op, cluster, accountID, now)
	}
	return nil
}

// checkContext rejects a nil context up front, so that no method panics
// deep inside net/http or a TokenStore on a careless caller's nil.
func checkContext(ctx context.Context, op string) error {
	if ctx == nil {
		return &Error{Code: InvalidArgument, Op: op, Msg: "nil context"}
	}
	return nil
}

// validID rejects ids that cannot be an FDX identifier, so a bad id is an
// InvalidArgument here rather than a strange URL at the bank.
func validID(op, what, id string) error {
	if id == "" || len(id) > 256 {
		return &Error{Code: InvalidArgument, Op: op, Msg: what + " must be 1..256 characters"}
	}
	for _, r := range id {
		if r < 0x21 || r == 0x7f || r == '/' || r == '?' || r == '#' || r == '%' {
			return &Error{Code: InvalidArgument, Op: op, Msg: what + " contains a character not allowed in an identifier"}
		}
	}
	return nil
}

// revocationReason is what the SDK tells the bank when the integrator
// revokes: the user asked in the integrator's app.
const revocationReason = driver.ReasonUserAction
