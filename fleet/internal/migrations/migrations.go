// Package migrations holds the fleet's own schema, one goose v3 directory
// per dialect. Package fleet applies it when it opens a database (after
// River's migrations, which rivermigrate applies); the files are here for
// operators who would rather run them with the goose CLI (goose -table
// obconnect_fleet_goose_version, River first).
package migrations

import "embed"

// FS holds postgres/*.sql and sqlite/*.sql.
//
//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS
