// Package pgtest gives tests a real PostgreSQL database, and decides what
// a test does without one: it uses the server that OBCONNECT_TEST_POSTGRES
// names (a pgx DSN); without it, a test fails under CI (CI set, as .ci/run
// runs, after starting PostgreSQL) and is skipped elsewhere with a
// message saying how to run it, so that a plain `go test ./...` on a
// machine with only Go passes.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names the environment variable holding the test server's DSN.
const EnvDSN = "OBCONNECT_TEST_POSTGRES"

// DSN returns the test server's DSN, or ends the test: Fatal under CI,
// Skip elsewhere.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn != "" {
		return dsn
	}
	const how = "set " + EnvDSN + " to a PostgreSQL DSN (e.g. postgres://obconnect:obconnect@127.0.0.1:5432/obconnect_test); .ci/run installs and starts one"
	if os.Getenv("CI") != "" {
		t.Fatal("pgtest: no PostgreSQL under CI: " + how)
	}
	t.Skip("pgtest: no PostgreSQL: " + how)
	return ""
}

// Schema creates a fresh schema on the test server, dropped when the test
// ends, and returns a DSN whose search_path selects it: each test gets
// empty tables of its own on one server.
func Schema(t testing.TB) string {
	t.Helper()
	dsn := DSN(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "obc_test_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("pgtest: connect to %s: %v", EnvDSN, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatalf("pgtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("pgtest: drop schema %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+name+" CASCADE"); err != nil {
			t.Errorf("pgtest: drop schema %s: %v", name, err)
		}
	})
	return WithSearchPath(dsn, name)
}

// WithSearchPath returns dsn with search_path set to schema, in either of
// pgx's DSN forms.
func WithSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " search_path=" + schema
}
