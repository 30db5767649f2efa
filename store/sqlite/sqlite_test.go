package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/store/internal/storetest"
	"github.com/obconnect/obconnect/store/sqlite"
	"github.com/obconnect/obconnect/store/sqlstore"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Opener {
		path := filepath.Join(t.TempDir(), "obconnect.db")
		return func(t *testing.T, opts *sqlstore.Options) *sqlstore.Store {
			st, err := sqlite.Open(t.Context(), path, &sqlite.Options{Keys: opts.Keys, Now: opts.Now})
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			return st.Store
		}
	})
}
