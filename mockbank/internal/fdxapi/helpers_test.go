package fdxapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/bankdesc"
	"github.com/obconnect/obconnect/connectors"
	"github.com/obconnect/obconnect/mockbank/internal/authz"
	"github.com/obconnect/obconnect/mockbank/internal/datagen"
	"github.com/obconnect/obconnect/mockbank/internal/store"
)

// populated is a store holding every built-in bank's generated test users,
// as mockbank's server generates them.
func populated(t testing.TB, seed uint64, large int) *store.Store {
	t.Helper()
	st := store.New(store.Options{Seed: seed})
	for _, d := range connectors.Builtin() {
		require.NoError(t, datagen.Populate(context.Background(), st, datagen.Config{Seed: seed, Bank: d.Name, DisplayName: d.DisplayName,
			Now: st.Now(), HistoryMonths: 24, LargeTransactions: large}))
	}
	return st
}

// builtin is a fresh copy of a built-in bank's description.
func builtin(t testing.TB, name string) *bankdesc.Description {
	t.Helper()
	d, err := connectors.Lookup(name)
	require.NoError(t, err)
	return d
}

// The spec is loaded once for all the tests, as a server loads it once
// for all its banks.
var (
	specOnce sync.Once
	spec     *Spec
	specErr  error
)

func testSpec(t testing.TB) *Spec {
	t.Helper()
	specOnce.Do(func() { spec, specErr = LoadSpec(context.Background()) })
	require.NoError(t, specErr)
	return spec
}

// newAPI is one bank's data API over st, every request authenticated as
// info.
func newAPI(t testing.TB, d *bankdesc.Description, st *store.Store, info *authz.AccessInfo) *API {
	t.Helper()
	api, err := New(Config{Bank: d, Store: st, Auth: fakeAuth{info}, Spec: testSpec(t)})
	require.NoError(t, err)
	return api
}

// fakeAuth accepts any token as the given access, so the consent's expiry
// can be reached while a token is still valid (real tokens never outlive
// their consent).
type fakeAuth struct{ info *authz.AccessInfo }

func (f fakeAuth) Authenticate(context.Context, *http.Request) (*authz.AccessInfo, error) {
	return f.info, nil
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func mustReq(t testing.TB, path string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Header.Set("Authorization", "Bearer x")
	return r
}

func readAll(t testing.TB, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(b)
}
