package mockbanktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// RemoteClock is mockbank's simulated clock as seen from another process
// (a receiver, a worker, a test that did not start mockbank): the wall
// clock plus the offset GET /admin/clock reports. While mockbank's clock
// runs, the offset only changes when someone advances it, so Refresh after
// an advance (or every few seconds); with a frozen clock the offset drifts
// by the wall time elapsed, so Refresh before each use.
//
// Give its Now to what must agree with mockbank: sdk.Config.Now, the
// webhook verifier's Options.Now, the dates of sdk.TxQuery.
type RemoteClock struct {
	admin, token string
	client       *http.Client

	mu     sync.Mutex
	offset time.Duration
}

// NewRemoteClock reads the clock of the mockbank whose admin API is at
// adminURL (http://127.0.0.1:8080/admin) with its token. A nil client is
// http.DefaultClient.
func NewRemoteClock(ctx context.Context, adminURL, token string, client *http.Client) (*RemoteClock, error) {
	if client == nil {
		client = http.DefaultClient
	}
	c := &RemoteClock{admin: strings.TrimRight(adminURL, "/"), token: token, client: client}
	if err := c.Refresh(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Refresh reads the offset again.
func (c *RemoteClock) Refresh(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.admin+"/clock", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("mockbanktest: GET /admin/clock answered %d: %s", resp.StatusCode, body)
	}
	var clk struct {
		OffsetSeconds *float64 `json:"offsetSeconds"`
	}
	if err := json.Unmarshal(body, &clk); err != nil || clk.OffsetSeconds == nil {
		return errors.New("mockbanktest: GET /admin/clock has no offsetSeconds")
	}
	c.mu.Lock()
	c.offset = time.Duration(*clk.OffsetSeconds * float64(time.Second))
	c.mu.Unlock()
	return nil
}

// Now is mockbank's simulated now, as of the last Refresh.
func (c *RemoteClock) Now() time.Time {
	c.mu.Lock()
	off := c.offset
	c.mu.Unlock()
	return time.Now().Add(off).UTC()
}
