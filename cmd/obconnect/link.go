package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/obconnect/obconnect/sdk"
)

func init() { register(newLinkCmd) }

func newLinkCmd(a *App) *cobra.Command {
	var (
		clusters  []string
		purpose   string
		days      int
		noBrowser bool
		timeout   time.Duration
		userRef   string
	)
	cmd := &cobra.Command{
		Use:   "link BANK",
		Short: "Link a bank account through the bank's consent page",
		Long: `link asks the bank for consent: it opens the bank's consent page in the
browser (or prints its URL with --no-browser), receives the bank's redirect
on the local port of the redirect URL (default ` + defaultRedirectURL + `),
and stores the grant and its tokens, encrypted, in the state file.

BANK is a built-in bank (chase, citi, usbank, wellsfargo) or the bank named
by the --description file. Without credentials of the integrator's own,
mockbank's ready client is used (export MOCKBANK_ADMIN_TOKEN).`,
		Example: `  obconnect link wellsfargo
  obconnect link chase --clusters ACCOUNT_BASIC,TRANSACTIONS --days 30 --no-browser
  obconnect link acme --description acme.json`,
		Args:              exactArgs(1),
		ValidArgsFunction: a.completeBanks,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := a.Client(ctx, args[0])
			if err != nil {
				return err
			}
			req := sdk.LinkRequest{Duration: time.Duration(days) * 24 * time.Hour, UserRef: userRef}
			if req.Purpose, err = sdk.ParsePurpose(purpose); err != nil {
				return usagef("--purpose: %v (one of %s)", err, purposeList())
			}
			if len(clusters) == 0 {
				req.Clusters = c.Profile().Clusters
			}
			for _, s := range clusters {
				cl := sdk.Cluster(strings.ToUpper(strings.TrimSpace(s)))
				if !cl.Valid() {
					return usagef("--clusters: unknown cluster %q", s)
				}
				req.Clusters = append(req.Clusters, cl)
			}
			pending, err := c.StartLink(ctx, req)
			if err != nil {
				return err
			}
			cb, err := a.awaitCallback(ctx, pending, noBrowser, timeout)
			if err != nil {
				return err
			}
			g, err := c.CompleteLink(ctx, pending, cb)
			if errors.Is(err, sdk.ErrPermissionDenied) {
				return &hinted{err: err, hint: "the consent was declined at the bank; run link again to retry"}
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "Linked %s: consent %s\n", g.Bank, g.ConsentID)
			return printGrant(a.Stdout, g)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&clusters, "clusters", nil, "data clusters to ask for, comma-separated (default: every cluster the bank offers)")
	f.StringVar(&purpose, "purpose", "PERSONAL_FINANCIAL_MANAGEMENT", "purpose of the consent: "+purposeList())
	f.IntVar(&days, "days", 90, "how many days the consent lasts (1 to 365)")
	f.BoolVar(&noBrowser, "no-browser", false, "print the consent page's URL instead of opening a browser")
	f.DurationVar(&timeout, "timeout", 10*time.Minute, "how long to wait for the bank's redirect")
	f.StringVar(&userRef, "user-ref", "", "your own reference for the user, kept in the grant (never sent to the bank)")
	_ = cmd.RegisterFlagCompletionFunc("purpose", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return strings.Split(purposeList(), ", "), cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func purposeList() string {
	var s []string
	for _, p := range sdk.Purposes() {
		s = append(s, p.String())
	}
	return strings.Join(s, ", ")
}

// awaitCallback listens on the redirect URL's address, shows the consent
// page and returns the query of the bank's redirect. It listens before
// showing the page, so a fast redirect cannot arrive to a closed port.
func (a *App) awaitCallback(ctx context.Context, p *sdk.PendingLink, noBrowser bool, timeout time.Duration) (url.Values, error) {
	ru, err := url.Parse(p.RedirectURL)
	if err != nil || ru.Scheme != "http" || ru.Port() == "" {
		return nil, withHint(fmt.Errorf("redirect URL %q is not http://HOST:PORT/PATH", p.RedirectURL), "link receives the redirect itself: register an http loopback redirect URL with the bank and set it in the config file")
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", ru.Host)
	if err != nil {
		return nil, withHint(err, "another program uses %s; stop it, or register another redirect URL", ru.Host)
	}
	got := make(chan url.Values, 1)
	path := ru.EscapedPath()
	if path == "" {
		path = "/"
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path != path || q.Get("state") != p.State {
			http.NotFound(w, r)
			return
		}
		// Answer the browser before handing the query over: the command
		// stops the server once it has the query, and an answer not yet
		// written would reach the browser as a broken connection.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "obconnect received the bank's answer. You can close this window.")
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		select {
		case got <- q:
		default:
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		// Shutdown lets an answer in flight finish; Close would cut it.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	if noBrowser {
		fmt.Fprintf(a.Stdout, "Open this URL in a browser to give consent:\n\n  %s\n\n", p.AuthURL)
	} else {
		fmt.Fprintf(a.Stderr, "Opening the bank's consent page in your browser; waiting for it on %s\n", ru.Host)
		if a.env.OpenBrowser == nil || a.env.OpenBrowser(ctx, p.AuthURL) != nil {
			fmt.Fprintf(a.Stdout, "Could not open a browser. Open this URL to give consent:\n\n  %s\n\n", p.AuthURL)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	select {
	case q := <-got:
		return q, nil
	case <-ctx.Done():
		return nil, withHint(fmt.Errorf("no answer from the bank within %s", timeout), "run link again and finish the consent page (or raise --timeout)")
	}
}

// exactArgs is cobra.ExactArgs with a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// noArgs is cobra.NoArgs with a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if err := cobra.NoArgs(cmd, args); err != nil {
		return usageError{err}
	}
	return nil
}

// completeBanks completes a bank name.
func (a *App) completeBanks(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return a.knownBanks(), cobra.ShellCompDirectiveNoFileComp
}
