package readiness_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/connectors"
	"github.com/obconnect/obconnect/mockbank/mockbanktest"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/conformance"
	"github.com/obconnect/obconnect/sdk/conformance/mockbankharness"
	"github.com/obconnect/obconnect/sdk/conformance/readiness"
)

// degrade makes a bank worse in four ways at once, each of which the
// report must name: account details are slow, an unavailable bank says
// "internal error" (a wrong code), account lists lose productName (a
// required field), and after the truth is read mockbank itself fails
// transaction reads (injected faults, through its admin API).
type degrade struct {
	next http.RoundTripper
}

var accountDetail = regexp.MustCompile(`/fdx/v[0-9]+/accounts/[^/]+$`)

func (d *degrade) RoundTrip(req *http.Request) (*http.Response, error) {
	if accountDetail.MatchString(req.URL.Path) {
		time.Sleep(400 * time.Millisecond)
	}
	resp, err := d.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusServiceUnavailable:
		resp.StatusCode, resp.Status = 500, "500 Internal Server Error"
		body = []byte(`{"code":"500","message":"Internal server error"}`)
		resp.Header.Del("Retry-After")
	case strings.HasSuffix(req.URL.Path, "/accounts") && resp.StatusCode == 200:
		body = bytes.ReplaceAll(body, []byte(`"productName":`), []byte(`"productNam_":`))
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return resp, nil
}

type degradedHarness struct {
	*mockbankharness.Harness
}

// Truth is read before the bank's own faults start, so the kit still
// knows what the bank holds.
func (h degradedHarness) Truth(ctx context.Context) (*conformance.Truth, error) {
	tr, err := h.Harness.Truth(ctx)
	if err != nil {
		return nil, err
	}
	_, err = h.Server().InjectFault(ctx, mockbanktest.Fault{Bank: "chase", Means: sdk.Internal, Endpoint: "searchForAccountTransactions", Times: 3})
	return tr, err
}

// A degraded bank gets a failing report that names each problem: proof
// that the report can fail.
func TestDegradedBankFailsNamingEachProblem(t *testing.T) {
	d, err := connectors.Lookup("chase")
	require.NoError(t, err)
	prof, err := readiness.Profile("core-exchange")
	require.NoError(t, err)
	// A partner's own profile: Core Exchange's, with a latency target a
	// 400 ms delay breaks and a shared CI machine keeps (the real 3.5 s
	// would make the test slow).
	prof.Name, prof.ProperLatency, prof.MaxP95 = "partner-strict", 300*time.Millisecond, 300*time.Millisecond
	base := mockbankharness.Maker(mockbankharness.Options{Bank: "chase"})
	maker := func(ctx context.Context, t conformance.T) (conformance.Harness, error) {
		h, err := base(ctx, t)
		if err != nil {
			return nil, err
		}
		mh := h.(*mockbankharness.Harness)
		hc := *mh.Options.HTTPClient
		hc.Transport = &degrade{next: hc.Transport}
		mh.Options.HTTPClient = &hc
		return degradedHarness{mh}, nil
	}
	r, err := readiness.Run(context.Background(), readiness.Config{Bank: d, Target: "mockbank (degraded)", Harness: maker, Thresholds: prof, Parallel: conformance.Subtests()})
	require.NoError(t, err)
	var mdown bytes.Buffer
	require.NoError(t, r.WriteMarkdown(&mdown))
	t.Log(mdown.String())
	require.False(t, r.Pass)
	all := strings.Join(r.Problems, "\n")
	for what, want := range map[string]string{
		"slow":             `GET /accounts/\{accountId\}: latency p95 [0-9.]+ ms is over 300 ms`,
		"improper answers": `overall: proper-response rate [0-9.]+% is under 99.50%`,
		"wrong codes":      `overall: error-code correctness [0-9.]+% is under 100.00%`,
		"missing fields":   `overall: required-field fill rate [0-9.]+% is under 100.00%`,
		"kit check":        `check Errors/InjectedUnavailable failed`,
	} {
		assert.Regexp(t, want, all, "the report names %s", what)
	}
	fig := r.Overall
	assert.Contains(t, strings.Join(fig.Problems, "\n"), "productName", "the missing field is named")
	assert.Contains(t, strings.Join(fig.Problems, "\n"), "meant Unavailable", "the wrong code is named")
	var js bytes.Buffer
	require.NoError(t, r.WriteJSON(&js))
	var back struct {
		Pass     bool     `json:"pass"`
		Problems []string `json:"problems"`
	}
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	assert.False(t, back.Pass)
	assert.Equal(t, r.Problems, back.Problems)
}
