package main

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"time"
)

// env is what the program takes from the machine. Tests replace each part:
// the environment variables, the config directory, the clock (mockbank's
// stopped one, for golden output), the HTTP client (mockbanktest's) and
// the browser (mockbanktest's Approve plays the user). Because the
// browser is a function given here rather than a flag, nothing a user can
// type skips the bank's consent page.
type env struct {
	// Getenv reads an environment variable.
	Getenv func(string) string
	// ConfigDir is the user's configuration directory (os.UserConfigDir).
	ConfigDir func() (string, error)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// HTTPClient is the base HTTP client; nil means the sdk's default.
	HTTPClient *http.Client
	// OpenBrowser shows url to the user.
	OpenBrowser func(ctx context.Context, url string) error
	// onWatching, if set, is called once watch's subscription is in
	// place: tests fire notifications from it. It changes nothing the
	// command does.
	onWatching func(bank string)
}

func systemEnv() env {
	return env{Getenv: os.Getenv, ConfigDir: os.UserConfigDir, OpenBrowser: openBrowser}
}

// openBrowser opens url with the desktop's opener. Errors are not fatal to
// a link: the caller prints the URL to open by hand.
func openBrowser(ctx context.Context, url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.CommandContext(ctx, "open", url)
	case "windows":
		cmd = exec.CommandContext(ctx, "rundll32", "url.dll,FileProtocolHandler", url)
	case "linux", "freebsd", "openbsd", "netbsd":
		cmd = exec.CommandContext(ctx, "xdg-open", url)
	default:
		return errors.New("no known browser opener on " + runtime.GOOS)
	}
	return cmd.Start()
}
