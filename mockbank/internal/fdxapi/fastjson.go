package fdxapi

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/obconnect/obconnect/mockbank/internal/store"
	"github.com/obconnect/obconnect/openapi/fdxclient"
)

// The transactions page is the one response whose size grows with the
// limit, and encoding it through reflection was three quarters of the cost
// of serving it. appendTransactionsPage writes the same bytes that
// encoding/json writes for fdxclient.Transactions built by transactions(),
// straight from the store's records; TestFastEncoderMatchesGeneratedTypes
// proves the equality on every generated record of every bank, so a change
// in the generated types cannot go unnoticed.

// appendTransactionsPage appends {"page":...,"transactions":[...]} and a
// newline, as json.Encoder.Encode does.
func appendTransactionsPage(b []byte, k store.Kind, txs []*store.Transaction, page *fdxclient.PageMetadata) ([]byte, error) {
	return appendShapedTransactionsPage(b, nil, k, txs, page)
}

// appendShapedTransactionsPage is appendTransactionsPage with the records
// shaped to an FDX version (fdxversion.go); nil leaves them as stored.
func appendShapedTransactionsPage(b []byte, s *fdxShape, k store.Kind, txs []*store.Transaction, page *fdxclient.PageMetadata) ([]byte, error) {
	b = append(b, '{')
	if page != nil {
		pb, err := json.Marshal(page)
		if err != nil {
			return nil, err
		}
		b = append(b, `"page":`...)
		b = append(b, pb...)
		b = append(b, ',')
	}
	b = append(b, `"transactions":[`...)
	open, end := `{"depositTransaction":{`, "}}"
	switch k {
	case store.KindCreditCard:
		open = `{"locTransaction":{`
	case store.KindLoan:
		open = `{"loanTransaction":{`
	}
	if s != nil && s.flat {
		// accountCategory sorts before every member field, as in the
		// generated TransactionWithDetails, so the flat object is the
		// member's fields after the tag.
		open, end = `{"accountCategory":"`+string(category(k))+`",`, "}"
	}
	for i, t := range txs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, open...)
		b = appendTransaction(b, s, k, t)
		b = append(b, end...)
	}
	return append(b, "]}\n"...), nil
}

// appendTransaction writes the fields in the generated struct's order
// (encoding/json follows field order), omitting what fill leaves unset.
func appendTransaction(b []byte, s *fdxShape, k store.Kind, t *store.Transaction) []byte {
	b = append(b, `"accountId":`...)
	b = appendString(b, t.AccountID)
	b = append(b, `,"amount":`...)
	b = append(b, amount(t.Amount).String()...)
	if t.Category != "" {
		b = append(b, `,"category":`...)
		b = appendString(b, t.Category)
	}
	if t.Credit {
		b = append(b, `,"debitCreditMemo":"CREDIT"`...)
	} else {
		b = append(b, `,"debitCreditMemo":"DEBIT"`...)
	}
	if desc := s.txDescription(t); desc != "" {
		b = append(b, `,"description":`...)
		b = appendString(b, desc)
	}
	split := k == store.KindLoan && (t.Principal != 0 || t.Interest != 0)
	if split {
		b = append(b, `,"interestAmount":`...)
		b = append(b, amount(t.Interest).String()...)
	}
	if t.MCC != 0 {
		b = append(b, `,"merchantCategoryCode":`...)
		b = strconv.AppendInt(b, int64(t.MCC), 10)
	}
	if t.Payee != "" {
		b = append(b, `,"payee":`...)
		b = appendString(b, t.Payee)
	}
	if t.Status == store.TxPosted {
		b = append(b, `,"postedTimestamp":`...)
		b = appendTime(b, t.PostedTime)
	}
	if split {
		b = append(b, `,"principalAmount":`...)
		b = append(b, amount(t.Principal).String()...)
	}
	if t.ReferenceID != "" {
		b = append(b, `,"referenceTransactionId":`...)
		b = appendString(b, t.ReferenceID)
	}
	b = append(b, `,"status":`...)
	b = appendString(b, t.Status)
	b = append(b, `,"transactionId":`...)
	b = appendString(b, t.ID)
	b = append(b, `,"transactionTimestamp":`...)
	b = appendTime(b, t.TxTime)
	if typ := s.txType(k, t.Type); typ != "" {
		b = append(b, `,"transactionType":`...)
		b = appendString(b, typ)
	}
	return b
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendString quotes s as encoding/json does (HTML-safe). Plain printable
// ASCII, by far the common case, is copied; anything else goes through
// encoding/json itself so that escaping is exactly the same.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, err := json.Marshal(s)
			if err != nil {
				// Strings always marshal; keep the output valid regardless.
				return append(b, `""`...)
			}
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
