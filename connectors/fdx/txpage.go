package fdx

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/obconnect/obconnect/openapi/fdxclient"
	"github.com/obconnect/obconnect/openapi/fdxtypes"
	"github.com/obconnect/obconnect/sdk/model"
)

// This file is the streaming decoder of the transactions page, the one
// answer read in bulk (a sync reads every page of a history). It reads the
// body token by token with jsontext and maps each transaction as it is
// read, without the generated types' pointer per optional field.
//
// It is a fast path, never a second set of rules: it succeeds only on
// bodies it reads with certainty exactly as Unmarshal into
// fdxclient.Transactions followed by the mapping would, and reports
// errSlowPath for anything else (a syntax or type error anywhere, a field
// name matching only case-insensitively, a duplicate name, invalid UTF-8,
// null where a value is required, a transaction the mapping refuses). The
// caller then decodes the whole body the ordinary way, which gives the
// result or the error. TestEnginesAgree holds the two paths to identical
// results over fixtures, the fuzz corpus and bodies chosen at the edges.

// errSlowPath means: decode this body with the ordinary path.
var errSlowPath = errors.New("fdx: not for the streaming decoder")

// slot is where a known field of a transaction object goes.
type slot uint8

const (
	slotOther       slot = iota // known to the generated type, not mapped: validated only
	slotUnsupported             // mapped, but of a Go type this decoder does not read: always the slow path
	slotAccountID
	slotTransactionID
	slotDCM
	slotStatus
	slotCategory
	slotSubCategory
	slotDescription
	slotMemo
	slotPayee
	slotType
	slotReference
	slotReplaces
	slotForeignCurrency
	slotAccountCategory
	slotAmount
	slotForeignAmount
	slotMCC
	slotPosted
	slotAt
	slotDeposit
	slotLoc
	slotLoan
)

// numStringSlots bounds the slots that hold text.
const numStringSlots = slotAccountCategory + 1

// slotNames are the JSON names of the mapped fields.
var slotNames = map[string]slot{
	"accountId": slotAccountID, "transactionId": slotTransactionID, "debitCreditMemo": slotDCM, "status": slotStatus,
	"category": slotCategory, "subCategory": slotSubCategory, "description": slotDescription, "memo": slotMemo,
	"payee": slotPayee, "transactionType": slotType, "reference": slotReference, "referenceTransactionId": slotReplaces,
	"foreignCurrency": slotForeignCurrency, "accountCategory": slotAccountCategory, "amount": slotAmount,
	"foreignAmount": slotForeignAmount, "merchantCategoryCode": slotMCC, "postedTimestamp": slotPosted,
	"transactionTimestamp": slotAt, "depositTransaction": slotDeposit, "locTransaction": slotLoc, "loanTransaction": slotLoan,
}

// shape is one generated transaction type as the streaming decoder sees
// it: each JSON name's slot, and for unmapped fields the Go type to
// validate the value against.
type shape struct {
	slots map[string]slot
	other map[string]reflect.Type
	names []string // every name, for the case-insensitive check
}

var (
	timeType    = reflect.TypeFor[time.Time]()
	decimalType = reflect.TypeFor[fdxtypes.Decimal]()
	int32Type   = reflect.TypeFor[int32]()
)

// shapeOf reads a generated type's fields. A mapped name whose Go type is
// not the one the slot decodes (or that has decoding methods of its own)
// sends every body that uses it to the slow path, so a regenerated client
// that changes a type is never misread.
func shapeOf(t reflect.Type) *shape {
	sh := &shape{slots: map[string]slot{}, other: map[string]reflect.Type{}}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			panic("fdx: unexpected field " + f.Name + " in " + t.Name())
		}
		sh.names = append(sh.names, name)
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		s, ok := slotNames[name]
		if !ok {
			sh.other[name] = f.Type
			continue
		}
		switch {
		case s < numStringSlots && ft.Kind() == reflect.String && !hasMethods(ft):
		case (s == slotAmount || s == slotForeignAmount) && ft == decimalType:
		case s == slotMCC && ft == int32Type:
		case (s == slotPosted || s == slotAt) && ft == timeType:
		case s == slotDeposit && ft == reflect.TypeFor[fdxclient.DepositTransaction]() && t == entryType,
			s == slotLoc && ft == reflect.TypeFor[fdxclient.LocTransaction]() && t == entryType,
			s == slotLoan && ft == reflect.TypeFor[fdxclient.LoanTransaction]() && t == entryType:
		default:
			s = slotUnsupported
		}
		sh.slots[name] = s
	}
	return sh
}

// hasMethods reports whether encoding/json would decode t (a string type)
// through a method rather than as plain text.
func hasMethods(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(reflect.TypeFor[interface{ UnmarshalJSON([]byte) error }]()) ||
		p.Implements(reflect.TypeFor[interface{ UnmarshalText([]byte) error }]())
}

var entryType = reflect.TypeFor[fdxclient.TransactionWithDetails]()

// shapes: the entry (flat 6.x fields and the members), then the members.
var shapes = [...]*shape{
	shapeOf(entryType),
	shapeOf(reflect.TypeFor[fdxclient.DepositTransaction]()),
	shapeOf(reflect.TypeFor[fdxclient.LocTransaction]()),
	shapeOf(reflect.TypeFor[fdxclient.LoanTransaction]()),
}

// pageNames are fdxclient.Transactions' fields.
var pageNames = []string{"links", "page", "transactions"}

// level holds one object's mapped values: the entry's own (flat) fields or
// one member's.
type level struct {
	has         uint32 // bit per slot present and not null
	str         [numStringSlots]string
	amount, fgn fdxtypes.Decimal
	mcc         int32
	posted, at  time.Time
	hasDeposit  bool
	hasLoc      bool
	hasLoan     bool
}

func (l *level) present(s slot) bool { return l.has&(1<<s) != 0 }

func (l *level) ptr(s slot) *string {
	if l.present(s) {
		return &l.str[s]
	}
	return nil
}

// fields is the txFields the mapping expects from this level: as fromFlat
// reads the entry when flat, and as fromDeposit/fromTx/fromLoan read a
// member (whose id, amount, direction and status are plain values).
func (l *level) fields() txFields {
	f := txFields{accountID: l.str[slotAccountID], id: l.str[slotTransactionID], amount: l.amount,
		dcm: fdxclient.DebitCreditMemo(l.str[slotDCM]), status: fdxclient.TransactionStatus(l.str[slotStatus]),
		category: l.ptr(slotCategory), subCategory: l.ptr(slotSubCategory), desc: l.ptr(slotDescription),
		memo: l.ptr(slotMemo), payee: l.ptr(slotPayee), typ: l.ptr(slotType), ref: l.ptr(slotReference),
		replaces: l.ptr(slotReplaces), foreignCurrency: l.ptr(slotForeignCurrency)}
	if l.present(slotMCC) {
		f.mcc = &l.mcc
	}
	if l.present(slotPosted) {
		f.posted = &l.posted
	}
	if l.present(slotAt) {
		f.at = &l.at
	}
	if l.present(slotForeignAmount) {
		f.foreignAmount = &l.fgn
	}
	return f
}

// pageDecoder decodes one page; its levels are reused for every entry.
type pageDecoder struct {
	m       *mapper
	dec     *jsontext.Decoder
	entry   level
	members [3]level
	intern  map[string]string
	mccs    map[int32]string
	name    []byte
}

// decodeTransactionsPage reads a transactions page in one pass and maps
// it. Its only error is errSlowPath: the ordinary path then decides, and
// words any error.
func (m *mapper) decodeTransactionsPage(body []byte, accountID string) ([]model.Transaction, *fdxclient.PageMetadata, error) {
	// Invalid UTF-8, which encoding/json replaces by rules of its own,
	// goes to the slow path. Duplicate names are let through the reader,
	// whose check costs a tenth of the decode: where a duplicate can
	// change the result (a mapped field or member given twice, a page
	// field twice) readObject and the saw* flags send the body to the slow
	// path; elsewhere (unmapped or unknown fields) each copy is only
	// validated, as encoding/json does.
	d := &pageDecoder{m: m, dec: jsontext.NewDecoder(bytes.NewBuffer(body), jsontext.AllowDuplicateNames(true)),
		intern: map[string]string{}}
	var (
		items   []model.Transaction
		meta    *fdxclient.PageMetadata
		sawTx   bool
		sawPage bool
		sawLink bool
	)
	if d.dec.PeekKind() != '{' {
		return nil, nil, errSlowPath
	}
	if _, err := d.dec.ReadToken(); err != nil {
		return nil, nil, errSlowPath
	}
	for d.dec.PeekKind() != '}' {
		name, ok := d.readName()
		if !ok {
			return nil, nil, errSlowPath
		}
		switch string(name) {
		case "transactions":
			if sawTx || d.dec.PeekKind() != '[' {
				return nil, nil, errSlowPath
			}
			sawTx = true
			if _, err := d.dec.ReadToken(); err != nil {
				return nil, nil, errSlowPath
			}
			items = make([]model.Transaction, 0, 100)
			for d.dec.PeekKind() == '{' {
				tx, ok := d.readEntry(accountID)
				if !ok {
					return nil, nil, errSlowPath
				}
				items = append(items, tx)
			}
			if d.dec.PeekKind() != ']' {
				return nil, nil, errSlowPath
			}
			if _, err := d.dec.ReadToken(); err != nil {
				return nil, nil, errSlowPath
			}
		case "page":
			if sawPage {
				return nil, nil, errSlowPath
			}
			sawPage = true
			var pm *fdxclient.PageMetadata
			if !d.readOther(&pm) {
				return nil, nil, errSlowPath
			}
			meta = pm
		case "links":
			if sawLink {
				return nil, nil, errSlowPath
			}
			sawLink = true
			var l *fdxclient.PageMetadataLinks
			if !d.readOther(&l) {
				return nil, nil, errSlowPath
			}
		default:
			if foldsToAny(string(name), pageNames) || d.dec.SkipValue() != nil {
				return nil, nil, errSlowPath
			}
		}
	}
	if _, err := d.dec.ReadToken(); err != nil {
		return nil, nil, errSlowPath
	}
	// Nothing but white space may follow, as encoding/json requires.
	if _, err := d.dec.ReadToken(); err != io.EOF || !sawTx {
		return nil, nil, errSlowPath
	}
	return items, meta, nil
}

// readName reads an object member's name, unquoted, as bytes valid until
// the next read (map lookups with string(name) do not allocate).
func (d *pageDecoder) readName() ([]byte, bool) {
	v, err := d.dec.ReadValue()
	if err != nil || v.Kind() != '"' {
		return nil, false
	}
	raw := v[1 : len(v)-1]
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw, true
	}
	d.name, err = jsontext.AppendUnquote(d.name[:0], v)
	if err != nil {
		return nil, false
	}
	return d.name, true
}

// internBytes returns raw as a string, once per distinct value per page:
// names, statuses, directions and categories repeat on every entry.
func (d *pageDecoder) internBytes(raw []byte) string {
	if s, ok := d.intern[string(raw)]; ok {
		return s
	}
	s := string(raw)
	if len(d.intern) < 256 {
		d.intern[s] = s
	}
	return s
}

// readOther validates and decodes a value the mapping does not take from
// the stream, with the ordinary engine and rules.
func (d *pageDecoder) readOther(out any) bool {
	v, err := d.dec.ReadValue()
	return err == nil && Unmarshal(v, out) == nil
}

// readEntry reads one entry of the transactions array and maps it.
func (d *pageDecoder) readEntry(accountID string) (model.Transaction, bool) {
	d.entry = level{}
	d.members = [3]level{}
	if !d.readObject(&d.entry, shapes[0]) {
		return model.Transaction{}, false
	}
	// The member selection of mapper.transaction.
	var (
		f txFields
		n int
	)
	for i, has := range []bool{d.entry.hasDeposit, d.entry.hasLoc, d.entry.hasLoan} {
		if has {
			f, n = d.members[i].fields(), n+1
		}
	}
	if n == 0 && (d.entry.present(slotAccountCategory) || d.entry.present(slotTransactionID)) {
		if !d.entry.present(slotAmount) {
			return model.Transaction{}, false
		}
		f, n = d.entry.fields(), 1
	}
	if n != 1 {
		return model.Transaction{}, false
	}
	// The MCC's text is made once per distinct code per page, not per
	// transaction (model.FormatMCC formats with fmt).
	mcc := f.mcc
	f.mcc = nil
	tx, err := d.m.txFrom(f, accountID)
	if err != nil {
		return model.Transaction{}, false
	}
	if mcc != nil {
		tx.MCC = d.formatMCC(*mcc)
	}
	return tx, true
}

func (d *pageDecoder) formatMCC(code int32) string {
	if s, ok := d.mccs[code]; ok {
		return s
	}
	s := model.FormatMCC(int(code))
	if d.mccs == nil {
		d.mccs = map[int32]string{}
	}
	if len(d.mccs) < 256 {
		d.mccs[code] = s
	}
	return s
}

// readObject reads one transaction object (the entry or a member) into l.
func (d *pageDecoder) readObject(l *level, sh *shape) bool {
	if _, err := d.dec.ReadToken(); err != nil { // '{'
		return false
	}
	for d.dec.PeekKind() != '}' {
		name, ok := d.readName()
		if !ok {
			return false
		}
		s, mapped := sh.slots[string(name)]
		if !mapped {
			if t, known := sh.other[string(name)]; known {
				if !d.readOther(reflect.New(t).Interface()) {
					return false
				}
				continue
			}
			if foldsToAny(string(name), sh.names) || d.dec.SkipValue() != nil {
				return false
			}
			continue
		}
		// A mapped field given twice is for the slow path once it holds a
		// value: encoding/json would let a later null clear it or merge a
		// second member into the first.
		if l.present(s) || !d.readSlot(l, s) {
			return false
		}
	}
	_, err := d.dec.ReadToken() // '}'
	return err == nil
}

// readSlot reads a mapped field's value. null leaves the field absent, as
// encoding/json leaves a pointer nil and a plain value zero, except for
// amounts (Decimal reads null as an error) and members.
func (d *pageDecoder) readSlot(l *level, s slot) bool {
	if s == slotUnsupported {
		return false
	}
	kind := d.dec.PeekKind()
	if kind == 'n' && s != slotAmount && s != slotForeignAmount {
		return d.dec.SkipValue() == nil
	}
	switch {
	case s >= slotDeposit:
		if kind != '{' {
			return false
		}
		i := s - slotDeposit
		switch s {
		case slotDeposit:
			l.hasDeposit = true
		case slotLoc:
			l.hasLoc = true
		case slotLoan:
			l.hasLoan = true
		}
		l.has |= 1 << s
		return d.readObject(&d.members[i], shapes[1+i])
	case s < numStringSlots:
		v, err := d.dec.ReadValue()
		if err != nil || v.Kind() != '"' {
			return false
		}
		raw := v[1 : len(v)-1]
		if bytes.IndexByte(raw, '\\') >= 0 {
			u, err := jsontext.AppendUnquote(nil, v)
			if err != nil {
				return false
			}
			l.str[s] = string(u)
		} else if s == slotTransactionID || s == slotDescription || s == slotMemo || s == slotPayee || s == slotReference || s == slotReplaces {
			l.str[s] = string(raw)
		} else {
			l.str[s] = d.internBytes(raw)
		}
	case s == slotAmount || s == slotForeignAmount:
		v, err := d.dec.ReadValue()
		if err != nil {
			return false
		}
		dst := &l.amount
		if s == slotForeignAmount {
			dst = &l.fgn
		}
		// encoding/json hands the raw value to Decimal.UnmarshalJSON.
		if v.Kind() != '0' && v.Kind() != '"' || dst.UnmarshalJSON(v) != nil {
			return false
		}
	case s == slotMCC:
		v, err := d.dec.ReadValue()
		if err != nil || v.Kind() != '0' {
			return false
		}
		// encoding/json reads an int32 with ParseInt and a range check.
		n, err := strconv.ParseInt(string(v), 10, 32)
		if err != nil {
			return false
		}
		l.mcc = int32(n)
	case s == slotPosted || s == slotAt:
		v, err := d.dec.ReadValue()
		if err != nil || v.Kind() != '"' {
			return false
		}
		// encoding/json hands the quoted text to time.Time.UnmarshalJSON.
		dst := &l.posted
		if s == slotAt {
			dst = &l.at
		}
		if dst.UnmarshalJSON(v) != nil {
			return false
		}
	default:
		return false
	}
	l.has |= 1 << s
	return true
}

// foldsToAny reports whether name equals one of names case-insensitively
// (encoding/json would then decode it into that field) without being it.
func foldsToAny(name string, names []string) bool {
	for _, n := range names {
		if strings.EqualFold(name, n) {
			return true
		}
	}
	return false
}
