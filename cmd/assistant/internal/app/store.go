package app

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/obconnect/obconnect/sdk"
)

// db is the assistant's own tables, beside the fleet's and the sdk's in
// the same engine. Every statement that reads or writes a person's data
// takes the app user's id as a parameter: that is the isolation between
// app users, and TestIsolation proves it.
type db struct {
	sql *sql.DB
	pg  bool
}

// schema works on SQLite and PostgreSQL alike: times are RFC 3339 text in
// UTC (sortable), hashes hex text.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS assistant_users (id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, pw_salt TEXT NOT NULL, pw_hash TEXT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS assistant_sessions (id_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, csrf TEXT NOT NULL, expires TEXT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS assistant_links (bank TEXT NOT NULL, consent_id TEXT NOT NULL, user_id TEXT NOT NULL, grant_json TEXT NOT NULL,
		status TEXT NOT NULL, outcome TEXT NOT NULL DEFAULT '', created TEXT NOT NULL, PRIMARY KEY (bank, consent_id))`,
	`CREATE TABLE IF NOT EXISTS assistant_accounts (user_id TEXT NOT NULL, bank TEXT NOT NULL, account_id TEXT NOT NULL, consent_id TEXT NOT NULL,
		type TEXT NOT NULL, name TEXT NOT NULL, masked TEXT NOT NULL, PRIMARY KEY (user_id, bank, account_id))`,
	`CREATE TABLE IF NOT EXISTS assistant_audit (user_id TEXT NOT NULL, at TEXT NOT NULL, what TEXT NOT NULL, bank TEXT NOT NULL, account TEXT NOT NULL, source TEXT NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS assistant_audit_user ON assistant_audit (user_id, at)`,
	`CREATE TABLE IF NOT EXISTS assistant_alerts (user_id TEXT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS assistant_alerts_user ON assistant_alerts (user_id, at)`,
}

func (d *db) migrate(ctx context.Context) error {
	for _, s := range schema {
		if _, err := d.sql.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("assistant: migrate: %w", err)
		}
	}
	return nil
}

// q turns ? placeholders into PostgreSQL's $n.
func (d *db) q(s string) string {
	if !d.pg {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (d *db) exec(ctx context.Context, s string, args ...any) error {
	_, err := d.sql.ExecContext(ctx, d.q(s), args...)
	return err
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseStamp(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// pbkdf2Iterations follows OWASP's 2023 advice for PBKDF2-HMAC-SHA256.
const pbkdf2Iterations = 600_000

func hashPassword(password, salt string) string {
	k, err := pbkdf2.Key(sha256.New, password, []byte(salt), pbkdf2Iterations, 32)
	if err != nil {
		panic(err) // only for a key length FIPS mode refuses; 32 is allowed
	}
	return hex.EncodeToString(k)
}

// AddUser creates a local app user (a person of the app, not a bank user).
func (d *db) addUser(ctx context.Context, username, password string) (string, error) {
	if username == "" || len(password) < 8 {
		return "", errors.New("assistant: a user needs a name and a password of at least 8 characters")
	}
	id := "u_" + randomHex(8)
	salt := randomHex(16)
	err := d.exec(ctx, `INSERT INTO assistant_users (id, username, pw_salt, pw_hash) VALUES (?, ?, ?, ?)`, id, username, salt, hashPassword(password, salt))
	return id, err
}

type user struct{ ID, Username string }

// checkPassword returns the user when the password is right. A wrong
// username costs the same hashing as a wrong password.
func (d *db) checkPassword(ctx context.Context, username, password string) (*user, bool) {
	var u user
	var salt, hash string
	err := d.sql.QueryRowContext(ctx, d.q(`SELECT id, username, pw_salt, pw_hash FROM assistant_users WHERE username = ?`), username).Scan(&u.ID, &u.Username, &salt, &hash)
	if err != nil {
		salt, hash = "x", ""
	}
	got := hashPassword(password, salt)
	if subtle.ConstantTimeCompare([]byte(got), []byte(hash)) != 1 || err != nil {
		return nil, false
	}
	return &u, true
}

func sessionHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// newSession stores the hash of the cookie's token (a leaked table does not
// give sessions away) and the session's CSRF token.
func (d *db) newSession(ctx context.Context, userID string, ttl time.Duration) (token, csrf string, err error) {
	token, csrf = randomHex(32), randomHex(32)
	// Expired sessions go when new ones come, so the table stays small.
	if err := d.exec(ctx, `DELETE FROM assistant_sessions WHERE expires < ?`, stamp(time.Now())); err != nil {
		return "", "", err
	}
	err = d.exec(ctx, `INSERT INTO assistant_sessions (id_hash, user_id, csrf, expires) VALUES (?, ?, ?, ?)`,
		sessionHash(token), userID, csrf, stamp(time.Now().Add(ttl)))
	return token, csrf, err
}

type session struct {
	User user
	CSRF string
}

func (d *db) session(ctx context.Context, token string) (*session, bool) {
	var s session
	var expires string
	err := d.sql.QueryRowContext(ctx, d.q(`SELECT s.user_id, u.username, s.csrf, s.expires FROM assistant_sessions s
		JOIN assistant_users u ON u.id = s.user_id WHERE s.id_hash = ?`), sessionHash(token)).Scan(&s.User.ID, &s.User.Username, &s.CSRF, &expires)
	if err != nil || time.Now().After(parseStamp(expires)) {
		return nil, false
	}
	return &s, true
}

func (d *db) endSession(ctx context.Context, token string) error {
	return d.exec(ctx, `DELETE FROM assistant_sessions WHERE id_hash = ?`, sessionHash(token))
}

// link is one bank consent of one app user.
type link struct {
	Bank, ConsentID, UserID string
	Grant                   *sdk.Grant
	Status                  string // active, revoked
	Outcome                 string // what was deleted, once revoked
	Created                 time.Time
	Accounts                []account
}

type account struct {
	UserID, Bank, ID, ConsentID string
	Type                        string
	Name                        string
	Masked                      string
}

func (d *db) saveLink(ctx context.Context, l *link, grantJSON []byte) error {
	tx, err := d.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, d.q(`DELETE FROM assistant_links WHERE bank = ? AND consent_id = ?`), l.Bank, l.ConsentID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO assistant_links (bank, consent_id, user_id, grant_json, status, created) VALUES (?, ?, ?, ?, 'active', ?)`),
		l.Bank, l.ConsentID, l.UserID, string(grantJSON), stamp(l.Created)); err != nil {
		return err
	}
	for _, a := range l.Accounts {
		if _, err := tx.ExecContext(ctx, d.q(`DELETE FROM assistant_accounts WHERE user_id = ? AND bank = ? AND account_id = ?`), l.UserID, a.Bank, a.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO assistant_accounts (user_id, bank, account_id, consent_id, type, name, masked) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			l.UserID, a.Bank, a.ID, l.ConsentID, a.Type, a.Name, a.Masked); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// links returns the user's links with their accounts, newest first.
func (d *db) links(ctx context.Context, userID string) ([]*link, error) {
	rows, err := d.sql.QueryContext(ctx, d.q(`SELECT bank, consent_id, grant_json, status, outcome, created FROM assistant_links WHERE user_id = ? ORDER BY created DESC`), userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*link
	for rows.Next() {
		l := &link{UserID: userID}
		var g, created string
		if err := rows.Scan(&l.Bank, &l.ConsentID, &g, &l.Status, &l.Outcome, &created); err != nil {
			return nil, err
		}
		l.Created = parseStamp(created)
		l.Grant = new(sdk.Grant)
		if err := jsonUnmarshal([]byte(g), l.Grant); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	accts, err := d.accounts(ctx, userID)
	if err != nil {
		return nil, err
	}
	for _, l := range out {
		for _, a := range accts {
			if a.Bank == l.Bank && a.ConsentID == l.ConsentID {
				l.Accounts = append(l.Accounts, a)
			}
		}
	}
	return out, nil
}

// link returns one of the user's links; another user's link is not found.
func (d *db) link(ctx context.Context, userID, bank, consentID string) (*link, error) {
	ls, err := d.links(ctx, userID)
	if err != nil {
		return nil, err
	}
	for _, l := range ls {
		if l.Bank == bank && l.ConsentID == consentID {
			return l, nil
		}
	}
	return nil, sql.ErrNoRows
}

// accounts are the user's accounts under active links.
func (d *db) accounts(ctx context.Context, userID string) ([]account, error) {
	rows, err := d.sql.QueryContext(ctx, d.q(`SELECT bank, account_id, consent_id, type, name, masked FROM assistant_accounts WHERE user_id = ? ORDER BY bank, name, account_id`), userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []account
	for rows.Next() {
		a := account{UserID: userID}
		if err := rows.Scan(&a.Bank, &a.ID, &a.ConsentID, &a.Type, &a.Name, &a.Masked); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// owners are the app users holding an account (bank, id), or, with
// account empty, the consent (bank, consentID). Notifications name banks'
// ids; this is where they become app users.
func (d *db) ownersOfAccount(ctx context.Context, bank, accountID string) ([]account, error) {
	rows, err := d.sql.QueryContext(ctx, d.q(`SELECT user_id, consent_id, type, name, masked FROM assistant_accounts WHERE bank = ? AND account_id = ?`), bank, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []account
	for rows.Next() {
		a := account{Bank: bank, ID: accountID}
		if err := rows.Scan(&a.UserID, &a.ConsentID, &a.Type, &a.Name, &a.Masked); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (d *db) ownerOfConsent(ctx context.Context, bank, consentID string) (userID, status string, err error) {
	err = d.sql.QueryRowContext(ctx, d.q(`SELECT user_id, status FROM assistant_links WHERE bank = ? AND consent_id = ?`), bank, consentID).Scan(&userID, &status)
	return userID, status, err
}

// markRevoked records the outcome and forgets the consent's accounts: their
// names and masked numbers are data the consent covered too.
func (d *db) markRevoked(ctx context.Context, userID, bank, consentID, outcome string) error {
	if err := d.exec(ctx, `UPDATE assistant_links SET status = 'revoked', outcome = ? WHERE user_id = ? AND bank = ? AND consent_id = ?`, outcome, userID, bank, consentID); err != nil {
		return err
	}
	return d.exec(ctx, `DELETE FROM assistant_accounts WHERE user_id = ? AND bank = ? AND consent_id = ?`, userID, bank, consentID)
}

// claimRevocation marks an active link as revoking, once: the app's own
// revoke and the bank's notification of it must not both report.
func (d *db) claimRevocation(ctx context.Context, userID, bank, consentID string) (bool, error) {
	r, err := d.sql.ExecContext(ctx, d.q(`UPDATE assistant_links SET status = 'revoking' WHERE user_id = ? AND bank = ? AND consent_id = ? AND status = 'active'`), userID, bank, consentID)
	if err != nil {
		return false, err
	}
	n, err := r.RowsAffected()
	return n == 1, err
}

func (d *db) unclaimRevocation(ctx context.Context, userID, bank, consentID string) error {
	return d.exec(ctx, `UPDATE assistant_links SET status = 'active' WHERE user_id = ? AND bank = ? AND consent_id = ? AND status = 'revoking'`, userID, bank, consentID)
}

type auditEntry struct {
	At                          time.Time
	What, Bank, Account, Source string
}

func (d *db) audit(ctx context.Context, userID string, e auditEntry) error {
	return d.exec(ctx, `INSERT INTO assistant_audit (user_id, at, what, bank, account, source) VALUES (?, ?, ?, ?, ?, ?)`,
		userID, stamp(e.At), e.What, e.Bank, e.Account, e.Source)
}

func (d *db) auditLog(ctx context.Context, userID string, limit int) ([]auditEntry, error) {
	rows, err := d.sql.QueryContext(ctx, d.q(`SELECT at, what, bank, account, source FROM assistant_audit WHERE user_id = ? ORDER BY at DESC LIMIT ?`), userID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []auditEntry
	for rows.Next() {
		var e auditEntry
		var at string
		if err := rows.Scan(&at, &e.What, &e.Bank, &e.Account, &e.Source); err != nil {
			return nil, err
		}
		e.At = parseStamp(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Alert is one message the app pushes into a user's chat.
type Alert struct {
	At    time.Time `json:"at"`
	Kind  string    `json:"kind"`
	Title string    `json:"title"`
	Body  string    `json:"body"`
}

func (d *db) saveAlert(ctx context.Context, userID string, a Alert) error {
	return d.exec(ctx, `INSERT INTO assistant_alerts (user_id, at, kind, title, body) VALUES (?, ?, ?, ?, ?)`, userID, stamp(a.At), a.Kind, a.Title, a.Body)
}

func (d *db) alerts(ctx context.Context, userID string, limit int) ([]Alert, error) {
	rows, err := d.sql.QueryContext(ctx, d.q(`SELECT at, kind, title, body FROM assistant_alerts WHERE user_id = ? ORDER BY at DESC LIMIT ?`), userID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		var a Alert
		var at string
		if err := rows.Scan(&at, &a.Kind, &a.Title, &a.Body); err != nil {
			return nil, err
		}
		a.At = parseStamp(at)
		out = append(out, a)
	}
	return out, rows.Err()
}
