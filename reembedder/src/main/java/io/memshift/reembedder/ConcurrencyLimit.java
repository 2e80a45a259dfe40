package io.memshift.reembedder;

/**
 * How many requests the re-embedder sends a remote provider at once, adapted the way TCP adapts its window
 * (additive increase, multiplicative decrease): a rate limit halves it, a batch without one adds one back, up to
 * the provider's maximum. A provider that is throttling us thus gets fewer requests at once, not just later ones.
 */
final class ConcurrencyLimit {

    private final int max;
    private volatile int current;

    ConcurrencyLimit(int max) {
        this.max = max;
        this.current = max;
    }

    int current() {
        return current;
    }

    synchronized void onRateLimited() {
        current = Math.max(1, current / 2);
    }

    synchronized void onSuccess() {
        current = Math.min(max, current + 1);
    }
}
