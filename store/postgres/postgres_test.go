package postgres_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/internal/pgtest"
	"github.com/obconnect/obconnect/store/internal/storetest"
	"github.com/obconnect/obconnect/store/postgres"
	"github.com/obconnect/obconnect/store/sqlstore"
)

func TestConformance(t *testing.T) {
	pgtest.DSN(t) // skip (or, under CI, fail) once, not per subtest
	storetest.Run(t, func(t *testing.T) storetest.Opener {
		dsn := pgtest.Schema(t)
		return func(t *testing.T, opts *sqlstore.Options) *sqlstore.Store {
			st, err := postgres.Open(t.Context(), dsn, &postgres.Options{Keys: opts.Keys, Now: opts.Now})
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			return st.Store
		}
	})
}
