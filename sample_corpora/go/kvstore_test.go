package kvstore

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (f *fakeClock) Now() time.Time { return f.t }

func (f *fakeClock) advance(d time.Duration) { f.t = f.t.Add(d) }

func TestSetGetExpire(t *testing.T) {
	clock := &fakeClock{t: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
	s := New(WithClock(clock))

	if err := s.Set("greeting", []byte("grüezi 👋"), time.Minute); err != nil {
		t.Fatalf("Set: %v", err)
	}
	got, err := s.Get("greeting")
	if err != nil || string(got) != "grüezi 👋" {
		t.Fatalf("Get = %q, %v", got, err)
	}

	clock.advance(61 * time.Second)
	if _, err := s.Get("greeting"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expected ErrNotFound after expiry, got %v", err)
	}
	if n := s.evictExpired(); n != 1 {
		t.Errorf("evicted %d entries, want 1", n)
	}
}

func TestMaxKeys(t *testing.T) {
	s := New(WithMaxKeys(2))
	for i, want := range []bool{true, true, false} {
		err := s.Set(fmt.Sprintf("k%d", i), nil, 0)
		if (err == nil) != want {
			t.Errorf("Set #%d: err = %v, want success=%v", i, err, want)
		}
	}
}

func TestConcurrentAccess(t *testing.T) {
	s := New()
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(worker int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				key := fmt.Sprintf("w%d/%03d", worker, i)
				_ = s.Set(key, []byte{byte(i)}, 0)
				if _, err := s.Get(key); err != nil {
					t.Errorf("worker %d: %v", worker, err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	if got := len(s.Keys("w3/")); got != 200 {
		t.Fatalf("Keys(w3/) = %d, want 200", got)
	}
	if st := s.Snapshot(); st.Hits != 1600 {
		t.Errorf("hits = %d, want 1600", st.Hits)
	}
}
