package webhook_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/obconnect/obconnect/openapi/fdxtypes"
	"github.com/obconnect/obconnect/sdk/webhook"
)

func TestVerifyTypedEvents(t *testing.T) {
	bank := newSigner(t, "chase")
	tests := []struct {
		name string
		n    webhook.TestNotification
		want any
	}{
		{"new transactions", webhook.TestNotification{Type: webhook.TypeTransactionsNew, Subject: webhook.Subject{ID: "acc-1", Kind: "ACCOUNT"},
			Fields: []webhook.Field{{"transactionId", "tx-1"}, {"transactionId", "tx-2"}, {"status", "PENDING"}}},
			&webhook.NewTransactions{AccountID: "acc-1", TransactionIDs: []string{"tx-1", "tx-2"}, Status: "PENDING"}},
		{"posted transactions, comma list", webhook.TestNotification{Type: webhook.TypeTransactionsPosted, Subject: webhook.Subject{ID: "acc-1", Kind: "ACCOUNT"},
			Fields: []webhook.Field{{"transactionIds", "tx-1, tx-2,tx-1"}}},
			&webhook.PostedTransactions{AccountID: "acc-1", TransactionIDs: []string{"tx-1", "tx-2"}}},
		{"low balance", webhook.TestNotification{Type: webhook.TypeBalance, Subject: webhook.Subject{ID: "acc-2", Kind: "ACCOUNT"},
			Fields: []webhook.Field{{"availableBalance", "12.30"}, {"threshold", "100.00"}, {"currency", "USD"}}},
			&webhook.LowBalance{AccountID: "acc-2", Balance: fdxtypes.MustDecimal("12.30"), HasBalance: true, BalanceType: "AVAILABLE",
				Threshold: fdxtypes.MustDecimal("100.00"), HasThreshold: true, Currency: "USD"}},
		{"suspected fraud", webhook.TestNotification{Type: webhook.TypeFraudSuspected, Subject: webhook.Subject{ID: "tx-9", Kind: "TRANSACTION"},
			Fields: []webhook.Field{{"accountId", "acc-3"}}},
			&webhook.SuspectedFraud{TransactionID: "tx-9", AccountID: "acc-3"}},
		{"consent revoked, whole", webhook.TestNotification{Type: webhook.TypeConsentRevoked, Subject: webhook.Subject{ID: "c-1", Kind: "CONSENT"}},
			&webhook.ConsentRevoked{ConsentID: "c-1"}},
		{"consent revoked, one account", webhook.TestNotification{Type: webhook.TypeConsentRevoked, Subject: webhook.Subject{ID: "c-1", Kind: "CONSENT"},
			Fields: []webhook.Field{{"accountId", "acc-4"}, {"initiator", "USER"}}},
			&webhook.ConsentRevoked{ConsentID: "c-1", AccountID: "acc-4", Initiator: "USER"}},
		{"consent updated", webhook.TestNotification{Type: webhook.TypeConsentUpdated, Subject: webhook.Subject{ID: "c-1", Kind: "CONSENT"},
			Fields: []webhook.Field{{"accountIds", "acc-1,acc-2"}, {"status", "ACTIVE"}}},
			&webhook.ConsentUpdated{ConsentID: "c-1", AccountIDs: []string{"acc-1", "acc-2"}, Status: "ACTIVE"}},
		{"consent expiring", webhook.TestNotification{Type: webhook.TypeConsentExpiring, Subject: webhook.Subject{ID: "c-1", Kind: "CONSENT"},
			Fields: []webhook.Field{{"expirationTime", "2026-06-08T12:00:00Z"}}},
			&webhook.ConsentExpiring{ConsentID: "c-1", ExpiresAt: time.Date(2026, 6, 8, 12, 0, 0, 0, time.UTC)}},
		{"planned outage", webhook.TestNotification{Type: webhook.TypePlannedOutage, Subject: webhook.Subject{ID: "m-1", Kind: "MAINTENANCE"},
			Fields: []webhook.Field{{"startTime", "2026-06-02T01:00:00Z"}, {"endTime", "2026-06-02T03:00:00Z"}, {"description", "db upgrade"}}},
			&webhook.PlannedOutage{OutageID: "m-1", Start: time.Date(2026, 6, 2, 1, 0, 0, 0, time.UTC), End: time.Date(2026, 6, 2, 3, 0, 0, 0, time.UTC), Description: "db upgrade"}},
		// As mockbank's admin API fires them: references only, no details.
		{"fired: low balance", webhook.TestNotification{Type: webhook.TypeBalance, Subject: webhook.Subject{ID: "acc-2", Kind: "ACCOUNT"}},
			&webhook.LowBalance{AccountID: "acc-2"}},
		{"fired: fraud on an account", webhook.TestNotification{Type: webhook.TypeFraudSuspected, Subject: webhook.Subject{ID: "acc-3", Kind: "ACCOUNT"},
			Fields: []webhook.Field{{"accountId", "acc-3"}}},
			&webhook.SuspectedFraud{AccountID: "acc-3"}},
		{"fired: consent expiring", webhook.TestNotification{Type: webhook.TypeConsentExpiring, Subject: webhook.Subject{ID: "c-1", Kind: "CONSENT"}},
			&webhook.ConsentExpiring{ConsentID: "c-1"}},
		{"fired: planned outage", webhook.TestNotification{Type: webhook.TypePlannedOutage, Subject: webhook.Subject{ID: "outage-chase", Kind: "MAINTENANCE"}},
			&webhook.PlannedOutage{OutageID: "outage-chase"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := newVerifier(t, bank.Keys(), newClock())
			body, h := payload(t, bank, tc.n)
			ev, err := v.Verify(context.Background(), h, body)
			require.NoError(t, err)
			assert.Equal(t, tc.want, ev.Data)
			assert.Equal(t, tc.n.Type, ev.Type)
			assert.Equal(t, "chase", ev.Publisher)
			assert.Equal(t, bank.KeyID(), ev.KeyID)
			assert.True(t, t0.Equal(ev.SentOn))
			assert.Equal(t, body, ev.Raw)
		})
	}
}

func TestTypedAccessors(t *testing.T) {
	bank := newSigner(t, "citi")
	v := newVerifier(t, bank.Keys(), newClock())
	body, h := payload(t, bank, webhook.TestNotification{Type: webhook.TypeFraudSuspected, Subject: webhook.Subject{ID: "tx-1", Kind: "TRANSACTION"}})
	ev, err := v.Verify(context.Background(), h, body)
	require.NoError(t, err)

	f, err := ev.SuspectedFraud()
	require.NoError(t, err)
	assert.Equal(t, "tx-1", f.TransactionID)
	_, err = ev.LowBalance()
	assert.ErrorIs(t, err, webhook.ErrWrongType)
	_, err = ev.ConsentRevoked()
	assert.ErrorIs(t, err, webhook.ErrWrongType)
}

func TestUnknownTypePassesThrough(t *testing.T) {
	bank := newSigner(t, "usbank")
	v := newVerifier(t, bank.Keys(), newClock())
	body, h := payload(t, bank, webhook.TestNotification{Type: "CARD_FROZEN", Subject: webhook.Subject{ID: "card-1", Kind: "CARD"},
		Fields: []webhook.Field{{"reason", "lost"}}})
	ev, err := v.Verify(context.Background(), h, body)
	require.NoError(t, err)
	assert.Equal(t, webhook.Type("CARD_FROZEN"), ev.Type)
	assert.Nil(t, ev.Data)
	assert.Equal(t, webhook.Subject{ID: "card-1", Kind: "CARD"}, ev.Subject)
	reason, ok := ev.Field("reason")
	assert.True(t, ok)
	assert.Equal(t, "lost", reason)
}

func TestTamperedBody(t *testing.T) {
	bank := newSigner(t, "chase")
	v := newVerifier(t, bank.Keys(), newClock())
	body, h := payload(t, bank, webhook.TestNotification{Type: webhook.TypeBalance, Subject: webhook.Subject{ID: "acc-1", Kind: "ACCOUNT"},
		Fields: []webhook.Field{{"balance", "10.00"}}})

	tampered := bytes.Replace(body, []byte("10.00"), []byte("99.00"), 1)
	require.NotEqual(t, body, tampered)
	_, err := v.Verify(context.Background(), h, tampered)
	assert.ErrorIs(t, err, webhook.ErrInvalidSignature)

	// Re-serialising (even semantically identical JSON) breaks the
	// signature too: only the bytes received count.
	spaced := bytes.Replace(body, []byte(`,"`), []byte(`, "`), 1)
	_, err = v.Verify(context.Background(), h, spaced)
	assert.ErrorIs(t, err, webhook.ErrInvalidSignature)

	// The original still verifies: a failed attempt consumed nothing.
	_, err = v.Verify(context.Background(), h, body)
	assert.NoError(t, err)
}

func TestReplayed(t *testing.T) {
	chase, wf := newSigner(t, "chase"), newSigner(t, "wellsfargo")
	clk := newClock()
	store := webhook.NewMemoryReplayStore(&webhook.MemoryReplayStoreOptions{Now: clk.Now})
	keys, err := webhook.NewStaticKeys(chase.PublicKey(), wf.PublicKey())
	require.NoError(t, err)
	v, err := webhook.NewVerifier(keys, &webhook.Options{Now: clk.Now, Replay: store})
	require.NoError(t, err)

	n := webhook.TestNotification{ID: "n-1", Type: webhook.TypeConsentRevoked, Subject: webhook.Subject{ID: "c-1", Kind: "CONSENT"}}
	body, h := payload(t, chase, n)
	ev, err := v.Verify(context.Background(), h, body)
	require.NoError(t, err)

	_, err = v.Verify(context.Background(), h, body)
	require.ErrorIs(t, err, webhook.ErrReplayed)
	var we *webhook.Error
	require.ErrorAs(t, err, &we)
	assert.Equal(t, "n-1", we.NotificationID)

	// Same id from another bank is another notification.
	body2, h2 := payload(t, wf, n)
	_, err = v.Verify(context.Background(), h2, body2)
	require.NoError(t, err)

	// Released (the handler failed): the redelivery is accepted once more.
	require.NoError(t, v.Release(context.Background(), ev))
	_, err = v.Verify(context.Background(), h, body)
	require.NoError(t, err)
	_, err = v.Verify(context.Background(), h, body)
	require.ErrorIs(t, err, webhook.ErrReplayed)

	// Once the tolerance has passed the replay is stale, and the store
	// has let go of the id.
	clk.Advance(webhook.DefaultTolerance + 2*time.Minute)
	_, err = v.Verify(context.Background(), h, body)
	require.ErrorIs(t, err, webhook.ErrStale)
	body3, h3 := payload(t, chase, webhook.TestNotification{Type: webhook.TypeConsentUpdated, SentOn: clk.Now(), Subject: webhook.Subject{ID: "c-1", Kind: "CONSENT"}})
	_, err = v.Verify(context.Background(), h3, body3)
	require.NoError(t, err)
	assert.Equal(t, 1, store.Len(), "expired claims are swept")
}

func TestStaleAndFuture(t *testing.T) {
	bank := newSigner(t, "chase")
	n := func(sent time.Time) webhook.TestNotification {
		return webhook.TestNotification{Type: webhook.TypeConsentUpdated, SentOn: sent, Subject: webhook.Subject{ID: "c-1", Kind: "CONSENT"}}
	}
	tests := []struct {
		name string
		sent time.Time
		ok   bool
	}{
		{"now", t0, true},
		{"edge of the past window", t0.Add(-webhook.DefaultTolerance), true},
		{"edge of the future window", t0.Add(webhook.DefaultTolerance), true},
		{"stale", t0.Add(-webhook.DefaultTolerance - time.Second), false},
		{"a day old", t0.Add(-24 * time.Hour), false},
		{"future beyond tolerance", t0.Add(webhook.DefaultTolerance + time.Second), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := newVerifier(t, bank.Keys(), newClock())
			body, h := payload(t, bank, n(tc.sent))
			_, err := v.Verify(context.Background(), h, body)
			if tc.ok {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, webhook.ErrStale)
			}
		})
	}

	t.Run("custom tolerance and simulated clock", func(t *testing.T) {
		sim := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) // mockbank ran its clock ahead
		v, err := webhook.NewVerifier(bank.Keys(), &webhook.Options{Now: func() time.Time { return sim }, Tolerance: time.Minute})
		require.NoError(t, err)
		body, h := payload(t, bank, n(sim.Add(-30*time.Second)))
		_, err = v.Verify(context.Background(), h, body)
		assert.NoError(t, err)
		body, h = payload(t, bank, n(sim.Add(-2*time.Minute)))
		_, err = v.Verify(context.Background(), h, body)
		assert.ErrorIs(t, err, webhook.ErrStale)
	})
}

func TestWronglyKeyed(t *testing.T) {
	bank := newSigner(t, "chase")
	v := newVerifier(t, bank.Keys(), newClock())
	body, _ := payload(t, bank, webhook.TestNotification{Type: webhook.TypeConsentUpdated, Subject: webhook.Subject{ID: "c-1", Kind: "CONSENT"}})

	t.Run("right kid, wrong key", func(t *testing.T) {
		forger, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		sig, err := webhook.SignTestPayload(forger, bank.KeyID(), body)
		require.NoError(t, err)
		_, err = v.VerifySignature(context.Background(), sig, body)
		assert.ErrorIs(t, err, webhook.ErrInvalidSignature)
	})
	t.Run("another bank's key", func(t *testing.T) {
		other := newSigner(t, "citi")
		sig, err := other.Sign(body)
		require.NoError(t, err)
		_, err = v.VerifySignature(context.Background(), sig, body)
		assert.ErrorIs(t, err, webhook.ErrUnknownKey)
		var we *webhook.Error
		require.ErrorAs(t, err, &we)
		assert.Equal(t, other.KeyID(), we.KeyID)
	})
	t.Run("RSA key where the JWK pins ES256", func(t *testing.T) {
		rk, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
		sig, err := webhook.SignTestPayload(rk, bank.KeyID(), body)
		require.NoError(t, err)
		_, err = v.VerifySignature(context.Background(), sig, body)
		assert.ErrorIs(t, err, webhook.ErrAlgorithmNotAllowed)
	})
}

func TestOtherAlgorithms(t *testing.T) {
	body := []byte(`{"notificationId":"n-1","type":"CONSENT_UPDATED","sentOn":"2026-06-01T12:00:00Z","category":"CONSENT","publisher":{"name":"wf","type":"DATA_PROVIDER"},"notificationPayload":{"id":"c-1","idType":"CONSENT"}}`)
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	_, ek, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		key  any
		pub  any
		alg  jose.SignatureAlgorithm
	}{
		{"RS256", rk, rk.Public(), jose.RS256},
		{"PS256", jose.JSONWebKey{Key: rk, Algorithm: string(jose.PS256)}, rk.Public(), jose.PS256},
		{"EdDSA", ek, ek.Public(), jose.EdDSA},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := webhook.NewStaticKeys(jose.JSONWebKey{Key: tc.pub, KeyID: "k1"})
			require.NoError(t, err)
			v := newVerifier(t, keys, newClock())
			sig, err := webhook.SignTestPayload(tc.key, "k1", body)
			require.NoError(t, err)
			ev, err := v.VerifySignature(context.Background(), sig, body)
			require.NoError(t, err)
			assert.Equal(t, "n-1", ev.ID)
		})
	}
}

// hs256 builds an HMAC-signed detached JWS by hand.
func hs256(secret []byte, header string, body []byte) string {
	h := b64(header)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(h + "." + base64.RawURLEncoding.EncodeToString(body)))
	return h + ".." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func TestAlgorithmPolicy(t *testing.T) {
	bank := newSigner(t, "chase")
	body, _ := payload(t, bank, webhook.TestNotification{Type: webhook.TypeConsentUpdated, Subject: webhook.Subject{ID: "c-1", Kind: "CONSENT"}})
	kid := bank.KeyID()

	t.Run("alg none", func(t *testing.T) {
		v := newVerifier(t, bank.Keys(), newClock())
		for _, alg := range []string{"none", "None", "NONE"} {
			sig := b64(`{"alg":"`+alg+`","kid":"`+kid+`"}`) + ".."
			_, err := v.VerifySignature(context.Background(), sig+"x", body)
			assert.ErrorIs(t, err, webhook.ErrAlgorithmNotAllowed, alg)
		}
		_, err := webhook.NewVerifier(bank.Keys(), &webhook.Options{Algorithms: []jose.SignatureAlgorithm{"none"}})
		assert.Error(t, err, "none can never be enabled")
	})

	t.Run("HS256 refused by default", func(t *testing.T) {
		v := newVerifier(t, bank.Keys(), newClock())
		_, err := v.VerifySignature(context.Background(), hs256([]byte("secret"), `{"alg":"HS256","kid":"`+kid+`"}`, body), body)
		assert.ErrorIs(t, err, webhook.ErrAlgorithmNotAllowed)
	})

	t.Run("HS256 allowed but key is public: confusion refused", func(t *testing.T) {
		v, err := webhook.NewVerifier(bank.Keys(), &webhook.Options{Now: newClock().Now, Algorithms: []jose.SignatureAlgorithm{jose.ES256, jose.HS256}})
		require.NoError(t, err)
		pubJSON, err := bank.PublicKey().MarshalJSON()
		require.NoError(t, err)
		_, err = v.VerifySignature(context.Background(), hs256(pubJSON, `{"alg":"HS256","kid":"`+kid+`"}`, body), body)
		assert.ErrorIs(t, err, webhook.ErrAlgorithmNotAllowed)
	})

	t.Run("HMAC scheme configured explicitly", func(t *testing.T) {
		secret := []byte("a-shared-secret-of-32-bytes-long!")
		keys, err := webhook.NewStaticKeys(jose.JSONWebKey{Key: secret, KeyID: "hmac-1"})
		require.NoError(t, err)
		v, err := webhook.NewVerifier(keys, &webhook.Options{Now: newClock().Now, Algorithms: []jose.SignatureAlgorithm{jose.HS256}})
		require.NoError(t, err)
		_, err = v.VerifySignature(context.Background(), hs256(secret, `{"alg":"HS256","kid":"hmac-1","typ":"JOSE"}`, body), body)
		require.NoError(t, err)

		_, err = v.VerifySignature(context.Background(), hs256([]byte("wrong"), `{"alg":"HS256","kid":"hmac-1"}`, body), body)
		require.ErrorIs(t, err, webhook.ErrInvalidSignature)
		assert.NotContains(t, err.Error(), string(secret))
	})
}

func TestMalformedSignature(t *testing.T) {
	bank := newSigner(t, "chase")
	v := newVerifier(t, bank.Keys(), newClock())
	body, h := payload(t, bank, webhook.TestNotification{Type: webhook.TypeConsentUpdated, Subject: webhook.Subject{ID: "c-1", Kind: "CONSENT"}})
	good := h.Get(webhook.SignatureHeader)
	parts := strings.Split(good, ".")
	kid := bank.KeyID()

	attached := parts[0] + "." + base64.RawURLEncoding.EncodeToString(body) + "." + parts[2]
	tests := []struct {
		name string
		sig  string
		want error
	}{
		{"empty", "", webhook.ErrMissingSignature},
		{"blank", "   ", webhook.ErrMissingSignature},
		{"one part", "abc", webhook.ErrMalformedSignature},
		{"two parts", "abc.def", webhook.ErrMalformedSignature},
		{"four parts", "a.b.c.d", webhook.ErrMalformedSignature},
		{"attached payload", attached, webhook.ErrMalformedSignature},
		{"empty signature", parts[0] + "..", webhook.ErrMalformedSignature},
		{"header not base64", "!!!.." + parts[2], webhook.ErrMalformedSignature},
		{"header not JSON", b64("hello") + ".." + parts[2], webhook.ErrMalformedSignature},
		{"header JSON array", b64(`["ES256"]`) + ".." + parts[2], webhook.ErrMalformedSignature},
		{"no alg", b64(`{"kid":"`+kid+`"}`) + ".." + parts[2], webhook.ErrMalformedSignature},
		{"no kid", b64(`{"alg":"ES256"}`) + ".." + parts[2], webhook.ErrMalformedSignature},
		{"typ JWT", b64(`{"alg":"ES256","kid":"`+kid+`","typ":"JWT"}`) + ".." + parts[2], webhook.ErrMalformedSignature},
		{"embedded jwk", b64(`{"alg":"ES256","kid":"`+kid+`","jwk":{"kty":"EC"}}`) + ".." + parts[2], webhook.ErrMalformedSignature},
		{"remote jku", b64(`{"alg":"ES256","kid":"`+kid+`","jku":"https://evil.example/jwks"}`) + ".." + parts[2], webhook.ErrMalformedSignature},
		{"unknown crit", b64(`{"alg":"ES256","kid":"`+kid+`","crit":["exp"],"exp":1}`) + ".." + parts[2], webhook.ErrInvalidSignature},
		{"signature not base64", parts[0] + "..***", webhook.ErrMalformedSignature},
		{"truncated signature", parts[0] + ".." + parts[2][:10], webhook.ErrInvalidSignature},
		{"huge", strings.Repeat("a", 10<<10) + ".." + parts[2], webhook.ErrMalformedSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := v.VerifySignature(context.Background(), tc.sig, body)
			assert.Nil(t, ev)
			assert.ErrorIs(t, err, tc.want)
		})
	}

	t.Run("no header", func(t *testing.T) {
		_, err := v.Verify(context.Background(), http.Header{}, body)
		assert.ErrorIs(t, err, webhook.ErrMissingSignature)
	})
	t.Run("two headers", func(t *testing.T) {
		hh := h.Clone()
		hh.Add(webhook.SignatureHeader, good)
		_, err := v.Verify(context.Background(), hh, body)
		assert.ErrorIs(t, err, webhook.ErrMalformedSignature)
	})
	t.Run("the good one still works", func(t *testing.T) {
		_, err := v.Verify(context.Background(), h, body)
		assert.NoError(t, err)
	})
}

func TestOversizeBody(t *testing.T) {
	bank := newSigner(t, "chase")
	v, err := webhook.NewVerifier(bank.Keys(), &webhook.Options{Now: newClock().Now, MaxBodyBytes: 512})
	require.NoError(t, err)
	long := strings.Repeat("x", 600)
	body, h := payload(t, bank, webhook.TestNotification{Type: webhook.TypeConsentUpdated, Subject: webhook.Subject{ID: "c-1", Kind: "CONSENT"},
		Fields: []webhook.Field{{"note", long}}})
	_, err = v.Verify(context.Background(), h, body)
	assert.ErrorIs(t, err, webhook.ErrPayloadTooLarge)
}

func TestMalformedPayload(t *testing.T) {
	bank := newSigner(t, "chase")
	kid := bank.KeyID()
	sign := func(t *testing.T, body string) string {
		sig, err := bank.Sign([]byte(body))
		require.NoError(t, err)
		return sig
	}
	const head = `"sentOn":"2026-06-01T12:00:00Z","category":"NEW_DATA","publisher":{"name":"chase","type":"DATA_PROVIDER"}`
	tests := []struct{ name, body string }{
		{"empty", ""},
		{"not JSON", "hello"},
		{"array", "[]"},
		{"trailing data", `{"notificationId":"n","type":"X",` + head + `,"notificationPayload":{"id":"a","idType":"ACCOUNT"}} {}`},
		{"no id", `{"type":"X",` + head + `,"notificationPayload":{"id":"a","idType":"ACCOUNT"}}`},
		{"no type", `{"notificationId":"n",` + head + `,"notificationPayload":{"id":"a","idType":"ACCOUNT"}}`},
		{"no sentOn", `{"notificationId":"n","type":"X","publisher":{"name":"chase"},"notificationPayload":{"id":"a","idType":"ACCOUNT"}}`},
		{"bad sentOn", `{"notificationId":"n","type":"X","sentOn":"yesterday","publisher":{"name":"chase"},"notificationPayload":{"id":"a","idType":"ACCOUNT"}}`},
		{"no publisher", `{"notificationId":"n","type":"X","sentOn":"2026-06-01T12:00:00Z","notificationPayload":{"id":"a","idType":"ACCOUNT"}}`},
		{"no payload", `{"notificationId":"n","type":"X",` + head + `}`},
		{"balance as float text", `{"notificationId":"n","type":"BALANCE",` + head + `,"notificationPayload":{"id":"a","idType":"ACCOUNT","customFields":[{"name":"balance","value":"NaN"}]}}`},
		{"balance account missing", `{"notificationId":"n","type":"BALANCE",` + head + `,"notificationPayload":{"id":"c","idType":"CONSENT"}}`},
		{"expiry unreadable", `{"notificationId":"n","type":"CONSENT_EXPIRING",` + head + `,"notificationPayload":{"id":"c","idType":"CONSENT","customFields":[{"name":"expirationTime","value":"soon"}]}}`},
		{"consent event about an account", `{"notificationId":"n","type":"CONSENT_REVOKED",` + head + `,"notificationPayload":{"id":"a","idType":"ACCOUNT"}}`},
		{"balances disagree", `{"notificationId":"n","type":"BALANCE",` + head + `,"notificationPayload":{"id":"a","idType":"ACCOUNT","customFields":[{"name":"balance","value":"1"},{"name":"availableBalance","value":"2"}]}}`},
		{"fraud about nothing", `{"notificationId":"n","type":"FRAUD_SUSPECTED",` + head + `,"notificationPayload":{"id":"p","idType":"PARTY"}}`},
		{"outage ends before start", `{"notificationId":"n","type":"PLANNED_OUTAGE",` + head + `,"notificationPayload":{"id":"m","idType":"MAINTENANCE","customFields":[{"name":"startTime","value":"2026-06-02T03:00:00Z"},{"name":"endTime","value":"2026-06-02T01:00:00Z"}]}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := newVerifier(t, bank.Keys(), newClock())
			sig := b64(`{"alg":"ES256","kid":"`+kid+`"}`) + "..x" // placeholder for empty body
			if tc.body != "" {
				sig = sign(t, tc.body)
			}
			ev, err := v.VerifySignature(context.Background(), sig, []byte(tc.body))
			assert.Nil(t, ev)
			assert.ErrorIs(t, err, webhook.ErrMalformedPayload)
		})
	}
}

func TestErrorsAreClassifiedAndSecretFree(t *testing.T) {
	bank := newSigner(t, "chase")
	v := newVerifier(t, bank.Keys(), newClock())
	body, h := payload(t, bank, webhook.TestNotification{Type: webhook.TypeBalance, Subject: webhook.Subject{ID: "acc-1", Kind: "ACCOUNT"},
		Fields: []webhook.Field{{"balance", "123456.78"}}})
	_, err := v.Verify(context.Background(), h, append(bytes.Clone(body[:len(body)-1]), ' ', '}'))
	require.Error(t, err)
	var we *webhook.Error
	require.ErrorAs(t, err, &we)
	assert.Same(t, webhook.ErrInvalidSignature, we.Kind)
	assert.Equal(t, bank.KeyID(), we.KeyID)
	assert.NotContains(t, err.Error(), "123456.78", "no body content in errors")

	// A malformed detail is named, its value is not.
	body, h = payload(t, bank, webhook.TestNotification{Type: webhook.TypeBalance, Subject: webhook.Subject{ID: "acc-1", Kind: "ACCOUNT"},
		Fields: []webhook.Field{{"balance", "12,345.67"}}})
	_, err = v.Verify(context.Background(), h, body)
	require.ErrorIs(t, err, webhook.ErrMalformedPayload)
	assert.ErrorIs(t, err, fdxtypes.ErrInvalidDecimal)
	assert.Contains(t, err.Error(), "balance")
	assert.NotContains(t, err.Error(), "12,345.67")

	sentinels := []error{webhook.ErrMissingSignature, webhook.ErrMalformedSignature, webhook.ErrAlgorithmNotAllowed,
		webhook.ErrUnknownKey, webhook.ErrKeysUnavailable, webhook.ErrInvalidSignature, webhook.ErrPayloadTooLarge,
		webhook.ErrMalformedPayload, webhook.ErrUnexpectedParty, webhook.ErrStale, webhook.ErrReplayed, webhook.ErrReplayStore}
	n := 0
	for _, s := range sentinels {
		if errors.Is(err, s) {
			n++
		}
	}
	assert.Equal(t, 1, n, "exactly one sentinel matches")
}

func TestNewVerifierValidation(t *testing.T) {
	bank := newSigner(t, "chase")
	_, err := webhook.NewVerifier(nil, nil)
	assert.Error(t, err)
	_, err = webhook.NewVerifier(bank.Keys(), &webhook.Options{Tolerance: -time.Second})
	assert.Error(t, err)
	_, err = webhook.NewVerifier(bank.Keys(), &webhook.Options{Algorithms: []jose.SignatureAlgorithm{"XX999"}})
	assert.Error(t, err)
	_, err = webhook.NewVerifier(bank.Keys(), &webhook.Options{Algorithms: []jose.SignatureAlgorithm{}})
	assert.Error(t, err)
	v, err := webhook.NewVerifier(bank.Keys(), nil)
	require.NoError(t, err)
	assert.EqualValues(t, webhook.DefaultMaxBodyBytes, v.MaxBodyBytes())
}

func TestReplayStoreFailure(t *testing.T) {
	bank := newSigner(t, "chase")
	v, err := webhook.NewVerifier(bank.Keys(), &webhook.Options{Now: newClock().Now, Replay: failingStore{}})
	require.NoError(t, err)
	body, h := payload(t, bank, webhook.TestNotification{Type: webhook.TypeConsentUpdated, Subject: webhook.Subject{ID: "c-1", Kind: "CONSENT"}})
	_, err = v.Verify(context.Background(), h, body)
	assert.ErrorIs(t, err, webhook.ErrReplayStore)
}

type failingStore struct{}

func (failingStore) Claim(context.Context, string, time.Duration) (bool, error) {
	return false, errors.New("redis: connection refused")
}
func (failingStore) Release(context.Context, string) error {
	return errors.New("redis: connection refused")
}

func BenchmarkVerify(b *testing.B) {
	bank := newSigner(b, "chase")
	v, err := webhook.NewVerifier(bank.Keys(), &webhook.Options{Now: func() time.Time { return t0 }, Replay: alwaysFresh{}})
	require.NoError(b, err)
	body, h := payload(b, bank, webhook.TestNotification{Type: webhook.TypeBalance, Subject: webhook.Subject{ID: "acc-1", Kind: "ACCOUNT"},
		Fields: []webhook.Field{{"availableBalance", "12.30"}, {"threshold", "100.00"}}})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, h, body); err != nil {
			b.Fatal(err)
		}
	}
}

func TestExpectedParties(t *testing.T) {
	bank := newSigner(t, "chase")
	v, err := webhook.NewVerifier(bank.Keys(), &webhook.Options{Now: newClock().Now, Publisher: "chase", Subscriber: "app-1"})
	require.NoError(t, err)
	n := webhook.TestNotification{Type: webhook.TypeConsentUpdated, Subject: webhook.Subject{ID: "c-1", Kind: "CONSENT"}, Subscriber: "app-1"}
	body, h := payload(t, bank, n)
	_, err = v.Verify(context.Background(), h, body)
	require.NoError(t, err)

	n.Subscriber = "app-2" // another client of the bank forwards its own notification
	body, h = payload(t, bank, n)
	_, err = v.Verify(context.Background(), h, body)
	assert.ErrorIs(t, err, webhook.ErrUnexpectedParty)

	n.Subscriber = ""
	body, h = payload(t, bank, n)
	_, err = v.Verify(context.Background(), h, body)
	assert.ErrorIs(t, err, webhook.ErrUnexpectedParty)

	citi := newSigner(t, "citi")
	keys, err := webhook.NewStaticKeys(bank.PublicKey(), citi.PublicKey())
	require.NoError(t, err)
	v, err = webhook.NewVerifier(keys, &webhook.Options{Now: newClock().Now, Publisher: "chase"})
	require.NoError(t, err)
	body, h = payload(t, citi, n)
	_, err = v.Verify(context.Background(), h, body)
	assert.ErrorIs(t, err, webhook.ErrUnexpectedParty, "citi's key cannot speak for chase")
}

func TestDefaultAlgorithmsIsACopy(t *testing.T) {
	algs := webhook.DefaultAlgorithms()
	require.NotEmpty(t, algs)
	algs[0] = "HS256"
	assert.NotContains(t, webhook.DefaultAlgorithms(), jose.SignatureAlgorithm("HS256"), "no caller can widen the defaults")
}
