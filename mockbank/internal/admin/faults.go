package admin

// The faults resource: rules of the fault injector (package faults).

import (
	"context"
	"strconv"
	"time"

	"github.com/obconnect/obconnect/mockbank/internal/faults"
	"github.com/obconnect/obconnect/mockbank/scenario"
	"github.com/obconnect/obconnect/openapi/adminapi"
)

// faultSpec reads a fault as asked for, durations included; the injector
// validates the rest.
func faultSpec(in adminapi.FaultCreate) (faults.Spec, error) {
	sp := toSpec(in)
	if in.Latency != nil {
		if in.LatencyMs != nil {
			return sp, invalid("give latency or latencyMs, not both")
		}
		d, err := scenario.ParseDuration(*in.Latency)
		if err != nil {
			return sp, invalid("latency: %v", err)
		}
		sp.Latency = d
	}
	if in.RetryAfter != nil {
		if in.RetryAfterSeconds != nil {
			return sp, invalid("give retryAfter or retryAfterSeconds, not both")
		}
		d, err := scenario.ParseDuration(*in.RetryAfter)
		if err != nil || d%time.Second != 0 {
			return sp, invalid("retryAfter: %q is not a whole number of seconds, such as 2s", *in.RetryAfter)
		}
		n := int(d / time.Second)
		sp.RetryAfter = &n
	}
	return sp, nil
}

func toSpec(in adminapi.FaultCreate) faults.Spec {
	sp := faults.Spec{Bank: in.Bank, FDXCode: in.FdxCode, RetryAfter: in.RetryAfterSeconds}
	if in.Endpoint != nil {
		sp.Endpoint = *in.Endpoint
	}
	if in.Mode != nil {
		sp.Mode = faults.Mode(*in.Mode)
	}
	if in.Status != nil {
		sp.Status = *in.Status
	}
	if in.FdxCodeAsString != nil {
		sp.CodeAsString = *in.FdxCodeAsString
	}
	if in.Message != nil {
		sp.Message = *in.Message
	}
	if in.Means != nil {
		sp.Means = *in.Means
	}
	if in.ConsentId != nil {
		sp.ConsentID = *in.ConsentId
	}
	if in.ClientId != nil {
		sp.ClientID = *in.ClientId
	}
	if in.LatencyMs != nil {
		sp.Latency = time.Duration(*in.LatencyMs) * time.Millisecond
	}
	if in.Times != nil {
		sp.Times = *in.Times
		if sp.Times == 0 {
			// times has minimum 1 in the spec; keep a zero from meaning
			// "every call".
			sp.Times = -1
		}
	}
	if in.Fraction != nil {
		// The generated type is float32; go through its shortest decimal
		// text so 0.1 stays 0.1.
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(*in.Fraction), 'g', -1, 32), 64)
		sp.Fraction = &f
	}
	return sp
}

func apiFault(r faults.Rule) adminapi.Fault {
	out := adminapi.Fault{FaultId: r.ID, Hits: r.Hits, Bank: r.Bank, Endpoint: ptr(r.Endpoint), FdxCode: r.FDXCode,
		RetryAfterSeconds: r.RetryAfter, Mode: ptr(adminapi.FaultMode(r.Mode))}
	if r.Status != 0 {
		out.Status = ptr(r.Status)
	}
	if r.CodeAsString {
		out.FdxCodeAsString = ptr(true)
	}
	if r.Message != "" {
		out.Message = ptr(r.Message)
	}
	if r.Means != "" {
		out.Means = ptr(r.Means)
	}
	if r.ConsentID != "" {
		out.ConsentId = ptr(r.ConsentID)
	}
	if r.ClientID != "" {
		out.ClientId = ptr(r.ClientID)
	}
	if r.Latency > 0 {
		out.LatencyMs = ptr(int(r.Latency / time.Millisecond))
	}
	if r.Times > 0 {
		out.Times = ptr(r.Times)
	}
	if r.Fraction != nil {
		out.Fraction = ptr(float32(*r.Fraction))
	}
	return out
}

// ListFaults lists fault rules.
func (s *Server) ListFaults(ctx context.Context, _ adminapi.ListFaultsRequestObject) (adminapi.ListFaultsResponseObject, error) {
	out := []adminapi.Fault{}
	for _, r := range s.deps.Faults.List(ctx) {
		out = append(out, apiFault(r))
	}
	return adminapi.ListFaults200JSONResponse{Faults: out}, nil
}

// CreateFault injects a fault.
func (s *Server) CreateFault(ctx context.Context, req adminapi.CreateFaultRequestObject) (adminapi.CreateFaultResponseObject, error) {
	if req.Body == nil {
		return nil, invalid("a body is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	spec, err := faultSpec(*req.Body)
	if err != nil {
		return nil, err
	}
	r, err := s.deps.Faults.Add(ctx, spec)
	if err != nil {
		return nil, err
	}
	s.changed()
	return adminapi.CreateFault201JSONResponse(apiFault(r)), nil
}

// DeleteFault removes one fault.
func (s *Server) DeleteFault(ctx context.Context, req adminapi.DeleteFaultRequestObject) (adminapi.DeleteFaultResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.deps.Faults.Delete(ctx, req.FaultId); err != nil {
		return nil, err
	}
	s.changed()
	return adminapi.DeleteFault204Response{}, nil
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults(ctx context.Context, _ adminapi.ClearFaultsRequestObject) (adminapi.ClearFaultsResponseObject, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deps.Faults.Clear(ctx)
	s.changed()
	return adminapi.ClearFaults204Response{}, nil
}
