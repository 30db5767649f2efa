package fdxapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/mockbank/internal/authz"
	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/openapi/fdxclient"
)

// TestFastEncoderMatchesGeneratedTypes proves that the transactions page
// encoder writes exactly what encoding/json writes for the generated types,
// for every record of every account of every bank.
func TestFastEncoderMatchesGeneratedTypes(t *testing.T) {
	ctx := context.Background()
	st := populated(t, 31, 2000)
	n := 0
	for _, bank := range st.Banks() {
		users, err := st.Users(ctx, bank)
		require.NoError(t, err)
		for _, u := range users {
			for _, id := range u.Accounts {
				a, err := st.Account(ctx, bank, id)
				require.NoError(t, err)
				recs, err := st.Records(ctx, bank, id)
				require.NoError(t, err)
				for start := 0; start < len(recs); start += 100 {
					page := recs[start:min(start+100, len(recs))]
					meta := &fdxclient.PageMetadata{}
					if start%200 == 0 {
						meta.NextOffset = ptr("7")
					}
					var want bytes.Buffer
					require.NoError(t, json.NewEncoder(&want).Encode(fdxclient.Transactions{Page: meta, Transactions: transactions(a.Kind, page)}))
					got, err := appendTransactionsPage(nil, a.Kind, page, meta)
					require.NoError(t, err)
					require.Equal(t, want.String(), string(got), "%s/%s", bank, id)
					n += len(page)
				}
			}
		}
	}
	// Strings that need escaping take encoding/json's path.
	odd := &store.Transaction{ID: "t<1>", AccountID: "a&b", Status: store.TxPosted, Amount: 123456789, Description: "caf\u00e9 \"quoted\" \\ \u2028 \x01", Payee: "PG&E", Type: "FEE", TxTime: time.Unix(1, 5).UTC(), PostedTime: time.Unix(2, 0).UTC(), Principal: 5, Interest: 7}
	for _, k := range []store.Kind{store.KindChecking, store.KindCreditCard, store.KindLoan} {
		var want bytes.Buffer
		require.NoError(t, json.NewEncoder(&want).Encode(fdxclient.Transactions{Transactions: transactions(k, []*store.Transaction{odd})}))
		got, err := appendTransactionsPage(nil, k, []*store.Transaction{odd}, nil)
		require.NoError(t, err)
		require.Equal(t, want.String(), string(got))
	}
	t.Logf("%d records compared", n)
}

func TestExpiredConsentQuirks(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		p      *bankdesc.Description
		status int
		code   string
		debug  string
	}{
		{builtin(t, "chase"), http.StatusForbidden, `"code":"1106"`, "the consent expired"},
		{builtin(t, "usbank"), http.StatusForbidden, `"code":"1107"`, "consent expired"},
	} {
		st := populated(t, 24, 1000)
		u, err := st.UserByUsername(ctx, c.p.Name, "user_good")
		require.NoError(t, err)
		cons, err := st.CreateConsent(ctx, store.Consent{Bank: c.p.Name, UserID: u.ID, ClientID: "c1", Clusters: []string{"ACCOUNT_BASIC"}, AccountIDs: u.Accounts, DurationDays: 1})
		require.NoError(t, err)
		api := newAPI(t, c.p, st, &authz.AccessInfo{ClientID: "c1", ConsentID: cons.ID, Clusters: []string{"ACCOUNT_BASIC"}, AccountIDs: u.Accounts})
		get := func() *http.Response {
			rec := newRecorder()
			api.ServeHTTP(rec, mustReq(t, api.prefix+"/accounts"))
			return rec.Result()
		}
		assert.Equal(t, http.StatusOK, get().StatusCode)
		require.NoError(t, st.AdvanceClock(ctx, 25*time.Hour))
		res := get()
		body := readAll(t, res)
		assert.Equal(t, c.status, res.StatusCode, c.p.Name)
		assert.Contains(t, body, c.code, c.p.Name)
		assert.Contains(t, body, c.debug, c.p.Name)
	}
}

func TestLookbackAndStatementFilters(t *testing.T) {
	ctx := context.Background()
	p := builtin(t, "wellsfargo")
	st := populated(t, 25, 1000)
	u, err := st.UserByUsername(ctx, p.Name, "user_good")
	require.NoError(t, err)
	clusters := []string{"TRANSACTIONS", "STATEMENTS"}
	cons, err := st.CreateConsent(ctx, store.Consent{Bank: p.Name, UserID: u.ID, ClientID: "c1", Clusters: clusters, AccountIDs: u.Accounts, DurationDays: 30, LookbackDays: 30})
	require.NoError(t, err)
	api := newAPI(t, p, st, &authz.AccessInfo{ClientID: "c1", ConsentID: cons.ID, Clusters: clusters, AccountIDs: u.Accounts})
	get := func(path string) (int, string) {
		rec := newRecorder()
		api.ServeHTTP(rec, mustReq(t, api.prefix+path))
		res := rec.Result()
		return res.StatusCode, readAll(t, res)
	}
	chk := u.Accounts[0]
	status, body := get("/accounts/" + chk + "/transactions?startTime=2026-03-01")
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, body, "lookback")
	status, body = get("/accounts/" + chk + "/transactions?limit=50")
	require.Equal(t, http.StatusOK, status)
	assert.NotContains(t, body, `"transactionTimestamp":"2026-04-`, "nothing older than 30 days")
	assert.Contains(t, body, `"transactionTimestamp":"2026-05-`)

	status, body = get("/accounts/" + chk + "/statements?startTime=2026-04-30&endTime=2026-04-30")
	require.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, `"statementDate":"2026-04-30"`)
	assert.Contains(t, body, `"totalElements":1`)
}
