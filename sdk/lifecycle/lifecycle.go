package lifecycle

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/model"
	"github.com/obconnect/obconnect/sdk/txsync"
	"github.com/obconnect/obconnect/sdk/webhook"
)

// Source says how the integrator learned of a revocation.
type Source string

// Sources of a revocation.
const (
	// FromNotification: a verified CONSENT_REVOKED notification.
	FromNotification Source = "notification"
	// FromError: a call failed with ConsentRevoked.
	FromError Source = "error"
	// FromApp: the user revoked in the integrator's app (Forgetter.Revoke).
	FromApp Source = "app"
)

// Outcome says what a revocation covers, what this package deleted, and
// what the integrator must delete now.
type Outcome struct {
	// ID names the outcome in the DeletionStore; empty when Options has
	// no Deletions store.
	ID string `json:"id,omitempty"`
	// At is when the revocation was applied here (UTC).
	At        time.Time `json:"at"`
	Bank      string    `json:"bank"`
	ConsentID string    `json:"consent_id"`
	Source    Source    `json:"source"`
	// Whole is true when the whole consent is gone: delete the stored
	// grant record. When false, only AccountIDs left the consent: save
	// the grant again (its RevokedAccounts changed) and keep using it for
	// the other accounts.
	Whole bool `json:"whole"`
	// AccountIDs are the accounts whose data the integrator must delete
	// (transactions, balances, statements, contact and payment details,
	// and anything derived from them). With Whole and a grant that lists
	// no accounts it is nil: delete everything obtained under ConsentID.
	AccountIDs []string `json:"account_ids,omitzero"`
	// Reason and Initiator are the notification's, when sent.
	Reason    string `json:"reason,omitempty"`
	Initiator string `json:"initiator,omitempty"`

	// What this package deleted: the grant's tokens (TokenStore entry and
	// the Client's cache, through sdk.Client.Revoke, which also revokes
	// the refresh token at the bank) and the sync state of AccountIDs.
	TokensDeleted      bool `json:"tokens_deleted"`
	SyncStreamsDeleted int  `json:"sync_streams_deleted"`
}

// Options configures a [Forgetter]. A nil *Options, like a nil field,
// means that store is not used.
type Options struct {
	// Tokens is the TokenStore given to the Client (sdk.Options.TokenStore),
	// used to delete the grant's tokens when the bank cannot be reached to
	// revoke them; nil skips that fallback.
	Tokens sdk.TokenStore
	// SyncState is the txsync store, nil when txsync is not used.
	SyncState txsync.StateStore
	// Deletions, if set, records every Outcome before the Forgetter
	// returns it, so that what the integrator must delete survives a
	// crash between the revocation and the deletion: call Done once the
	// data is gone, and Pending at start-up.
	Deletions DeletionStore
}

// Forgetter applies revocations to what obconnect stores, for the grants
// of one Client. It is safe for concurrent use as far as the Client and
// the stores are.
type Forgetter struct {
	client    *sdk.Client
	tokens    sdk.TokenStore
	syncState txsync.StateStore
	deletions DeletionStore
}

// New returns a Forgetter for the grants of client, the bank's client the
// grants belong to; opts may be nil. Errors: InvalidArgument for a nil
// client.
func New(client *sdk.Client, opts *Options) (*Forgetter, error) {
	if client == nil {
		return nil, &sdk.Error{Code: sdk.InvalidArgument, Op: "lifecycle.New", Msg: "a Client is required"}
	}
	f := &Forgetter{client: client}
	if opts != nil {
		f.tokens, f.syncState, f.deletions = opts.Tokens, opts.SyncState, opts.Deletions
	}
	return f, nil
}

// Revoke revokes from the integrator's app: the whole consent with no
// accountIDs (sdk.Client.Revoke), else only those accounts
// (sdk.Client.RevokeAccounts, where the bank supports it). It then deletes
// the sync state concerned, which the sdk does not know about, and returns
// the same Outcome as the other paths. Errors are the sdk's; on error
// nothing local is deleted except what sdk.Client.Revoke already did.
func (f *Forgetter) Revoke(ctx context.Context, g *sdk.Grant, accountIDs ...string) (*Outcome, error) {
	if err := f.valid(g); err != nil {
		return nil, err
	}
	o := &Outcome{At: time.Now().UTC(), Bank: g.Bank, ConsentID: g.ConsentID, Source: FromApp}
	if len(accountIDs) == 0 {
		if err := f.client.Revoke(ctx, g); err != nil {
			return nil, err
		}
		o.Whole, o.TokensDeleted = true, true
		o.AccountIDs = f.allAccounts(g)
		return o, f.record(ctx, o, f.forgetSync(ctx, g, o))
	}
	if err := f.client.RevokeAccounts(ctx, g, accountIDs...); err != nil {
		return nil, err
	}
	return o, f.record(ctx, o, f.accounts(ctx, g, o, accountIDs...))
}

// OnNotification applies a verified CONSENT_REVOKED notification to g
// (whole consent, or one account). It marks g so that every later call
// with it fails before any network traffic, deletes what obconnect
// stores, and says what the integrator must delete. Errors: InvalidArgument
// when the notification is about another consent.
func (f *Forgetter) OnNotification(ctx context.Context, g *sdk.Grant, ev *webhook.ConsentRevoked) (*Outcome, error) {
	if err := f.valid(g); err != nil {
		return nil, err
	}
	if ev == nil || ev.ConsentID != g.ConsentID {
		return nil, &sdk.Error{Code: sdk.InvalidArgument, Op: "lifecycle.OnNotification", Msg: "the notification is about another consent"}
	}
	o := &Outcome{At: time.Now().UTC(), Bank: g.Bank, ConsentID: g.ConsentID, Source: FromNotification, Reason: ev.Reason, Initiator: ev.Initiator}
	if ev.WholeConsent() {
		return o, f.record(ctx, o, f.whole(ctx, g, o))
	}
	return o, f.record(ctx, o, f.accounts(ctx, g, o, ev.AccountID))
}

// OnError applies err to g when it says the consent was revoked
// (errors.Is(err, sdk.ErrConsentRevoked)); ok is false, and nothing
// happens, for any other error. accountID is the account the failed call
// was about ("" for none). Because banks that revoke single accounts
// answer calls for such an account exactly as for a revoked consent, an
// account-level failure is disambiguated by reading the consent at the
// bank (one request; no account data is returned): only when the bank
// still shows the consent active without that account is the revocation
// limited to it.
//
// An expired consent (sdk.ErrConsentExpired) is not a revocation: send the
// user through a new link (the same accounts can be chosen again, and
// txsync cursors keep working with the new grant).
func (f *Forgetter) OnError(ctx context.Context, g *sdk.Grant, accountID string, err error) (o *Outcome, ok bool, ferr error) {
	if !errors.Is(err, sdk.ErrConsentRevoked) {
		return nil, false, nil
	}
	if ferr := f.valid(g); ferr != nil {
		return nil, true, ferr
	}
	o = &Outcome{At: time.Now().UTC(), Bank: g.Bank, ConsentID: g.ConsentID, Source: FromError}
	if accountID != "" && f.onlyAccount(ctx, g, accountID) {
		return o, true, f.record(ctx, o, f.accounts(ctx, g, o, accountID))
	}
	return o, true, f.record(ctx, o, f.whole(ctx, g, o))
}

// record saves o in the DeletionStore, if there is one, whatever err
// says: an outcome returned with an error still lists data to delete.
func (f *Forgetter) record(ctx context.Context, o *Outcome, err error) error {
	if f.deletions == nil {
		return err
	}
	o.ID = uuid.NewString()
	if rerr := f.deletions.Add(ctx, o); rerr != nil {
		o.ID = ""
		return errors.Join(err, &sdk.Error{Code: sdk.Unavailable, Op: "lifecycle", Msg: "could not record what must be deleted", Err: rerr})
	}
	return err
}

// onlyAccount reports whether the bank shows the consent active with the
// account revoked or gone. Any doubt (the consent cannot be read) counts
// as a whole revocation: stopping too much is recoverable, using data
// after a revocation is not.
func (f *Forgetter) onlyAccount(ctx context.Context, g *sdk.Grant, accountID string) bool {
	if !g.RevokedAt.IsZero() {
		return false
	}
	cs, err := f.client.Consent(ctx, g)
	if err != nil || cs.Status != model.ConsentStatusActive {
		return false
	}
	for _, a := range cs.Accounts {
		if a.AccountID == accountID {
			return a.Status == model.ConsentStatusRevoked
		}
	}
	return true
}

func (f *Forgetter) valid(g *sdk.Grant) error {
	switch {
	case f == nil || f.client == nil:
		return &sdk.Error{Code: sdk.InvalidArgument, Op: "lifecycle", Msg: "a Forgetter made by New is required"}
	case g == nil:
		return &sdk.Error{Code: sdk.InvalidArgument, Op: "lifecycle", Msg: "nil grant"}
	case g.Bank != f.client.Bank():
		return &sdk.Error{Code: sdk.InvalidArgument, Op: "lifecycle", Msg: "the grant is for another bank than the Client"}
	}
	return nil
}

// whole forgets the whole grant. sdk.Client.Revoke is idempotent and does
// the local clean-up even when the bank says the consent is already
// revoked; when the bank cannot be reached at all, the grant is marked and
// its tokens deleted here instead.
func (f *Forgetter) whole(ctx context.Context, g *sdk.Grant, o *Outcome) error {
	o.Whole = true
	o.AccountIDs = f.allAccounts(g)
	var errs []error
	if err := f.client.Revoke(ctx, g); err == nil {
		o.TokensDeleted = true
	} else {
		if g.RevokedAt.IsZero() {
			g.RevokedAt = time.Now().UTC()
		}
		if f.tokens != nil {
			if derr := f.tokens.Delete(ctx, g.TokenKey()); derr != nil {
				errs = append(errs, &sdk.Error{Code: sdk.Unavailable, Op: "lifecycle", Msg: "could not delete the grant's tokens", Err: derr})
			} else {
				o.TokensDeleted = true
			}
		}
	}
	errs = append(errs, f.forgetSync(ctx, g, o))
	return errors.Join(errs...)
}

// allAccounts lists every account the grant ever covered, nil when the
// bank did not say.
func (f *Forgetter) allAccounts(g *sdk.Grant) []string {
	if g.AccountIDs == nil {
		return nil
	}
	out := slices.Clone(g.AccountIDs)
	for _, id := range g.RevokedAccounts {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func (f *Forgetter) accounts(ctx context.Context, g *sdk.Grant, o *Outcome, ids ...string) error {
	for _, id := range ids {
		if !slices.Contains(g.RevokedAccounts, id) {
			g.RevokedAccounts = append(g.RevokedAccounts, id)
		}
	}
	if g.AccountIDs != nil && !slices.ContainsFunc(g.AccountIDs, g.HasAccount) {
		// Nothing is left: the consent is as good as revoked.
		return f.whole(ctx, g, o)
	}
	o.AccountIDs = slices.Clone(ids)
	return f.forgetSync(ctx, g, o)
}

func (f *Forgetter) forgetSync(ctx context.Context, g *sdk.Grant, o *Outcome) error {
	if f.syncState == nil || len(o.AccountIDs) == 0 {
		return nil
	}
	n, err := txsync.Forget(ctx, f.syncState, g.Bank, o.AccountIDs...)
	o.SyncStreamsDeleted = n
	return err
}
