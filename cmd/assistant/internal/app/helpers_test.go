package app

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/mockbank/mockbanktest"
	"github.com/obconnect/obconnect/openapi/adminapi"
	"github.com/obconnect/obconnect/sdk"
)

// testStart is mockbank's simulated start in the tests: the 20th, so
// "this month" holds three weeks of history.
var testStart = time.Date(2026, 6, 20, 9, 0, 0, 0, time.UTC)

var testUsers = []UserPass{{Username: "alice", Password: "alice-pass"}, {Username: "bob", Password: "bob-pass1"}}

// launch starts the whole app on SQLite in the test's directory, as
// go run ./cmd/assistant does.
func launch(t *testing.T) *Instance {
	t.Helper()
	return launchWith(t, LaunchOptions{DataDir: t.TempDir()})
}

// launchWith launches with the tests' address, seed, clock and users.
func launchWith(t *testing.T, o LaunchOptions) *Instance {
	t.Helper()
	o.Addr, o.Seed, o.Start, o.Users = "127.0.0.1:0", 1, testStart, testUsers
	inst, err := Launch(t.Context(), o)
	require.NoError(t, err)
	t.Cleanup(inst.Close)
	return inst
}

func adminClient(t *testing.T, inst *Instance) *adminapi.ClientWithResponses {
	t.Helper()
	c, err := adminapi.NewClientWithResponses(inst.MockURL+"/admin", adminapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+inst.AdminToken())
		return nil
	}))
	require.NoError(t, err)
	return c
}

// person is one app user driving the app over HTTP.
type person struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func signIn(t *testing.T, inst *Instance, username, password string) *person {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	p := &person{t: t, base: inst.URL, c: &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	resp, err := p.c.PostForm(p.base+"/login", url.Values{"username": {username}, "password": {password}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, "/", resp.Header.Get("Location"))
	p.csrf = csrfRe.FindStringSubmatch(p.get("/"))[1]
	return p
}

func (p *person) get(path string) string {
	p.t.Helper()
	resp, err := p.c.Get(p.base + path)
	require.NoError(p.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(p.t, err)
	require.Equal(p.t, http.StatusOK, resp.StatusCode, "%s: %s", path, b)
	return string(b)
}

func (p *person) post(path string, form url.Values) *http.Response {
	p.t.Helper()
	form.Set("csrf", p.csrf)
	resp, err := p.c.PostForm(p.base+path, form)
	require.NoError(p.t, err)
	return resp
}

// link goes through the bank's consent page as bankUser and back.
func (p *person) link(bank, bankUser string) {
	p.t.Helper()
	resp := p.post("/link", url.Values{"bank": {bank}})
	resp.Body.Close()
	require.Equal(p.t, http.StatusSeeOther, resp.StatusCode)
	cb, err := mockbanktest.Approve(p.t.Context(), nil, resp.Header.Get("Location"), mockbanktest.Answers{Username: bankUser})
	require.NoError(p.t, err)
	resp, err = p.c.Get(cb.String())
	require.NoError(p.t, err)
	resp.Body.Close()
	require.Equal(p.t, "/", resp.Header.Get("Location"))
	require.Contains(p.t, p.get("/"), "Linked "+bankTitle(bank), "callback")
}

func (p *person) ask(q string) string {
	p.t.Helper()
	resp := p.post("/ask", url.Values{"q": {q}})
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	require.Equal(p.t, http.StatusOK, resp.StatusCode, "%s", b)
	return string(b)
}

// alerts reads the person's server-sent events into a channel.
func (p *person) alerts() <-chan Alert {
	p.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p.t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/events", nil)
	require.NoError(p.t, err)
	c := *p.c
	c.Timeout = 0
	resp, err := c.Do(req)
	require.NoError(p.t, err)
	require.Equal(p.t, "text/event-stream", resp.Header.Get("Content-Type"))
	ch := make(chan Alert, 32)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var a Alert
				if json.Unmarshal([]byte(d), &a) == nil {
					ch <- a
				}
			}
		}
	}()
	return ch
}

func waitAlert(t *testing.T, ch <-chan Alert, kind string) Alert {
	t.Helper()
	timeout := time.After(45 * time.Second)
	for {
		select {
		case a := <-ch:
			if a.Kind == kind {
				return a
			}
		case <-timeout:
			t.Fatalf("no %s alert within 45 s", kind)
		}
	}
}

// waitSynced waits until the fleet has committed a first sync of every
// account the user linked and has no job left.
func waitSynced(t *testing.T, inst *Instance, userID string) {
	t.Helper()
	ctx := t.Context()
	require.Eventually(t, func() bool {
		accts, err := inst.App.db.accounts(ctx, userID)
		if err != nil || len(accts) == 0 {
			return false
		}
		for _, a := range accts {
			st, err := inst.Fleet.Account(ctx, a.Bank, a.ID)
			if err != nil || !st.Synced {
				return false
			}
		}
		n, err := inst.Fleet.Backlog(ctx)
		return err == nil && n == 0
	}, 2*time.Minute, 100*time.Millisecond)
}

func userID(t *testing.T, inst *Instance, username string) string {
	t.Helper()
	var id string
	d := inst.App.db
	require.NoError(t, d.sql.QueryRowContext(t.Context(), d.q(`SELECT id FROM assistant_users WHERE username = ?`), username).Scan(&id))
	return id
}

// truthMoney is an admin-API amount as exact money.
func truthMoney(t *testing.T, a adminapi.Amount) sdk.Money {
	t.Helper()
	m, err := sdk.ParseMoney(a.String(), "USD")
	require.NoError(t, err)
	return m
}

// fleetRows counts the fleet's rows for the accounts, straight from its
// database: the SQLite file, or PostgreSQL (where the app's tables are
// too).
func fleetRows(t *testing.T, inst *Instance, bank string, accountIDs []string) int {
	t.Helper()
	d := inst.App.db
	if path, ok := strings.CutPrefix(inst.FleetDSN, "sqlite://"); ok {
		file, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
		require.NoError(t, err)
		defer file.Close()
		d = &db{sql: file}
	}
	n := 0
	for _, id := range accountIDs {
		var k int
		require.NoError(t, d.sql.QueryRowContext(t.Context(), d.q(`SELECT COUNT(*) FROM obconnect_transactions WHERE bank = ? AND account_id = ?`), bank, id).Scan(&k))
		n += k
	}
	return n
}
