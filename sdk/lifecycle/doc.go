// Package lifecycle is the integrator's side of a consent's end: when a
// user withdraws consent at the bank, in the integrator's app, or for one
// account only, it says what must be deleted and deletes what obconnect
// itself stores.
//
//	f, err := lifecycle.New(client, &lifecycle.Options{Tokens: tokenStore, SyncState: syncStore})
//
//	// in the webhook handler
//	case *webhook.ConsentRevoked:
//		g := loadGrant(d.ConsentID)
//		out, err := f.OnNotification(ctx, g, d)
//		// delete out.AccountIDs' data; delete the grant if out.Whole,
//		// else save g (its RevokedAccounts changed)
//
//	// the user revokes in the app
//	out, err := f.Revoke(ctx, g)            // or f.Revoke(ctx, g, accountID)
//
//	// after any failed call
//	if out, ok, err := f.OnError(ctx, g, accountID, callErr); ok { ... same ... }
//
// # What is deleted, by whom
//
// This package deletes the grant's tokens (the TokenStore entry and the
// Client's in-memory cache, through sdk.Client.Revoke, which also revokes
// the refresh token at the bank and is idempotent when the bank already
// revoked the consent) and the txsync state of the accounts concerned. It
// marks the Grant (RevokedAt, or RevokedAccounts) so every later call with
// it fails with ConsentRevoked before any network traffic.
//
// The integrator deletes what only it holds, as the [Outcome] lists: the
// grant record (whole consent) and the data obtained for the accounts
// concerned. obconnect cannot do that for them: it never sees their
// database.
//
// Revoking from the app is [Forgetter.Revoke]: sdk.Client.Revoke (whole
// consent) or sdk.Client.RevokeAccounts (some accounts, where the bank
// supports it), plus the sync state the sdk does not know about, with the
// same Outcome as the other paths. Nothing the sdk does is done again
// here.
//
// # Deletion records
//
// An [Outcome] is an obligation: the integrator must delete the data it
// lists. With Options.Deletions set, the Forgetter records each outcome
// in that [DeletionStore] before returning it, under Outcome.ID, so a
// process that dies between the revocation and the deletion leaves a
// record behind: list DeletionStore.Pending at start-up (or from a
// periodic job), delete, then call DeletionStore.Done. Package
// store/sqlstore keeps these records in SQLite or PostgreSQL;
// [MemoryDeletionStore] is for tests.
//
// # Expiry
//
// An expired consent is not a revocation and OnError ignores it: the
// calls fail with sdk.ErrConsentExpired and the user is sent through a
// new link before or after the expiry (CONSENT_EXPIRING notifications
// warn in advance). A new grant for the same accounts keeps txsync
// cursors valid: they are bound to the bank and the account, not to a
// grant.
package lifecycle
