package mockbank

// Citi is a representative FDX 4.6 profile for a bank still on an older
// major version. It is not Citi's private specification; the assumptions,
// for a partner to correct:
//
//   - FDX 4.6, offset pagination (offset / page.nextOffset).
//   - client_secret_basic client authentication; PAR optional.
//   - limit up to 25 (default 25); a larger limit is rejected with 400 and
//     code 401.
//   - 4 requests per second per client, burst 8.
//   - 12 months of transaction history.
//   - STATEMENTS is not supported: it is not offered at consent and the
//     statements endpoints answer 404 with code 1205.
//   - Revocation is per consent only.
//   - Error quirk: rate limiting is answered as HTTP 503 with code 501 and
//     Retry-After (not 429 + 1207), as some gateways in front of 4.x
//     stacks do.
func Citi() *Profile {
	return &Profile{
		Name:                "citi",
		DisplayName:         "Citi (mock)",
		FDXVersion:          "4.6",
		Pagination:          Offset,
		ClientAuth:          "client_secret_basic",
		MaxPageSize:         25,
		DefaultPageSize:     25,
		LimitOverMax:        LimitReject,
		RateLimit:           RateLimit{PerSecond: 4, Burst: 8},
		HistoryMonths:       12,
		UnsupportedClusters: []string{"STATEMENTS"},
		Errors:              ErrorQuirks{RateLimitStatus: 503, RateLimitCode: 501},
		Assumptions:         "Representative FDX 4.6 profile; see profile_citi.go.",
	}
}
