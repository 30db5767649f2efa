package mockbank

// WellsFargo is a representative FDX 5.3 profile. It is not Wells Fargo's
// private specification; the assumptions, for a partner to correct:
//
//   - FDX 5.3, offset pagination (offset / page.nextOffset).
//   - client_secret_basic client authentication; PAR optional.
//   - limit up to 50 (default 25); a larger limit is rejected with 400 and
//     code 401, as strict 5.x gateways do.
//   - 5 requests per second per client, burst 10; 429 + 1207 + Retry-After.
//   - 18 months of transaction history.
//   - Every cluster supported; revocation is per consent only.
//   - Error quirk: a revoked consent is answered as HTTP 401 with code 602
//     (customer not authorized), not 403 with 1107.
func WellsFargo() *Profile {
	return &Profile{
		Name:            "wellsfargo",
		DisplayName:     "Wells Fargo (mock)",
		FDXVersion:      "5.3",
		Pagination:      Offset,
		ClientAuth:      "client_secret_basic",
		MaxPageSize:     50,
		DefaultPageSize: 25,
		LimitOverMax:    LimitReject,
		RateLimit:       RateLimit{PerSecond: 5, Burst: 10},
		HistoryMonths:   18,
		Errors:          ErrorQuirks{RevokedStatus: 401, RevokedCode: 602},
		Assumptions:     "Representative FDX 5.3 profile; see profile_wellsfargo.go.",
	}
}
