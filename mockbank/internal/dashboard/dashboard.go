package dashboard

import (
	"bytes"
	"context"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/obconnect/obconnect/openapi"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

// ErrConfig is returned by New for unusable options.
var ErrConfig = errors.New("dashboard: invalid configuration")

// Options configure the dashboard.
type Options struct {
	// API serves the admin API under APIPath (mockbank's admin handler);
	// every page and action is a call of it. Required.
	API http.Handler
	// APIPath is where API serves the admin API, "/admin" by default.
	APIPath string
	// BasePath is where the dashboard is mounted, "/admin/ui" by default.
	BasePath string
	// Token is the admin token: what a user signs in with, and what the
	// dashboard calls the API with. Required.
	Token string
	// AllowRemote serves the dashboard to non-loopback clients too, as
	// the admin API's own option does.
	AllowRemote bool
	// Now is the wall clock sessions expire by; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

// Dashboard is the http.Handler of the pages under Options.BasePath.
type Dashboard struct {
	opts     Options
	log      *slog.Logger
	api      *adminapi.ClientWithResponses
	sessions *sessions
	pages    map[string]*template.Template
	static   http.Handler
	mux      *http.ServeMux
	enums    enums
}

// enums are the choices the forms offer, read from the admin spec so that
// a value the API gains shows up without touching the dashboard.
type enums struct {
	FaultModes, NotificationTypes, ConsentStatuses, DeliveryStatuses, TransactionStatuses []string
	Clusters, Purposes, SubscriptionTypes, DeliveryModes                                  []string
}

const (
	sessionCookie = "mockbank_admin_ui"
	flashCookie   = "mockbank_admin_ui_flash"
	// maxForm bounds an action's form body; the largest form is a fault.
	maxForm = 16 << 10
)

//go:embed templates/*.html static/*
var files embed.FS

// New returns the dashboard.
func New(opts Options) (*Dashboard, error) {
	if opts.API == nil || opts.Token == "" {
		return nil, ErrConfig
	}
	if opts.APIPath == "" {
		opts.APIPath = "/admin"
	}
	if opts.BasePath == "" {
		opts.BasePath = "/admin/ui"
	}
	opts.APIPath = "/" + strings.Trim(opts.APIPath, "/")
	opts.BasePath = "/" + strings.Trim(opts.BasePath, "/")
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	client, err := newClient(opts.API, opts.APIPath, opts.Token)
	if err != nil {
		return nil, err
	}
	pages, err := parsedPages()
	if err != nil {
		return nil, err
	}
	en, err := specEnums()
	if err != nil {
		return nil, err
	}
	staticFS, _ := fs.Sub(files, "static")
	d := &Dashboard{opts: opts, log: log, api: client, sessions: newSessions(opts.Token, opts.Now), pages: pages,
		static: http.StripPrefix(opts.BasePath+"/static/", http.FileServerFS(staticFS)), enums: en}
	d.routes()
	return d, nil
}

// The templates and the spec are embedded and never change: every
// mockbank in a process (tests start hundreds) shares one parse of each.
// Templates are safe for concurrent execution once parsed.
var (
	parsedPages = sync.OnceValues(parsePages)
	specEnums   = sync.OnceValues(loadEnums)
)

func loadEnums() (enums, error) {
	doc, err := openapi.LoadAdmin(context.Background())
	if err != nil {
		return enums{}, err
	}
	// values are the enum of a property, or of its items when it is an
	// array.
	get := func(schema, prop string) []string {
		var out []string
		s := doc.Components.Schemas[schema]
		if s == nil || s.Value == nil || s.Value.Properties[prop] == nil {
			return nil
		}
		p := s.Value.Properties[prop].Value
		if p.Items != nil && p.Items.Value != nil {
			p = p.Items.Value
		}
		for _, v := range p.Enum {
			if str, ok := v.(string); ok {
				out = append(out, str)
			}
		}
		return out
	}
	en := enums{
		FaultModes:          get("FaultCreate", "mode"),
		NotificationTypes:   get("NotificationFire", "type"),
		ConsentStatuses:     get("Consent", "status"),
		DeliveryStatuses:    get("Delivery", "status"),
		TransactionStatuses: get("Transaction", "status"),
		Clusters:            get("LinkCreate", "clusters"),
		Purposes:            get("LinkCreate", "purpose"),
		SubscriptionTypes:   get("SubscriptionCreate", "notificationTypes"),
		DeliveryModes:       get("DeliveryOptions", "mode"),
	}
	for _, e := range [][]string{en.FaultModes, en.NotificationTypes, en.ConsentStatuses, en.DeliveryStatuses, en.TransactionStatuses,
		en.Clusters, en.Purposes, en.SubscriptionTypes, en.DeliveryModes} {
		if len(e) == 0 {
			return enums{}, errors.New("dashboard: the admin spec lacks an enum the forms offer")
		}
	}
	return en, nil
}

func (d *Dashboard) routes() {
	p := d.opts.BasePath
	m := http.NewServeMux()
	m.HandleFunc("GET "+p, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, p+"/", http.StatusSeeOther)
	})
	m.Handle("GET "+p+"/static/", d.static)
	m.HandleFunc("GET "+p+"/login", d.loginPage)
	m.HandleFunc("POST "+p+"/login", d.login)
	m.Handle("POST "+p+"/logout", d.action(d.logout))

	m.Handle("GET "+p+"/{$}", d.page(d.overview))
	m.Handle("GET "+p+"/users", d.page(d.users))
	m.Handle("GET "+p+"/users/{id}", d.page(d.user))
	m.Handle("GET "+p+"/accounts/{id}", d.page(d.account))
	m.Handle("GET "+p+"/consents", d.page(d.consents))
	m.Handle("GET "+p+"/deliveries", d.page(d.deliveries))
	m.Handle("GET "+p+"/faults", d.page(d.faultsPage))
	m.Handle("GET "+p+"/journal", d.page(d.journal))

	m.Handle("POST "+p+"/clock/advance", d.action(d.advanceClock))
	m.Handle("POST "+p+"/faults", d.action(d.addFault))
	m.Handle("POST "+p+"/faults/clear", d.action(d.clearFaults))
	m.Handle("POST "+p+"/faults/{id}/delete", d.action(d.deleteFault))
	m.Handle("POST "+p+"/consents/{id}/revoke", d.action(d.revokeConsent))
	m.Handle("POST "+p+"/consents/{id}/expire", d.action(d.expireConsent))
	m.Handle("POST "+p+"/consents/{id}/reset-login", d.action(d.resetLogin))
	m.Handle("POST "+p+"/links", d.action(d.link))
	m.Handle("POST "+p+"/subscriptions", d.action(d.addSubscription))
	m.Handle("POST "+p+"/subscriptions/{id}/delete", d.action(d.deleteSubscription))
	m.Handle("POST "+p+"/subscriptions/{id}/delivery", d.action(d.setSubscriptionDelivery))
	m.Handle("POST "+p+"/deliveries/{id}/redeliver", d.action(d.redeliver))
	m.Handle("POST "+p+"/notifications", d.action(d.fireNotification))
	m.Handle("POST "+p+"/journal/clear", d.action(d.clearJournal))

	m.Handle(p+"/", d.page(func(w http.ResponseWriter, r *http.Request, v *view) error {
		return &apiError{Status: http.StatusNotFound, Message: "no such page"}
	}))
	d.mux = m
}

// ServeHTTP serves the dashboard: the loopback check and the security
// headers for every answer, then the pages.
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// No script at all; styles from our own stylesheet only; forms post
	// only to us; never framed.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	// Not no-referrer: under it a browser sends "Origin: null" with our
	// own forms, and the origin check below could not tell them apart
	// from another site's. Other sites never get a referrer either way.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	if !d.opts.AllowRemote && !isLoopback(r.RemoteAddr) {
		http.Error(w, "the admin dashboard accepts loopback clients only", http.StatusForbidden)
		return
	}
	if r.Method == http.MethodGet && r.URL.Query().Has("token") {
		d.tokenInURL(w, r)
		return
	}
	d.mux.ServeHTTP(w, r)
}

func isLoopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (d *Dashboard) tokenOK(t string) bool {
	return subtle.ConstantTimeCompare([]byte(t), []byte(d.opts.Token)) == 1
}

// tokenInURL signs in with ?token= and redirects to the same page without
// it, so the token does not stay in the address bar or the history.
func (d *Dashboard) tokenInURL(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	t := q.Get("token")
	q.Del("token")
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	if !d.tokenOK(t) {
		d.renderLogin(w, http.StatusUnauthorized, "That is not the admin token.", d.safeNext(u.String()))
		return
	}
	d.setSession(w, r)
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

func (d *Dashboard) setSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: d.sessions.issue(), Path: d.opts.BasePath,
		MaxAge: int(SessionLifetime / time.Second), HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

func (d *Dashboard) session(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return session{}, false
	}
	return d.sessions.verify(c.Value)
}

// safeNext keeps a post-login target only when it is a page of the
// dashboard (never another site, never a protocol-relative URL).
func (d *Dashboard) safeNext(next string) string {
	home := d.opts.BasePath + "/"
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || strings.HasPrefix(next, "//") ||
		strings.Contains(next, "\\") || !strings.HasPrefix(u.Path, home) || strings.HasPrefix(u.Path, d.opts.BasePath+"/login") {
		return home
	}
	return u.RequestURI()
}

func (d *Dashboard) loginPage(w http.ResponseWriter, r *http.Request) {
	next := d.safeNext(r.URL.Query().Get("next"))
	if _, ok := d.session(r); ok {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	d.renderLogin(w, http.StatusOK, "", next)
}

func (d *Dashboard) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		d.renderLogin(w, http.StatusBadRequest, "The form could not be read.", d.opts.BasePath+"/")
		return
	}
	next := d.safeNext(r.PostForm.Get("next"))
	if !sameOrigin(r) {
		d.renderLogin(w, http.StatusForbidden, "Sign in from the dashboard's own page.", next)
		return
	}
	if !d.tokenOK(r.PostForm.Get("token")) {
		d.renderLogin(w, http.StatusUnauthorized, "That is not the admin token.", next)
		return
	}
	d.setSession(w, r)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (d *Dashboard) logout(w http.ResponseWriter, r *http.Request) (string, error) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: d.opts.BasePath, MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	return d.opts.BasePath + "/login", nil
}

// sameOrigin refuses requests a browser marks as coming from another
// site. SameSite=Strict already keeps the cookie off them; this also
// covers the login form, which has no cookie yet. Sec-Fetch-Site, when
// sent, decides; else Origin must name this host. A client that sends
// neither (curl, a script) is not a browser another site can steer.
func sameOrigin(r *http.Request) bool {
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" {
		return s == "same-origin" || s == "none"
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		return err == nil && u.Host == r.Host
	}
	return true
}

// view is what every page's template gets.
type view struct {
	Base, Title, Nav string
	CSRF             string
	// Back is this page's address, where its actions return.
	Back string
	Now  string
	// Running and Offset describe the clock: moving with the wall clock
	// (and how far ahead of it), or standing still between advances.
	Running bool
	Offset  string
	Flash   *flash
	Page    any
	Enums   enums
}

type flash struct {
	OK  bool   `json:"ok"`
	Msg string `json:"msg"`
}

type pageFunc func(w http.ResponseWriter, r *http.Request, v *view) error

// page wraps a GET page: a session or a redirect to sign in, the header's
// clock and flash message, then the page's own data.
func (d *Dashboard) page(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		se, ok := d.session(r)
		if !ok {
			http.Redirect(w, r, d.opts.BasePath+"/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		r = r.WithContext(withPeer(r))
		v := &view{Base: d.opts.BasePath, CSRF: d.sessions.csrf(se), Back: r.URL.RequestURI(), Enums: d.enums, Flash: d.takeFlash(w, r)}
		if c, err := call(d.api.GetClockWithResponse(r.Context())); err == nil && c.JSON200 != nil {
			v.Now, v.Running, v.Offset = fmtTime(c.JSON200.Now), c.JSON200.Running, fmtOffset(c.JSON200.OffsetSeconds)
		}
		if err := fn(w, r, v); err != nil {
			d.renderError(w, r, v, err)
		}
	})
}

type actionFunc func(w http.ResponseWriter, r *http.Request) (redirect string, err error)

// action wraps a POST: a session (else 401), the same origin and the
// session's CSRF token (else 403), then the action, whose outcome is
// carried to the page it redirects to.
func (d *Dashboard) action(fn actionFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		se, ok := d.session(r)
		if !ok {
			http.Error(w, "sign in to the dashboard first", http.StatusUnauthorized)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "the form could not be read", http.StatusBadRequest)
			return
		}
		if !sameOrigin(r) || !d.sessions.checkCSRF(se, r.PostForm.Get("csrf")) {
			http.Error(w, "refused: the form did not come from this dashboard session (reload the page and try again)", http.StatusForbidden)
			return
		}
		r = r.WithContext(withPeer(r))
		back, err := fn(w, r)
		if back == "" {
			back = d.back(r)
		}
		if err != nil {
			d.setFlash(w, flash{OK: false, Msg: errMessage(err)})
			if !isAPIError(err) {
				d.log.Error("dashboard action failed", "path", r.URL.Path, "err", err)
			}
		}
		http.Redirect(w, r, back, http.StatusSeeOther)
	})
}

// back is the page an action returns to: the form's own "back" field
// when it is a dashboard page, else the overview.
func (d *Dashboard) back(r *http.Request) string {
	return d.safeNext(r.PostForm.Get("back"))
}

func isAPIError(err error) bool {
	var ae *apiError
	return errors.As(err, &ae)
}

func errMessage(err error) string {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Message
	}
	var fe formError
	if errors.As(err, &fe) {
		return string(fe)
	}
	return "internal error (see mockbank's log)"
}

// formError is a form value the dashboard cannot turn into a request.
type formError string

func (e formError) Error() string { return string(e) }

// maxFlash keeps the flash cookie far below browsers' 4 KB limit.
const maxFlash = 600

func (d *Dashboard) setFlash(w http.ResponseWriter, f flash) {
	if len(f.Msg) > maxFlash {
		f.Msg = f.Msg[:maxFlash] + "…"
	}
	b, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: b64.EncodeToString(b), Path: d.opts.BasePath,
		MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

func (d *Dashboard) ok(w http.ResponseWriter, msg string) {
	d.setFlash(w, flash{OK: true, Msg: msg})
}

// takeFlash reads the outcome of the last action once.
func (d *Dashboard) takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: d.opts.BasePath, MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	raw, err := b64.DecodeString(c.Value)
	var f flash
	if err != nil || json.Unmarshal(raw, &f) != nil || f.Msg == "" {
		return nil
	}
	return &f
}

func (d *Dashboard) render(w http.ResponseWriter, status int, name string, v any) {
	t := d.pages[name]
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		d.log.Error("rendering a dashboard page failed", "page", name, "err", err)
		http.Error(w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type loginView struct{ Base, Next string }

func (d *Dashboard) renderLogin(w http.ResponseWriter, status int, msg, next string) {
	d.render(w, status, "login", &view{Base: d.opts.BasePath, Title: "Sign in", Flash: flashOrNil(msg),
		Page: loginView{Base: d.opts.BasePath, Next: next}})
}

func flashOrNil(msg string) *flash {
	if msg == "" {
		return nil
	}
	return &flash{Msg: msg}
}

func (d *Dashboard) renderError(w http.ResponseWriter, r *http.Request, v *view, err error) {
	status := http.StatusInternalServerError
	var ae *apiError
	if errors.As(err, &ae) {
		status = ae.Status
	} else {
		d.log.Error("dashboard page failed", "path", r.URL.Path, "err", err)
	}
	v.Title = http.StatusText(status)
	v.Page = errMessage(err)
	d.render(w, status, "error", v)
}
