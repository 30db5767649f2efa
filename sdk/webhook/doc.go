// Package webhook verifies the signed event notifications banks (and
// mockbank) POST to an integrator's callback URL, and turns them into typed
// events, in one call:
//
//	keys, err := webhook.DiscoverJWKS(ctx, "https://bank.example/.well-known/openid-configuration", nil)
//	v, err := webhook.NewVerifier(keys, nil)
//	http.Handle("/hooks/chase", webhook.Handler(v, func(ctx context.Context, ev *webhook.Event) error {
//		switch d := ev.Data.(type) {
//		case *webhook.ConsentRevoked:
//			return forget(ctx, d.ConsentID, d.AccountID)
//		case *webhook.NewTransactions:
//			return enqueueSync(ctx, d.AccountID)
//		}
//		return nil // unknown and uninteresting types are acknowledged
//	}))
//
// [Verifier.Verify] is the stripe-go ConstructEvent of this SDK: it takes
// the request header and the raw body and returns an [*Event] or an error
// matching one of the sentinels (ErrMissingSignature, ErrMalformedSignature,
// ErrAlgorithmNotAllowed, ErrUnknownKey, ErrKeysUnavailable,
// ErrInvalidSignature, ErrPayloadTooLarge, ErrMalformedPayload,
// ErrUnexpectedParty, ErrStale, ErrReplayed, ErrReplayStore). [Handler]
// wraps it into an http.Handler that answers the bank correctly; its
// documentation explains each status code.
//
// The package deliberately does not import the portable sdk package: a
// receiver needs only the bank's keys, not a linked client.
//
// # Contract
//
// The body is an FDX Notification (openapi/fdx.yaml, schema Notification).
// The x-jws-signature header holds a compact JWS with a detached payload
// (RFC 7515 appendix F): BASE64URL(protected header) + ".." +
// BASE64URL(signature), computed over the exact body bytes. The protected
// header carries alg, kid and typ "JOSE". Typed data is read from the
// payload's id/idType and customFields; the field names are listed in
// docs/webhooks.md.
//
// # Security
//
//   - The signature is checked over the bytes received, never over JSON
//     re-serialised from a decoded value (which would differ in spacing,
//     key order or number formatting and invite parser-differential
//     tricks).
//   - The algorithm comes from an allow-list ([DefaultAlgorithms]:
//     ECDSA, RSA PKCS#1 v1.5, RSA-PSS, EdDSA). "none" can never be
//     enabled. HMAC is refused unless listed in Options.Algorithms, and
//     even then only verifies with a []byte key from the KeySource, so an
//     attacker cannot pass an RSA public key off as an HMAC secret. A key
//     whose JWK pins an alg verifies only that alg.
//   - The key is chosen by kid from the bank's keys only; jwk, jku and
//     x5u header parameters are refused rather than ignored, so a
//     notification cannot bring its own key.
//   - Checks run cheapest-and-least-trusting first (shape, algorithm, key,
//     signature) and the body is decoded only after the signature holds;
//     the replay store is written only for authentic, fresh notifications.
//   - Options.Publisher and Options.Subscriber pin the parties named in the
//     signed body, so a bank's key vouches only for that bank's events and
//     another app of the same bank cannot forward its own notifications to
//     this receiver. Set Subscriber to your client id at the bank.
//   - Bodies are bounded (Options.MaxBodyBytes, 64 KiB by default) and the
//     signature header to 8 KiB; no input panics (a fuzz test checks it).
//   - Errors carry the kid and notification id, never key material, HMAC
//     secrets or the body; HTTP answers name only the failed check.
//
// # Keys
//
// [JWKSKeySource] reads the bank's JWK Set (from the jwks_uri of its OpenID
// discovery document, see [DiscoverJWKS]) and caches it for
// JWKSOptions.MaxAge (1 hour). A notification with a kid not in the cache
// triggers a refetch, which is how a rotated key is picked up without
// configuration; refetches of any cause happen at most once per
// JWKSOptions.MinRefreshInterval (30 s), so a flood of invented kids
// costs the bank one request per interval, not one per notification. A
// refetch replaces the whole set, so a key the bank withdrew stops
// verifying at the next refetch. If a refetch fails, the cached keys keep
// working; if no cached copy has the key, the error is ErrKeysUnavailable
// (a 503 from [Handler], so the bank retries). The JWKS must be fetched over
// https (http is allowed for loopback, i.e. mockbank).
//
// [StaticKeys] is a fixed key set for tests and for keys exchanged out of
// band; [TestSigner] and [SignTestPayload] sign notifications as a bank
// does, for integrators' unit tests.
//
// # Replay
//
// sentOn is inside the signed body, so a notification cannot be
// re-dated; it must be within Options.Tolerance (5 minutes) of the
// verifier's clock, either way. Options.Now replaces the clock: receivers
// tested against mockbank pass mockbank's simulated clock.
//
// Within the window, the publisher and notificationId are claimed in a
// [ReplayStore] for exactly as long as the notification could still pass
// the time check, so the store never needs to hold more than one window of
// traffic. A second delivery of the same notification fails with
// ErrReplayed, which [Handler] acknowledges with 200 (the bank may be
// retrying after losing our first answer). When the integrator's function
// fails, [Handler] releases the claim before answering 500, so the bank's
// retry is processed instead of being mistaken for a replay; integrators
// calling Verify directly do the same with [Verifier.Release].
//
// [MemoryReplayStore], the default, protects a single process. A receiver
// running several replicas must supply a shared store (Redis SET NX PX, or
// a table with a unique key and an expiry column), or a replay sent to
// another replica would be accepted. Whatever the store, handlers should
// still be idempotent on Event.ID: a bank redelivers events after the
// window has closed when our acknowledgement was lost.
//
// # Dependencies
//
// JWS parsing and verification and JWK handling use
// github.com/go-jose/go-jose/v4: maintained, audited, already used across
// the project (mockbank signs with it), and it supports detached payloads.
// This package adds only the policy around it (allow-lists, key choice,
// freshness, replay).
package webhook
