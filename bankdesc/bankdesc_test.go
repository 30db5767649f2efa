package bankdesc_test

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/connectors"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

func chaseJSON(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "connectors", "chase", "bank.json"))
	require.NoError(t, err)
	return data
}

func TestParseStrict(t *testing.T) {
	good := chaseJSON(t)
	_, err := bankdesc.Parse(good)
	require.NoError(t, err)

	for name, tc := range map[string]struct{ from, to, want string }{
		"unknown key":         {`"historyMonths"`, `"historyMonth"`, "historyMonth"},
		"key in another case": {`"historyMonths"`, `"HistoryMonths"`, "HistoryMonths"},
		"duplicate key":       {`"historyMonths": 24,`, `"historyMonths": 24, "historyMonths": 12,`, "duplicate"},
		"trailing data":       {"\n}\n", "\n}\n{}", "after top-level value"},
		"wrong type":          {`"historyMonths": 24`, `"historyMonths": "24"`, "/historyMonths"},
	} {
		t.Run(name, func(t *testing.T) {
			data := bytes.Replace(good, []byte(tc.from), []byte(tc.to), 1)
			require.NotEqual(t, good, data, "the replacement must apply")
			_, err := bankdesc.Parse(data)
			require.ErrorIs(t, err, bankdesc.ErrInvalid)
			assert.ErrorContains(t, err, tc.want)
			assert.Less(t, len(err.Error()), 300, "short: %s", err)
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	d, err := bankdesc.Parse(chaseJSON(t))
	require.NoError(t, err)
	d.Paging.Max = 0
	d.Clusters = append(d.Clusters, "GOSSIP")
	d.Errors.Quirks = append(d.Errors.Quirks, bankdesc.Quirk{Means: "Teapot", Status: 418, Why: "x"})
	d.Auth.Token = "http://evil.example/token"
	err = d.Validate()
	require.ErrorIs(t, err, bankdesc.ErrInvalid)
	for _, want := range []string{"paging.max", `"GOSSIP"`, "errors.quirks[1].means", "auth.token"} {
		assert.ErrorContains(t, err, want)
	}
}

func TestCloneIsDeep(t *testing.T) {
	d, err := bankdesc.Parse(chaseJSON(t))
	require.NoError(t, err)
	c := d.Clone()
	c.Clusters[0] = "X"
	c.Errors.Quirks[0].Status = 500
	assert.Equal(t, "ACCOUNT_BASIC", d.Clusters[0])
	assert.Equal(t, 429, d.Errors.Quirks[0].Status)
}

// The two sides of every built-in bank's rules agree: what mockbank sends
// for a meaning, the connector reads as that meaning.
func TestAnswerClassifiesAsItsMeaning(t *testing.T) {
	for _, d := range connectors.Builtin() {
		for _, means := range []obcerr.Code{obcerr.RateLimited, obcerr.ConsentRevoked, obcerr.ConsentExpired,
			obcerr.AccountClosed, obcerr.AccountLocked, obcerr.NotFound, obcerr.Unavailable} {
			a, ok := d.Answer(means, "")
			require.True(t, ok, "%s %s", d.Name, means)
			got, _ := d.Classify(bankdesc.Received{Status: a.Status, Code: a.Code, Message: a.Message,
				DebugMessage: a.DebugMessage, RetryAfter: a.RetryAfter})
			assert.Equal(t, means, got, "%s: %s sent as %d/%d", d.Name, means, a.Status, a.Code)
		}
	}
}

func TestQuirksOfTheBuiltinBanks(t *testing.T) {
	get := func(name string) *bankdesc.Description {
		d, err := connectors.Lookup(name)
		require.NoError(t, err)
		return d
	}
	wf, citi, usb := get("wellsfargo"), get("citi"), get("usbank")

	c, q := wf.Classify(bankdesc.Received{Status: 401, Code: 602})
	assert.Equal(t, obcerr.ConsentRevoked, c)
	assert.NotNil(t, q)
	c, _ = wf.Classify(bankdesc.Received{Status: 401, Code: 602, BearerChallenge: true})
	assert.Equal(t, obcerr.Unauthenticated, c, "a challenged 602 is about the token")

	c, _ = citi.Classify(bankdesc.Received{Status: 503, Code: 501, RetryAfter: true})
	assert.Equal(t, obcerr.RateLimited, c)
	c, _ = citi.Classify(bankdesc.Received{Status: 503, Code: 501})
	assert.Equal(t, obcerr.Unavailable, c, "without Retry-After it is a real outage")

	c, _ = usb.Classify(bankdesc.Received{Status: 403, Code: 1107, DebugMessage: "Consent Expired at 2026-01-01"})
	assert.Equal(t, obcerr.ConsentExpired, c)
	c, _ = usb.Classify(bankdesc.Received{Status: 403, Code: 1107, DebugMessage: "revoked by user"})
	assert.Equal(t, obcerr.ConsentRevoked, c)

	a, _ := usb.Answer(obcerr.ConsentExpired, "the consent expired")
	assert.Equal(t, bankdesc.Answer{Status: 403, Code: 1107, Message: "Consent revoked", DebugMessage: "consent expired", Quirk: &usb.Errors.Quirks[0]}, a)
}

func TestRetryAfterValue(t *testing.T) {
	chase, err := connectors.Lookup("chase")
	require.NoError(t, err)
	wf, err := connectors.Lookup("wellsfargo")
	require.NoError(t, err)
	now := time.Date(2026, 10, 21, 7, 27, 59, 500e6, time.UTC)
	assert.Equal(t, "2", wf.RetryAfterValue(1500*time.Millisecond, now), "rounded up, never less than asked")
	got := chase.RetryAfterValue(1500*time.Millisecond, now)
	at, err := http.ParseTime(got)
	require.NoError(t, err)
	assert.False(t, at.Before(now.Add(1500*time.Millisecond)), "%s is earlier than asked", got)
	assert.Equal(t, "0", wf.RetryAfterValue(-time.Second, now))
}

func TestLoad(t *testing.T) {
	_, err := bankdesc.Load(filepath.Join("..", "connectors", "citi", "bank.json"))
	require.NoError(t, err)
	_, err = bankdesc.Load("no-such-file.json")
	assert.True(t, errors.Is(err, os.ErrNotExist))
}
