package webhook_test

import (
	"context"
	"testing"
	"time"

	"github.com/obconnect/obconnect/sdk/webhook"
)

// FuzzVerify throws arbitrary headers and bodies at the verifier: it must
// never panic, and must return exactly one of an event or an error.
func FuzzVerify(f *testing.F) {
	bank := newSigner(f, "chase")
	body, h := payload(f, bank, webhook.TestNotification{Type: webhook.TypeBalance, Subject: webhook.Subject{ID: "acc-1", Kind: "ACCOUNT"},
		Fields: []webhook.Field{{"balance", "1.00"}}})
	sig := h.Get(webhook.SignatureHeader)
	f.Add(sig, body)
	f.Add(sig, []byte("{}"))
	f.Add("", body)
	f.Add("..", body)
	f.Add(b64(`{"alg":"none","kid":"x"}`)+"..", body)
	f.Add(b64(`{"alg":"ES256","kid":"`+bank.KeyID()+`"}`)+"..AAAA", body)
	f.Add(b64(`{"alg":"HS256","kid":"`+bank.KeyID()+`"}`)+"..AAAA", []byte(`{"a":1}`))
	f.Add("a.b.c", []byte{0xff, 0xfe})

	v, err := webhook.NewVerifier(bank.Keys(), &webhook.Options{Now: func() time.Time { return t0 }, Replay: alwaysFresh{}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, sig string, body []byte) {
		ev, err := v.VerifySignature(context.Background(), sig, body)
		if (ev == nil) == (err == nil) {
			t.Fatalf("event %v and error %v", ev, err)
		}
		if err != nil {
			_ = err.Error()
		}
	})
}

// FuzzSignedPayload signs arbitrary bodies with the bank's real key, so the
// fuzzer reaches the payload decoder and the typed-event readers behind a
// valid signature.
func FuzzSignedPayload(f *testing.F) {
	bank := newSigner(f, "chase")
	for _, n := range []webhook.TestNotification{
		{Type: webhook.TypeBalance, Subject: webhook.Subject{ID: "a", Kind: "ACCOUNT"}, Fields: []webhook.Field{{"balance", "1e3"}}},
		{Type: webhook.TypePlannedOutage, Subject: webhook.Subject{ID: "m", Kind: "MAINTENANCE"}, Fields: []webhook.Field{{"startTime", "2026-06-02"}, {"endTime", "2026-06-03"}}},
		{Type: webhook.TypeConsentExpiring, Subject: webhook.Subject{ID: "c", Kind: "CONSENT"}, Fields: []webhook.Field{{"expiresAt", "2026-06-08T00:00:00Z"}}},
		{Type: webhook.TypeTransactionsNew, Subject: webhook.Subject{ID: "a", Kind: "ACCOUNT"}, Fields: []webhook.Field{{"transactionIds", ",,x,"}}},
	} {
		body, _ := payload(f, bank, n)
		f.Add(body)
	}
	f.Add([]byte(`{"notificationId":"n","type":"BALANCE","sentOn":"2026-06-01T12:00:00Z","publisher":{"name":"p"},"notificationPayload":{"id":"a","idType":"ACCOUNT","customFields":null}}`))

	v, err := webhook.NewVerifier(bank.Keys(), &webhook.Options{Now: func() time.Time { return t0 }, Replay: alwaysFresh{}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		sig, err := bank.Sign(body)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := v.VerifySignature(context.Background(), sig, body)
		if (ev == nil) == (err == nil) {
			t.Fatalf("event %v and error %v", ev, err)
		}
		if ev != nil {
			_ = ev.String()
		}
	})
}
