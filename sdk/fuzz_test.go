package sdk_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/sdk/internal/fakebank"
)

// FuzzCompleteLinkCallback: whatever a browser (or an attacker) puts in
// the callback query, CompleteLink returns a classified error or a grant;
// it never panics and never accepts a forged state.
func FuzzCompleteLinkCallback(f *testing.F) {
	for _, s := range []string{"", "code=abc", "error=access_denied", "state=x&code=y", "state=%zz", "iss=http://evil&code=1",
		"error=server_error&error_description=" + url.QueryEscape("<script>"), "code=a&code=b&state="} {
		f.Add(s, false)
		f.Add(s, true)
	}
	_, c := setup(f, fakebank.Options{}, nil)
	pending, err := c.StartLink(context.Background(), sdk.LinkRequest{Clusters: allClusters, Purpose: sdk.PurposePayments, Duration: time.Hour})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string, withState bool) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			q = url.Values{}
		}
		if withState {
			q.Set("state", pending.State)
		}
		g, err := c.CompleteLink(context.Background(), pending, q)
		if err == nil && g == nil {
			t.Fatal("nil grant without error")
		}
		if err != nil && sdk.ErrorCode(err) == sdk.Unknown {
			t.Fatalf("unclassified error: %v", err)
		}
		if !withState && q.Get("state") != pending.State && err == nil {
			t.Fatal("accepted a callback with a forged state")
		}
	})
}
