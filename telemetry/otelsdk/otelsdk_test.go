package otelsdk_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	_ "github.com/obconnect/obconnect/connectors/wellsfargo"
	"github.com/obconnect/obconnect/mockbank/mockbanktest"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/webhook"
	"github.com/obconnect/obconnect/telemetry/otelsdk"
)

// recorder is an in-memory OpenTelemetry pipeline.
type recorder struct {
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
	tel    *otelsdk.Telemetry
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(r.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r.reader))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) })
	var err error
	r.tel, err = otelsdk.New(&otelsdk.Options{TracerProvider: tp, MeterProvider: mp})
	require.NoError(t, err)
	return r
}

// metrics returns each metric's data points' attribute sets by name.
func (r *recorder) metrics(t *testing.T) map[string][]attribute.Set {
	var rm metricdata.ResourceMetrics
	require.NoError(t, r.reader.Collect(context.Background(), &rm))
	out := map[string][]attribute.Set{}
	for _, sm := range rm.ScopeMetrics {
		assert.Equal(t, otelsdk.ScopeName, sm.Scope.Name)
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					out[m.Name] = append(out[m.Name], p.Attributes)
				}
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					out[m.Name] = append(out[m.Name], p.Attributes)
				}
			default:
				t.Fatalf("unexpected metric %s of %T", m.Name, m.Data)
			}
		}
	}
	return out
}

// everything is every span name, attribute and event text, and every metric
// attribute, for the no-secrets check.
func (r *recorder) everything(t *testing.T) string {
	var b strings.Builder
	for _, s := range r.spans.Ended() {
		fmt.Fprintln(&b, s.Name(), s.Status().Description)
		for _, a := range s.Attributes() {
			fmt.Fprintln(&b, a.Key, a.Value.String())
		}
		for _, e := range s.Events() {
			fmt.Fprintln(&b, e.Name, e.Attributes)
		}
	}
	for name, sets := range r.metrics(t) {
		for _, set := range sets {
			fmt.Fprintln(&b, name, set.Encoded(attribute.DefaultEncoder()))
		}
	}
	return b.String()
}

func attrsOf(kvs []attribute.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.String()
	}
	return m
}

func TestClientCallsRefreshesAndExchanges(t *testing.T) {
	ctx := context.Background()
	rec := newRecorder(t)
	srv := mockbanktest.NewServer(t, &mockbanktest.Options{Seed: 7})
	bank := srv.Bank("wellsfargo")
	tokens := sdk.NewMemoryTokenStore()
	open := func() *sdk.Client {
		opts := &sdk.Options{BaseURL: bank.Issuer, RedirectURL: bank.Client.RedirectURIs[0], HTTPClient: srv.Client(),
			Now: srv.Now, TokenStore: tokens}
		rec.tel.Instrument(opts)
		c, err := sdk.Open(ctx, "wellsfargo", sdk.Credentials{ClientID: bank.Client.ID, ClientSecret: bank.Client.Secret}, opts)
		require.NoError(t, err)
		return c
	}
	client := open()
	pending, err := client.StartLink(ctx, sdk.LinkRequest{
		Clusters: []sdk.Cluster{sdk.AccountBasic, sdk.AccountDetailed, sdk.Transactions, sdk.PaymentSupport},
		Purpose:  sdk.PurposePersonalFinancialManagement, Duration: 30 * 24 * time.Hour})
	require.NoError(t, err)
	cb, err := srv.Approve(ctx, pending.AuthURL, mockbanktest.Answers{Username: "user_good", Password: "pass_good"})
	require.NoError(t, err)
	grant, err := client.CompleteLink(ctx, pending, cb.Query())
	require.NoError(t, err)

	var secrets []string
	for a, err := range client.Accounts(ctx, grant) {
		require.NoError(t, err)
		secrets = append(secrets, a.ID)
		nets, err := client.PaymentNetworks(ctx, grant, a.ID)
		if err != nil {
			continue // not every account offers payment networks
		}
		for _, n := range nets {
			secrets = append(secrets, string(n.Identifier))
		}
	}
	require.NotEmpty(t, secrets)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = client.Account(cctx, grant, secrets[0])
	require.Equal(t, sdk.Canceled, sdk.ErrorCode(err))

	// A second process with the same store finds the access token expired
	// and refreshes it at the bank.
	tr, err := tokens.Get(ctx, grant.TokenKey())
	require.NoError(t, err)
	secrets = append(secrets, tr.AccessToken, tr.RefreshToken, bank.Client.Secret)
	tr.Expiry = time.Now().Add(-time.Hour)
	require.NoError(t, tokens.Put(ctx, grant.TokenKey(), tr))
	_, err = open().Account(ctx, grant, secrets[0])
	require.NoError(t, err)
	tr, err = tokens.Get(ctx, grant.TokenKey())
	require.NoError(t, err)
	secrets = append(secrets, tr.AccessToken, tr.RefreshToken)

	spans := rec.spans.Ended()
	byName := map[string][]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		byName[s.Name()] = append(byName[s.Name()], s)
	}
	require.NotEmpty(t, byName["sdk.Account"], "spans: %v", byName)
	require.NotEmpty(t, byName["sdk.token.refresh"])
	require.NotEmpty(t, byName["HTTP GET"])
	require.NotEmpty(t, byName["HTTP POST"])

	var failed, ok bool
	for _, s := range byName["sdk.Account"] {
		a := attrsOf(s.Attributes())
		assert.Equal(t, "wellsfargo", a["obconnect.bank"])
		assert.Equal(t, "call", a["obconnect.operation.kind"])
		assert.Equal(t, "ACCOUNT_DETAILED", a["obconnect.cluster"])
		switch a["obconnect.error.code"] {
		case "OK":
			ok = true
		case "Canceled":
			failed = true
			assert.Equal(t, "Canceled", s.Status().Description)
		}
	}
	assert.True(t, ok && failed, "one successful and one Canceled sdk.Account span")
	ref := byName["sdk.token.refresh"][0]
	assert.Equal(t, "OK", attrsOf(ref.Attributes())["obconnect.error.code"])
	assert.Equal(t, "refresh", attrsOf(ref.Attributes())["obconnect.operation.kind"])

	// Each attempt is a client span under its call's span.
	parents := map[string]string{}
	for _, s := range spans {
		parents[s.SpanContext().SpanID().String()] = s.Name()
	}
	var underCall, underRefresh bool
	for _, s := range byName["HTTP GET"] {
		a := attrsOf(s.Attributes())
		if parents[s.Parent().SpanID().String()] == "sdk.Account" {
			underCall = true
			assert.Equal(t, "/fdx/v5/accounts/{id}", strings.TrimPrefix(a["url.template"], "/{id}"))
		}
	}
	for _, s := range byName["HTTP POST"] {
		if parents[s.Parent().SpanID().String()] == "sdk.token.refresh" {
			underRefresh = true
			assert.Equal(t, "200", attrsOf(s.Attributes())["http.response.status_code"])
		}
	}
	assert.True(t, underCall, "an HTTP GET under sdk.Account")
	assert.True(t, underRefresh, "the token POST under sdk.token.refresh")

	m := rec.metrics(t)
	require.NotEmpty(t, m["obconnect.call.duration"])
	require.NotEmpty(t, m["obconnect.token.refresh.duration"])
	require.NotEmpty(t, m["http.client.request.duration"])
	for _, set := range m["http.client.request.duration"] {
		v, _ := set.Value("url.template")
		assert.True(t, strings.HasPrefix(v.AsString(), "/"), v.AsString())
		_, has := set.Value(otelsdk.AttrInteractionID)
		assert.False(t, has, "no unbounded attribute on metrics")
	}

	all := rec.everything(t)
	for _, s := range secrets {
		require.NotEmpty(t, s)
		assert.NotContains(t, all, s, "telemetry must not carry tokens, secrets, account ids or numbers")
	}
}

func TestWebhookVerification(t *testing.T) {
	ctx := context.Background()
	rec := newRecorder(t)
	bank, err := webhook.NewTestSigner("chase")
	require.NoError(t, err)
	opts := &webhook.Options{}
	rec.tel.InstrumentWebhook(opts)
	v, err := webhook.NewVerifier(bank.Keys(), opts)
	require.NoError(t, err)
	body, h, err := bank.Payload(webhook.TestNotification{Type: webhook.TypeBalance,
		Subject: webhook.Subject{ID: "acc-chk-001", Kind: "ACCOUNT"}})
	require.NoError(t, err)
	_, err = v.Verify(ctx, h, body)
	require.NoError(t, err)
	_, err = v.Verify(ctx, h, append([]byte(" "), body...))
	require.ErrorIs(t, err, webhook.ErrInvalidSignature)
	_, err = v.Verify(ctx, http.Header{}, body)
	require.ErrorIs(t, err, webhook.ErrMissingSignature)

	var results []string
	for _, s := range rec.spans.Ended() {
		require.Equal(t, "webhook.verify", s.Name())
		results = append(results, attrsOf(s.Attributes())["obconnect.webhook.result"])
	}
	assert.Equal(t, []string{"ok", "invalid_signature", "missing_signature"}, results)
	ok := attrsOf(rec.spans.Ended()[0].Attributes())
	assert.Equal(t, "chase", ok["obconnect.webhook.publisher"])
	assert.Equal(t, string(webhook.TypeBalance), ok["obconnect.webhook.event_type"])
	assert.Len(t, rec.metrics(t)["obconnect.webhook.verifications"], 3)
	all := rec.everything(t)
	assert.NotContains(t, all, h.Get(webhook.SignatureHeader))
	assert.NotContains(t, all, "acc-chk-001")
}

func TestTemplate(t *testing.T) {
	for in, want := range map[string]string{
		"/fdx/v5/accounts/chk-1/transactions":           "/fdx/v5/accounts/{id}/transactions",
		"/acme/fdx/v6/accounts/1234567890/statements/9": "/{id}/fdx/v6/accounts/{id}/statements/{id}",
		"/token": "/token", "/consents/c-1/revocation": "/consents/{id}/revocation", "": "",
	} {
		assert.Equal(t, want, otelsdk.Template(in), in)
	}
	assert.Equal(t, "ok", otelsdk.Reason(nil))
	assert.Equal(t, "stale", otelsdk.Reason(fmt.Errorf("x: %w", webhook.ErrStale)))
	assert.Equal(t, "other", otelsdk.Reason(errors.New("x")))
}

// TestSDKCompilesNoOpenTelemetry keeps OpenTelemetry optional: the sdk and
// a connector (what an integrator who does not import this package
// compiles) depend on no go.opentelemetry.io package.
func TestSDKCompilesNoOpenTelemetry(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/obconnect/obconnect/sdk",
		"github.com/obconnect/obconnect/sdk/webhook", "github.com/obconnect/obconnect/connectors/wellsfargo",
		"github.com/obconnect/obconnect/connectors").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "github.com/obconnect/obconnect/sdk\n")
	for line := range strings.Lines(string(out)) {
		assert.False(t, strings.HasPrefix(line, "go.opentelemetry.io/"), "the sdk compiles %s", strings.TrimSpace(line))
	}
}
