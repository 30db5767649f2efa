package authz

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const requestURIPrefix = "urn:ietf:params:oauth:request_uri:"

// authRequest is a validated authorization request, whether it came by the
// front channel or through PAR.
type authRequest struct {
	ClientID      string
	RedirectURI   string
	State         string
	Nonce         string
	Scopes        []string
	Clusters      []string
	CodeChallenge string
	Purpose       string
	DurationDays  int
	LookbackDays  int
}

type parEntry struct {
	req authRequest
}

type stage int

const (
	stageLogin stage = iota
	stageOTP
	stageConsent
)

// session is a pending authorization, kept server side; the browser holds
// only its id and a binding cookie.
type session struct {
	id         string
	req        authRequest
	clientName string
	bindHash   [32]byte
	stage      stage
	user       User
	// username is what the user typed, once the password was right: the
	// one-time code draws on the same failure budget.
	username string
	attempts int
}

// redirectError is an authorization error that may be sent back to the
// client's (already validated) redirect URI.
type redirectError struct {
	*OAuthError
	redirectURI, state string
}

// parseAuthRequest validates authorization parameters. It returns an error
// page error (no redirect) while the client or redirect URI is unproven, and a
// *redirectError after.
func (p *Provider) parseAuthRequest(q url.Values, pushedBy *client) (authRequest, *client, *OAuthError, *redirectError) {
	var req authRequest
	for k, v := range q {
		if len(v) > 1 {
			return req, nil, oauthErr(codeInvalidRequest, fmt.Sprintf("parameter %q repeated", truncate(k, 40))), nil
		}
	}
	req.ClientID = q.Get("client_id")
	c := pushedBy
	if c == nil {
		c = p.clientByID(req.ClientID)
	} else if req.ClientID != "" && req.ClientID != c.id {
		return req, nil, oauthErr(codeInvalidRequest, "client_id does not match the authenticated client"), nil
	}
	if c == nil {
		return req, nil, oauthErr(codeInvalidRequest, "unknown or missing client_id"), nil
	}
	req.ClientID = c.id
	req.RedirectURI = q.Get("redirect_uri")
	if req.RedirectURI == "" || !slices.Contains(c.redirectURIs, req.RedirectURI) {
		return req, c, oauthErr(codeInvalidRequest, "redirect_uri missing or not registered for this client (exact match required)"), nil
	}
	req.State = q.Get("state")
	fail := func(code, desc string) (authRequest, *client, *OAuthError, *redirectError) {
		return req, c, nil, &redirectError{OAuthError: oauthErr(code, desc), redirectURI: req.RedirectURI, state: req.State}
	}
	if len(req.State) > 1024 {
		req.State = ""
		return fail(codeInvalidRequest, "state too long")
	}
	if q.Has("request") {
		return fail(codeRequestNotSupported, "request objects are not supported; use PAR")
	}
	if pushedBy != nil && q.Has("request_uri") {
		return fail(codeInvalidRequest, "request_uri is not allowed in a pushed request")
	}
	if rt := q.Get("response_type"); rt != "code" {
		return fail(codeUnsupportedRespType, "response_type must be code")
	}
	if rm := q.Get("response_mode"); rm != "" && rm != "query" {
		return fail(codeInvalidRequest, "response_mode must be query")
	}
	if !c.allowsGrant(GrantAuthorizationCode) {
		return fail(codeUnauthorizedClient, "client is not registered for the authorization_code grant")
	}
	for s := range strings.FieldsSeq(q.Get("scope")) {
		if !p.knownScope(s) {
			return fail(codeInvalidScope, fmt.Sprintf("scope %q is not supported by this bank", truncate(s, 40)))
		}
		if len(c.scopes) > 0 && !slices.Contains(c.scopes, s) {
			return fail(codeInvalidScope, fmt.Sprintf("scope %q is not registered for this client", truncate(s, 40)))
		}
		if !slices.Contains(req.Scopes, s) {
			req.Scopes = append(req.Scopes, s)
		}
	}
	for _, cl := range p.cfg.Clusters {
		if slices.Contains(req.Scopes, cl) {
			req.Clusters = append(req.Clusters, cl)
		}
	}
	if len(req.Clusters) == 0 {
		return fail(codeInvalidScope, "scope must name at least one data cluster, e.g. ACCOUNT_BASIC")
	}
	if m := q.Get("code_challenge_method"); m != "S256" {
		return fail(codeInvalidRequest, "PKCE is required with code_challenge_method=S256")
	}
	req.CodeChallenge = q.Get("code_challenge")
	if !validPKCEValue(req.CodeChallenge) {
		return fail(codeInvalidRequest, "code_challenge must be 43 to 128 characters of the PKCE alphabet")
	}
	if req.Nonce = q.Get("nonce"); len(req.Nonce) > 512 {
		return fail(codeInvalidRequest, "nonce too long")
	}
	req.Purpose = q.Get("purpose")
	if req.Purpose == "" {
		req.Purpose = DefaultPurpose
	} else if !slices.Contains(Purposes, req.Purpose) {
		return fail(codeInvalidRequest, "purpose must be one of "+strings.Join(Purposes, ", "))
	}
	req.DurationDays = DefaultDurationDays
	if v := q.Get("duration_days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > p.cfg.MaxConsentDays {
			return fail(codeInvalidRequest, fmt.Sprintf("duration_days must be an integer from 1 to %d", p.cfg.MaxConsentDays))
		}
		req.DurationDays = n
	}
	if req.DurationDays > p.cfg.MaxConsentDays {
		req.DurationDays = p.cfg.MaxConsentDays
	}
	if v := q.Get("lookback_days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLookbackDays {
			return fail(codeInvalidRequest, fmt.Sprintf("lookback_days must be an integer from 1 to %d", MaxLookbackDays))
		}
		req.LookbackDays = n
	}
	return req, c, nil, nil
}

// validPKCEValue checks RFC 7636's verifier/challenge alphabet and length.
func validPKCEValue(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '.' || b == '_' || b == '~') {
			return false
		}
	}
	return true
}

// servePAR implements RFC 9126.
func (p *Provider) servePAR(w http.ResponseWriter, r *http.Request) {
	form, oerr := readForm(w, r)
	if oerr != nil {
		writeOAuthError(w, oerr)
		return
	}
	c, oerr := p.authenticateClient(r, form, p.url(p.cfg.Endpoints.PAR))
	if oerr != nil {
		writeOAuthError(w, oerr)
		return
	}
	for _, k := range []string{"client_assertion", "client_assertion_type"} {
		form.Del(k)
	}
	req, _, perr, rerr := p.parseAuthRequest(form, c)
	if perr != nil {
		writeOAuthError(w, perr)
		return
	}
	if rerr != nil {
		writeOAuthError(w, rerr.OAuthError)
		return
	}
	uri := requestURIPrefix + randomToken(24)
	now, wall := p.now(), p.wall()
	p.mu.Lock()
	p.sweepLocked(now, wall)
	p.pars.add(uri, &parEntry{req: req}, now.Add(DefaultPARTTL), wall)
	p.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, map[string]any{"request_uri": uri, "expires_in": int(DefaultPARTTL / time.Second)})
}

func (p *Provider) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var req authRequest
	if uri := q.Get("request_uri"); uri != "" {
		p.mu.Lock()
		e, ok := p.pars.take(uri, p.now(), p.wall()) // single use, whatever happens next
		p.mu.Unlock()
		if !ok {
			p.renderError(w, http.StatusBadRequest, "This authorization request has expired or was already used. Please start again from the application.")
			return
		}
		if q.Get("client_id") != e.req.ClientID {
			p.renderError(w, http.StatusBadRequest, "The client_id does not match the pushed authorization request.")
			return
		}
		req = e.req
	} else {
		parsed, _, perr, rerr := p.parseAuthRequest(q, nil)
		if perr != nil {
			p.renderError(w, http.StatusBadRequest, "The application sent an invalid authorization request: "+perr.Description)
			return
		}
		if rerr != nil {
			p.redirectError(w, r, rerr)
			return
		}
		if p.cfg.RequirePAR {
			p.redirectError(w, r, &redirectError{
				OAuthError:  oauthErr(codeInvalidRequest, "this bank requires pushed authorization requests (PAR): push the request to the par endpoint and send its request_uri"),
				redirectURI: parsed.RedirectURI, state: parsed.State})
			return
		}
		req = parsed
	}
	c := p.clientByID(req.ClientID)
	if c == nil {
		p.renderError(w, http.StatusBadRequest, "The application is no longer registered.")
		return
	}
	p.startSession(w, req, c.name)
}

func (p *Provider) startSession(w http.ResponseWriter, req authRequest, clientName string) {
	s := &session{id: randomToken(18), req: req, clientName: clientName, stage: stageLogin}
	bind := randomToken(24)
	s.bindHash = sha256.Sum256([]byte(bind))
	now, wall := p.now(), p.wall()
	p.mu.Lock()
	p.sweepLocked(now, wall)
	p.sessions.add(s.id, s, now.Add(DefaultSessionTTL), wall)
	p.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: cookieName(s.id), Value: bind, Path: p.issuerPath + p.cfg.Endpoints.Authorization,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(p.cfg.Issuer, "https:"),
		MaxAge: int(DefaultSessionTTL / time.Second),
	})
	p.renderPage(w, http.StatusOK, s, p.csrfToken(s.id, bind), "", nil)
}

func cookieName(sessionID string) string { return "mb_authz_" + sessionID }

func (p *Provider) csrfToken(sessionID, bind string) string {
	m := hmac.New(sha256.New, p.csrfKey)
	m.Write([]byte(sessionID))
	m.Write([]byte{0})
	m.Write([]byte(bind))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (p *Provider) serveAuthorizePost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		p.renderError(w, http.StatusBadRequest, "The form could not be read.")
		return
	}
	form := r.PostForm
	id := form.Get("session")
	p.mu.Lock()
	s, expired, ok := p.sessions.lookup(id, p.now(), p.wall())
	if ok && expired {
		p.sessions.remove(id)
	}
	p.mu.Unlock()
	if !ok || expired {
		p.renderError(w, http.StatusBadRequest, "This sign-in session has expired or is unknown. Please start again from the application.")
		return
	}
	ck, err := r.Cookie(cookieName(s.id))
	if err != nil {
		p.renderError(w, http.StatusForbidden, "The security check failed (missing session cookie). Please start again from the application.")
		return
	}
	bh := sha256.Sum256([]byte(ck.Value))
	want := p.csrfToken(s.id, ck.Value)
	if subtle.ConstantTimeCompare(bh[:], s.bindHash[:]) != 1 ||
		subtle.ConstantTimeCompare([]byte(form.Get("csrf_token")), []byte(want)) != 1 {
		p.renderError(w, http.StatusForbidden, "The security check failed (invalid form token). Please start again from the application.")
		return
	}
	ctx := r.Context()
	// The session is mutated by one browser at a time; the provider lock is
	// not held across calls into Users and Consents.
	p.mu.Lock()
	st, user := s.stage, s.user
	p.mu.Unlock()
	if form.Get("decision") == "deny" || form.Get("action") == "cancel" {
		p.dropSession(s.id)
		p.redirectError(w, r, &redirectError{OAuthError: oauthErr(codeAccessDenied, "the user denied the request"),
			redirectURI: s.req.RedirectURI, state: s.req.State})
		return
	}
	switch st {
	case stageLogin:
		const wrong = "The username or password is incorrect."
		username := form.Get("username")
		var u User
		var err error
		v := p.logins.try(username, s.req.ClientID, p.wall, func() attemptOutcome {
			u, err = p.deps.Users.Authenticate(ctx, username, form.Get("password"))
			switch {
			case errors.Is(err, ErrInvalidCredentials):
				return attemptFailed
			case err == nil && !u.NeedsOTP:
				return attemptSignedIn
			}
			// A right password before its one-time code, a locked
			// profile or an outage teach nothing.
			return attemptNeutral
		})
		switch {
		case v == userMustWait:
			// A username out of budget gets the wrong-password answer,
			// whatever the password: the answer must not tell a guesser
			// that a guess was right, nor a locked name from an unknown one.
			p.failedAttempt(w, r, s, want, wrong)
			return
		case v == clientSpent:
			p.refuseSpentClient(w, r, s)
			return
		case errors.Is(err, ErrUserLocked):
			p.dropSession(s.id)
			p.log.Info("login refused: user locked")
			p.renderError(w, http.StatusForbidden, "This online banking profile is locked. Please contact the bank. No data has been shared.")
			return
		case errors.Is(err, ErrInvalidCredentials):
			p.failedAttempt(w, r, s, want, wrong)
			return
		case err != nil:
			p.log.Error("user authentication failed", "error", err)
			p.renderError(w, http.StatusServiceUnavailable, "Sign-in is temporarily unavailable. Please try again.")
			return
		}
		p.mu.Lock()
		s.user, s.username, s.attempts = u, username, 0
		s.stage = stageConsent
		if u.NeedsOTP {
			s.stage = stageOTP
		}
		p.mu.Unlock()
		p.renderStage(w, r, s, want, "")
	case stageOTP:
		const wrong = "The one-time code is incorrect."
		p.mu.Lock()
		username := s.username
		p.mu.Unlock()
		var err error
		v := p.logins.try(username, s.req.ClientID, p.wall, func() attemptOutcome {
			err = p.deps.Users.VerifyOTP(ctx, user.ID, strings.TrimSpace(form.Get("otp")))
			switch {
			case err == nil:
				return attemptSignedIn
			case errors.Is(err, ErrInvalidOTP):
				return attemptFailed
			}
			return attemptNeutral
		})
		switch {
		case v == userMustWait:
			p.failedAttempt(w, r, s, want, wrong)
			return
		case v == clientSpent:
			p.refuseSpentClient(w, r, s)
			return
		case errors.Is(err, ErrInvalidOTP):
			p.failedAttempt(w, r, s, want, wrong)
			return
		case errors.Is(err, ErrUserLocked):
			p.dropSession(s.id)
			p.renderError(w, http.StatusForbidden, "This online banking profile is locked. Please contact the bank. No data has been shared.")
			return
		case err != nil:
			p.log.Error("OTP verification failed", "error", err)
			p.renderError(w, http.StatusServiceUnavailable, "Sign-in is temporarily unavailable. Please try again.")
			return
		}
		p.mu.Lock()
		s.stage, s.attempts = stageConsent, 0
		p.mu.Unlock()
		p.renderStage(w, r, s, want, "")
	case stageConsent:
		if form.Get("decision") != "approve" {
			p.renderStage(w, r, s, want, "Choose Approve or Deny.")
			return
		}
		p.approve(w, r, s, user, want, form["account"])
	}
}

// refuseSpentClient answers a sign-in through a client whose failure
// budget is spent: back to the client with temporarily_unavailable, which
// says nothing about the user.
func (p *Provider) refuseSpentClient(w http.ResponseWriter, r *http.Request, s *session) {
	p.dropSession(s.id)
	p.log.Warn("sign-in refused: the client's failure budget is spent", "client_id", s.req.ClientID)
	p.redirectError(w, r, &redirectError{OAuthError: oauthErr(codeTemporarilyUnavailable,
		"too many failed sign-ins through this client; try again later"), redirectURI: s.req.RedirectURI, state: s.req.State})
}

func (p *Provider) failedAttempt(w http.ResponseWriter, r *http.Request, s *session, csrf, msg string) {
	p.mu.Lock()
	s.attempts++
	n := s.attempts
	p.mu.Unlock()
	if n >= maxLoginAttempts {
		p.dropSession(s.id)
		p.redirectError(w, r, &redirectError{OAuthError: oauthErr(codeAccessDenied, "too many failed sign-in attempts"),
			redirectURI: s.req.RedirectURI, state: s.req.State})
		return
	}
	p.renderStage(w, r, s, csrf, msg)
}

func (p *Provider) renderStage(w http.ResponseWriter, r *http.Request, s *session, csrf, msg string) {
	var accounts []AccountChoice
	p.mu.Lock()
	st, user := s.stage, s.user
	p.mu.Unlock()
	if st == stageConsent {
		var err error
		accounts, err = p.deps.Users.AccountsForConsent(r.Context(), user.ID)
		if err != nil {
			p.log.Error("listing accounts for consent failed", "error", err)
			p.renderError(w, http.StatusServiceUnavailable, "Your accounts cannot be listed right now. Please try again.")
			return
		}
	}
	status := http.StatusOK
	if msg != "" {
		status = http.StatusBadRequest
	}
	p.renderPage(w, status, s, csrf, msg, accounts)
}

func (p *Provider) approve(w http.ResponseWriter, r *http.Request, s *session, user User, csrf string, chosen []string) {
	ctx := r.Context()
	offered, err := p.deps.Users.AccountsForConsent(ctx, user.ID)
	if err != nil {
		p.log.Error("listing accounts for consent failed", "error", err)
		p.renderError(w, http.StatusServiceUnavailable, "Your accounts cannot be listed right now. Please try again.")
		return
	}
	var ids []string
	for _, id := range chosen {
		if !slices.ContainsFunc(offered, func(a AccountChoice) bool { return a.ID == id }) {
			p.renderStage(w, r, s, csrf, "One of the chosen accounts is not available.")
			return
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		p.renderStage(w, r, s, csrf, "Choose at least one account to share, or deny the request.")
		return
	}
	// Claim the session before the side effect so a double submit cannot
	// create two consents.
	if !p.dropSession(s.id) {
		p.renderError(w, http.StatusBadRequest, "This request was already answered.")
		return
	}
	now := p.now()
	cr := ConsentRequest{
		UserID: user.ID, ClientID: s.req.ClientID, ClientName: s.clientName, Purpose: s.req.Purpose,
		Clusters: slices.Clone(s.req.Clusters), AccountIDs: ids, DurationDays: s.req.DurationDays,
		LookbackDays: s.req.LookbackDays, CreatedAt: now, ExpiresAt: now.Add(time.Duration(s.req.DurationDays) * 24 * time.Hour),
	}
	consentID, err := p.deps.Consents.CreateConsent(ctx, cr)
	if err != nil {
		p.log.Error("creating consent failed", "error", err)
		p.redirectError(w, r, &redirectError{OAuthError: oauthErr(codeServerError, "the consent could not be recorded"),
			redirectURI: s.req.RedirectURI, state: s.req.State})
		return
	}
	code := randomToken(32)
	wall := p.wall()
	p.mu.Lock()
	p.sweepLocked(now, wall)
	p.codes.add(tokenKey(code), &codeEntry{
		req: s.req, userID: user.ID, userName: user.DisplayName, consentID: consentID,
		accountIDs: ids, consentExpiresAt: cr.ExpiresAt, authTime: wall,
	}, now.Add(p.cfg.CodeTTL), wall)
	p.mu.Unlock()
	p.log.Info("consent approved", "client_id", s.req.ClientID, "consent_id", consentID)
	v := url.Values{"code": {code}, "iss": {p.cfg.Issuer}}
	if s.req.State != "" {
		v.Set("state", s.req.State)
	}
	http.Redirect(w, r, appendQuery(s.req.RedirectURI, v), http.StatusSeeOther)
}

// dropSession removes a session; false if it was already gone.
func (p *Provider) dropSession(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sessions.remove(id)
}

func (p *Provider) redirectError(w http.ResponseWriter, r *http.Request, e *redirectError) {
	v := url.Values{"error": {e.Code}, "iss": {p.cfg.Issuer}}
	if e.Description != "" {
		v.Set("error_description", e.Description)
	}
	if e.state != "" {
		v.Set("state", e.state)
	}
	http.Redirect(w, r, appendQuery(e.redirectURI, v), http.StatusSeeOther)
}

func appendQuery(base string, v url.Values) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + v.Encode()
}

// sweepLocked drops expired state; callers hold p.mu. It runs on every
// call that adds state, so it must stay cheap: the pending maps cost
// O(expired), and the long-lived tables (grants, refresh tokens, revoked
// access tokens), whose entries live days by simulated time and expire in
// no useful order, are scanned only when simulated time has moved
// sweepInterval past the last scan, or back before it. While simulated
// time stands still they are never scanned again: none of them can have
// expired since.
func (p *Provider) sweepLocked(now, wall time.Time) {
	p.sessions.sweep(now, wall)
	p.pars.sweep(now, wall)
	// Used codes stay until they expire, so a replay is still detected.
	p.codes.sweep(now, wall)
	if !now.Before(p.lastSweep) && now.Sub(p.lastSweep) < sweepInterval {
		return
	}
	p.lastSweep = now
	for k, g := range p.grants {
		if !now.Before(g.expiresAt) {
			delete(p.grants, k)
		}
	}
	for k, e := range p.refresh {
		// Entries of a revoked family answer invalid_grant whether they
		// are kept or not, so they go as soon as the family is revoked.
		if g := p.grants[e.grantID]; g == nil || g.revoked.Load() || !now.Before(e.expiresAt) {
			delete(p.refresh, k)
		}
	}
	for k, exp := range p.revokedAT {
		if !now.Before(exp) {
			delete(p.revokedAT, k)
		}
	}
}
