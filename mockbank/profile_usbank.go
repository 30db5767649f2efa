package mockbank

// USBank is a representative FDX 6.0 profile. It is not U.S. Bank's private
// specification; the assumptions, for a partner to correct:
//
//   - FDX 6.0, key-based pagination (pageKey / page.nextPageKey).
//   - private_key_jwt client authentication; PAR optional.
//   - limit up to 200 (default 100); a larger limit is clamped to 200.
//   - 8 requests per second per client, burst 16; 429 + 1207 + Retry-After.
//   - 24 months of transaction history.
//   - Every cluster supported.
//   - Account-level revocation: PUT /consents/{id}/revocation with
//     accountIds revokes only those accounts; the consent stays ACTIVE for
//     the others (revoking the last one revokes the consent).
//   - Error quirk: an expired consent is answered as HTTP 403 with code
//     1107 and debugMessage "consent expired" (not 1106).
func USBank() *Profile {
	return &Profile{
		Name:                   "usbank",
		DisplayName:            "U.S. Bank (mock)",
		FDXVersion:             "6.0",
		Pagination:             PageKey,
		ClientAuth:             "private_key_jwt",
		MaxPageSize:            200,
		DefaultPageSize:        100,
		LimitOverMax:           LimitClamp,
		RateLimit:              RateLimit{PerSecond: 8, Burst: 16},
		HistoryMonths:          24,
		AccountLevelRevocation: true,
		Errors:                 ErrorQuirks{ExpiredStatus: 403, ExpiredCode: 1107, ExpiredDebugMessage: "consent expired"},
		Assumptions:            "Representative FDX 6.0 profile; see profile_usbank.go.",
	}
}
