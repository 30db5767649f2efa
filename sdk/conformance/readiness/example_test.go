package readiness_test

import (
	"context"
	"fmt"

	"github.com/obconnect/obconnect/connectors"
	"github.com/obconnect/obconnect/sdk/conformance"
	"github.com/obconnect/obconnect/sdk/conformance/mockbankharness"
	"github.com/obconnect/obconnect/sdk/conformance/readiness"
)

// A readiness report for a built-in bank against an in-process mockbank.
func ExampleRun() {
	desc, err := connectors.Lookup("chase")
	if err != nil {
		panic(err)
	}
	prof, err := readiness.Profile("cfpb-1033")
	if err != nil {
		panic(err)
	}
	r, err := readiness.Run(context.Background(), readiness.Config{
		Bank:       desc,
		Target:     "mockbank",
		Harness:    mockbankharness.Maker(mockbankharness.Options{Bank: desc.Name}),
		Thresholds: prof,
		Parallel:   conformance.Subtests(), // mockbank is unthrottled
	})
	if err != nil {
		panic(err)
	}
	// r.WriteJSON and r.WriteMarkdown write the report.
	fmt.Println("schema", r.SchemaVersion, "profile", r.Profile.Name, "pass", r.Pass)
	// Output: schema 1 profile cfpb-1033 pass true
}
