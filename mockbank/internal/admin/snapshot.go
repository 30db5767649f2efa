package admin

// The reset and snapshot resources: the whole state, restored, exported and imported.

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"

	"github.com/obconnect/obconnect/mockbank/internal/notify"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

// Reset restores the seeded state and clears faults and deliveries.
func (s *Server) Reset(ctx context.Context, _ adminapi.ResetRequestObject) (adminapi.ResetResponseObject, error) {
	if s.deps.Reset == nil {
		return nil, &apiError{status: 501, code: "internal", msg: "reset is not available in this configuration"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.deps.Reset(ctx); err != nil {
		return nil, err
	}
	s.deps.Faults.Clear(ctx)
	s.deps.Journal.Clear()
	if err := s.deps.Notify.Import(ctx, notify.State{}); err != nil {
		return nil, err
	}
	s.changed()
	return adminapi.Reset204Response{}, nil
}

// rawSnapshot writes the state document without decoding it into
// interface{} values, which would turn large integers into floats.
type rawSnapshot struct{ state json.RawMessage }

func (r rawSnapshot) VisitExportSnapshotResponse(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(200)
	var buf bytes.Buffer
	buf.WriteString(`{"version":1,"state":`)
	buf.Write(r.state)
	buf.WriteString("}\n")
	_, err := w.Write(buf.Bytes())
	return err
}

// SnapshotVersion is the version of the admin snapshot envelope.
const SnapshotVersion = 1

// ExportSnapshot returns the whole state.
func (s *Server) ExportSnapshot(ctx context.Context, _ adminapi.ExportSnapshotRequestObject) (adminapi.ExportSnapshotResponseObject, error) {
	st, err := s.ExportState(ctx)
	if err != nil {
		return nil, err
	}
	return rawSnapshot{st}, nil
}

// ImportSnapshot replaces the whole state. It reads the raw body the guard
// kept, for the same reason ExportSnapshot writes raw JSON.
func (s *Server) ImportSnapshot(ctx context.Context, req adminapi.ImportSnapshotRequestObject) (adminapi.ImportSnapshotResponseObject, error) {
	raw, _ := ctx.Value(keyRawBody).([]byte)
	var env struct {
		Version int             `json:"version"`
		State   json.RawMessage `json:"state"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return nil, invalid("snapshot: %s", short(err.Error()))
	}
	if env.Version != SnapshotVersion {
		return nil, invalid("snapshot version %d is not %d", env.Version, SnapshotVersion)
	}
	if len(env.State) == 0 {
		return nil, invalid("snapshot: state is missing")
	}
	if err := s.ImportState(ctx, env.State); err != nil {
		return nil, err
	}
	return adminapi.ImportSnapshot204Response{}, nil
}
