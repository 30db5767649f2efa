package fakebank

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/obconnect/obconnect/sdk/model"
)

func s256(v string) string {
	h := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// wire types: the fake API sends the model as JSON, except that the full
// account number must travel unmasked.
type wireNetwork struct {
	model.PaymentNetwork
	Identifier string `json:"Identifier"`
}

type wirePage[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next"`
}

func (b *Bank) data(w http.ResponseWriter, r *http.Request) {
	b.DataCalls.Add(1)
	b.mu.Lock()
	b.lastRequests = append(b.lastRequests, &http.Request{Method: r.Method, URL: r.URL, Header: r.Header.Clone()})
	if len(b.faults) > 0 {
		f := &b.faults[0]
		f.Count--
		fault := *f
		if f.Count <= 0 {
			b.faults = b.faults[1:]
		}
		b.mu.Unlock()
		switch {
		case fault.RetryAfterHeader != "":
			w.Header().Set("Retry-After", fault.RetryAfterHeader)
		case fault.RetryAfter > 0:
			w.Header().Set("Retry-After", strconv.Itoa(fault.RetryAfter))
		}
		fdxError(w, fault.Status, fault.Code, "injected fault")
		return
	}
	consentID, ok := b.access[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	if !ok {
		b.mu.Unlock()
		fdxError(w, http.StatusUnauthorized, 602, "invalid token")
		return
	}
	if strings.HasPrefix(r.URL.Path, "/notification-subscriptions") {
		// Subscriptions belong to the client: any token of it will do.
		defer b.mu.Unlock()
		b.subscriptions(w, r)
		return
	}
	consent := b.consents[consentID]
	b.mu.Unlock()
	if consent == nil {
		fdxError(w, http.StatusForbidden, 602, "a client token cannot read customer data")
		return
	}
	switch consent.Status {
	case model.ConsentStatusRevoked:
		fdxError(w, http.StatusForbidden, 1107, "consent revoked")
		return
	case model.ConsentStatusExpired:
		fdxError(w, http.StatusForbidden, 1106, "consent expired")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case len(parts) == 1 && parts[0] == "accounts":
		list := make([]model.Account, len(b.accounts))
		for i, a := range b.accounts {
			a.Balances = nil
			list[i] = a
		}
		page(w, r, list)
	case len(parts) >= 2 && parts[0] == "accounts":
		i := slices.IndexFunc(b.accounts, func(a model.Account) bool { return a.ID == parts[1] })
		if i < 0 {
			fdxError(w, http.StatusNotFound, 701, "account not found")
			return
		}
		id := parts[1]
		for _, ca := range consent.Accounts {
			if ca.AccountID == id && ca.Status == model.ConsentStatusRevoked {
				fdxError(w, http.StatusForbidden, 1107, "account revoked from consent")
				return
			}
		}
		switch {
		case len(parts) == 2:
			writeJSON(w, http.StatusOK, b.accounts[i])
		case len(parts) == 3 && parts[2] == "transactions":
			start, _ := time.Parse(time.DateOnly, r.URL.Query().Get("startTime"))
			end, _ := time.Parse(time.DateOnly, r.URL.Query().Get("endTime"))
			var out []model.Transaction
			for _, tx := range b.txs[id] {
				d := tx.Date().UTC().Truncate(24 * time.Hour)
				if (!start.IsZero() && d.Before(start)) || (!end.IsZero() && d.After(end)) {
					continue
				}
				out = append(out, tx)
			}
			page(w, r, out)
		case len(parts) == 3 && parts[2] == "statements":
			page(w, r, b.statements[id])
		case len(parts) == 4 && parts[2] == "statements":
			doc, ok := b.docs[parts[3]]
			if !ok {
				fdxError(w, http.StatusNotFound, 1205, "statement not found")
				return
			}
			w.Header().Set("Content-Type", "application/pdf")
			_, _ = w.Write(doc)
		case len(parts) == 3 && parts[2] == "contact":
			writeJSON(w, http.StatusOK, b.contacts[id])
		case len(parts) == 3 && parts[2] == "payment-networks":
			var out []wireNetwork
			for _, n := range b.networks[id] {
				out = append(out, wireNetwork{PaymentNetwork: n, Identifier: n.Identifier.Reveal()})
			}
			page(w, r, out)
		default:
			fdxError(w, http.StatusNotFound, 404, "no such endpoint")
		}
	case len(parts) == 2 && parts[0] == "consents" && r.Method == http.MethodGet:
		c, ok := b.consents[parts[1]]
		if !ok {
			fdxError(w, http.StatusNotFound, 404, "consent not found")
			return
		}
		writeJSON(w, http.StatusOK, c)
	case len(parts) == 3 && parts[0] == "consents" && parts[2] == "revocation" && r.Method == http.MethodPut:
		c, ok := b.consents[parts[1]]
		if !ok {
			fdxError(w, http.StatusNotFound, 404, "consent not found")
			return
		}
		var body struct {
			AccountIDs []string `json:"accountIds"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		if len(body.AccountIDs) == 0 {
			c.Status = model.ConsentStatusRevoked
		} else {
			for i := range c.Accounts {
				if slices.Contains(body.AccountIDs, c.Accounts[i].AccountID) {
					c.Accounts[i].Status = model.ConsentStatusRevoked
				}
			}
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		fdxError(w, http.StatusNotFound, 404, "no such endpoint")
	}
}

// page serves offset pagination: cursor is the offset.
func page[T any](w http.ResponseWriter, r *http.Request, all []T) {
	off, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 {
		limit = 10
	}
	off = min(max(off, 0), len(all))
	end := min(off+limit, len(all))
	p := wirePage[T]{Items: all[off:end]}
	if p.Items == nil {
		p.Items = []T{}
	}
	if end < len(all) {
		p.Next = strconv.Itoa(end)
	}
	writeJSON(w, http.StatusOK, p)
}

// subscriptions serves POST /notification-subscriptions and
// DELETE /notification-subscriptions/{id}; b.mu is held.
func (b *Bank) subscriptions(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/notification-subscriptions"), "/")
	switch {
	case r.Method == http.MethodPost && id == "":
		var body struct {
			CallbackURL string   `json:"callbackUrl"`
			Types       []string `json:"notificationTypes"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.CallbackURL == "" {
			fdxError(w, http.StatusBadRequest, 401, "invalid subscription")
			return
		}
		sid := "sub-" + strconv.Itoa(len(b.subs)+1)
		b.subs[sid] = body.CallbackURL
		writeJSON(w, http.StatusCreated, map[string]any{"subscriptionId": sid, "callbackUrl": body.CallbackURL, "notificationTypes": body.Types})
	case r.Method == http.MethodDelete && id != "":
		if _, ok := b.subs[id]; !ok {
			fdxError(w, http.StatusNotFound, 404, "no such subscription")
			return
		}
		delete(b.subs, id)
		w.WriteHeader(http.StatusNoContent)
	default:
		fdxError(w, http.StatusNotFound, 404, "no such endpoint")
	}
}
