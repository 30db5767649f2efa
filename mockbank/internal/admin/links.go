package admin

// The links resource: a consent made in one call (the consent page
// skipped), answered with tokens or a code.

import (
	"context"
	"errors"
	"slices"

	"github.com/obconnect/obconnect/mockbank/internal/authz"
	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/mockbank/internal/suggest"
	"github.com/obconnect/obconnect/mockbank/scenario"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

// linkPlan is a validated link, ready for the bank's authorization server.
type linkPlan struct {
	bank     string
	username string
	req      authz.LinkRequest
}

// findBankUser finds a user of bank by id or sign-in name, naming the
// likely user when the name is mistyped.
func (s *Server) findBankUser(ctx context.Context, bank, userID, username string) (*store.User, error) {
	if userID != "" {
		u, err := s.deps.Store.User(ctx, bank, userID)
		if err != nil {
			return nil, notFound("user %q not found at %s", userID, bank)
		}
		return u, nil
	}
	u, err := s.deps.Store.UserByUsername(ctx, bank, username)
	if err == nil {
		return u, nil
	}
	var names []string
	if us, err := s.deps.Store.Users(ctx, bank); err == nil {
		for _, x := range us {
			names = append(names, x.Username)
		}
	}
	msg := suggest.Unknown("user", username, nil)
	if c, ok := suggest.Closest(username, names); ok {
		msg += "; did you mean " + `"` + c + `"?`
	}
	return nil, notFound("%s at %s", msg, bank)
}

// planLink checks what can be checked before the authorization server
// sees the request: the bank, the user, durations and the answer asked
// for (the authorization server checks the client, clusters and accounts
// before it creates anything).
func (s *Server) planLink(ctx context.Context, in adminapi.LinkCreate) (linkPlan, error) {
	if err := s.checkBank(in.Bank); err != nil {
		return linkPlan{}, err
	}
	p := linkPlan{bank: in.Bank}
	userID, username := deref(in.UserId), deref(in.Username)
	if (userID == "") == (username == "") {
		return p, invalid("give username or userId (one of them)")
	}
	u, err := s.findBankUser(ctx, in.Bank, userID, username)
	if err != nil {
		return p, err
	}
	p.username = u.Username
	r := authz.LinkRequest{UserID: u.ID, UserName: u.FirstName + " " + u.LastName, ClientID: deref(in.ClientId),
		RedirectURI: deref(in.RedirectUri), CodeChallenge: deref(in.CodeChallenge), State: deref(in.State), Nonce: deref(in.Nonce)}
	if r.ClientID == "" {
		if s.deps.ReadyClient == nil {
			return p, invalid("clientId is required")
		}
		r.ClientID = s.deps.ReadyClient(in.Bank)
	}
	if in.Clusters != nil {
		for _, c := range *in.Clusters {
			if !slices.Contains(r.Clusters, string(c)) {
				r.Clusters = append(r.Clusters, string(c))
			}
		}
	}
	if in.AccountIds != nil {
		r.AccountIDs = slices.Clone(*in.AccountIds)
	}
	if in.Purpose != nil {
		r.Purpose = string(*in.Purpose)
	}
	if in.Duration != nil {
		if r.DurationDays, err = scenario.ParseDays(*in.Duration); err != nil {
			return p, invalid("duration: %v", err)
		}
		if r.DurationDays < 1 || r.DurationDays > authz.MaxDurationDays {
			return p, invalid("duration: 1d to %dd", authz.MaxDurationDays)
		}
	}
	if in.Lookback != nil {
		if r.LookbackDays, err = scenario.ParseDays(*in.Lookback); err != nil {
			return p, invalid("lookback: %v", err)
		}
	}
	r.Tokens = in.Return == nil || *in.Return == adminapi.Tokens
	if r.Tokens && r.CodeChallenge != "" {
		return p, invalid(`codeChallenge goes with "return": "code" (your verifier exchanges the code)`)
	}
	p.req = r
	return p, nil
}

// applyLink asks the bank's authorization server for the link.
func (s *Server) applyLink(ctx context.Context, p linkPlan) (adminapi.Link, error) {
	prov := s.provider(p.bank)
	if prov == nil {
		return adminapi.Link{}, &apiError{status: 503, code: "internal", msg: p.bank + " has no authorization server yet"}
	}
	res, err := prov.Link(ctx, p.req)
	if errors.Is(err, authz.ErrLink) {
		return adminapi.Link{}, invalid("%s", trimPrefix(err.Error(), "authz: link refused: "))
	}
	if err != nil {
		return adminapi.Link{}, err
	}
	c, err := s.deps.Store.Consent(ctx, p.bank, res.ConsentID)
	if err != nil {
		return adminapi.Link{}, err
	}
	out := adminapi.Link{ConsentId: res.ConsentID, Bank: p.bank, UserId: p.req.UserID, Username: ptr(p.username), ClientId: p.req.ClientID,
		Clusters: slices.Clone(res.Clusters), AccountIds: slices.Clone(res.AccountIDs), Purpose: res.Purpose,
		CreatedTime: c.CreatedAt.UTC(), ExpirationTime: res.ExpiresAt.UTC()}
	if t := res.Tokens; t != nil {
		out.Tokens = &struct {
			AccessToken  string  `json:"accessToken"`
			ExpiresIn    int     `json:"expiresIn"`
			IdToken      *string `json:"idToken,omitempty"`
			RefreshToken string  `json:"refreshToken"`
			Scope        string  `json:"scope"`
			TokenType    string  `json:"tokenType"`
		}{AccessToken: t.AccessToken, ExpiresIn: int(t.ExpiresIn), RefreshToken: t.RefreshToken, Scope: t.Scope, TokenType: t.TokenType}
		if t.IDToken != "" {
			out.Tokens.IdToken = ptr(t.IDToken)
		}
	} else {
		out.Authorization = &struct {
			CallbackUrl  string  `json:"callbackUrl"`
			Code         string  `json:"code"`
			CodeVerifier *string `json:"codeVerifier,omitempty"`
			RedirectUri  string  `json:"redirectUri"`
			State        *string `json:"state,omitempty"`
		}{CallbackUrl: res.CallbackURL, Code: res.Code, RedirectUri: res.RedirectURI}
		if res.CodeVerifier != "" {
			out.Authorization.CodeVerifier = ptr(res.CodeVerifier)
		}
		if res.State != "" {
			out.Authorization.State = ptr(res.State)
		}
	}
	return out, nil
}

// CreateLink links a user to a client in one call.
func (s *Server) CreateLink(ctx context.Context, req adminapi.CreateLinkRequestObject) (adminapi.CreateLinkResponseObject, error) {
	if req.Body == nil {
		return nil, invalid("a body is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.planLink(ctx, *req.Body)
	if err != nil {
		return nil, err
	}
	out, err := s.applyLink(ctx, p)
	if err != nil {
		return nil, err
	}
	s.changed()
	return adminapi.CreateLink201JSONResponse(out), nil
}

func (s *Server) provider(bank string) *authz.Provider {
	if s.deps.Provider == nil {
		return nil
	}
	return s.deps.Provider(bank)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func trimPrefix(s, prefix string) string {
	if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):]
	}
	return s
}
