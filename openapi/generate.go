package openapi

// The generator is pinned in go.mod as a tool; `go generate ./...` from a
// clean checkout reproduces every *.gen.go byte for byte (CI checks it).
//go:generate go tool oapi-codegen -config fdxclient.cfg.yaml fdx.yaml
//go:generate go tool oapi-codegen -config fdxserver.cfg.yaml fdx.yaml
//go:generate go tool oapi-codegen -config adminapi.cfg.yaml admin.yaml
