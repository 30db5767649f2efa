package mockbank

// Chase is a representative FDX 6.2 profile for a large bank that moved to
// FDX 6 early. It is not Chase's private specification (that is shared only
// with contracted partners); the assumptions, for a partner to correct:
//
//   - FDX 6.2, key-based pagination (pageKey / page.nextPageKey).
//   - private_key_jwt client authentication and pushed authorization
//     requests required, as FAPI-leaning deployments do.
//   - limit up to 100 (default 50); a larger limit is clamped to 100.
//   - 10 requests per second per client, burst 20; throttled calls get
//     429 with code 1207 and Retry-After.
//   - 24 months of transaction history.
//   - Every cluster supported; revocation is per consent only.
//   - Error quirk: Retry-After travels as an HTTP-date ("Wed, 21 Oct 2026
//     07:28:00 GMT", RFC 9110 §10.2.3), not delta-seconds, on 429/1207
//     and on every other answer that carries it, as CDN-fronted APIs
//     often do. Error bodies stay FDX Core Exchange 6.2 valid (`code` is
//     a string).
func Chase() *Profile {
	return &Profile{
		Name:            "chase",
		DisplayName:     "Chase (mock)",
		FDXVersion:      "6.2",
		Pagination:      PageKey,
		ClientAuth:      "private_key_jwt",
		RequirePAR:      true,
		MaxPageSize:     100,
		DefaultPageSize: 50,
		LimitOverMax:    LimitClamp,
		RateLimit:       RateLimit{PerSecond: 10, Burst: 20},
		HistoryMonths:   24,
		Errors:          ErrorQuirks{RetryAfterDate: true},
		Assumptions:     "Representative FDX 6.2 profile; see profile_chase.go.",
	}
}
