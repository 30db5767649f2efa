// Package openapi is the single source of truth of obconnect: the FDX-aligned
// data API (fdx.yaml) and the mockbank admin API (admin.yaml), embedded so
// that tests and mockbank's request validation read exactly the files the
// code was generated from.
//
// # Generated packages
//
//   - fdxclient: types and client of the data API. Public: connectors,
//     including out-of-tree ones, build on it.
//   - fdxserver: the strict server interface of the data API, implemented by
//     mockbank. It uses fdxclient's types, so client and server share one
//     model and cannot drift.
//   - adminapi: types, client and strict server of the admin API.
//
// The generator is oapi-codegen v2, pinned as a tool in go.mod and run by
// `go generate ./...` with the *.cfg.yaml files beside the specs. Generated
// files are named *.gen.go and are never edited by hand; CI regenerates them
// and fails on any difference.
//
// # Exact amounts
//
// Amount schemas carry `x-go-type: fdxtypes.Decimal`, so no generated type
// decodes money into a float; see package fdxtypes.
package openapi

import (
	"context"
	_ "embed"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed fdx.yaml
var fdxSpec []byte

//go:embed admin.yaml
var adminSpec []byte

// FDXSpec returns the data API spec as YAML. The slice is a copy.
func FDXSpec() []byte { return append([]byte(nil), fdxSpec...) }

// AdminSpec returns the admin API spec as YAML. The slice is a copy.
func AdminSpec() []byte { return append([]byte(nil), adminSpec...) }

// LoadFDX parses and validates the data API spec, examples included.
func LoadFDX(ctx context.Context) (*openapi3.T, error) { return Load(ctx, fdxSpec) }

// LoadAdmin parses and validates the admin API spec, examples included.
func LoadAdmin(ctx context.Context) (*openapi3.T, error) { return Load(ctx, adminSpec) }

// Load parses an OpenAPI 3 document and validates it with kin-openapi,
// including every example against its schema. It is exported so tests can
// prove that a broken document is rejected.
func Load(ctx context.Context, spec []byte) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("openapi: parse: %w", err)
	}
	if err := doc.Validate(ctx, openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("openapi: invalid document: %w", err)
	}
	return doc, nil
}
