package sdk

import (
	"context"
	"iter"

	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/model"
)

// paginate turns a one-page connector call into an iterator over every
// item. It holds one page at a time; each page fetch is a separate,
// retried, consent-checked call (so an expiry or a token refresh in the
// middle of a long history is handled page by page). A cursor the bank has
// already sent is an Internal error: banks have been seen to loop forever.
func paginate[T any](ctx context.Context, c *Client, op string, g *Grant, cluster Cluster, accountID string,
	fetch func(context.Context, driver.PageRequest) (*model.Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		seen := map[string]struct{}{}
		cursor := ""
		for {
			page, err := call(ctx, c, op, g, cluster, accountID, true, func(ctx context.Context) (*model.Page[T], error) {
				p, err := fetch(ctx, driver.PageRequest{Cursor: cursor, Limit: c.pageSize})
				if err == nil && p == nil {
					err = &Error{Code: Internal, Op: op, Msg: "connector returned no page and no error"}
				}
				return p, err
			})
			if err != nil {
				yield(zero, err)
				return
			}
			for _, item := range page.Items {
				if !yield(item, nil) {
					return
				}
			}
			if page.Next == "" {
				return
			}
			if _, dup := seen[page.Next]; dup || page.Next == cursor {
				yield(zero, &Error{Code: Internal, Op: op, Msg: "the bank repeated a page cursor; stopping to avoid an endless loop"})
				return
			}
			seen[page.Next] = struct{}{}
			cursor = page.Next
		}
	}
}
