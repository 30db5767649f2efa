// Command obconnect-store looks after obconnect's state database (package
// store/sqlstore): it makes encryption keys, migrates the schema, and
// seals every token again with the newest key after a rotation.
//
//	obconnect-store genkey -id k2              # prints k2:<base64>, a new key
//	OBCONNECT_KEYS=k2:...,k1:... obconnect-store reencrypt -postgres "$DSN"
//	OBCONNECT_KEYS=k2:...,k1:... obconnect-store reencrypt -sqlite /var/lib/app/obconnect.db
//	OBCONNECT_KEYS=... obconnect-store migrate -postgres "$DSN"
//
// Keys come only from the OBCONNECT_KEYS environment variable (the
// keyring, primary first, as sqlstore.ParseKeyring reads it), never from
// a flag: the command line of a process is visible to every user of the
// machine. The PostgreSQL DSN may come from OBCONNECT_POSTGRES instead of
// -postgres for the same reason, when it holds a password.
//
// Rotation, step by step: generate a key; deploy every process with the
// new key first in OBCONNECT_KEYS and the old one after it (new writes use
// the new key, old rows still open); run reencrypt; then remove the old
// key from the keyring. See docs/stores.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/obconnect/obconnect/store/postgres"
	"github.com/obconnect/obconnect/store/sqlite"
	"github.com/obconnect/obconnect/store/sqlstore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "obconnect-store:", err)
		stop()
		os.Exit(1)
	}
}

const usage = `usage:
  obconnect-store genkey -id ID
  obconnect-store migrate   (-postgres DSN | -sqlite PATH)
  obconnect-store reencrypt (-postgres DSN | -sqlite PATH)
OBCONNECT_KEYS holds the keyring (id:base64[,id:base64...], primary first);
OBCONNECT_POSTGRES may hold the DSN instead of -postgres`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("obconnect-store "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.String("id", "", "genkey: the new key's id")
	pg := fs.String("postgres", "", "PostgreSQL DSN (or OBCONNECT_POSTGRES)")
	path := fs.String("sqlite", "", "SQLite database file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "genkey":
		k, err := sqlstore.GenerateKey(*id)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(stdout, k.Encode())
		return err
	case "migrate", "reencrypt":
	default:
		return errors.New(usage)
	}
	keys, err := sqlstore.ParseKeyring(getenv("OBCONNECT_KEYS"))
	if err != nil {
		return fmt.Errorf("OBCONNECT_KEYS: %w", err)
	}
	if *pg == "" && *path == "" {
		*pg = getenv("OBCONNECT_POSTGRES")
	}
	var st *sqlstore.Store
	switch {
	case *pg != "" && *path != "":
		return errors.New("give -postgres or -sqlite, not both")
	case *pg != "":
		s, err := postgres.Open(ctx, *pg, &postgres.Options{Keys: keys})
		if err != nil {
			return err
		}
		defer s.Close()
		st = s.Store
	case *path != "":
		s, err := sqlite.Open(ctx, *path, &sqlite.Options{Keys: keys})
		if err != nil {
			return err
		}
		defer s.Close()
		st = s.Store
	default:
		return errors.New("no database: give -postgres DSN (or OBCONNECT_POSTGRES) or -sqlite PATH")
	}
	if args[0] == "migrate" {
		v, err := st.SchemaVersion(ctx)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "schema at version %d\n", v)
		return err
	}
	n, err := st.Reencrypt(ctx)
	fmt.Fprintf(stdout, "sealed %d token records again with key %s\n", n, keys.PrimaryID())
	return err
}
