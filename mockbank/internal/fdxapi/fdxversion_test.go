package fdxapi

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/openapi/fdxclient"
)

func TestShapeForPicksTheVersionOrTheClosestBelow(t *testing.T) {
	for v, want := range map[string]string{"4.6": "4.6", "5.3": "5.3", "6.0": "6.0", "6.2": "6.2", "6.4": "6.2", "5.0": "4.6", "4.0": "4.6", "7.1": "6.2", "x": "4.6"} {
		assert.Equal(t, want, shapeFor(v).version, v)
	}
}

func TestShapedTransactionTypes(t *testing.T) {
	cases := []struct {
		version string
		kind    store.Kind
		in, out string
	}{
		{"4.6", store.KindCreditCard, "PURCHASE", "WITHDRAWAL"},
		{"4.6", store.KindCreditCard, "RETURN", "ADJUSTMENT"},
		{"4.6", store.KindCreditCard, "CASHADVANCE", "WITHDRAWAL"},
		{"4.6", store.KindCreditCard, "PAYMENT", "PAYMENT"},
		{"4.6", store.KindLoan, "PAYOFF", "PAYMENT"},
		{"4.6", store.KindChecking, "POSDEBIT", "POSDEBIT"},
		{"4.6", store.KindChecking, "SOMETHINGNEW", ""},
		{"5.3", store.KindCreditCard, "PURCHASE", "PURCHASE"},
		{"5.3", store.KindCreditCard, "RETURN", "ADJUSTMENT"},
		{"6.2", store.KindLoan, "PAYOFF", "PAYOFF"},
		{"6.2", store.KindChecking, "SOMETHINGNEW", "SOMETHINGNEW"},
		{"6.0", store.KindCreditCard, "", ""},
	}
	for _, c := range cases {
		assert.Equal(t, c.out, shapeFor(c.version).txType(c.kind, c.in), "%s %s %s", c.version, c.kind, c.in)
	}
	var none *fdxShape
	assert.Equal(t, "PURCHASE", none.txType(store.KindCreditCard, "PURCHASE"))
}

// The fast encoder writes, for every version, the bytes encoding/json
// writes for the generated types shaped the same way.
func TestShapedFastEncoderMatchesGeneratedTypes(t *testing.T) {
	ctx := context.Background()
	st := populated(t, 37, 500)
	odd := []*store.Transaction{
		{ID: "t1", AccountID: "a", Status: store.TxPosted, Amount: 5, Payee: "PG&E", Type: "PURCHASE", TxTime: time.Unix(1, 0).UTC(), PostedTime: time.Unix(2, 0).UTC()},
		{ID: "t2", AccountID: "a", Status: store.TxPending, Amount: 7, Type: "RETURN", TxTime: time.Unix(1, 0).UTC()},
		{ID: "t3", AccountID: "a", Status: store.TxPosted, Amount: 9, Description: "x", Type: "PAYOFF", TxTime: time.Unix(1, 0).UTC(), PostedTime: time.Unix(2, 0).UTC(), Principal: 1, Interest: 2},
		{ID: "t4", AccountID: "a", Status: store.TxPosted, Amount: 9, Description: "y", Type: "NOVEL", TxTime: time.Unix(1, 0).UTC(), PostedTime: time.Unix(2, 0).UTC()},
	}
	n := 0
	for _, s := range fdxShapes {
		for _, bank := range st.Banks() {
			users, err := st.Users(ctx, bank)
			require.NoError(t, err)
			for _, u := range users {
				for _, id := range u.Accounts {
					a, err := st.Account(ctx, bank, id)
					require.NoError(t, err)
					recs, err := st.Records(ctx, bank, id)
					require.NoError(t, err)
					recs = recs[:min(len(recs), 300)]
					want := transactions(a.Kind, recs)
					require.NoError(t, s.shapeTransactions(a.Kind, recs, want))
					var buf bytes.Buffer
					require.NoError(t, json.NewEncoder(&buf).Encode(fdxclient.Transactions{Transactions: want}))
					got, err := appendShapedTransactionsPage(nil, s, a.Kind, recs, nil)
					require.NoError(t, err)
					require.Equal(t, buf.String(), string(got), "%s %s/%s", s.version, bank, id)
					n += len(recs)
				}
			}
		}
		for _, k := range []store.Kind{store.KindChecking, store.KindCreditCard, store.KindLoan} {
			want := transactions(k, odd)
			require.NoError(t, s.shapeTransactions(k, odd, want))
			var buf bytes.Buffer
			require.NoError(t, json.NewEncoder(&buf).Encode(fdxclient.Transactions{Transactions: want}))
			got, err := appendShapedTransactionsPage(nil, s, k, odd, nil)
			require.NoError(t, err)
			require.Equal(t, buf.String(), string(got), "%s %s", s.version, k)
			// The layout is the version's: flat from 6.0 on, members before.
			assert.Equal(t, s.flat, !bytes.Contains(got, []byte(`Transaction":{`)), "%s %s", s.version, k)
			assert.Equal(t, s.flat, bytes.Contains(got, []byte(`{"accountCategory":"`+string(category(k))+`",`)), "%s %s", s.version, k)
		}
	}
	require.Greater(t, n, 1000)
}

// The flat layout carries every field of the member it replaces, the tag
// beside them, and nothing else.
func TestFlattenKeepsEveryMemberField(t *testing.T) {
	ctx := context.Background()
	st := populated(t, 43, 50_000)
	keys := func(v any) map[string]any {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		return m
	}
	flat := shapeFor("6.2")
	require.True(t, flat.flat)
	n := 0
	for _, bank := range st.Banks() {
		users, err := st.Users(ctx, bank)
		require.NoError(t, err)
		for _, u := range users {
			for _, id := range u.Accounts {
				a, err := st.Account(ctx, bank, id)
				require.NoError(t, err)
				bal := &accountBalances{now: store.Balances{Current: 1234, Holds: 34}, openingDay: 1200, statement: 900}
				w := accountDetail(a, bal, time.Unix(1e9, 0).UTC())
				flat.narrowAccount(a, &w)
				var m map[string]any
				for _, v := range keys(w) {
					m = v.(map[string]any)
				}
				f := w
				require.NoError(t, flat.shapeAccount(a, &f))
				got := keys(f)
				assert.Equal(t, string(category(a.Kind)), got["accountCategory"])
				m["accountCategory"] = got["accountCategory"]
				assert.Equal(t, m, got, "%s/%s", bank, id)
				n++
			}
		}
	}
	require.Positive(t, n)

	_, err := flatten[fdxclient.AccountWithDetails](map[string]any{"accountId": "a", "noTwin": 1}, "DEPOSIT_ACCOUNT")
	require.Error(t, err, "a member field without a flat twin is an error, not a silent drop")
}
