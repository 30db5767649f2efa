package persist

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Errors; every error this package returns wraps one of them or an
// *fs.PathError from the operating system.
var (
	ErrNotExist = errors.New("persist: no state file yet")
	ErrCorrupt  = errors.New("persist: state file is damaged")
)

// Format and Version identify the envelope.
const (
	Format  = "mockbank-state"
	Version = 1
)

type envelope struct {
	Format  string          `json:"format"`
	Version int             `json:"version"`
	SavedAt time.Time       `json:"savedAt"`
	SHA256  string          `json:"sha256"`
	State   json.RawMessage `json:"state"`
}

// File is one state file. Its methods are safe for concurrent use.
type File struct {
	path string
	mu   sync.Mutex
}

// Open returns the state file at path and removes temporary files an
// interrupted save may have left next to it.
func Open(path string) (*File, error) {
	if path == "" {
		return nil, fmt.Errorf("persist: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	f := &File{path: abs}
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(abs), tempPrefix(abs)+"*"))
	for _, m := range matches {
		_ = os.Remove(m)
	}
	return f, nil
}

// Path is the file's absolute path.
func (f *File) Path() string { return f.path }

func tempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// Save replaces the file's content with state (a JSON document) atomically.
func (f *File) Save(ctx context.Context, state json.RawMessage) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !json.Valid(state) {
		return fmt.Errorf("persist: state is not valid JSON")
	}
	// The checksum covers exactly the bytes Decode will see as the state.
	state = bytes.TrimSpace(state)
	sum := sha256.Sum256(state)
	// The envelope is written by hand around the state: json.Marshal would
	// re-validate and re-compact a multi-megabyte RawMessage for nothing.
	head, err := json.Marshal(envelope{Format: Format, Version: Version, SavedAt: time.Now().UTC(), SHA256: hex.EncodeToString(sum[:])})
	if err != nil {
		return fmt.Errorf("persist: encode: %w", err)
	}
	// head ends with `"state":null}`; put the state in place of null.
	if !bytes.HasSuffix(head, []byte(`"state":null}`)) {
		return fmt.Errorf("persist: unexpected envelope encoding")
	}
	head = bytes.TrimSuffix(head, []byte("null}"))
	doc := make([]byte, 0, len(head)+len(state)+1)
	doc = append(append(append(doc, head...), state...), '}')
	f.mu.Lock()
	defer f.mu.Unlock()
	dir := filepath.Dir(f.path)
	tmp, err := os.CreateTemp(dir, tempPrefix(f.path)+"*")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			_ = tmp.Close()
			_ = os.Remove(tmpName)
		}
	}()
	if _, err := tmp.Write(doc); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmpName, f.path); err != nil {
		return err
	}
	ok = true
	// The rename is durable only once the directory entry is on disk.
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return err
	}
	return nil
}

// Load reads and verifies the file and returns its state document. A
// missing file is ErrNotExist; a damaged one ErrCorrupt.
func (f *File) Load(ctx context.Context) (json.RawMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	b, err := os.ReadFile(f.path)
	f.mu.Unlock()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotExist, f.path)
	}
	if err != nil {
		return nil, err
	}
	return Decode(b)
}

// Decode verifies a state file's bytes and returns the state document.
func Decode(b []byte) (json.RawMessage, error) {
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, shorten(err.Error()))
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data", ErrCorrupt)
	}
	if env.Format != Format || env.Version != Version {
		return nil, fmt.Errorf("%w: format %q version %d, want %q version %d", ErrCorrupt, env.Format, env.Version, Format, Version)
	}
	sum := sha256.Sum256(env.State)
	if hex.EncodeToString(sum[:]) != env.SHA256 {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	return env.State, nil
}

func shorten(s string) string {
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return strings.TrimSpace(s)
}

// Saver writes state to a File when it changed.
type Saver struct {
	file     *File
	snapshot func(ctx context.Context) (json.RawMessage, error)
	interval time.Duration
	onError  func(error)

	mu       sync.Mutex
	dirty    bool
	lastSum  [32]byte
	wake     chan struct{}
	saveLock sync.Mutex
}

// NewSaver returns a Saver that takes snapshots with snapshot and writes
// them to file at most once per interval (default 1 s). onError, when
// non-nil, hears about failed background saves.
func NewSaver(file *File, snapshot func(ctx context.Context) (json.RawMessage, error), interval time.Duration, onError func(error)) *Saver {
	if interval <= 0 {
		interval = time.Second
	}
	return &Saver{file: file, snapshot: snapshot, interval: interval, onError: onError, wake: make(chan struct{}, 1)}
}

// Touch records that state changed. It never blocks.
func (s *Saver) Touch() {
	s.mu.Lock()
	s.dirty = true
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Flush writes the current state now if it differs from the last write.
func (s *Saver) Flush(ctx context.Context) error {
	s.saveLock.Lock()
	defer s.saveLock.Unlock()
	s.mu.Lock()
	s.dirty = false
	s.mu.Unlock()
	state, err := s.snapshot(ctx)
	if err != nil {
		s.Touch()
		return err
	}
	sum := sha256.Sum256(state)
	s.mu.Lock()
	same := sum == s.lastSum
	s.mu.Unlock()
	if same {
		return nil
	}
	if err := s.file.Save(ctx, state); err != nil {
		s.Touch()
		return err
	}
	s.mu.Lock()
	s.lastSum = sum
	s.mu.Unlock()
	return nil
}

// Loaded tells the Saver what is already on disk, so an unchanged state is
// not rewritten after a start.
func (s *Saver) Loaded(state json.RawMessage) {
	sum := sha256.Sum256(state)
	s.mu.Lock()
	s.lastSum = sum
	s.mu.Unlock()
}

// Run saves touched state until ctx ends, then returns; call Flush after it
// for the final write.
func (s *Saver) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		}
		s.mu.Lock()
		dirty := s.dirty
		s.mu.Unlock()
		if dirty {
			if err := s.Flush(ctx); err != nil && ctx.Err() == nil && s.onError != nil {
				s.onError(err)
			}
		}
		t := time.NewTimer(s.interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// TouchOnWrite is a middleware that touches s after every request that may
// change state (any method but GET, HEAD and OPTIONS): token grants,
// consents, client registrations and subscriptions are all such requests.
func TouchOnWrite(s *Saver) func(next http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
			default:
				s.Touch()
			}
		})
	}
}
