package org.example.ratelimit;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * A token-bucket rate limiter.
 *
 * <p>Each bucket holds at most {@code capacity} tokens and refills continuously at {@code
 * refillPerSecond}. A request costs one or more tokens; when the bucket is short the request is
 * refused (never queued). Time comes from an injectable nanosecond clock so tests are exact.
 *
 * <pre>{@code
 * TokenBucket api = new TokenBucket(20, 5.0);   // bursts of 20, 5 requests/s sustained
 * if (!api.tryAcquire()) respond(429, "Too Many Requests");
 * }</pre>
 */
public class TokenBucket {

    private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

    private final long capacity;
    private final double refillPerNano;
    private final LongSupplier clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicLong refused = new AtomicLong();

    private double tokens;
    private long lastRefillNanos;

    public TokenBucket(long capacity, double refillPerSecond) {
        this(capacity, refillPerSecond, System::nanoTime);
    }

    public TokenBucket(long capacity, double refillPerSecond, LongSupplier nanoClock) {
        if (capacity <= 0 || refillPerSecond <= 0.0) {
            throw new IllegalArgumentException(
                    "capacity and refill rate must be positive, got " + capacity + " and " + refillPerSecond);
        }
        this.capacity = capacity;
        this.refillPerNano = refillPerSecond / NANOS_PER_SECOND;
        this.clock = nanoClock;
        this.tokens = capacity;
        this.lastRefillNanos = nanoClock.getAsLong();
    }

    public boolean tryAcquire() {
        return tryAcquire(1);
    }

    public boolean tryAcquire(int permits) {
        if (permits <= 0 || permits > capacity) {
            throw new IllegalArgumentException("permits must be in 1.." + capacity);
        }
        lock.lock();
        try {
            refill();
            if (tokens >= permits) {
                tokens -= permits;
                return true;
            }
            refused.incrementAndGet();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** How long until {@code permits} tokens will be available (zero if they already are). */
    public Duration timeUntilAvailable(int permits) {
        lock.lock();
        try {
            refill();
            double missing = permits - tokens;
            if (missing <= 0) {
                return Duration.ZERO;
            }
            return Duration.ofNanos((long) Math.ceil(missing / refillPerNano));
        } finally {
            lock.unlock();
        }
    }

    public long refusedCount() {
        return refused.get();
    }

    private void refill() {
        long now = clock.getAsLong();
        long elapsed = now - lastRefillNanos;
        if (elapsed > 0) {
            tokens = Math.min(capacity, tokens + elapsed * refillPerNano);
            lastRefillNanos = now;
        }
    }

    /** One bucket per key (client id, IP address, API token ...), created on first use. */
    public static final class PerKey<K> {
        private final ConcurrentHashMap<K, TokenBucket> buckets = new ConcurrentHashMap<>();
        private final long capacity;
        private final double refillPerSecond;
        private final LongSupplier clock;

        public PerKey(long capacity, double refillPerSecond, LongSupplier clock) {
            this.capacity = capacity;
            this.refillPerSecond = refillPerSecond;
            this.clock = clock;
        }

        public boolean tryAcquire(K key) {
            return buckets
                    .computeIfAbsent(key, k -> new TokenBucket(capacity, refillPerSecond, clock))
                    .tryAcquire();
        }

        public int size() {
            return buckets.size();
        }
    }

    public static void main(String[] args) {
        long[] fakeNow = {0L};
        TokenBucket.PerKey<String> limiter = new TokenBucket.PerKey<>(3, 1.0, () -> fakeNow[0]);

        String[] clients = {"alice", "bob", "alice", "alice", "alice", "zoë 🚀"};
        for (String client : clients) {
            boolean ok = limiter.tryAcquire(client);
            System.out.printf("t=%4dms %-8s %s%n",
                    TimeUnit.NANOSECONDS.toMillis(fakeNow[0]), client, ok ? "accepted" : "refused (429)");
            fakeNow[0] += TimeUnit.MILLISECONDS.toNanos(150);
        }
        System.out.println("buckets: " + limiter.size());
    }
}
