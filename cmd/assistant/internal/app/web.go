package app

import (
	"context"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/obconnect/obconnect/sdk"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"bank": bankTitle,
	"clusters": func(cs []sdk.Cluster) string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = string(c)
		}
		return strings.Join(out, ", ")
	},
	"purpose": purposeText,
	"date":    func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
	"clock":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
}).ParseFS(templateFS, "templates/*.html"))

// purposeText says the purpose in words; the code is shown beside it.
func purposeText(p sdk.Purpose) string {
	switch p {
	case sdk.PurposePersonalFinancialManagement:
		return "Personal financial management: showing you your own balances, spending and alerts"
	case sdk.PurposeAccountAggregation:
		return "Account aggregation: showing your accounts together"
	}
	return string(p)
}

const (
	cookieName = "assistant_session"
	sessionTTL = 12 * time.Hour
	// linkPurpose is the one purpose the assistant asks for: it shows a
	// person their own money. There is no advertising purpose at all.
	linkPurpose = sdk.PurposePersonalFinancialManagement
	linkDays    = 90
)

var linkClusters = []sdk.Cluster{sdk.AccountBasic, sdk.AccountDetailed, sdk.Transactions}

// Handler returns the app's HTTP routes (the banks' webhook routes are
// added by whoever verifies them; see Launch).
func (a *App) Handler() http.Handler { return a.handler }

func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /login", a.loginPage)
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("POST /logout", a.signedIn(a.logout))
	mux.HandleFunc("GET /{$}", a.signedIn(a.home))
	mux.HandleFunc("GET /audit", a.signedIn(a.auditPage))
	mux.HandleFunc("POST /link", a.signedIn(a.startLink))
	mux.HandleFunc("GET /callback", a.signedIn(a.callback))
	mux.HandleFunc("POST /revoke", a.signedIn(a.revoke))
	mux.HandleFunc("POST /ask", a.signedIn(a.ask))
	mux.HandleFunc("GET /events", a.signedIn(a.events))
	return securityHeaders(mux)
}

// ServeHTTP serves Handler.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// securityHeaders: nothing is loaded from elsewhere, and the pages cannot
// be framed.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

type ctxKey struct{}

func sessionOf(r *http.Request) *session { return r.Context().Value(ctxKey{}).(*session) }

// signedIn sends a visitor without a session to the login page, and
// checks the CSRF token of every POST.
func (a *App) signedIn(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(cookieName)
		var s *session
		if err == nil {
			s, _ = a.db.session(r.Context(), c.Value)
		}
		if s == nil {
			if r.Method == http.MethodGet && r.URL.Path != "/events" {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
				return
			}
			http.Error(w, "sign in first", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodPost {
			tok := r.Header.Get("X-CSRF-Token")
			if tok == "" {
				tok = r.PostFormValue("csrf")
			}
			if subtle.ConstantTimeCompare([]byte(tok), []byte(s.CSRF)) != 1 {
				http.Error(w, "stale form: reload the page", http.StatusForbidden)
				return
			}
		}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, s)))
	}
}

func (a *App) render(w http.ResponseWriter, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		a.log.Error("assistant: rendering", "page", name, "err", err)
	}
}

func (a *App) loginPage(w http.ResponseWriter, r *http.Request) {
	a.render(w, "login.html", map[string]any{"Error": r.URL.Query().Get("error") != ""})
}

func (a *App) login(w http.ResponseWriter, r *http.Request) {
	name := r.PostFormValue("username")
	if !a.signIns.allowed(name) {
		http.Redirect(w, r, "/login?error=1", http.StatusSeeOther)
		return
	}
	u, ok := a.db.checkPassword(r.Context(), name, r.PostFormValue("password"))
	a.signIns.record(name, ok)
	if !ok {
		http.Redirect(w, r, "/login?error=1", http.StatusSeeOther)
		return
	}
	tok, _, err := a.db.newSession(r.Context(), u.ID, sessionTTL)
	if err != nil {
		http.Error(w, "could not sign in", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil, MaxAge: int(sessionTTL / time.Second)})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *App) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil {
		_ = a.db.endSession(r.Context(), c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

type homeData struct {
	User    string
	CSRF    string
	Banks   []string
	Links   []*link
	Alerts  []Alert
	Flash   string
	Purpose sdk.Purpose
	Days    int
	Now     time.Time
}

func (a *App) home(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	ls, err := a.db.links(r.Context(), s.User.ID)
	if err != nil {
		http.Error(w, "could not read your links", http.StatusInternalServerError)
		return
	}
	als, _ := a.db.alerts(r.Context(), s.User.ID, 20)
	slices.Reverse(als) // oldest first, as a chat reads
	a.render(w, "home.html", homeData{User: s.User.Username, CSRF: s.CSRF, Banks: a.cfg.Banks, Links: ls, Alerts: als,
		Flash: takeFlash(w, r), Purpose: linkPurpose, Days: linkDays, Now: a.cfg.BankNow()})
}

func (a *App) auditPage(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	entries, err := a.db.auditLog(r.Context(), s.User.ID, 500)
	if err != nil {
		http.Error(w, "could not read the audit log", http.StatusInternalServerError)
		return
	}
	a.render(w, "audit.html", map[string]any{"User": s.User.Username, "CSRF": s.CSRF, "Entries": entries})
}

const flashCookie = "assistant_flash"

// flash shows msg once on the next page. It travels in a short-lived
// cookie, not in the URL, so that nobody can make the app's page say
// something by sending a person a crafted link.
func flash(w http.ResponseWriter, r *http.Request, msg string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString([]byte(msg)), Path: "/",
		MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// takeFlash reads and clears the flash message.
func takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return ""
	}
	return string(b)
}

func (a *App) startLink(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	bank := r.PostFormValue("bank")
	if !slices.Contains(a.cfg.Banks, bank) {
		http.Error(w, "unknown bank", http.StatusBadRequest)
		return
	}
	p, err := a.client(bank).StartLink(r.Context(), sdk.LinkRequest{Clusters: linkClusters, Purpose: linkPurpose,
		Duration: linkDays * 24 * time.Hour, RedirectURL: a.cfg.BaseURL + "/callback", UserRef: s.User.ID})
	if err != nil {
		a.log.Warn("assistant: start link", "bank", bank, "err", err)
		flash(w, r, bankTitle(bank)+" cannot be linked right now; try again later.")
		return
	}
	a.mu.Lock()
	now := time.Now()
	for k, v := range a.pending {
		if now.After(v.expires) {
			delete(a.pending, k)
		}
	}
	a.pending[p.State] = pendingLink{userID: s.User.ID, link: p, expires: now.Add(15 * time.Minute)}
	a.mu.Unlock()
	http.Redirect(w, r, p.AuthURL, http.StatusSeeOther)
}

// callback completes a link when the bank's consent page sends the person
// back: the grant goes to the fleet (first sync queued) and to the app's
// tables with the accounts' masked numbers.
func (a *App) callback(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	q := r.URL.Query()
	a.mu.Lock()
	p, ok := a.pending[q.Get("state")]
	if ok && p.userID == s.User.ID {
		delete(a.pending, q.Get("state"))
	}
	a.mu.Unlock()
	if !ok || p.userID != s.User.ID || time.Now().After(p.expires) {
		flash(w, r, "That link attempt is unknown or has expired; start again.")
		return
	}
	bank := p.link.Bank
	if q.Get("error") != "" {
		flash(w, r, "You did not share anything with us at "+bankTitle(bank)+".")
		return
	}
	ctx := r.Context()
	c := a.client(bank)
	g, err := c.CompleteLink(ctx, p.link, q)
	if err != nil {
		a.log.Warn("assistant: complete link", "bank", bank, "err", err)
		flash(w, r, "Linking "+bankTitle(bank)+" did not complete; try again.")
		return
	}
	l := &link{Bank: bank, ConsentID: g.ConsentID, UserID: s.User.ID, Grant: g, Created: time.Now()}
	for acct, err := range c.Accounts(ctx, g) {
		if err != nil {
			// The grant names the accounts anyway: keep them, unnamed,
			// so that they are answered for and revocable.
			a.log.Warn("assistant: list accounts", "bank", bank, "err", err)
			l.Accounts = nil
			for _, id := range g.AccountIDs {
				l.Accounts = append(l.Accounts, account{UserID: s.User.ID, Bank: bank, ID: id, ConsentID: g.ConsentID, Name: "account", Masked: mask("")})
			}
			break
		}
		name := acct.Nickname
		if name == "" {
			name = acct.ProductName
		}
		if name == "" {
			name = strings.ToLower(string(acct.Type))
		}
		l.Accounts = append(l.Accounts, account{UserID: s.User.ID, Bank: bank, ID: acct.ID, ConsentID: g.ConsentID,
			Type: string(acct.Type), Name: name, Masked: mask(acct.NumberDisplay)})
	}
	_ = a.db.audit(ctx, s.User.ID, auditEntry{At: time.Now(), What: "account list (names, types, masked numbers)", Bank: bank, Account: "all shared", Source: "bank (live, through the sdk)"})
	if err := a.cfg.Fleet.Link(ctx, g); err != nil {
		a.log.Error("assistant: fleet link", "bank", bank, "err", err)
		flash(w, r, "Linked, but syncing could not start; try again.")
		return
	}
	gj, _ := json.Marshal(g)
	if err := a.db.saveLink(ctx, l, gj); err != nil {
		a.log.Error("assistant: saving a link", "bank", bank, "err", err)
		http.Error(w, "could not save the link", http.StatusInternalServerError)
		return
	}
	flash(w, r, fmt.Sprintf("Linked %s: %d %s shared.", bankTitle(bank), len(l.Accounts), plural(len(l.Accounts), "account")))
}

// revoke ends a consent from the app: revoked at the bank, then the data
// deleted by the fleet; the page says what went.
func (a *App) revoke(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	ctx := r.Context()
	bank, consentID := r.PostFormValue("bank"), r.PostFormValue("consent")
	if _, err := a.db.link(ctx, s.User.ID, bank, consentID); err != nil {
		http.Error(w, "no such link", http.StatusNotFound)
		return
	}
	ok, err := a.db.claimRevocation(ctx, s.User.ID, bank, consentID)
	if err != nil || !ok {
		flash(w, r, "That consent is already revoked.")
		return
	}
	rev := a.countHeld(ctx, s.User.ID, bank, consentID)
	if err := a.cfg.Fleet.Unlink(ctx, bank, consentID); err != nil && !errors.Is(err, sdk.ErrNotFound) {
		a.log.Error("assistant: unlink", "bank", bank, "err", err)
		_ = a.db.unclaimRevocation(context.WithoutCancel(ctx), s.User.ID, bank, consentID)
		flash(w, r, "Revoking "+bankTitle(bank)+" did not start; try again.")
		return
	}
	flash(w, r, a.finishRevocation(ctx, rev, "from the app"))
}

func (a *App) ask(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	q := strings.TrimSpace(r.PostFormValue("q"))
	if len(q) > 500 {
		q = q[:500]
	}
	ans, err := a.Ask(r.Context(), s.User.ID, q)
	if err != nil {
		a.log.Error("assistant: answering", "err", err)
		ans = &Answer{Text: "Something went wrong reading your data; please try again."}
	}
	a.render(w, "answer", ans)
}

// events streams the user's alerts as server-sent events. Each event's
// data is JSON; the page builds the message with textContent.
func (a *App) events(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	ch, cancel := a.hub.subscribe(s.User.ID)
	defer cancel()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprint(w, ": connected\n\n")
	fl.Flush()
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-a.done:
			return
		case <-tick.C:
			fmt.Fprint(w, ": keep-alive\n\n")
			fl.Flush()
		case al := <-ch:
			b, _ := json.Marshal(al)
			fmt.Fprintf(w, "event: alert\ndata: %s\n\n", b)
			fl.Flush()
		}
	}
}
