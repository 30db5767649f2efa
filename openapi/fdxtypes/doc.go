// Package fdxtypes holds the few hand-written types that the code generated
// from openapi/fdx.yaml and openapi/admin.yaml refers to through x-go-type.
//
// They exist because the generator's defaults lose information that an
// open-banking client cannot afford to lose:
//
//   - [Decimal] replaces float64 for every monetary amount. FDX sends
//     amounts as JSON numbers; decoding them into a float turns 0.1 into
//     0.1000000000000000055511151231257827 and silently rounds large
//     balances. Decimal keeps the exact digits the bank sent.
//   - [ErrorCode] accepts the FDX error code both as a JSON integer
//     (FDX 4.x and 5.x) and as a JSON string (FDX 6 allows strings), and
//     writes it back in the form it came in, so mockbank can reproduce either
//     style byte for byte.
//
// The package depends only on the standard library so that out-of-tree
// connectors can use the generated client without pulling in the SDK.
//
// # Precision
//
// A Decimal holds at most [MaxDigits] significant digits and a scale
// (digits after the point) of at most [MaxScale]. That covers every amount
// FDX can carry (its schemas allow 13 integer digits and a handful of
// fraction digits) with room to spare, while bounding the work a hostile
// payload can cause.
package fdxtypes
