// Package persist keeps mockbank's state in one file (mockbank -data FILE)
// so that consents, clients and created data survive a restart.
//
// # Why a snapshot file, not SQLite
//
// mockbank's state already lives in memory and already has a complete,
// validated JSON form (the store's, the authorization servers' and the
// control side's Export/Import), which the admin API's snapshot endpoint
// serves too. Writing that document atomically gives crash safety with the
// standard library alone; a pure-Go SQLite driver (modernc.org/sqlite) would
// add a large dependency and a schema that duplicates the in-memory model
// for a mock whose state is small and written rarely.
//
// # Crash safety
//
// [File.Save] writes the document to a temporary file in the same
// directory, fsyncs it, renames it over the target and fsyncs the
// directory. rename(2) is atomic on POSIX file systems, so the target is
// always either the previous complete document or the new complete one: a
// kill -9 or power loss mid-write leaves at worst a stray temporary file,
// which the next Open removes. [File.Load] still verifies everything (the
// envelope's format and version, a SHA-256 of the state) because a file can
// also be damaged by hand or by a full disk, and refuses a damaged file with
// [ErrCorrupt] instead of starting empty and then overwriting it.
//
// # When state is written
//
// A [Saver] writes when told something changed ([Saver.Touch]), at most
// once per interval, and on [Saver.Flush] at shutdown, so a clean shutdown
// loses nothing and a crash loses at most one interval.
package persist
