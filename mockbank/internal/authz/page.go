package authz

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"strings"
)

//go:embed templates/page.html
var templateFS embed.FS

var pageTemplate = template.Must(template.ParseFS(templateFS, "templates/page.html"))

var clusterDescriptions = map[string]string{
	"ACCOUNT_BASIC":     "account names, types and masked numbers",
	"ACCOUNT_DETAILED":  "balances and account details",
	"TRANSACTIONS":      "transaction history",
	"STATEMENTS":        "account statements (PDF)",
	"CUSTOMER_CONTACT":  "your name, email, phone and address",
	"PAYMENT_SUPPORT":   "account and routing numbers for payments",
	"INVESTMENTS":       "investment holdings and positions",
	"CUSTOMER_PERSONAL": "personal details such as date of birth",
}

var purposeLabels = map[string]string{
	"ACCOUNT_AGGREGATION":           "Show your accounts together in one place",
	"PERSONAL_FINANCIAL_MANAGEMENT": "Budgeting and personal financial management",
	"FRAUD_DETECTION":               "Detecting fraud on your accounts",
	"PAYMENTS":                      "Making payments from your account",
	"CREDIT_DECISIONING":            "Assessing a credit application",
}

type clusterView struct{ Name, Desc string }

type pageData struct {
	Kind, Title, Bank, Error, Message string
	Action, Session, CSRF             string
	ClientName, UserName, Purpose     string
	Clusters                          []clusterView
	DurationDays, LookbackDays        int
	Until                             string
	Accounts                          []AccountChoice
}

func (p *Provider) renderPage(w http.ResponseWriter, status int, s *session, csrf, msg string, accounts []AccountChoice) {
	p.mu.Lock()
	st, user := s.stage, s.user
	p.mu.Unlock()
	d := pageData{
		Bank: p.cfg.DisplayName, Error: msg, Action: p.issuerPath + p.cfg.Endpoints.Authorization,
		Session: s.id, CSRF: csrf, ClientName: s.clientName, UserName: user.DisplayName,
	}
	switch st {
	case stageLogin:
		d.Kind, d.Title = "login", "Sign in"
	case stageOTP:
		d.Kind, d.Title = "otp", "One-time code"
	case stageConsent:
		d.Kind, d.Title = "consent", "Share your data"
		d.Purpose = purposeLabels[s.req.Purpose] + " (" + strings.ToLower(strings.ReplaceAll(s.req.Purpose, "_", " ")) + ")"
		for _, c := range s.req.Clusters {
			d.Clusters = append(d.Clusters, clusterView{Name: c, Desc: clusterDescriptions[c]})
		}
		d.DurationDays, d.LookbackDays = s.req.DurationDays, s.req.LookbackDays
		d.Until = p.now().AddDate(0, 0, s.req.DurationDays).UTC().Format("January 2, 2006")
		d.Accounts = accounts
	}
	p.writePage(w, status, d)
}

func (p *Provider) renderError(w http.ResponseWriter, status int, msg string) {
	p.writePage(w, status, pageData{Kind: "message", Title: "Cannot continue", Bank: p.cfg.DisplayName, Message: msg})
}

func (p *Provider) writePage(w http.ResponseWriter, status int, d pageData) {
	var buf bytes.Buffer
	if err := pageTemplate.ExecuteTemplate(&buf, "layout", d); err != nil {
		p.log.Error("rendering consent page failed", "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// The page needs no script at all; forbid it, and forbid framing
	// (clickjacking on an approve button).
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
