package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFlags(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-h"}, 0, "-tls-cert"},
		{[]string{"-bogus"}, 2, "flag provided but not defined"},
		{[]string{"-addr", "nope"}, 2, "missing port"},
		{[]string{"-seed", "x"}, 2, "invalid value"},
		{[]string{"-tls-cert", "a.pem"}, 2, "go together"},
		{[]string{"-log-level", "loud"}, 2, "want debug"},
		{[]string{"extra"}, 2, "unexpected argument"},
		{[]string{"-profile", "/nonexistent.yaml"}, 2, "no such file"},
		{[]string{"-start", "yesterday"}, 2, "want today, now or an RFC 3339 instant"},
	} {
		var out, errb bytes.Buffer
		code := run(ctx, c.args, &out, &errb)
		assert.Equal(t, c.code, code, "%v: %s", c.args, errb.String())
		assert.Contains(t, errb.String(), c.want, "%v", c.args)
	}
}

func TestParseStart(t *testing.T) {
	now := time.Date(2026, 11, 23, 17, 4, 5, 600, time.FixedZone("x", 3600))
	for in, want := range map[string]time.Time{
		"today":                     time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
		"now":                       time.Date(2026, 11, 23, 16, 4, 5, 0, time.UTC),
		"2026-06-01T12:00:00Z":      time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC),
		"2026-06-01T14:00:00+02:00": time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC),
	} {
		got, err := parseStart(in, now)
		require.NoError(t, err, in)
		assert.True(t, want.Equal(got), "%s: got %s", in, got)
		assert.Equal(t, time.UTC, got.Location(), in)
	}
	_, err := parseStart("", now)
	assert.Error(t, err)
}
