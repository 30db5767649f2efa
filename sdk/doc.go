// Package sdk is obconnect's portable open-banking client: one API for
// every bank, whatever its FDX version, pagination style, client
// authentication or error quirks.
//
// Package sdk compiles no database driver: the state it keeps goes through
// small interfaces ([TokenStore], [GrantStore]) with in-memory
// implementations for tests, and the production stores (SQLite,
// PostgreSQL) are separate packages under store/, imported only by
// integrators who use them.
//
// An integrator imports sdk and, with a blank import, the connectors of the
// banks they use; holds one [*Client] per bank; links users with
// [Client.StartLink] and [Client.CompleteLink]; and reads their data with
// the returned [*Grant]:
//
//	import (
//		"github.com/obconnect/obconnect/sdk"
//		_ "github.com/obconnect/obconnect/connectors/chase"
//	)
//
//	client, err := sdk.Open(ctx, "chase", sdk.Credentials{ClientID: id, PrivateKey: key, KeyID: kid},
//		&sdk.Options{RedirectURL: cb, TokenStore: store})
//	pending, err := client.StartLink(ctx, sdk.LinkRequest{
//		Clusters: []sdk.Cluster{sdk.AccountBasic, sdk.AccountDetailed, sdk.Transactions},
//		Purpose:  sdk.PurposePersonalFinancialManagement,
//		Duration: 90 * 24 * time.Hour,
//	})
//	// store pending, redirect the user to pending.AuthURL; on the callback:
//	grant, err := client.CompleteLink(ctx, pending, r.URL.Query())
//	for tx, err := range client.Transactions(ctx, grant, accountID, sdk.TxQuery{}) { ... }
//
// The design follows gocloud.dev and database/sql: [Client] is a concrete
// type that owns everything common (validation, consent checks, retries,
// rate limiting, pagination, error classification, logging); a bank's
// connector implements the small interface in package sdk/driver and
// registers itself with [Register], for [Open] by name; [OpenWith] opens
// one directly, without the registry, as sql.OpenDB does. The data model
// lives in sdk/model and the error codes in sdk/obcerr; both are
// re-exported here (see # Re-exports), so integrators need no other
// import.
//
// Libraries: golang.org/x/oauth2 for the OAuth flows (PKCE, code exchange,
// refresh), github.com/go-jose/go-jose/v4 to sign private_key_jwt client
// assertions, github.com/coreos/go-oidc/v3 to verify ID tokens against the
// bank's JWKS, golang.org/x/time/rate for the client-side token bucket and
// github.com/google/uuid for interaction ids. Each is the maintained
// reference implementation of its standard; none is re-implemented here.
//
// # Options
//
// One style holds in sdk and its subpackages (sdk/webhook, sdk/txsync,
// sdk/lifecycle), gocloud.dev's: required arguments are positional, and
// the optional ones come last as opts *XOptions, where a nil pointer, like
// the zero value of any of its fields, means the documented default. A
// package's main constructor takes *Options ([Open], [OpenWith],
// webhook.NewVerifier, txsync.New, lifecycle.New); any other constructor
// takes *<Thing>Options (webhook.JWKSOptions, webhook.MemoryReplayStoreOptions,
// txsync.BoltOptions). There are no functional options and no setters, and
// a configured value has no exported fields to change after construction.
// Credentials are required, so they are positional too: a [Credentials]
// struct of fields, never a string the SDK parses. Request values
// ([LinkRequest], [TxQuery]) and nested settings ([RetryPolicy]) follow the
// same zero-means-default rule.
//
// # Re-exports
//
// Package sdk re-exports, as aliases of the same types, everything of
// sdk/model and sdk/obcerr that an integrator passes to a [Client] or
// reads from one: every model type, every constant of its enumerations
// (clusters, purposes, account types, categories and statuses, consent,
// transaction and statement statuses, directions, payment networks), the
// Money constructors, every error code and sentinel, and the error
// constructors. The set is complete rather than dropped because every call
// returns model values and every failure is tested against a code: one
// import is what integrators write against, and sdk/model and sdk/obcerr
// exist as separate packages only so that sdk/driver and the connectors
// can share them without an import cycle. Helpers only connectors need
// (model.Page, model.SignedAmount, model.ParseClusters, obcerr.ParseRetryAfter,
// ...) are not re-exported. Names are chosen so that both families fit
// in one namespace: the error code AccountClosed (a refused call) and the
// status AccountStatusClosed (what the bank reports of an account), the
// codes ConsentRevoked and ConsentExpired and the statuses
// ConsentStatusRevoked and ConsentStatusExpired.
//
// Apart from the connector registry, the package has no global state: its
// only exported variables are sentinel errors, and sets such as
// [Clusters] and [Purposes] are constants returned as new slices.
//
// # Errors
//
// Every error carries a code: test with errors.Is and the sentinels
// (errors.Is(err, sdk.ErrConsentRevoked)) or read it with [ErrorCode]. When
// the bank answered, its error (FDX code, message, debug message, HTTP
// status, x-fapi-interaction-id, Retry-After) is a [*BankError] reachable
// with errors.As. Banks disagree on how to say "consent revoked" or "slow
// down"; connectors map each bank's quirks so the codes mean the same
// everywhere. Integrators can build every error type in their own tests
// ([NewError], [NewErrorf], [WrapError], &sdk.Error{...},
// &sdk.BankError{...}).
//
// Error strings, log lines and the String/LogValue of every type never
// contain access or refresh tokens, client secrets, the PKCE verifier or
// full account numbers (shown as "****6789").
//
// # Consent
//
// A [Grant] records what the user consented to: clusters, accounts, expiry.
// Every data call checks it before any network traffic: a cluster the bank
// does not offer is Unimplemented, a cluster or account outside the grant
// is ScopeNotGranted, a grant past its expiry is ConsentExpired, a grant
// revoked through [Client.Revoke] is ConsentRevoked. The bank enforces the
// same rules again; the local check exists so that a bug in the
// integrator's code cannot even ask for data it was not given.
//
// The bank can narrow a grant later: at a token refresh its response may
// list fewer clusters (scope) or accounts (account_ids) than the grant
// holds, as U.S. Bank's does after the user withdraws one account, or an
// earlier consent end (consent_expires_at). The
// client then enforces the narrower grant before the network for every
// copy of the *Grant it is given (one loaded from storage before the
// change too), and tells the integrator through [Options.OnGrantChange]
// with a [GrantChange]: the new grant to persist and what was removed.
// [Client.CurrentGrant] returns the narrowed grant on demand. The SDK never
// writes the *Grant passed to a data call, so a grant shared by many
// goroutines is never raced on. A refresh never widens a grant: an
// account the bank lists again stays withdrawn until the user links anew.
// Only withdrawals are enforced this way; an account the bank never listed
// is left for the bank to refuse.
//
// A refused refresh is Unauthenticated by default (a bare invalid_grant:
// link again). Where the connector recognises the bank's answer for an
// ended consent at the token endpoint (the optional
// driver.TokenErrorClassifier; every FDX connector in this repository
// does, from its profile), it is ConsentRevoked (or ConsentExpired)
// instead: delete the data. The client then answers later calls with the
// same code before the network, since the bank has killed the grant's
// tokens and would only say invalid_grant again.
//
// Purposes form a closed list with no advertising or marketing purpose;
// consents last at most 365 days.
//
// # Retries and limits
//
// Idempotent reads are retried on RateLimited, Unavailable and Internal
// (HTTP 429, 5xx, connection resets) with full-jitter exponential backoff,
// honouring Retry-After in either of RFC 9110's forms (delta-seconds, or an
// HTTP-date, as chase sends it). Revocations and subscriptions are retried only
// after a rate-limit refusal, which means the bank did not act on them. A
// client-side token bucket, configured from the bank's profile, keeps the
// client under the bank's rate limit. Every request carries a fresh
// x-fapi-interaction-id. Context cancellation and deadlines are honoured
// everywhere, including while waiting for a retry or the rate limiter.
//
// # Concurrency
//
// A [Client] is safe for concurrent use and is meant to be shared. Token
// refresh is serialised per grant, across goroutines and across processes:
// when many find the access token expired at once, one goroutine per
// process calls [TokenStore].Refresh, which holds the grant's lock in the
// store (a row lock in PostgreSQL, the write lock in SQLite) while it
// either finds a token another process stored meanwhile or refreshes at
// the bank and stores the rotated token before anyone uses it. The others
// use that token (each waiting only as long as its own context allows).
// So a refresh token is presented once, and a bank that revokes a token
// family on reuse (RFC 9700 section 4.14.2) never sees a reuse from
// replicas sharing a store. A lock dies with its holder; what a crash in
// the middle of a refresh costs is said in docs/stores.md. Iterators returned by the list methods are not themselves
// safe for concurrent iteration; create one per goroutine. A *Grant may be
// shared by many goroutines: data calls only read it (a narrowing learnt
// at a refresh lives in the client, see # Consent). Revoke,
// RevokeAccounts and Forget do update it: do not run them concurrently with
// other calls on the same *Grant. Options.OnGrantChange runs on the
// goroutine whose call triggered the refresh, outside the client's locks.
//
// # Capabilities and the escape hatch
//
// [Client.Profile] says what the bank offers: its clusters, limits, OAuth
// endpoints, and whether it supports account-level revocation and
// notification subscriptions (the methods for them are Unimplemented
// otherwise). The client never hands out its connector, whose calls would
// skip the consent checks and retries. For a bank-specific need the
// portable API does not cover, [Client.As] sets a pointer to one of the
// types the connector's package documents under "# As" and reports
// whether it could, as gocloud.dev's As does.
//
// The only sdk/driver types in this package's API are the openers that
// [Register] and [OpenWith] take, through which a connector is plugged in
// (as database/sql's Register and OpenDB take driver types); nothing the
// package returns or accepts as an option is a driver type.
//
// # Observability
//
// [Options.Logger] receives debug logs of each exchange (silent by default),
// [Options.Observer] is called after each exchange with facts safe for
// metrics, [Options.WrapTransport] wraps the transport that sends each
// attempt, and [Options.Trace] brackets each call and token refresh, for
// tracing. Package telemetry/otelsdk implements them with OpenTelemetry,
// which the sdk itself does not import.
package sdk
