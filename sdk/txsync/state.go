package txsync

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/obconnect/obconnect/sdk/model"
)

// stateVersion versions the stored record layout.
const stateVersion = 1

// record is everything stored for one stream (one account followed from
// one empty cursor): its last few committed snapshots, newest last.
// Keeping more than one makes a retry with the previous cursor (the
// integrator crashed before persisting the new one) reproduce the same
// changes instead of failing.
type record struct {
	V       int        `json:"v"`
	Bank    string     `json:"bank"`
	Account string     `json:"account"`
	Stream  string     `json:"stream"`
	Snaps   []snapshot `json:"snaps"`
}

// snapshot is what the integrator has been told, inside the lookback
// window, as of one committed pass.
type snapshot struct {
	ID string `json:"id"`
	// Parent is the snapshot this one was computed from ("" for the
	// first).
	Parent string `json:"parent,omitempty"`
	Seq    uint64 `json:"seq"`
	// Floor is the lookback floor of the pass: Entries hold every
	// reported transaction still listed that is dated on or after it,
	// plus every pending one.
	Floor     time.Time `json:"floor"`
	Committed time.Time `json:"committed"`
	Entries   []entry   `json:"entries"`
}

// entry is one transaction as last reported: enough to detect a change
// (the fingerprint), a posting (status), a drop, and to know when it leaves
// the window (its earliest date).
type entry struct {
	ID      string    `json:"id"`
	Pending bool      `json:"pending,omitempty"`
	Date    time.Time `json:"date"`
	FP      string    `json:"fp"`
}

func (r *record) find(id string) *snapshot {
	for i := range r.Snaps {
		if r.Snaps[i].ID == id {
			return &r.Snaps[i]
		}
	}
	return nil
}

// encodeRecord prefixes the JSON with its SHA-256, so a torn or altered
// value is detected on load rather than silently trusted.
func encodeRecord(r *record) ([]byte, error) {
	js, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(js)
	out := make([]byte, 0, len(sum)+len(js))
	out = append(out, sum[:]...)
	return append(out, js...), nil
}

func decodeRecord(b []byte) (*record, error) {
	if len(b) < sha256.Size {
		return nil, fmt.Errorf("value of %d bytes is too short", len(b))
	}
	sum := sha256.Sum256(b[sha256.Size:])
	if !bytes.Equal(sum[:], b[:sha256.Size]) {
		return nil, fmt.Errorf("checksum mismatch")
	}
	var r record
	if err := json.Unmarshal(b[sha256.Size:], &r); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if r.V != stateVersion {
		return nil, fmt.Errorf("unsupported state version %d", r.V)
	}
	return &r, nil
}

// fingerprint hashes every field of a transaction, so any change the bank
// makes (amount, status, description, dates, merchant, ...) is reported as
// a modification. Money is integer minor units: the JSON is exact.
func fingerprint(t model.Transaction) string {
	js, _ := json.Marshal(t) // a struct of strings, ints and times always encodes
	sum := sha256.Sum256(js)
	return base64.RawStdEncoding.EncodeToString(sum[:16])
}

// earliest is the earliest date of a transaction: banks filter date ranges
// on the transaction date or the posting date, and the earlier of the two
// is inside any range that contains either.
func earliest(t model.Transaction) time.Time {
	d := t.TransactionTime
	if d.IsZero() || (!t.PostedTime.IsZero() && t.PostedTime.Before(d)) {
		d = t.PostedTime
	}
	return d.UTC()
}
