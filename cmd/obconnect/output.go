package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"

	"github.com/olekukonko/tablewriter"
	"github.com/spf13/cobra"
)

// format is a list command's output format: a table for people, JSON or
// CSV for programs.
type format struct {
	JSON bool
	CSV  bool
}

// addFormatFlags adds --json and --csv to cmd.
func addFormatFlags(cmd *cobra.Command, f *format) {
	cmd.Flags().BoolVar(&f.JSON, "json", false, "print JSON (one array) instead of a table")
	cmd.Flags().BoolVar(&f.CSV, "csv", false, "print CSV with a header row instead of a table")
	cmd.MarkFlagsMutuallyExclusive("json", "csv")
}

// table is rows under a header, printed in the chosen format; jsonValue
// is what --json prints (the sdk's own JSON forms, which mask account
// numbers and keep amounts exact).
type table struct {
	Header []string
	Rows   [][]string
	JSON   any
}

func (f format) print(w io.Writer, t table) error {
	switch {
	case f.JSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(t.JSON)
	case f.CSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(t.Header); err != nil {
			return err
		}
		if err := cw.WriteAll(t.Rows); err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	}
	return printTable(w, t.Header, t.Rows)
}

// printTable draws rows with tablewriter.
func printTable(w io.Writer, header []string, rows [][]string) error {
	tw := tablewriter.NewWriter(w)
	tw.Header(toAny(header)...)
	if err := tw.Bulk(rows); err != nil {
		return err
	}
	return tw.Render()
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// kv prints label/value pairs as a two-column table.
func kv(w io.Writer, pairs ...string) error {
	var rows [][]string
	for i := 0; i+1 < len(pairs); i += 2 {
		rows = append(rows, []string{pairs[i], pairs[i+1]})
	}
	tw := tablewriter.NewWriter(w)
	if err := tw.Bulk(rows); err != nil {
		return err
	}
	return tw.Render()
}

var _ = fmt.Sprint
