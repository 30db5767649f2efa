package fdxerr_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/fdxerr"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

func TestCatalogueIsSortedAndComplete(t *testing.T) {
	all := fdxerr.All()
	require.NotEmpty(t, all)
	for i, e := range all {
		if i > 0 {
			assert.Greater(t, e.Code, all[i-1].Code, "entries must stay sorted for Lookup's binary search")
		}
		got, ok := fdxerr.Lookup(e.Code)
		require.True(t, ok, "code %d", e.Code)
		assert.Equal(t, e, got)
		assert.NotEmpty(t, e.Message, "code %d", e.Code)
		assert.GreaterOrEqual(t, e.HTTPStatus, 400, "code %d", e.Code)
		assert.NotEqual(t, obcerr.Unknown, e.Means, "code %d", e.Code)
		assert.Equal(t, e.Means.Retryable(), e.Retryable, "code %d: catalogue and obcerr disagree on retrying", e.Code)
	}
}

func TestAllReturnsACopy(t *testing.T) {
	a := fdxerr.All()
	a[0].Message = "changed"
	e, _ := fdxerr.Lookup(a[0].Code)
	assert.NotEqual(t, "changed", e.Message)
}

func TestStandard(t *testing.T) {
	for means, code := range map[obcerr.Code]int{
		obcerr.ConsentRevoked: fdxerr.ConsentRevoked,
		obcerr.ConsentExpired: fdxerr.ConsentExpired,
		obcerr.RateLimited:    fdxerr.TooManyRequests,
		obcerr.NotFound:       fdxerr.CustomerNotFound,
		obcerr.Unavailable:    fdxerr.SubsystemUnavailable,
		obcerr.AccountClosed:  fdxerr.AccountClosed,
	} {
		e, ok := fdxerr.Standard(means)
		require.True(t, ok, means.String())
		assert.Equal(t, code, e.Code, means.String())
		assert.Equal(t, means, e.Means)
	}
	_, ok := fdxerr.Standard(obcerr.ScopeNotGranted)
	assert.False(t, ok, "FDX has no code for a scope the sdk refuses before any call")
}

func TestClassify(t *testing.T) {
	assert.Equal(t, obcerr.ConsentRevoked, fdxerr.Classify(http.StatusForbidden, 1107))
	assert.Equal(t, obcerr.PermissionDenied, fdxerr.Classify(http.StatusForbidden, 9999), "unknown code falls back to the status")
	assert.Equal(t, obcerr.Unavailable, fdxerr.Classify(http.StatusBadGateway, 0))
	assert.Equal(t, obcerr.Internal, fdxerr.Classify(599, 0))
	assert.Equal(t, obcerr.Unknown, fdxerr.Classify(http.StatusOK, 0))
	assert.Equal(t, obcerr.Unknown, fdxerr.Classify(600, 0), "not an HTTP error status")
}
