package mockbanktest

// The consent-page driver: the code equivalent of Plaid's sandbox
// public_token shortcut, except that nothing is short-cut. Approve drives
// the same HTML pages a person sees, over HTTP, so a link made this way
// exercises the bank's real session cookie, CSRF token, PAR request_uri,
// one-time code and account picker. The forms are read with
// golang.org/x/net/html (a real HTML5 tokenizer, the one browsers' rules
// are specified against) rather than regular expressions over markup, so
// attribute order, quoting or whitespace in the template cannot break it.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/obconnect/obconnect/mockbank"
)

// Answers are what the test user types and picks on the consent pages.
type Answers struct {
	// Username defaults to "user_good".
	Username string
	// Password defaults to the built-in test users' password.
	Password string
	// OTP is the one-time code, used only when the bank asks for one;
	// empty means the built-in test user's code (see mockbank.TestUsers).
	OTP string
	// Accounts are the account ids to tick on the consent page. Nil ticks
	// every account offered; otherwise each must be offered, and an empty
	// non-nil slice is refused (the bank needs at least one, or Deny).
	Accounts []string
	// Deny signs in and then presses Deny on the consent page; the
	// callback then carries error=access_denied and Approve returns no
	// error.
	Deny bool
}

// Errors from Approve, reachable with errors.Is through *ConsentError.
var (
	// ErrWrongCredentials: the bank showed the sign-in form again after the
	// username and password were posted.
	ErrWrongCredentials = errors.New("wrong username or password")
	// ErrWrongOTP: the one-time code was refused, or the page asked for one
	// and none was known.
	ErrWrongOTP = errors.New("wrong or missing one-time code")
	// ErrUserLocked: the bank refused to sign the user in at all.
	ErrUserLocked = errors.New("user is locked")
	// ErrAccountNotOffered: Answers.Accounts names an account the consent
	// page does not offer (or names none).
	ErrAccountNotOffered = errors.New("account not offered on the consent page")
	// ErrBankRefused: the bank ended the flow with a message page (an
	// expired or invalid request, say) or redirected back with an OAuth
	// error although Deny was not asked.
	ErrBankRefused = errors.New("the bank refused the authorization request")
	// ErrUnrecognisedPage: a page without the forms or messages of
	// mockbank's consent pages, a redirect loop, an oversized page, or a
	// redirect away from the bank with neither a code nor an error.
	ErrUnrecognisedPage = errors.New("unrecognised page")
	// ErrInvalidAuthURL: the authorization URL given to Approve is not an
	// absolute http(s) URL. It is returned wrapped, not in a ConsentError.
	ErrInvalidAuthURL = errors.New("the authorization URL must be an absolute http(s) URL")
)

// ConsentError is the error Approve returns once the flow has started. It
// never holds a credential, a session id, a CSRF token or a code: Message
// is the bank's own text for the user.
type ConsentError struct {
	// Err is one of the Err* sentinels above.
	Err error
	// Step is what was last sent: "authorize" (the authorization URL),
	// "login", "otp" or "consent".
	Step string
	// Status is the HTTP status of the page that ended the flow.
	Status int
	// OAuthCode is the error parameter of a redirect back to the client
	// (ErrBankRefused only).
	OAuthCode string
	// Message is the page's error or message text, or the redirect's
	// error_description.
	Message string
}

func (e *ConsentError) Error() string {
	var b strings.Builder
	b.WriteString("mockbank: consent page")
	if e.Step != "" {
		b.WriteString(" (after " + e.Step + ")")
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	if e.OAuthCode != "" {
		b.WriteString(": " + e.OAuthCode)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	return b.String()
}

func (e *ConsentError) Unwrap() error { return e.Err }

// Limits that keep a misbehaving server from holding Approve forever or
// filling memory: a normal flow is three or four pages.
const (
	approveMaxSteps    = 12
	approveMaxPageSize = 1 << 20
)

// Approve plays the test user at mockbank's consent page, as a browser
// would: it GETs authURL (a plain authorization URL or a PAR one carrying
// only client_id and request_uri), posts the sign-in form, the one-time
// code when asked, then the consent form with the chosen accounts, and
// stops at the redirect back to the client. It returns that redirect
// without following it; pass callback.Query() to sdk.Client.CompleteLink
// or take its code for golang.org/x/oauth2's Exchange.
//
// The callback is the first redirect that leaves the authorization
// endpoint (authURL's scheme, host and path): mockbank never redirects
// within its consent pages. If the bank redirects back with an OAuth error
// and a.Deny is false, Approve returns the callback and a *ConsentError
// wrapping ErrBankRefused, so the caller may still hand the callback to
// its client to see how it classifies the error.
//
// httpClient is copied, never modified: its Transport and Timeout are
// used with a fresh cookie jar (the page binds its session to a cookie)
// and redirects handled here. Nil means http.DefaultClient. Approve is safe
// for concurrent use; each call is its own browser.
func Approve(ctx context.Context, httpClient *http.Client, authURL string, a Answers) (callback *url.URL, err error) {
	start, err := url.Parse(authURL)
	if err != nil || (start.Scheme != "http" && start.Scheme != "https") || start.Host == "" {
		return nil, fmt.Errorf("mockbanktest: Approve: %w", ErrInvalidAuthURL)
	}
	if a.Accounts != nil && len(a.Accounts) == 0 && !a.Deny {
		return nil, &ConsentError{Err: ErrAccountNotOffered, Message: "no account chosen; choose at least one or set Deny"}
	}
	a = a.withDefaults()
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, fmt.Errorf("mockbanktest: Approve: %w", err)
	}
	hc := *httpClient
	hc.Jar = jar
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	d := &consentDriver{ctx: ctx, hc: &hc, a: a, endpoint: endpointOf(start), step: "authorize"}
	return d.run(start)
}

func (a Answers) withDefaults() Answers {
	if a.Username == "" {
		a.Username = "user_good"
	}
	for _, u := range mockbank.TestUsers() {
		if u.Username == a.Username || (strings.HasPrefix(u.Username, "user_error_") && strings.HasPrefix(a.Username, "user_error_")) {
			if a.Password == "" {
				a.Password = u.Password
			}
			if a.OTP == "" {
				a.OTP = u.OTP
			}
			break
		}
	}
	if a.Password == "" {
		a.Password = mockbank.TestUsers()[0].Password
	}
	return a
}

// endpointOf is a URL without query or fragment, the identity of an
// endpoint.
func endpointOf(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + u.EscapedPath()
}

// consentDriver is one run of Approve: one browser tab.
type consentDriver struct {
	ctx      context.Context
	hc       *http.Client
	a        Answers
	endpoint string
	// step is what was last sent; sent records every form posted, so a
	// form shown again after it was answered is read as a refusal rather
	// than answered twice.
	step string
	sent []string
}

func (d *consentDriver) fail(sentinel error, status int, msg string) *ConsentError {
	return &ConsentError{Err: sentinel, Step: d.step, Status: status, Message: msg}
}

func (d *consentDriver) run(start *url.URL) (*url.URL, error) {
	req, err := http.NewRequestWithContext(d.ctx, http.MethodGet, start.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("mockbanktest: Approve: %w", err)
	}
	for range approveMaxSteps {
		resp, err := d.hc.Do(req)
		if err != nil {
			return nil, fmt.Errorf("mockbank: consent page (after %s): %w", d.step, err)
		}
		body, tooBig, err := readPage(resp)
		if err != nil {
			return nil, fmt.Errorf("mockbank: consent page (after %s): reading the page: %w", d.step, err)
		}
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			next, err := redirectTarget(resp)
			if err != nil {
				return nil, d.fail(ErrUnrecognisedPage, resp.StatusCode, "a redirect without a usable Location")
			}
			if endpointOf(next) != d.endpoint {
				return d.callback(next)
			}
			// Within the authorization endpoint: a browser follows with GET.
			if req, err = http.NewRequestWithContext(d.ctx, http.MethodGet, next.String(), nil); err != nil {
				return nil, fmt.Errorf("mockbanktest: Approve: %w", err)
			}
			continue
		}
		if tooBig {
			return nil, d.fail(ErrUnrecognisedPage, resp.StatusCode, "page larger than 1 MiB")
		}
		if req, err = d.answer(resp, body); err != nil {
			return nil, err
		}
	}
	return nil, d.fail(ErrUnrecognisedPage, 0, fmt.Sprintf("no redirect back to the client after %d pages", approveMaxSteps))
}

// callback judges the redirect that leaves the bank; the callback is
// returned with any error, for the caller's client to classify too.
func (d *consentDriver) callback(cb *url.URL) (*url.URL, error) {
	q := cb.Query()
	switch oerr := q.Get("error"); {
	case oerr == "access_denied" && d.a.Deny:
		return cb, nil
	case oerr != "":
		return cb, &ConsentError{Err: ErrBankRefused, Step: d.step, OAuthCode: truncateText(oerr), Message: truncateText(q.Get("error_description"))}
	case !q.Has("code"):
		return cb, d.fail(ErrUnrecognisedPage, 0, "a redirect away from the bank with neither a code nor an error")
	}
	return cb, nil
}

func readPage(resp *http.Response) (body []byte, tooBig bool, err error) {
	defer func() { _ = resp.Body.Close() }()
	body, err = io.ReadAll(io.LimitReader(resp.Body, approveMaxPageSize+1))
	if err != nil {
		return nil, false, err
	}
	if len(body) > approveMaxPageSize {
		return nil, true, nil
	}
	return body, false, nil
}

func redirectTarget(resp *http.Response) (*url.URL, error) {
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, errors.New("no Location")
	}
	next, err := resp.Request.URL.Parse(loc)
	if err != nil {
		return nil, err
	}
	// A custom-scheme redirect URI (a mobile app's) is returned like any
	// other: it leaves the endpoint and is never fetched.
	return next, nil
}

// answer reads one page and returns the request that answers it.
func (d *consentDriver) answer(resp *http.Response, body []byte) (*http.Request, error) {
	status := resp.StatusCode
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "text/html" {
		return nil, d.fail(ErrUnrecognisedPage, status, "not an HTML page")
	}
	p, err := parseConsentPage(body)
	if err != nil {
		return nil, d.fail(ErrUnrecognisedPage, status, "unreadable HTML")
	}
	var f *htmlForm
	switch {
	case p.forms["login-form"] != nil:
		if slices.Contains(d.sent, "login") {
			return nil, d.fail(ErrWrongCredentials, status, p.errText)
		}
		f = p.forms["login-form"]
		f.values.Set("username", d.a.Username)
		f.values.Set("password", d.a.Password)
		d.step = "login"
	case p.forms["otp-form"] != nil:
		if slices.Contains(d.sent, "otp") {
			return nil, d.fail(ErrWrongOTP, status, p.errText)
		}
		if d.a.OTP == "" {
			return nil, d.fail(ErrWrongOTP, status, "the bank asks for a one-time code and none is known for this user")
		}
		f = p.forms["otp-form"]
		f.values.Set("otp", d.a.OTP)
		d.step = "otp"
	case p.forms["consent-form"] != nil:
		if slices.Contains(d.sent, "consent") {
			return nil, d.fail(ErrBankRefused, status, p.errText)
		}
		f = p.forms["consent-form"]
		if d.a.Deny {
			f.values.Set("decision", "deny")
		} else {
			chosen := d.a.Accounts
			if chosen == nil {
				chosen = f.accounts
			}
			if len(chosen) == 0 {
				return nil, d.fail(ErrAccountNotOffered, status, "the consent page offers no account")
			}
			for _, id := range chosen {
				if !slices.Contains(f.accounts, id) {
					return nil, d.fail(ErrAccountNotOffered, status, fmt.Sprintf("account %q is not among the %d offered", truncateText(id), len(f.accounts)))
				}
			}
			f.values["account"] = slices.Clone(chosen)
			f.values.Set("decision", "approve")
		}
		d.step = "consent"
	default:
		return nil, d.refusal(status, p)
	}
	d.sent = append(d.sent, d.step)
	action, err := resp.Request.URL.Parse(f.action)
	if err != nil || action.Scheme != resp.Request.URL.Scheme || !strings.EqualFold(action.Host, resp.Request.URL.Host) {
		// Credentials are only ever posted back to the bank that asked.
		return nil, d.fail(ErrUnrecognisedPage, status, "the form posts to another site")
	}
	req, err := http.NewRequestWithContext(d.ctx, http.MethodPost, action.String(), strings.NewReader(f.values.Encode()))
	if err != nil {
		return nil, fmt.Errorf("mockbanktest: Approve: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req, nil
}

// refusal classifies a page without any of the three forms: mockbank's
// message page, or something else.
func (d *consentDriver) refusal(status int, p *consentPage) error {
	msg := p.message
	if msg == "" {
		msg = p.errText
	}
	if msg == "" {
		return d.fail(ErrUnrecognisedPage, status, "no sign-in, one-time code or consent form and no message")
	}
	// The locked-profile page is the one message that answers a sign-in
	// (or a code) with 403; the page's wording is mockbank's own.
	if status == http.StatusForbidden && (d.step == "login" || d.step == "otp") && strings.Contains(strings.ToLower(msg), "locked") {
		return d.fail(ErrUserLocked, status, msg)
	}
	return d.fail(ErrBankRefused, status, msg)
}

// htmlForm is one form as a browser would submit it, before the user's
// input.
type htmlForm struct {
	action string
	values url.Values
	// accounts are the values of the checkboxes named "account", in page
	// order.
	accounts []string
}

// consentPage is what Approve reads from one HTML page.
type consentPage struct {
	forms map[string]*htmlForm // by id
	// errText is the page's alert (id="error"); message is a message
	// page's text (id="message").
	errText, message string
}

func parseConsentPage(body []byte) (*consentPage, error) {
	doc, err := html.Parse(strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	p := &consentPage{forms: map[string]*htmlForm{}}
	var walk func(n *html.Node, cur *htmlForm)
	walk = func(n *html.Node, cur *htmlForm) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "form":
				// Nested forms are invalid HTML and the parser drops the
				// inner tag; a fresh form here is always top level.
				cur = &htmlForm{action: htmlAttr(n, "action"), values: url.Values{}}
				if id := htmlAttr(n, "id"); id != "" && p.forms[id] == nil {
					p.forms[id] = cur
				}
			case "input":
				if cur != nil {
					switch strings.ToLower(htmlAttr(n, "type")) {
					case "hidden":
						if name := htmlAttr(n, "name"); name != "" {
							cur.values.Set(name, htmlAttr(n, "value"))
						}
					case "checkbox":
						if htmlAttr(n, "name") == "account" {
							cur.accounts = append(cur.accounts, htmlAttr(n, "value"))
						}
					}
				}
			case "p":
				switch htmlAttr(n, "id") {
				case "error":
					p.errText = truncateText(htmlText(n))
				case "message":
					p.message = truncateText(htmlText(n))
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, cur)
		}
	}
	walk(doc, nil)
	return p, nil
}

func htmlAttr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val
		}
	}
	return ""
}

func htmlText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// truncateText bounds text taken from a page or a redirect before it goes
// into an error string.
func truncateText(s string) string {
	const max = 200
	if len(s) <= max {
		return s
	}
	// Cut on a rune boundary.
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
