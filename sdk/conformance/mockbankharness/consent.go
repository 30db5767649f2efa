package mockbankharness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// consentUser plays a person at mockbank's login and consent pages.
type consentUser struct {
	username, password, otp string
}

// maxSteps bounds the pages one link may go through (login, one-time code,
// consent, plus redirects).
const maxSteps = 12

// consent returns a RemoteHarness.Consent callback over the given
// transport: it walks the pages until the bank redirects to redirectURL.
func (u consentUser) consent(rt http.RoundTripper, redirectURL string) func(ctx context.Context, authURL string) (url.Values, error) {
	return func(ctx context.Context, authURL string) (url.Values, error) {
		jar, err := cookiejar.New(nil)
		if err != nil {
			return nil, err
		}
		hc := &http.Client{Transport: rt, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
		if err != nil {
			return nil, err
		}
		for range maxSteps {
			resp, err := hc.Do(req)
			if err != nil {
				return nil, err
			}
			page, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			_ = resp.Body.Close()
			if err != nil {
				return nil, err
			}
			if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 && loc != "" {
				next, err := resp.Request.URL.Parse(loc)
				if err != nil {
					return nil, err
				}
				if strings.HasPrefix(next.String(), redirectURL) {
					return next.Query(), nil
				}
				if req, err = http.NewRequestWithContext(ctx, http.MethodGet, next.String(), nil); err != nil {
					return nil, err
				}
				continue
			}
			if resp.StatusCode != http.StatusOK {
				return nil, fmt.Errorf("consent page answered HTTP %d: %.200s", resp.StatusCode, page)
			}
			f, err := u.fill(page)
			if err != nil {
				return nil, err
			}
			action, err := resp.Request.URL.Parse(f.action)
			if err != nil {
				return nil, err
			}
			if req, err = http.NewRequestWithContext(ctx, http.MethodPost, action.String(), strings.NewReader(f.values.Encode())); err != nil {
				return nil, err
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		return nil, errors.New("consent flow did not reach the redirect URI")
	}
}

// form is one HTML form as a browser would submit it.
type form struct {
	id, action string
	values     url.Values
	// accounts are the checkbox values named "account".
	accounts []string
}

// fill picks the page's form (consent, one-time code, or login) and fills
// it in as the user would: every account ticked, approve.
func (u consentUser) fill(page []byte) (*form, error) {
	forms, err := parseForms(page)
	if err != nil {
		return nil, err
	}
	byID := map[string]*form{}
	for _, f := range forms {
		byID[f.id] = f
	}
	switch {
	case byID["consent-form"] != nil:
		f := byID["consent-form"]
		for _, a := range f.accounts {
			f.values.Add("account", a)
		}
		f.values.Set("decision", "approve")
		return f, nil
	case byID["otp-form"] != nil:
		f := byID["otp-form"]
		f.values.Set("otp", u.otp)
		return f, nil
	case byID["login-form"] != nil:
		f := byID["login-form"]
		f.values.Set("username", u.username)
		f.values.Set("password", u.password)
		return f, nil
	}
	return nil, fmt.Errorf("no login, one-time code or consent form on the page: %.200s", page)
}

// parseForms reads every form's id, action, hidden inputs and account
// checkboxes, with golang.org/x/net/html (a real HTML5 tokenizer, not a
// regular expression over markup).
func parseForms(page []byte) ([]*form, error) {
	doc, err := html.Parse(strings.NewReader(string(page)))
	if err != nil {
		return nil, err
	}
	var forms []*form
	var cur *form
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "form":
				cur = &form{id: attr(n, "id"), action: attr(n, "action"), values: url.Values{}}
				forms = append(forms, cur)
			case "input":
				if cur != nil {
					switch attr(n, "type") {
					case "hidden":
						cur.values.Set(attr(n, "name"), attr(n, "value"))
					case "checkbox":
						if attr(n, "name") == "account" {
							cur.accounts = append(cur.accounts, attr(n, "value"))
						}
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type == html.ElementNode && n.Data == "form" {
			cur = nil
		}
	}
	walk(doc)
	return forms, nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
