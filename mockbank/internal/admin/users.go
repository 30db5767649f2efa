package admin

// The users resource: test users, created, listed and read.

import (
	"context"

	"github.com/obconnect/obconnect/fdxerr"
	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

func (s *Server) apiUser(ctx context.Context, bank string, u *store.User) (adminapi.User, error) {
	out := adminapi.User{UserId: u.ID, Bank: bank, Username: u.Username, Mfa: ptr(u.OTP != "")}
	if u.ErrorCode != 0 {
		out.FailWithCode = ptr(u.ErrorCode)
	}
	accts := []adminapi.Account{}
	for _, id := range u.Accounts {
		a, err := s.deps.Store.Account(ctx, bank, id)
		if err != nil {
			return out, err
		}
		aa, err := s.apiAccount(ctx, bank, a)
		if err != nil {
			return out, err
		}
		accts = append(accts, aa)
	}
	out.Accounts = &accts
	return out, nil
}

// ListUsers lists users of one bank or all.
func (s *Server) ListUsers(ctx context.Context, req adminapi.ListUsersRequestObject) (adminapi.ListUsersResponseObject, error) {
	banks := s.deps.Store.Banks()
	if req.Params.Bank != nil {
		if err := s.checkBank(*req.Params.Bank); err != nil {
			return nil, err
		}
		banks = []string{*req.Params.Bank}
	}
	out := []adminapi.User{}
	for _, b := range banks {
		us, err := s.deps.Store.Users(ctx, b)
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			if req.Params.Username != nil && u.Username != *req.Params.Username {
				// Skipped before apiUser, which reads every balance (and
				// would generate user_large's history).
				continue
			}
			au, err := s.apiUser(ctx, b, u)
			if err != nil {
				return nil, err
			}
			out = append(out, au)
		}
	}
	return adminapi.ListUsers200JSONResponse{Users: out}, nil
}

// userPlan is a validated user creation.
type userPlan struct {
	bank string
	user store.User
}

func (s *Server) planUser(ctx context.Context, in adminapi.UserCreate, taken map[string]bool) (userPlan, error) {
	if err := s.checkBank(in.Bank); err != nil {
		return userPlan{}, err
	}
	if _, err := s.deps.Store.UserByUsername(ctx, in.Bank, in.Username); err == nil || taken[in.Bank+"/"+in.Username] {
		return userPlan{}, conflict("username %q already exists at %s", in.Username, in.Bank)
	}
	u := store.User{Username: in.Username, Password: in.Password, FirstName: "QA", LastName: "User",
		Email: in.Username + "@example.com", Phone: "+1-555-0100"}
	if in.Otp != nil {
		u.OTP = *in.Otp
	}
	if in.FailWithCode != nil {
		if _, known := fdxerr.Lookup(*in.FailWithCode); !known {
			return userPlan{}, invalid("failWithCode %d is not one of %v", *in.FailWithCode, fdxCodes())
		}
		u.ErrorCode = *in.FailWithCode
	}
	if in.Name != nil {
		if in.Name.First != nil && *in.Name.First != "" {
			u.FirstName = *in.Name.First
		}
		if in.Name.Last != nil && *in.Name.Last != "" {
			u.LastName = *in.Name.Last
		}
	}
	if len(u.FirstName) > 64 || len(u.LastName) > 64 {
		return userPlan{}, invalid("names are limited to 64 bytes")
	}
	return userPlan{bank: in.Bank, user: u}, nil
}

func (s *Server) applyUser(ctx context.Context, p userPlan) (*store.User, error) {
	u := p.user
	u.ID = s.newID("usr")
	if err := s.deps.Store.AddUser(ctx, p.bank, &u); err != nil {
		return nil, err
	}
	return s.deps.Store.User(ctx, p.bank, u.ID)
}

// CreateUser creates a test user.
func (s *Server) CreateUser(ctx context.Context, req adminapi.CreateUserRequestObject) (adminapi.CreateUserResponseObject, error) {
	if req.Body == nil {
		return nil, invalid("a body is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.planUser(ctx, *req.Body, nil)
	if err != nil {
		return nil, err
	}
	u, err := s.applyUser(ctx, p)
	if err != nil {
		return nil, err
	}
	s.changed()
	au, err := s.apiUser(ctx, p.bank, u)
	if err != nil {
		return nil, err
	}
	return adminapi.CreateUser201JSONResponse(au), nil
}

// GetUser returns one user with its accounts.
func (s *Server) GetUser(ctx context.Context, req adminapi.GetUserRequestObject) (adminapi.GetUserResponseObject, error) {
	b, u, err := s.findUser(ctx, req.UserId)
	if err != nil {
		return nil, err
	}
	au, err := s.apiUser(ctx, b, u)
	if err != nil {
		return nil, err
	}
	return adminapi.GetUser200JSONResponse(au), nil
}

// fdxCodes are the codes a user can be told to fail with: the FDX
// catalogue's.
func fdxCodes() []int {
	var out []int
	for _, e := range fdxerr.All() {
		out = append(out, e.Code)
	}
	return out
}
