// Package browsertest starts Debian's Chromium for mockbank's browser
// tests (the consent page, the admin dashboard), so that the rule for when
// such a test may skip lives in one place: outside CI a missing browser
// skips the test, in CI (CI=true) it fails it, because those pages must be
// exercised by a real browser there.
//
// The browser runs headless with the flags a shared CI machine needs: no
// sandbox (CI runs as root), no GPU, no QUIC, no first-run, background
// networking, component updates or sync, so it never reaches the network
// on its own.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromium returns the browser binary, skipping t when there is none
// outside CI and failing it in CI.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but Chromium is not installed (apt-get install -y chromium); mockbank's browser tests must run in CI")
	}
	t.Skip("Chromium not found (install Debian's chromium package to run mockbank's browser tests); skipping outside CI")
	return ""
}

// Options shape the browser.
type Options struct {
	// Width and Height are the window size (1280×900 by default), which
	// screenshots take.
	Width, Height int
	// Timeout bounds the whole context (60 s by default).
	Timeout time.Duration
}

// New starts headless Chromium (Chromium decides whether it may) and
// returns a context for chromedp actions in its first tab. The browser
// stops when the test ends.
func New(t testing.TB, o *Options) context.Context {
	t.Helper()
	bin := Chromium(t)
	var opts Options
	if o != nil {
		opts = *o
	}
	if opts.Width == 0 || opts.Height == 0 {
		opts.Width, opts.Height = 1280, 900
	}
	if opts.Timeout == 0 {
		opts.Timeout = 60 * time.Second
	}
	flags := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.WindowSize(opts.Width, opts.Height),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("hide-scrollbars", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), flags...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	ctx, cancel := context.WithTimeout(bctx, opts.Timeout)
	t.Cleanup(func() {
		cancel()
		cancelBrowser()
		cancelAlloc()
	})
	return ctx
}
