package admin

// The clock resource: simulated time, read and moved forward.

import (
	"context"
	"time"

	"github.com/obconnect/obconnect/mockbank/scenario"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

// MaxClockStep bounds one clock move.
const MaxClockStep = 5 * 366 * 24 * time.Hour

// GetClock returns the simulated now.
func (s *Server) GetClock(ctx context.Context, _ adminapi.GetClockRequestObject) (adminapi.GetClockResponseObject, error) {
	now, wall := s.deps.Store.Now(), time.Now()
	off := float64(now.Sub(wall).Round(time.Millisecond).Milliseconds()) / 1000
	return adminapi.GetClock200JSONResponse{Now: now, Running: s.deps.Store.Running(), OffsetSeconds: off}, nil
}

func (s *Server) clockStep(in adminapi.AdvanceClockJSONRequestBody) (time.Duration, error) {
	switch {
	case in.By != nil && in.To != nil:
		return 0, invalid("give by or to, not both")
	case in.By != nil:
		d, err := scenario.ParseDuration(*in.By)
		if err != nil || d <= 0 || d > MaxClockStep {
			return 0, invalid("by: %q is not a positive duration (36h, 2d) of at most %s", *in.By, scenario.FormatDuration(MaxClockStep))
		}
		return d, nil
	case in.To != nil:
		d := in.To.Sub(s.deps.Store.Now())
		if d <= 0 || d > MaxClockStep {
			return 0, invalid("to: must be after the simulated now and at most %s ahead", MaxClockStep)
		}
		return d, nil
	}
	return 0, invalid("give by or to")
}

// advance moves the clock and reports what happened.
func (s *Server) advance(ctx context.Context, d time.Duration) (adminapi.ClockAdvanceResult, error) {
	st := s.deps.Store
	before := st.Now()
	newTx, posted, dropped, produced := s.newTx.Load(), s.postedTx.Load(), s.droppedTx.Load(), s.deps.Notify.Produced()
	if err := st.AdvanceClock(ctx, d); err != nil {
		return adminapi.ClockAdvanceResult{}, err
	}
	after := st.Now()
	res := adminapi.ClockAdvanceResult{Now: after, Created: int(s.newTx.Load() - newTx), Posted: int(s.postedTx.Load() - posted),
		Dropped: int(s.droppedTx.Load() - dropped)}
	expired := 0
	for _, b := range st.Banks() {
		cs, _ := st.Consents(ctx, b)
		for _, c := range cs {
			if c.RevokedAt.IsZero() && c.ExpiresAt.After(before) && !c.ExpiresAt.After(after) {
				expired++
			}
		}
	}
	res.ExpiredConsents = &expired
	res.Notifications = s.deps.Notify.Produced() - produced
	return res, nil
}

// AdvanceClock moves simulated time forward.
func (s *Server) AdvanceClock(ctx context.Context, req adminapi.AdvanceClockRequestObject) (adminapi.AdvanceClockResponseObject, error) {
	if req.Body == nil {
		return nil, invalid("a body is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.clockStep(*req.Body)
	if err != nil {
		return nil, err
	}
	res, err := s.advance(ctx, d)
	if err != nil {
		return nil, err
	}
	s.changed()
	return adminapi.AdvanceClock200JSONResponse(res), nil
}
