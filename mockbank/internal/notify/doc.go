// Package notify delivers mockbank's FDX notifications: it turns store
// events (new and posted transactions, consent changes, clock steps) and
// admin requests into FDX Notification bodies, signs them with the bank's
// key and POSTs them to the subscriptions' callback URLs, retrying with
// exponential backoff and recording every attempt.
//
// # Signing contract
//
// The body is the JSON of an fdxclient.Notification. The header
// x-jws-signature carries a compact JWS with a detached payload (RFC 7515
// appendix F): BASE64URL(header) + ".." + BASE64URL(signature), computed over
// the exact body bytes with the bank's signing key, the one its JWKS
// publishes. The protected header holds alg (ES256 for a P-256 key, RS256
// for RSA), kid and typ "JOSE". Each request also carries
// x-fapi-interaction-id and User-Agent mockbank/1. go-jose (already used by
// the authorization server) does the JWS work: hand-rolling JOSE is how
// verification bugs start.
//
// # Who is told what
//
// A notification about an account goes only to the subscriptions of
// clients holding an active consent that covers that account and grants the
// cluster the news is about (TRANSACTIONS for transactions and fraud,
// ACCOUNT_DETAILED for balances); one about a
// consent goes to that consent's client; a planned outage goes to every
// subscriber of the bank. A subscription receives only the types it asked
// for. Each subscription gets its own notification (own id, own
// subscriber), so ids are unique per delivery.
//
// # Types
//
//   - TRANSACTIONS_NEW / TRANSACTIONS_POSTED: a record became visible
//     (payload: the account; customFields transactionId, and status POSTED
//     for the latter).
//   - BALANCE: a deposit account's available balance fell under the
//     low-balance threshold (sent on crossing, not on every transaction;
//     customFields availableBalance, threshold, balanceType, currency).
//   - FRAUD_SUSPECTED: fired by the admin API or a transaction created with
//     suspectedFraud (payload: the transaction; customFields accountId).
//   - CONSENT_REVOKED: the whole consent, or one account of it (customFields
//     accountId) at a bank with account-level revocation; reason when the
//     revocation gave one.
//   - CONSENT_UPDATED (customFields status, accountIds still granted),
//     CONSENT_EXPIRING (expirationTime; ExpiringDays before expiry, once
//     per consent, checked whenever the clock moves), PLANNED_OUTAGE.
//
// # Delivery
//
// Any 2xx ends a delivery. Anything else (status, network error, timeout)
// is recorded and retried after BaseDelay·2^(n-1), capped at MaxDelay, up
// to MaxAttempts; then the delivery is FAILED. Redirects are not followed.
// Retries run in wall-clock time (a receiver that is down is down in real
// time), so attempt timestamps are wall-clock while sentOn is simulated
// time. Each attempt is signed afresh with sentOn set to the simulated now
// (same notificationId), so a retry that outlives a clock step is not stale
// to a receiver checking freshness against mockbank's clock. Pending deliveries survive export/import and resume after a
// restart.
package notify
