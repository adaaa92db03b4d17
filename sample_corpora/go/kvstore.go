// Package kvstore is an in-memory key/value store with per-key expiry and a
// background janitor that evicts expired entries.
package kvstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// ErrNotFound is returned when a key is missing or has expired.
var ErrNotFound = errors.New("kvstore: key not found")

// Clock lets tests control time.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

type entry struct {
	value     []byte
	expiresAt time.Time // zero means "never"
}

func (e entry) expired(now time.Time) bool {
	return !e.expiresAt.IsZero() && !now.Before(e.expiresAt)
}

// Stats counts operations since the store was created.
type Stats struct {
	Hits, Misses, Sets, Evictions uint64
}

// Store is safe for concurrent use.
type Store struct {
	mu      sync.RWMutex
	data    map[string]entry
	clock   Clock
	stats   Stats
	maxKeys int
}

// Option configures a Store.
type Option func(*Store)

// WithClock replaces the wall clock (useful in tests).
func WithClock(c Clock) Option { return func(s *Store) { s.clock = c } }

// WithMaxKeys bounds the number of keys; Set fails once the bound is reached.
func WithMaxKeys(n int) Option { return func(s *Store) { s.maxKeys = n } }

// New returns an empty store.
func New(opts ...Option) *Store {
	s := &Store{data: make(map[string]entry), clock: systemClock{}}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// Set stores a copy of value under key; ttl <= 0 means no expiry.
func (s *Store) Set(key string, value []byte, ttl time.Duration) error {
	if key == "" {
		return fmt.Errorf("kvstore: empty key")
	}
	buf := make([]byte, len(value))
	copy(buf, value)

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.data[key]; !exists && s.maxKeys > 0 && len(s.data) >= s.maxKeys {
		return fmt.Errorf("kvstore: store is full (%d keys)", s.maxKeys)
	}
	e := entry{value: buf}
	if ttl > 0 {
		e.expiresAt = s.clock.Now().Add(ttl)
	}
	s.data[key] = e
	s.stats.Sets++
	return nil
}

// Get returns a copy of the value stored under key.
func (s *Store) Get(key string) ([]byte, error) {
	s.mu.Lock() // not RLock: the counters below are written
	defer s.mu.Unlock()
	e, ok := s.data[key]
	if !ok || e.expired(s.clock.Now()) {
		s.stats.Misses++
		return nil, fmt.Errorf("get %q: %w", key, ErrNotFound)
	}
	s.stats.Hits++
	out := make([]byte, len(e.value))
	copy(out, e.value)
	return out, nil
}

// Delete removes key and reports whether it was present.
func (s *Store) Delete(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.data[key]
	delete(s.data, key)
	return ok
}

// Keys returns the live keys with the given prefix, sorted.
func (s *Store) Keys(prefix string) []string {
	now := s.clock.Now()
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys := make([]string, 0, len(s.data))
	for k, e := range s.data {
		if strings.HasPrefix(k, prefix) && !e.expired(now) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// evictExpired deletes expired entries and returns how many were removed.
func (s *Store) evictExpired() int {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, e := range s.data {
		if e.expired(now) {
			delete(s.data, k)
			n++
		}
	}
	s.stats.Evictions += uint64(n)
	return n
}

// RunJanitor evicts expired keys every interval until ctx is cancelled.
func (s *Store) RunJanitor(ctx context.Context, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			s.evictExpired()
		}
	}
}

// Snapshot returns a copy of the counters.
func (s *Store) Snapshot() Stats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.stats
}
