package admin

// The banks resource: what mockbank serves, for GET /admin/banks.

import (
	"context"

	"github.com/obconnect/obconnect/openapi/adminapi"
)

// ListBanks lists the banks served.
func (s *Server) ListBanks(ctx context.Context, _ adminapi.ListBanksRequestObject) (adminapi.ListBanksResponseObject, error) {
	base, _ := ctx.Value(keyBaseURL).(string)
	if s.deps.Banks != nil {
		bs, err := s.deps.Banks(ctx, base)
		if err != nil {
			return nil, err
		}
		return adminapi.ListBanks200JSONResponse{Banks: bs}, nil
	}
	var out []adminapi.Bank
	for _, b := range s.deps.Store.Banks() {
		out = append(out, adminapi.Bank{Name: b, DisplayName: b, Issuer: base + "/" + b, DataBaseUrl: base + "/" + b,
			DiscoveryUrl: base + "/" + b + "/.well-known/openid-configuration", FdxVersion: "unknown"})
	}
	return adminapi.ListBanks200JSONResponse{Banks: out}, nil
}
