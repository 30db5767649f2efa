package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/obconnect/obconnect/sdk/webhook"
)

func init() { register(newWatchCmd) }

func newWatchCmd(a *App) *cobra.Command {
	var (
		listen string
		types  []string
		count  int
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Receive the bank's notifications, verify them and print them live",
		Long: `watch subscribes to the linked bank's notifications with a callback on a
local port, verifies each one (signature against the bank's published keys,
publisher, subscriber, freshness, replay) and prints it as it arrives. It
stops at Ctrl-C (or after --count notifications) and removes the
subscription. Notifications that fail verification are reported on
standard error and answered 400.

The bank must reach the callback: mockbank on the same machine does; a
real bank needs a public https URL in front of the port.`,
		Example: `  obconnect watch
  obconnect watch --types CONSENT_REVOKED,BALANCE --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			c, g, err := a.Grant(ctx)
			if err != nil {
				return err
			}
			if !c.Profile().Subscriptions {
				return &hinted{err: fmt.Errorf("%s offers no notification subscriptions", g.Bank), hint: "this bank cannot send notifications"}
			}
			keys, err := webhook.DiscoverJWKS(ctx, strings.TrimSuffix(c.Profile().Auth.Issuer, "/")+"/.well-known/openid-configuration", &webhook.JWKSOptions{HTTPClient: a.HTTPClient()})
			if err != nil {
				return withHint(err, "the bank's signing keys could not be read; check the bank URL ('obconnect doctor')")
			}
			st, err := a.Store(ctx, false)
			if err != nil {
				return err
			}
			s, err := a.setup(ctx, g.Bank)
			if err != nil {
				return err
			}
			// Notifications are dated on the bank's clock: mockbank's is
			// simulated, and a wall clock would find them stale.
			v, err := webhook.NewVerifier(keys, &webhook.Options{Publisher: g.Bank, Subscriber: s.Creds.ClientID, Now: a.clock(s), Replay: st.Replay()})
			if err != nil {
				return err
			}
			ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", listen)
			if err != nil {
				return withHint(err, "choose another address with --listen")
			}
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			var mu sync.Mutex
			seen := 0
			h := webhook.Handler(v, func(_ context.Context, ev *webhook.Event) error {
				mu.Lock()
				defer mu.Unlock()
				if count > 0 && seen >= count {
					return nil
				}
				seen++
				a.printEvent(ev, asJSON)
				if count > 0 && seen >= count {
					cancel()
				}
				return nil
			})
			mux := http.NewServeMux()
			mux.Handle("/notifications", logRefusals(a, h))
			srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
			go func() { _ = srv.Serve(ln) }()
			defer func() { _ = srv.Close() }()

			callback := "http://" + ln.Addr().String() + "/notifications"
			if len(types) == 0 {
				types = allTypes()
			}
			// With the grant: some banks tie subscriptions to a consent.
			sub, err := c.Subscribe(ctx, g, callback, types...)
			if err != nil {
				return withHint(err, "the bank refused the subscription")
			}
			// Remove the subscription whatever ends the watch, with a
			// context of its own since ctx is done by then.
			defer func() {
				uctx, ucancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
				defer ucancel()
				if err := c.Unsubscribe(uctx, g, sub.ID); err != nil {
					fmt.Fprintf(a.Stderr, "obconnect: could not remove subscription %s: %v\n", sub.ID, err)
				}
			}()
			fmt.Fprintf(a.Stderr, "Watching %s notifications on %s (Ctrl-C to stop)\n", g.Bank, callback)
			if a.env.onWatching != nil {
				a.env.onWatching(g.Bank)
			}
			<-ctx.Done()
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:0", "local address the bank posts notifications to")
	cmd.Flags().StringSliceVar(&types, "types", nil, "notification types, comma-separated (default: every type the sdk knows)")
	cmd.Flags().IntVar(&count, "count", 0, "stop after this many notifications (0: at Ctrl-C)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print each notification as one line of JSON")
	return cmd
}

// printEvent prints one verified notification: time, type, subject and
// the payload's fields. Notifications carry ids and amounts, no secret.
func (a *App) printEvent(ev *webhook.Event, asJSON bool) {
	if asJSON {
		var body any
		if err := json.Unmarshal(ev.Raw, &body); err != nil {
			body = string(ev.Raw)
		}
		b, _ := json.Marshal(map[string]any{"id": ev.ID, "type": ev.Type, "sent_on": ev.SentOn, "publisher": ev.Publisher,
			"subject": map[string]string{"id": ev.Subject.ID, "kind": ev.Subject.Kind}, "verified_with": ev.KeyID, "notification": body})
		fmt.Fprintln(a.Stdout, string(b))
		return
	}
	var fields []string
	for _, f := range ev.Fields {
		fields = append(fields, f.Name+"="+f.Value)
	}
	line := fmt.Sprintf("%s  %-20s %s %s  %s", ev.SentOn.UTC().Format(time.RFC3339), ev.Type, strings.ToLower(ev.Subject.Kind), ev.Subject.ID, strings.Join(fields, " "))
	fmt.Fprintln(a.Stdout, strings.TrimRight(line, " "))
}

// logRefusals reports notifications that fail verification, which a
// handler answers 400 without calling the function.
func logRefusals(a *App, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if rec.status >= 400 {
			// The handler's body names the failed check and nothing else.
			fmt.Fprintf(a.Stderr, "obconnect: refused a notification (HTTP %d: %s)\n", rec.status, strings.TrimSpace(rec.body.String()))
		}
	})
}

// statusWriter keeps the status and, for refusals, the short body.
type statusWriter struct {
	http.ResponseWriter
	status int
	body   strings.Builder
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status >= 400 && s.body.Len() < 256 {
		s.body.Write(b)
	}
	return s.ResponseWriter.Write(b)
}

// allTypes are the notification types package webhook decodes.
func allTypes() []string {
	var out []string
	for _, t := range []webhook.Type{webhook.TypeTransactionsNew, webhook.TypeTransactionsPosted, webhook.TypeBalance,
		webhook.TypeFraudSuspected, webhook.TypeConsentRevoked, webhook.TypeConsentUpdated, webhook.TypeConsentExpiring, webhook.TypePlannedOutage} {
		out = append(out, string(t))
	}
	return out
}
