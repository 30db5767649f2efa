package fdx

import (
	"errors"
	"fmt"
	"strings"

	"github.com/obconnect/obconnect/openapi/fdxclient"
	"github.com/obconnect/obconnect/sdk/driver"
	"github.com/obconnect/obconnect/sdk/obcerr"
)

// Cursors are the bank's own next-page token with a one-letter prefix
// naming the style ("o:" offset, "k:" page key). The prefix costs two bytes
// and turns a cursor handed to the wrong bank, or a corrupted one, into an
// InvalidArgument instead of a silently wrong page.
const (
	offsetPrefix  = "o:"
	pageKeyPrefix = "k:"
)

// maxToken matches the spec's maxLength for offset and pageKey.
const maxToken = 256

// EncodeCursor wraps a bank token in the cursor format of style.
func EncodeCursor(style driver.Pagination, token string) string {
	if token == "" {
		return ""
	}
	if style == driver.PaginationOffset {
		return offsetPrefix + token
	}
	return pageKeyPrefix + token
}

// DecodeCursor returns the bank token inside a cursor of the given style.
func DecodeCursor(style driver.Pagination, cursor string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	want := pageKeyPrefix
	if style == driver.PaginationOffset {
		want = offsetPrefix
	}
	tok, ok := strings.CutPrefix(cursor, want)
	if !ok || tok == "" || len(tok) > maxToken {
		return "", fmt.Errorf("cursor is not a %s cursor of this bank", style)
	}
	return tok, nil
}

// cursorParams puts the cursor's token into the request parameter of the
// bank's style.
func (c *Connector) cursorParams(op, cursor string, offset, pageKey **string) error {
	tok, err := DecodeCursor(c.style, cursor)
	if err != nil {
		return &obcerr.Error{Code: obcerr.InvalidArgument, Op: op, Msg: err.Error()}
	}
	if tok == "" {
		return nil
	}
	if c.style == driver.PaginationOffset {
		*offset = &tok
	} else {
		*pageKey = &tok
	}
	return nil
}

// next reads the next-page token of the bank's style. It fails (Internal)
// when the bank hands back the very token it was sent, which would loop
// forever, and when it paginates in the other style, which would otherwise
// end the listing early and silently lose data.
func (c *Connector) next(op, current string, pm *fdxclient.PageMetadata) (string, error) {
	if pm == nil {
		return "", nil
	}
	mine, other := pm.NextPageKey, pm.NextOffset
	if c.style == driver.PaginationOffset {
		mine, other = pm.NextOffset, pm.NextPageKey
	}
	if deref(mine) == "" {
		if deref(other) != "" {
			return "", malformed(op, fmt.Errorf("bank paginates in the other style than its %s profile", c.style))
		}
		return "", nil
	}
	if len(*mine) > maxToken {
		return "", malformed(op, fmt.Errorf("next-page token longer than %d bytes", maxToken))
	}
	next := EncodeCursor(c.style, *mine)
	if next == current {
		return "", malformed(op, errors.New("bank answered the page key it was sent: it would loop forever"))
	}
	return next, nil
}
