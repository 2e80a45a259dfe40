package io.memshift.reembedder;

/**
 * How a provider wants to be called: at most {@code maxInputs} texts and about {@code maxTokens} tokens per
 * request, and at most {@code maxInFlight} requests at once from one re-embedder instance (the upper bound of
 * the adaptive limit; a 429 halves it, each clean batch adds one back).
 */
public record RequestLimits(int maxInputs, long maxTokens, int maxInFlight) {

    /** In-process models: one call per batch; the model spreads it over the cores itself. */
    public static final RequestLimits IN_PROCESS = new RequestLimits(Integer.MAX_VALUE, Long.MAX_VALUE, 1);

    public RequestLimits {
        if (maxInputs < 1 || maxTokens < 1 || maxInFlight < 1) {
            throw new IllegalArgumentException("request limits must be positive: " + maxInputs + ", " + maxTokens
                    + ", " + maxInFlight);
        }
    }

    /**
     * Memories per re-embedder batch when none is asked for: an in-process model's best (a flush keeps every core
     * busy with padded runs), for a remote provider enough to fill one request to its input limit, spread over the
     * requests in flight (at most 2,048: a batch's vectors are in memory at once).
     */
    public int defaultBatchSize() {
        return maxInFlight == 1 && maxInputs == Integer.MAX_VALUE ? IN_PROCESS_BATCH_SIZE : Math.min(maxInputs, 2048);
    }

    /** Measured on 2 cores: 256 gave 1.15x stock in the pipeline, 64 gave 0.95x (BENCHMARKS.md). */
    public static final int IN_PROCESS_BATCH_SIZE = 256;

    /**
     * At most how many texts one request carries when a batch of {@code texts} is embedded with up to
     * {@code inFlight} requests at once: the provider's input cap, and, for a provider that takes several requests
     * at once, the batch spread over them, at least {@link ResilientEmbedder#MIN_TEXTS_PER_REQUEST} texts each (four
     * requests of 16 come back sooner than one of 64).
     */
    public int textsPerRequest(int texts, int inFlight) {
        int perRequest = maxInputs;
        if (maxInFlight > 1) {
            int spread = (texts + inFlight - 1) / inFlight;
            perRequest = Math.min(perRequest, Math.max(ResilientEmbedder.MIN_TEXTS_PER_REQUEST, spread));
        }
        return perRequest;
    }

    /**
     * A cautious token estimate without the provider's tokenizer: one token per 3 bytes of UTF-8 (English runs
     * about 4 characters per token, CJK about 1 character, i.e. 3 bytes), plus one.
     */
    static long estimateTokens(String text) {
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        return bytes / 3 + 1;
    }
}
