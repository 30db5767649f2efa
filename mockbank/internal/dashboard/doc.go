// Package dashboard is mockbank's admin dashboard: server-rendered HTML
// pages under /admin/ui that show the banks, users, accounts, consents,
// notification subscriptions and deliveries, the request journal, faults
// and the simulated clock, with small forms for the actions a tester
// takes by hand: advance the clock, add, delete or clear faults, fire a
// notification, subscribe a client, link a user, and revoke, expire or
// reset the login of a consent.
//
// # One code path
//
// The pages hold no state of their own and never reach into the store:
// every read and every action is a call of the admin API
// (openapi/admin.yaml) through its generated client, whose transport
// serves the request in-process with the admin API's own handler. So the
// dashboard is exactly as safe, validated and up to date as the API: the
// same token and loopback checks, the same spec validation, the same
// errors (shown to the user as they come).
//
// # Security
//
//   - Loopback only, like the admin API, unless Options.AllowRemote; the
//     peer's address is also handed to the API, whose own check applies.
//   - The admin token is entered once, on the login form or as ?token=
//     (then redirected away so that it leaves the address bar). It is
//     never stored in the browser: the session cookie is a random nonce and
//     issue time signed with a key derived from the token (HMAC-SHA256),
//     HttpOnly, SameSite=Strict, limited to the dashboard's path, Secure
//     over TLS, and good for [SessionLifetime]. A new token ends every
//     session.
//   - Every action is a POST carrying a CSRF token derived from the session
//     (and so different for each session); a POST from another origin
//     (Origin or Sec-Fetch-Site) is refused too. Actions answer with a
//     redirect (POST, redirect, GET), so a reload never repeats them.
//   - Pages are html/template (everything escaped), carry no script, and
//     are sent with a strict Content-Security-Policy, no-store and
//     frame-ancestors 'none'. Client secrets are masked, private keys
//     omitted, and no token (admin or OAuth) is ever shown or logged: a
//     link made here records the consent and drops the tokens the API
//     answers with.
//
// # Bounded pages
//
// The admin API answers whole lists; the dashboard cuts them into pages
// ([PageSize] rows, ?page=N), so a delivery log of 10 000 entries or an
// account of 50 000 transactions still renders a small page.
package dashboard
