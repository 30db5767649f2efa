// Package datagen fills mockbank's store with the test users of one bank:
// deterministic, realistic account histories.
//
// # Determinism
//
// Every random choice comes from math/rand/v2's PCG, seeded from a SHA-256
// of (seed, bank, username, purpose), never from map iteration order or the
// wall clock; the history ends at a fixed simulated "now". The same seed
// therefore yields the same records, and each user's data is independent of
// the others (which lets user_large be generated lazily, on first read).
//
// # Realism
//
// Merchants carry real ISO 18245 merchant category codes and a category.
// Checking accounts receive biweekly payroll and pay rent, utilities, the
// card and the loan; card purchases are authorised (PENDING) and post one
// to three days later, sometimes for a different amount (a tip) or not at
// all (a dropped authorisation); there are subscriptions, refunds,
// transfers to savings, ATM withdrawals and fees, monthly interest.
// Amounts are integer cents throughout.
//
// # Users
//
// user_good, user_mfa (one-time code 123456), user_locked (its checking
// account is RESTRICTED), user_closed (a CLOSED savings account),
// user_error_<code>, user_large (about 50 000 transactions), user_live
// (activity pre-generated [Config.LiveDays] into the future, revealed as the
// simulated clock advances) and user_lockout (an ordinary checking
// account; the authorization server starts it locked out, see
// [LockedOutUser]). All use the password "pass_good".
package datagen
