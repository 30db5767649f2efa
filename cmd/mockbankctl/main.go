// Command mockbankctl drives a running mockbank's admin API from a shell:
// create data, move the simulated clock, inject faults, fire notifications,
// inspect consents and deliveries, reset, snapshot and load scenarios.
//
// Usage:
//
//	mockbankctl [-url URL] COMMAND [flags] [args]
//
// The admin token comes from $MOCKBANK_ADMIN_TOKEN (or -token, which other
// users of the machine can see in the process list). The URL defaults to
// $MOCKBANK_ADMIN_URL or http://127.0.0.1:8080/admin. Responses are printed
// as indented JSON; an API error prints its body on stderr and exits 1;
// bad usage exits 2.
//
// Commands:
//
//	banks | users [-bank B] | user ID
//	create-user -bank B -username U -password P [-otp 123456] [-fail-with CODE] [-first F -last L]
//	create-account USER_ID -type CHECKING|SAVINGS|CREDITCARD|LOAN|MORTGAGE [-opening-balance 1500.00] [-credit-line 3000.00] [-product NAME]
//	account ID | close-account ID | restrict-account ID | open-account ID
//	transactions ACCOUNT_ID [-status PENDING|POSTED|DROPPED]
//	add-transaction ACCOUNT_ID -amount -42.50 -description TEXT [-pending -post-after 24h [-posted-amount -50.00] | -drop-after 2h] [-merchant M -mcc 5812 -category C] [-at RFC3339] [-fraud]
//	clock | advance -by 36h | advance -to 2026-07-01T00:00:00Z
//	faults | add-fault -bank B [-endpoint OP] [-status 503] [-code 501] [-code-as-string] [-retry-after 2s] [-latency 250ms] [-mode M] [-times N | -fraction F] [-message TEXT]
//	delete-fault ID | clear-faults
//	link -bank B -user U [-client C] [-clusters A,B] [-accounts A1,A2] [-purpose P] [-duration 90d] [-lookback 365d] [-code]
//	consent ID | expire CONSENT_ID | reset-login CONSENT_ID
//	subscribe -bank B -url URL -types T1,T2 [-client C] [-mode M [-delay 2s]] | subscriptions [-bank B] | unsubscribe ID
//	delivery-mode SUBSCRIPTION_ID -mode duplicate|delay|out_of_order|bad_signature|normal [-delay 2s]
//	notify -bank B -type TYPE [-account ID] [-consent ID] [-transaction ID] [-field name=value]... [-mode M [-delay 2s]]
//	deliveries [-bank B] [-status S] [-type T] [-notification ID] [-subscription ID] | redeliver DELIVERY_ID
//	consents [-bank B] [-status S] | revoke CONSENT_ID [-accounts A1,A2]
//	requests [filters] [-limit N] | verify [filters] [-exactly N | -at-least N | -at-most N] | clear-requests
//	    filters: -bank B -operation OP -method M -path GLOB -status N -client C -consent C -param name=value... -violations -faulted
//	reset | snapshot > FILE | restore FILE | scenario FILE (YAML or JSON) [-mode once|always]
//
// Durations, everywhere, are Go's with days in front when wanted: 250ms,
// 2s, 36h, 90d, 1d12h. verify exits 1 when the count does not match.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/obconnect/obconnect/mockbank/scenario"
	"github.com/obconnect/obconnect/openapi/adminapi"
	"github.com/obconnect/obconnect/openapi/fdxtypes"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// errUsage marks a usage error the flag package has already reported.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	global := flag.NewFlagSet("mockbankctl", flag.ContinueOnError)
	global.SetOutput(stderr)
	defURL := getenv("MOCKBANK_ADMIN_URL")
	if defURL == "" {
		defURL = "http://127.0.0.1:8080/admin"
	}
	baseURL := global.String("url", defURL, "admin API base URL ($MOCKBANK_ADMIN_URL)")
	token := global.String("token", "", "admin token (prefer $MOCKBANK_ADMIN_TOKEN: flags show in the process list)")
	timeout := global.Duration("timeout", 30*time.Second, "request timeout")
	global.Usage = func() {
		fmt.Fprintln(stderr, "usage: mockbankctl [-url URL] COMMAND [flags] [args]; see `go doc ./cmd/mockbankctl` for the commands")
		global.PrintDefaults()
	}
	if err := global.Parse(args); err != nil {
		return 2
	}
	if global.NArg() == 0 {
		global.Usage()
		return 2
	}
	tok := *token
	if tok == "" {
		tok = getenv("MOCKBANK_ADMIN_TOKEN")
	}
	if tok == "" {
		fmt.Fprintln(stderr, "mockbankctl: no admin token: set MOCKBANK_ADMIN_TOKEN (mockbank prints it at start)")
		return 2
	}
	client, err := adminapi.NewClient(strings.TrimRight(*baseURL, "/"),
		adminapi.WithHTTPClient(&http.Client{Timeout: *timeout}),
		adminapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+tok)
			return nil
		}))
	if err != nil {
		fmt.Fprintf(stderr, "mockbankctl: %v\n", err)
		return 2
	}
	cmd, rest := global.Arg(0), global.Args()[1:]
	resp, err := dispatch(ctx, client, cmd, rest, stderr)
	var ue usageError
	switch {
	case errors.Is(err, errUsage):
		return 2
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "usage: mockbankctl %s\n", ue)
		return 2
	case err != nil:
		fmt.Fprintf(stderr, "mockbankctl: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		fmt.Fprintf(stderr, "mockbankctl: reading the response: %v\n", err)
		return 1
	}
	out := stdout
	code := 0
	if resp.StatusCode >= 300 {
		out, code = stderr, 1
		fmt.Fprintf(stderr, "mockbankctl: HTTP %d\n", resp.StatusCode)
	}
	if cmd == "verify" && code == 0 {
		var v struct {
			OK      bool   `json:"ok"`
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &v) == nil && !v.OK {
			fmt.Fprintf(stderr, "mockbankctl: verify failed: %s\n", v.Message)
			code = 1
		}
	}
	if len(bytes.TrimSpace(body)) > 0 {
		var pretty bytes.Buffer
		if cmd != "snapshot" && json.Indent(&pretty, body, "", "  ") == nil {
			body = append(pretty.Bytes(), '\n')
		}
		_, _ = out.Write(body)
	}
	return code
}

// flags builds a command's flag set.
func flags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// usageError is a command used wrongly (exit 2).
type usageError string

func (e usageError) Error() string { return string(e) }

func usagef(format string, a ...any) error { return usageError(fmt.Sprintf(format, a...)) }

// parse parses fs and requires exactly n positional arguments (placed
// before or after the flags).
func parse(fs *flag.FlagSet, args []string, n int, what string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, errUsage
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != n {
		return nil, usagef("%s %s", fs.Name(), what)
	}
	return pos, nil
}

func opt[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

func decimal(name, s string) (*fdxtypes.Decimal, error) {
	if s == "" {
		return nil, nil
	}
	d, err := fdxtypes.ParseDecimal(s)
	if err != nil {
		return nil, usagef("-%s must be a decimal amount such as -42.50", name)
	}
	return &d, nil
}

func dispatch(ctx context.Context, c *adminapi.Client, cmd string, args []string, stderr io.Writer) (*http.Response, error) {
	fs := flags(cmd, stderr)
	switch cmd {
	case "banks":
		if _, err := parse(fs, args, 0, ""); err != nil {
			return nil, err
		}
		return c.ListBanks(ctx)
	case "users":
		bank := fs.String("bank", "", "only this bank")
		if _, err := parse(fs, args, 0, "[-bank B]"); err != nil {
			return nil, err
		}
		return c.ListUsers(ctx, &adminapi.ListUsersParams{Bank: opt(*bank)})
	case "user":
		pos, err := parse(fs, args, 1, "USER_ID")
		if err != nil {
			return nil, err
		}
		return c.GetUser(ctx, pos[0])
	case "create-user":
		bank := fs.String("bank", "", "bank (required)")
		user := fs.String("username", "", "login name (required)")
		pass := fs.String("password", "", "password (required)")
		otp := fs.String("otp", "", "one-time code the login will need")
		failWith := fs.Int("fail-with", 0, "FDX code every data call fails with")
		first := fs.String("first", "", "first name")
		last := fs.String("last", "", "last name")
		if _, err := parse(fs, args, 0, "-bank B -username U -password P"); err != nil {
			return nil, err
		}
		body := adminapi.UserCreate{Bank: *bank, Username: *user, Password: *pass, Otp: opt(*otp), FailWithCode: opt(*failWith)}
		if *first != "" || *last != "" {
			body.Name = &struct {
				First *string `json:"first,omitempty"`
				Last  *string `json:"last,omitempty"`
			}{First: opt(*first), Last: opt(*last)}
		}
		return c.CreateUser(ctx, body)
	case "create-account":
		typ := fs.String("type", "CHECKING", "CHECKING, SAVINGS, CREDITCARD, LOAN or MORTGAGE")
		opening := fs.String("opening-balance", "", "opening balance (owed, for cards and loans)")
		creditLine := fs.String("credit-line", "", "card limit")
		product := fs.String("product", "", "product name")
		pos, err := parse(fs, args, 1, "USER_ID -type T")
		if err != nil {
			return nil, err
		}
		ob, err := decimal("opening-balance", *opening)
		if err != nil {
			return nil, err
		}
		cl, err := decimal("credit-line", *creditLine)
		if err != nil {
			return nil, err
		}
		return c.CreateAccount(ctx, pos[0], adminapi.AccountCreate{Type: adminapi.AccountCreateType(*typ), OpeningBalance: ob, CreditLine: cl, ProductName: opt(*product)})
	case "account":
		pos, err := parse(fs, args, 1, "ACCOUNT_ID")
		if err != nil {
			return nil, err
		}
		return c.GetAccount(ctx, pos[0])
	case "close-account", "restrict-account", "open-account":
		pos, err := parse(fs, args, 1, "ACCOUNT_ID")
		if err != nil {
			return nil, err
		}
		st := map[string]adminapi.UpdateAccountJSONBodyStatus{"close-account": "CLOSED", "restrict-account": "RESTRICTED", "open-account": "OPEN"}[cmd]
		return c.UpdateAccount(ctx, pos[0], adminapi.UpdateAccountJSONRequestBody{Status: &st})
	case "transactions":
		status := fs.String("status", "", "PENDING, POSTED or DROPPED")
		pos, err := parse(fs, args, 1, "ACCOUNT_ID [-status S]")
		if err != nil {
			return nil, err
		}
		p := &adminapi.ListTransactionsParams{}
		if *status != "" {
			s := adminapi.ListTransactionsParamsStatus(*status)
			p.Status = &s
		}
		return c.ListTransactions(ctx, pos[0], p)
	case "add-transaction":
		amount := fs.String("amount", "", "signed amount from the holder's view, e.g. -42.50 (required)")
		desc := fs.String("description", "", "description (required)")
		pending := fs.Bool("pending", false, "create it PENDING")
		postAfter := fs.String("post-after", "", "pending posts after this simulated delay")
		postedAmount := fs.String("posted-amount", "", "amount it posts for (e.g. with a tip)")
		dropAfter := fs.String("drop-after", "", "pending drops after this simulated delay")
		merchant := fs.String("merchant", "", "merchant name")
		mcc := fs.Int("mcc", 0, "merchant category code")
		category := fs.String("category", "", "category")
		at := fs.String("at", "", "timestamp (RFC 3339); default simulated now")
		fraud := fs.Bool("fraud", false, "also fire FRAUD_SUSPECTED")
		pos, err := parse(fs, args, 1, "ACCOUNT_ID -amount A -description D")
		if err != nil {
			return nil, err
		}
		amt, err := decimal("amount", *amount)
		if err != nil {
			return nil, err
		}
		if amt == nil {
			return nil, usagef("add-transaction needs -amount")
		}
		pa, err := decimal("posted-amount", *postedAmount)
		if err != nil {
			return nil, err
		}
		body := adminapi.TransactionCreate{Amount: *amt, Description: *desc, PostAfter: opt(*postAfter), DropAfter: opt(*dropAfter),
			PostedAmount: pa, Merchant: opt(*merchant), MerchantCategoryCode: opt(*mcc), Category: opt(*category), SuspectedFraud: opt(*fraud)}
		if *pending {
			s := adminapi.TransactionCreateStatus("PENDING")
			body.Status = &s
		}
		if *at != "" {
			ts, err := time.Parse(time.RFC3339, *at)
			if err != nil {
				return nil, usagef("-at must be RFC 3339")
			}
			body.Timestamp = &ts
		}
		return c.CreateTransaction(ctx, pos[0], body)
	case "clock":
		if _, err := parse(fs, args, 0, ""); err != nil {
			return nil, err
		}
		return c.GetClock(ctx)
	case "advance":
		by := fs.String("by", "", "Go duration, e.g. 36h")
		to := fs.String("to", "", "RFC 3339 instant")
		if _, err := parse(fs, args, 0, "-by 36h | -to TIME"); err != nil {
			return nil, err
		}
		body := adminapi.AdvanceClockJSONRequestBody{By: opt(*by)}
		if *to != "" {
			ts, err := time.Parse(time.RFC3339, *to)
			if err != nil {
				return nil, usagef("-to must be RFC 3339")
			}
			body.To = &ts
		}
		return c.AdvanceClock(ctx, body)
	case "faults":
		if _, err := parse(fs, args, 0, ""); err != nil {
			return nil, err
		}
		return c.ListFaults(ctx)
	case "add-fault":
		bank := fs.String("bank", "", "bank (required)")
		endpoint := fs.String("endpoint", "", "FDX operationId, OAuth endpoint (token, par, ...) or * (default)")
		status := fs.Int("status", 0, "HTTP status")
		code := fs.Int("code", -1, "FDX error code")
		asString := fs.Bool("code-as-string", false, "send the code as a JSON string")
		retryAfter := durationFlag(fs, "retry-after", "Retry-After to send, whole seconds (2s)")
		latency := durationFlag(fs, "latency", "delay before answering (250ms)")
		mode := fs.String("mode", "", "error, latency_only, malformed_body, truncated_body, connection_reset, repeat_page_key")
		times := fs.Int("times", 0, "only the next N calls")
		fraction := fs.Float64("fraction", 0, "this fraction of calls")
		message := fs.String("message", "", "error message")
		if _, err := parse(fs, args, 0, "-bank B [...]"); err != nil {
			return nil, err
		}
		body := adminapi.FaultCreate{Bank: *bank, Endpoint: opt(*endpoint), Status: opt(*status), FdxCodeAsString: opt(*asString),
			Times: opt(*times), Message: opt(*message)}
		if *code >= 0 {
			body.FdxCode = code
		}
		if retryAfter.set {
			if retryAfter.d%time.Second != 0 {
				return nil, usagef("-retry-after must be whole seconds, such as 2s")
			}
			body.RetryAfterSeconds = opt(int(retryAfter.d / time.Second))
			if body.RetryAfterSeconds == nil {
				body.RetryAfterSeconds = new(int)
			}
		}
		if latency.d > 0 {
			body.LatencyMs = opt(int(latency.d / time.Millisecond))
		}
		if *mode != "" {
			m := adminapi.FaultCreateMode(*mode)
			body.Mode = &m
		}
		if *fraction != 0 {
			f := float32(*fraction)
			body.Fraction = &f
		}
		return c.CreateFault(ctx, body)
	case "delete-fault":
		pos, err := parse(fs, args, 1, "FAULT_ID")
		if err != nil {
			return nil, err
		}
		return c.DeleteFault(ctx, pos[0])
	case "clear-faults":
		if _, err := parse(fs, args, 0, ""); err != nil {
			return nil, err
		}
		return c.ClearFaults(ctx)
	case "notify":
		bank := fs.String("bank", "", "bank (required)")
		typ := fs.String("type", "", "notification type (required)")
		account := fs.String("account", "", "account id")
		consent := fs.String("consent", "", "consent id (for an account type: every account of the consent)")
		tx := fs.String("transaction", "", "transaction id")
		var fields listFlag
		fs.Var(&fields, "field", "extra customField name=value (repeatable)")
		mode := fs.String("mode", "", "delivery mode: duplicate, delay, out_of_order, bad_signature or normal")
		delay := durationFlag(fs, "delay", "the mode's wait (2s)")
		if _, err := parse(fs, args, 0, "-bank B -type T"); err != nil {
			return nil, err
		}
		body := adminapi.NotificationFire{Bank: *bank, Type: adminapi.NotificationFireType(*typ),
			AccountId: opt(*account), ConsentId: opt(*consent), TransactionId: opt(*tx), Delivery: deliveryOpts(*mode, delay)}
		if len(fields) > 0 {
			m := map[string]string{}
			for _, f := range fields {
				k, v, ok := strings.Cut(f, "=")
				if !ok || k == "" {
					return nil, usagef("-field takes name=value, not %q", f)
				}
				m[k] = v
			}
			body.Fields = &m
		}
		return c.FireNotification(ctx, body)
	case "deliveries":
		bank := fs.String("bank", "", "only this bank")
		status := fs.String("status", "", "PENDING, DELIVERED or FAILED")
		typ := fs.String("type", "", "notification type")
		ntf := fs.String("notification", "", "notification id")
		sub := fs.String("subscription", "", "subscription id")
		if _, err := parse(fs, args, 0, "[-bank B] [-status S] [-type T] [-notification ID] [-subscription ID]"); err != nil {
			return nil, err
		}
		p := &adminapi.ListDeliveriesParams{Bank: opt(*bank), Type: opt(*typ), NotificationId: opt(*ntf), SubscriptionId: opt(*sub)}
		if *status != "" {
			st := adminapi.ListDeliveriesParamsStatus(*status)
			p.Status = &st
		}
		return c.ListDeliveries(ctx, p)
	case "redeliver":
		pos, err := parse(fs, args, 1, "DELIVERY_ID")
		if err != nil {
			return nil, err
		}
		return c.Redeliver(ctx, pos[0])
	case "link":
		bank := fs.String("bank", "", "bank (required)")
		user := fs.String("user", "", "username (required), e.g. user_good")
		client := fs.String("client", "", "client id (default the bank's ready client)")
		clusters := fs.String("clusters", "", "comma-separated clusters (default all the bank offers)")
		accounts := fs.String("accounts", "", "comma-separated account ids (default all the user's)")
		purpose := fs.String("purpose", "", "ACCOUNT_AGGREGATION (default), PERSONAL_FINANCIAL_MANAGEMENT, ...")
		duration := fs.String("duration", "", "consent duration in days (90d)")
		lookback := fs.String("lookback", "", "lookback in days (365d)")
		code := fs.Bool("code", false, "answer with a code and its PKCE verifier instead of tokens")
		if _, err := parse(fs, args, 0, "-bank B -user U"); err != nil {
			return nil, err
		}
		body := adminapi.LinkCreate{Bank: *bank, Username: opt(*user), ClientId: opt(*client), Duration: opt(*duration), Lookback: opt(*lookback)}
		if *clusters != "" {
			var cs []adminapi.LinkCreateClusters
			for _, c := range strings.Split(*clusters, ",") {
				cs = append(cs, adminapi.LinkCreateClusters(strings.TrimSpace(c)))
			}
			body.Clusters = &cs
		}
		if *accounts != "" {
			ids := strings.Split(*accounts, ",")
			body.AccountIds = &ids
		}
		if *purpose != "" {
			p := adminapi.LinkCreatePurpose(*purpose)
			body.Purpose = &p
		}
		if *code {
			r := adminapi.Code
			body.Return = &r
		}
		return c.CreateLink(ctx, body)
	case "consent", "expire", "reset-login":
		pos, err := parse(fs, args, 1, "CONSENT_ID")
		if err != nil {
			return nil, err
		}
		switch cmd {
		case "expire":
			return c.ExpireConsent(ctx, pos[0])
		case "reset-login":
			return c.ResetLogin(ctx, pos[0])
		}
		return c.GetConsent(ctx, pos[0])
	case "subscribe":
		bank := fs.String("bank", "", "bank (required)")
		url := fs.String("url", "", "callback URL (required): https, or http to a loopback host")
		types := fs.String("types", "", "comma-separated notification types (required)")
		client := fs.String("client", "", "client id (default the bank's ready client)")
		mode := fs.String("mode", "", "delivery mode: duplicate, delay, out_of_order, bad_signature")
		delay := durationFlag(fs, "delay", "the mode's wait (2s)")
		if _, err := parse(fs, args, 0, "-bank B -url URL -types T1,T2"); err != nil {
			return nil, err
		}
		body := adminapi.SubscriptionCreate{Bank: *bank, CallbackUrl: *url, ClientId: opt(*client), Delivery: deliveryOpts(*mode, delay)}
		for _, t := range strings.Split(*types, ",") {
			if t = strings.TrimSpace(t); t != "" {
				body.NotificationTypes = append(body.NotificationTypes, adminapi.SubscriptionCreateNotificationTypes(t))
			}
		}
		return c.CreateSubscription(ctx, body)
	case "subscriptions":
		bank := fs.String("bank", "", "only this bank")
		if _, err := parse(fs, args, 0, "[-bank B]"); err != nil {
			return nil, err
		}
		return c.ListSubscriptions(ctx, &adminapi.ListSubscriptionsParams{Bank: opt(*bank)})
	case "unsubscribe":
		pos, err := parse(fs, args, 1, "SUBSCRIPTION_ID")
		if err != nil {
			return nil, err
		}
		return c.DeleteSubscription(ctx, pos[0])
	case "delivery-mode":
		mode := fs.String("mode", "", "duplicate, delay, out_of_order, bad_signature or normal (required)")
		delay := durationFlag(fs, "delay", "the mode's wait (2s)")
		pos, err := parse(fs, args, 1, "SUBSCRIPTION_ID -mode M")
		if err != nil {
			return nil, err
		}
		d := deliveryOpts(*mode, delay)
		if d == nil {
			return nil, usagef("delivery-mode needs -mode")
		}
		return c.UpdateSubscription(ctx, pos[0], adminapi.UpdateSubscriptionJSONRequestBody{Delivery: *d})
	case "requests", "verify":
		q := journalFlags(fs)
		limit := fs.Int("limit", 0, "at most N entries (default 100)")
		exactly := fs.Int("exactly", -1, "verify: exactly N requests")
		atLeast := fs.Int("at-least", -1, "verify: at least N")
		atMost := fs.Int("at-most", -1, "verify: at most N")
		if _, err := parse(fs, args, 0, "[filters]"); err != nil {
			return nil, err
		}
		if cmd == "requests" {
			p := q.list()
			p.Limit = opt(*limit)
			return c.ListRequests(ctx, p)
		}
		p := q.count()
		if *exactly >= 0 {
			p.Exactly = exactly
		}
		if *atLeast >= 0 {
			p.AtLeast = atLeast
		}
		if *atMost >= 0 {
			p.AtMost = atMost
		}
		return c.CountRequests(ctx, p)
	case "clear-requests":
		if _, err := parse(fs, args, 0, ""); err != nil {
			return nil, err
		}
		return c.ClearRequests(ctx)
	case "consents":
		bank := fs.String("bank", "", "only this bank")
		status := fs.String("status", "", "ACTIVE, EXPIRED or REVOKED")
		if _, err := parse(fs, args, 0, "[-bank B] [-status S]"); err != nil {
			return nil, err
		}
		p := &adminapi.ListConsentsParams{Bank: opt(*bank)}
		if *status != "" {
			s := adminapi.ListConsentsParamsStatus(*status)
			p.Status = &s
		}
		return c.ListConsents(ctx, p)
	case "revoke":
		accounts := fs.String("accounts", "", "comma-separated account ids (account-level revocation)")
		pos, err := parse(fs, args, 1, "CONSENT_ID [-accounts A1,A2]")
		if err != nil {
			return nil, err
		}
		body := adminapi.RevokeConsentJSONRequestBody{}
		if *accounts != "" {
			ids := strings.Split(*accounts, ",")
			body.AccountIds = &ids
		}
		return c.RevokeConsent(ctx, pos[0], body)
	case "reset":
		if _, err := parse(fs, args, 0, ""); err != nil {
			return nil, err
		}
		return c.Reset(ctx)
	case "snapshot":
		if _, err := parse(fs, args, 0, "> FILE"); err != nil {
			return nil, err
		}
		return c.ExportSnapshot(ctx)
	case "restore":
		pos, err := parse(fs, args, 1, "FILE")
		if err != nil {
			return nil, err
		}
		b, err := os.ReadFile(pos[0])
		if err != nil {
			return nil, err
		}
		return c.ImportSnapshotWithBody(ctx, "application/json", bytes.NewReader(b))
	case "scenario":
		mode := fs.String("mode", "", "once (default: skip a scenario already applied) or always")
		pos, err := parse(fs, args, 1, "FILE [-mode once|always]")
		if err != nil {
			return nil, err
		}
		b, err := os.ReadFile(pos[0])
		if err != nil {
			return nil, err
		}
		// Checked here with mockbank's own parser, so a mistake is named
		// with its line before anything is sent; the JSON sent keeps
		// every number's text.
		if len(b) > scenario.MaxSize {
			return nil, fmt.Errorf("%s: larger than %d bytes", pos[0], scenario.MaxSize)
		}
		if _, err := scenario.Parse(ctx, b); err != nil {
			return nil, fmt.Errorf("%s: %w", pos[0], err)
		}
		js, err := scenario.ToJSON(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", pos[0], err)
		}
		p := &adminapi.LoadScenarioParams{}
		if *mode != "" {
			m := adminapi.LoadScenarioParamsMode(*mode)
			p.Mode = &m
		}
		return c.LoadScenarioWithBody(ctx, p, "application/json", bytes.NewReader(js))
	}
	return nil, usagef("unknown command %q", cmd)
}

// durValue is a flag in mockbank's one duration syntax (250ms, 2s, 90d).
type durValue struct {
	d   time.Duration
	set bool
}

func (v *durValue) String() string {
	if !v.set {
		return ""
	}
	return scenario.FormatDuration(v.d)
}

func (v *durValue) Set(s string) error {
	d, err := scenario.ParseDuration(s)
	if err != nil {
		return err
	}
	v.d, v.set = d, true
	return nil
}

func durationFlag(fs *flag.FlagSet, name, usage string) *durValue {
	v := &durValue{}
	fs.Var(v, name, usage)
	return v
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func deliveryOpts(mode string, delay *durValue) *adminapi.DeliveryOptions {
	if mode == "" {
		return nil
	}
	d := &adminapi.DeliveryOptions{Mode: adminapi.DeliveryOptionsMode(mode)}
	if delay.set {
		d.Delay = opt(scenario.FormatDuration(delay.d))
	}
	return d
}

// journalQuery holds the request-journal filters requests and verify share.
type journalQuery struct {
	bank, operation, method, path, client, consent *string
	status                                         *int
	params                                         listFlag
	violations, faulted                            *bool
}

func journalFlags(fs *flag.FlagSet) *journalQuery {
	q := &journalQuery{
		bank:       fs.String("bank", "", "only this bank"),
		operation:  fs.String("operation", "", "FDX operationId or OAuth endpoint (token, authorize, ...)"),
		method:     fs.String("method", "", "HTTP method"),
		path:       fs.String("path", "", "path, * for any run of characters"),
		client:     fs.String("client", "", "client id"),
		consent:    fs.String("consent", "", "consent id"),
		status:     fs.Int("status", -1, "HTTP status answered"),
		violations: fs.Bool("violations", false, "only requests that broke the spec"),
		faulted:    fs.Bool("faulted", false, "only requests a fault was applied to"),
	}
	fs.Var(&q.params, "param", "query parameter name=value the request carried (repeatable)")
	return q
}

func (q *journalQuery) list() *adminapi.ListRequestsParams {
	p := &adminapi.ListRequestsParams{Bank: opt(*q.bank), Operation: opt(*q.operation), Method: opt(*q.method), Path: opt(*q.path),
		ClientId: opt(*q.client), ConsentId: opt(*q.consent), Violations: opt(*q.violations), Faulted: opt(*q.faulted)}
	if *q.status >= 0 {
		p.Status = q.status
	}
	if len(q.params) > 0 {
		ps := []string(q.params)
		p.Param = &ps
	}
	return p
}

func (q *journalQuery) count() *adminapi.CountRequestsParams {
	l := q.list()
	return &adminapi.CountRequestsParams{Bank: l.Bank, Operation: l.Operation, Method: l.Method, Path: l.Path, ClientId: l.ClientId,
		ConsentId: l.ConsentId, Status: l.Status, Param: l.Param, Violations: l.Violations, Faulted: l.Faulted}
}
