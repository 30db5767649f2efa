package fleet_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/obconnect/obconnect/fleet"
	"github.com/obconnect/obconnect/sdk"
	"github.com/obconnect/obconnect/telemetry/otelfleet"
)

// The fleet hands its River middleware to River: with telemetry/otelfleet
// every sync job shows as a span of its own, named by its kind.
func TestFleetJobsAreTraced(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mockbank and a fleet")
	}
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })

	m := startMock(t, false)
	users := m.population(t, 1)
	opts := workerOptions(t, m.banks, sdk.NewMemoryTokenStore(), 2)
	otelfleet.Instrument(opts, &otelfleet.Options{TracerProvider: tp})
	f, err := fleet.Open(t.Context(), "sqlite://"+filepath.Join(t.TempDir(), "fleet.db"), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	require.NoError(t, f.Start(t.Context()))
	accounts := linkAll(t, m, f, users)
	require.NotEmpty(t, accounts)
	waitIdle(t, f, 2*time.Minute)

	works := 0
	for _, s := range rec.Ended() {
		if strings.HasPrefix(s.Name(), "river.work") && strings.HasSuffix(s.Name(), fleet.KindSync) {
			works++
		}
	}
	assert.GreaterOrEqual(t, works, len(accounts), "a work span per synced account")
}
