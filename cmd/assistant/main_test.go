package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRunPrintsTheWayIn starts the command as go run does and checks that
// a newcomer is told where to go and whom to sign in as, and that the
// URL answers.
func TestRunPrintsTheWayIn(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mockbank and the fleet")
	}
	ctx, cancel := context.WithCancel(t.Context())
	var out, errs syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, &out, &errs) }()
	var url string
	require.Eventually(t, func() bool {
		m := regexp.MustCompile(`ready at (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(out.String())
		if m != nil {
			url = m[1]
		}
		return m != nil
	}, time.Minute, 50*time.Millisecond, "stderr: %s", errs.String())
	banner := out.String()
	for _, u := range demoUsers {
		assert.Contains(t, banner, u.Username+" / "+u.Password)
	}
	assert.Contains(t, banner, "user_good / pass_good")
	resp, err := http.Get(url + "/login")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("run did not stop when its context ended")
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	var out, errs syncBuffer
	err := run(t.Context(), []string{"-log-level", "loud"}, &out, &errs)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-log-level")
}
