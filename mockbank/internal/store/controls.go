package store

// Sandbox controls the admin API applies to consents: expire one now, and
// mark that its user must sign in again.

import (
	"context"
	"fmt"
	"time"
)

// ExpireConsent ends an active consent at the simulated now, as if its
// duration had run out, and emits CONSENT_UPDATED. A revoked or already
// expired consent is ErrConflict.
func (s *Store) ExpireConsent(ctx context.Context, bankName, id string) (*Consent, error) {
	s.mu.Lock()
	b, c, now, err := s.activeConsentLocked(bankName, id)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	cp := *c
	cp.ExpiresAt, cp.UpdatedAt = now, now
	b.consents[id] = &cp
	s.mu.Unlock()
	s.emit([]Event{{Kind: EventConsentUpdated, Bank: bankName, At: now, UserID: cp.UserID, ConsentID: id}})
	return &cp, nil
}

// MarkLoginRequired records that the consent's user must sign in again
// (its tokens were revoked by the authorization server). Only an active
// consent can be marked.
func (s *Store) MarkLoginRequired(ctx context.Context, bankName, id string) (*Consent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, c, now, err := s.activeConsentLocked(bankName, id)
	if err != nil {
		return nil, err
	}
	cp := *c
	cp.LoginRequiredAt, cp.UpdatedAt = now, now
	b.consents[id] = &cp
	return &cp, nil
}

// activeConsentLocked finds a consent that is active now, for the sandbox
// controls that may change only such a consent. s.mu must be held.
func (s *Store) activeConsentLocked(bankName, id string) (*bank, *Consent, time.Time, error) {
	b, err := s.bank(bankName)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	c := b.consents[id]
	if c == nil {
		return nil, nil, time.Time{}, fmt.Errorf("%w: consent", ErrNotFound)
	}
	now := s.clock().Add(s.offset).UTC()
	if st := c.StatusAt(now); st != ConsentActive {
		return nil, nil, time.Time{}, fmt.Errorf("%w: consent %s is %s", ErrConflict, id, st)
	}
	return b, c, now, nil
}

// SetDeliveryMode changes how deliveries to a subscription behave.
func (s *Store) SetDeliveryMode(ctx context.Context, bankName, id, mode string, delay time.Duration) (*Subscription, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.bank(bankName)
	if err != nil {
		return nil, err
	}
	sub := b.subs[id]
	if sub == nil {
		return nil, fmt.Errorf("%w: subscription", ErrNotFound)
	}
	cp := *sub
	cp.DeliveryMode, cp.DeliveryDelay = mode, delay
	b.subs[id] = &cp
	return &cp, nil
}
