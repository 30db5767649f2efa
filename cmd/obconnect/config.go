package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/obconnect/obconnect/store/sqlite"
	"github.com/obconnect/obconnect/store/sqlstore"
)

// Config is the config file (YAML, docs/cli.md). Every field is optional:
// against a local mockbank none is needed.
type Config struct {
	// Mockbank is the base URL of a mockbank whose ready clients to use
	// for banks with no credentials of their own here.
	Mockbank string `yaml:"mockbank,omitempty"`
	// RedirectURL is where the bank sends the browser back: link listens
	// on its host and port. It must be registered with the bank.
	RedirectURL string `yaml:"redirect_url,omitempty"`
	// Banks are the integrator's credentials per bank name.
	Banks map[string]BankConfig `yaml:"banks,omitempty"`
}

// BankConfig is one bank's settings. Secrets may live here only because
// the file is the user's own (doctor checks its mode is 0600); the
// environment variables of docs/cli.md override each field.
type BankConfig struct {
	// BaseURL is the bank's URL (the connector's sandbox when empty).
	BaseURL string `yaml:"base_url,omitempty"`
	// Description is a bank description file, for a bank with no
	// built-in connector.
	Description    string `yaml:"description,omitempty"`
	ClientID       string `yaml:"client_id,omitempty"`
	ClientSecret   string `yaml:"client_secret,omitempty"`
	PrivateKeyFile string `yaml:"private_key_file,omitempty"`
	KeyID          string `yaml:"key_id,omitempty"`
	RedirectURL    string `yaml:"redirect_url,omitempty"`
}

// defaultRedirectURL is registered for mockbank's ready clients.
const defaultRedirectURL = "http://127.0.0.1:8081/callback"

// defaultMockbank is where `go run ./cmd/mockbank` listens.
const defaultMockbank = "http://127.0.0.1:8080"

// dir is obconnect's directory under the user's config directory.
func (a *App) dir() (string, error) {
	if a.env.ConfigDir == nil {
		return "", errors.New("no config directory")
	}
	d, err := a.env.ConfigDir()
	if err != nil {
		return "", withHint(err, "set --config, --state and --keyring (or $XDG_CONFIG_HOME)")
	}
	return filepath.Join(d, "obconnect"), nil
}

// path resolves a file: the flag, else the environment variable, else
// name in obconnect's config directory.
func (a *App) path(flag, envVar, name string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if envVar != "" {
		if v := a.getenv(envVar); v != "" {
			return v, nil
		}
	}
	d, err := a.dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, name), nil
}

func (a *App) configPath() (string, error) {
	return a.path(a.ConfigPath, "OBCONNECT_CONFIG", "config.yaml")
}

func (a *App) statePath() (string, error) { return a.path(a.StatePath, "OBCONNECT_STATE", "state.db") }

func (a *App) keyringPath() (string, error) { return a.path(a.KeyringPath, "", "keyring") }

// Config reads the config file once; a missing file is an empty config.
func (a *App) Config() (*Config, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	p, err := a.configPath()
	if err != nil {
		return nil, err
	}
	cfg := &Config{}
	b, err := os.ReadFile(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, withHint(err, "check the permissions of %s", p)
	default:
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
			return nil, withHint(fmt.Errorf("config %s: %w", p, err), "fix the file; docs/cli.md lists its fields")
		}
	}
	a.cfg = cfg
	return cfg, nil
}

// Keyring is the keyring that seals tokens: OBCONNECT_KEYS, else the
// keyring file. With create, a missing file is made with a new key (mode
// 0600), so that a first link needs no set-up; without it a missing
// keyring is an error.
func (a *App) Keyring(create bool) (*sqlstore.Keyring, error) {
	if spec := a.getenv("OBCONNECT_KEYS"); spec != "" {
		kr, err := sqlstore.ParseKeyring(spec)
		return kr, withHint(err, "OBCONNECT_KEYS must be id:base64key[,id:base64key...]; make a key with 'go run ./cmd/obconnect-store genkey -id ID'")
	}
	p, err := a.keyringPath()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) && create {
		k, err := sqlstore.GenerateKey("k1")
		if err != nil {
			return nil, err
		}
		if err := writePrivate(p, []byte(k.Encode()+"\n")); err != nil {
			return nil, withHint(err, "choose a writable keyring file with --keyring")
		}
		fmt.Fprintf(a.Stderr, "obconnect: created a new keyring in %s (keep it: the tokens cannot be read without it)\n", p)
		b = []byte(k.Encode())
	} else if err != nil {
		return nil, withHint(err, "set OBCONNECT_KEYS or --keyring; 'obconnect link BANK' creates a keyring on first use")
	}
	kr, err := sqlstore.ParseKeyring(strings.TrimSpace(string(b)))
	return kr, withHint(err, "the keyring file %s is damaged", p)
}

// Store opens the SQLite state store once, creating the file (0600) and
// its directory (0700) if needed. create also creates a missing keyring.
func (a *App) Store(ctx context.Context, create bool) (*sqlite.Store, error) {
	if a.store != nil {
		return a.store, nil
	}
	p, err := a.statePath()
	if err != nil {
		return nil, err
	}
	if !create {
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			return nil, &hinted{err: fmt.Errorf("no state file at %s", p), hint: "link a bank first: 'obconnect link BANK'"}
		}
	}
	keys, err := a.Keyring(create)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return nil, withHint(err, "choose a writable state file with --state")
	}
	st, err := sqlite.Open(ctx, p, &sqlite.Options{Keys: keys, Now: a.env.Now})
	if err != nil {
		return nil, withHint(fmt.Errorf("state %s: %w", p, err), "check the file and the keyring ('obconnect doctor')")
	}
	a.store = st
	return st, nil
}

// writePrivate writes a file only its owner can read, in a directory only
// its owner can enter, never through an existing file.
func writePrivate(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
