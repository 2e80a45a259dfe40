package io.memshift.reembedder;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;
import io.memshift.clients.RateLimitBudget;
import io.memshift.schemas.DaemonThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Calls the model for one batch of distinct texts, the way a provider wants to be called, and reports what came
 * back text by text, so that a batch never fails whole for one bad text or one throttled request.
 *
 * <ul>
 *   <li>The texts are cut into requests of at most {@link RequestLimits#maxInputs()} texts and about
 *       {@link RequestLimits#maxTokens()} tokens, sent {@link ConcurrencyLimit#current()} at a time.</li>
 *   <li>A request the provider refuses for its input (400, 413, 422) is halved until the poison texts stand
 *       alone; they are reported as rejected, with the reason, and everything else of the request is embedded.</li>
 *   <li>A request that hits a rate limit or an outage leaves its texts unresolved and stops the sending of further
 *       requests; the failure (and the provider's Retry-After) tells the caller when to try again. Texts already
 *       embedded are kept by the caller (in its cache), so a retry only asks for what is missing.</li>
 *   <li>A refusal of the setup (bad key, unknown model) throws {@link ModelRefusedException}.</li>
 * </ul>
 *
 * Ordering is the caller's business and is kept there: results are indexed by input position.
 */
final class ResilientEmbedder implements AutoCloseable {

    /** When every text of a batch this large is rejected, the model is broken, not the texts. */
    static final int ALL_REJECTED_IS_FATAL_FROM = 8;
    static final int MIN_TEXTS_PER_REQUEST = 16;
    /** A pacing wait up to this long is slept in place; a longer one pauses the stage (see {@link #pace}). */
    static final long LONGEST_PACING_SLEEP_MS = 250;

    private final EmbeddingModel model;
    private final ModelProfile profile;
    private final ReembedMetrics metrics;
    private final ConcurrencyLimit concurrency;
    /** Provider tokens per estimated token, learnt from the provider's usage counts. */
    private volatile double tokensPerEstimate = 1.0;
    private boolean calibrated;
    private final ExecutorService requests;
    /**
     * Texts that were in a request the provider rejected, not yet cleared. They go alone in the next flush: a
     * search for the poison text that a rate limit interrupted goes on from where it stood instead of starting
     * over from the whole batch (which, under steady throttling, could never finish). Bounded: it only speeds up.
     */
    private final Set<String> suspects = Collections.newSetFromMap(new java.util.concurrent.ConcurrentHashMap<>());
    static final int MAX_SUSPECTS = 10_000;

    /**
     * What came back for one batch. {@code paced}: the provider's per-minute limits held some texts back; they go
     * once {@link #rateLimitRemaining()} has passed.
     */
    record Outcome(float[][] vectors, Map<Integer, String> rejected, Throwable transientFailure, boolean paced) {
    }

    /** The provider refused the setup (key, permissions, model name); the message never holds the key. */
    static final class ModelRefusedException extends RuntimeException {
        ModelRefusedException(String message) {
            super(message);
        }
    }

    ResilientEmbedder(EmbeddingModel model, ModelProfile profile, ReembedMetrics metrics) {
        this.model = model;
        this.profile = profile;
        this.metrics = metrics;
        this.concurrency = new ConcurrencyLimit(profile.limits().maxInFlight());
        this.requests = profile.limits().maxInFlight() > 1
                ? Executors.newFixedThreadPool(profile.limits().maxInFlight(),
                        DaemonThreads.named("memshift-model-request"))
                : null;
    }

    int concurrency() {
        return concurrency.current();
    }

    /**
     * True while the provider's rate limit holds, or our pacing holds new requests back until its tokens are there:
     * for the whole instance (all its tasks share the key and its quota), not just for the batch that was refused
     * or paced. A 429's Retry-After is recorded in the profile's {@link ModelProfile#rateLimit()} by memshift's HTTP
     * client when the 429 arrives; pacing, by {@link #pace}.
     */
    boolean rateLimited() {
        return profile.rateLimit().active();
    }

    /** How long the provider's rate limit or our pacing still holds new requests back; zero when neither does. */
    Duration rateLimitRemaining() {
        return profile.rateLimit().remaining();
    }

    /**
     * @param budget no new request starts once this much time has passed (a stream thread must get back to
     *               Kafka well inside its transaction timeout); texts not sent yet stay unresolved
     */
    Outcome embed(List<String> inputs, Duration budget) {
        long deadline = System.nanoTime() + budget.toNanos();
        float[][] vectors = new float[inputs.size()][];
        Map<Integer, String> rejected = new ConcurrentHashMap<>();
        AtomicReference<Throwable> transientFailure = new AtomicReference<>();
        // Suspects first, one per request; then the others, planned as usual.
        List<Integer> order = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            if (suspects.contains(inputs.get(i))) {
                order.add(i);
            }
        }
        int alone = order.size();
        for (int i = 0; i < inputs.size(); i++) {
            if (!suspects.contains(inputs.get(i))) {
                order.add(i);
            }
        }
        List<String> ordered = new ArrayList<>(inputs.size());
        order.forEach(i -> ordered.add(inputs.get(i)));
        float[][] orderedVectors = new float[inputs.size()][];
        Map<Integer, String> orderedRejected = new ConcurrentHashMap<>();
        List<int[]> plan = new ArrayList<>();
        for (int i = 0; i < alone; i++) {
            plan.add(new int[] {i, i + 1});
        }
        for (int[] range : plan(ordered.subList(alone, ordered.size()))) {
            plan.add(new int[] {range[0] + alone, range[1] + alone});
        }
        int next = 0;
        AtomicBoolean paced = new AtomicBoolean();
        while (next < plan.size() && transientFailure.get() == null && !paced.get() && System.nanoTime() < deadline) {
            int wave = Math.min(concurrency.current(), plan.size() - next);
            List<int[]> chunks = plan.subList(next, next + wave);
            next += wave;
            if (wave == 1 || requests == null) {
                for (int[] chunk : chunks) {
                    request(ordered, chunk[0], chunk[1], orderedVectors, orderedRejected, transientFailure, paced, deadline);
                }
            } else {
                List<Future<?>> running = new ArrayList<>();
                for (int[] chunk : chunks) {
                    running.add(requests.submit(() -> request(ordered, chunk[0], chunk[1], orderedVectors,
                            orderedRejected, transientFailure, paced, deadline)));
                }
                for (Future<?> request : running) {
                    await(request);
                }
            }
        }
        for (int k = 0; k < order.size(); k++) {
            int i = order.get(k);
            vectors[i] = orderedVectors[k];
            if (orderedRejected.containsKey(k)) {
                rejected.put(i, orderedRejected.get(k));
            }
            if (vectors[i] != null || rejected.containsKey(i)) {
                suspects.remove(inputs.get(i));
            }
        }
        Throwable failure = transientFailure.get();
        if (failure != null && ModelFailures.classify(failure) == ModelFailures.Kind.RATE_LIMITED) {
            concurrency.onRateLimited();
            if (profile.rateLimit().retryAfterRemaining().isZero()) {
                // A model built without memshift's HTTP client (a Java app's own): nothing recorded the 429 yet.
                profile.rateLimit().extend(ModelFailures.retryAfter(failure).orElse(ProviderHttpClient.PAUSE_WITHOUT_RETRY_AFTER));
            }
        } else if (failure == null) {
            concurrency.onSuccess();
        }
        if (inputs.size() >= ALL_REJECTED_IS_FATAL_FROM && rejected.size() == inputs.size()) {
            throw new ModelRefusedException("model " + profile.id() + " rejected every one of " + inputs.size()
                    + " texts (e.g. " + rejected.values().iterator().next() + "); it looks broken or misconfigured");
        }
        if (paced.get()) {
            metrics.paced();
        }
        return new Outcome(vectors, Map.copyOf(rejected), failure, paced.get());
    }

    /**
     * Consecutive [from, to) ranges that respect the provider's input and token limits. For a provider that takes
     * several requests at once, the batch is also spread over as many requests as may run at once (at least
     * {@link #MIN_TEXTS_PER_REQUEST} texts each): four requests of 16 come back sooner than one of 64.
     */
    private List<int[]> plan(List<String> inputs) {
        RequestLimits limits = profile.limits();
        int perRequest = limits.textsPerRequest(inputs.size(), concurrency.current());
        // A request larger than the key's whole per-minute token allowance would never be let through.
        long maxTokens = Math.min(limits.maxTokens(), profile.rateLimit().budget().largestRequestTokens());
        List<int[]> plan = new ArrayList<>();
        int from = 0;
        long tokens = 0;
        for (int i = 0; i < inputs.size(); i++) {
            long cost = maxTokens == Long.MAX_VALUE ? 0 : tokensOf(inputs.get(i));
            if (i > from && (i - from >= perRequest || tokens + cost > maxTokens)) {
                plan.add(new int[] {from, i});
                from = i;
                tokens = 0;
            }
            tokens += cost;
        }
        if (from < inputs.size()) {
            plan.add(new int[] {from, inputs.size()});
        }
        return plan;
    }

    /**
     * One planned request over inputs [from, to). While the provider rejects its input, the request is halved,
     * breadth first: both halves of a level are sent before either is halved again, so the clean half comes back
     * (and is cached by the caller) even if a rate limit or an outage interrupts the search for the poison text.
     */
    private void request(List<String> inputs, int from, int to, float[][] vectors, Map<Integer, String> rejected,
                         AtomicReference<Throwable> transientFailure, AtomicBoolean paced, long deadline) {
        java.util.ArrayDeque<int[]> ranges = new java.util.ArrayDeque<>();
        ranges.add(new int[] {from, to});
        while (!ranges.isEmpty()) {
            if (transientFailure.get() != null || paced.get() || System.nanoTime() > deadline) {
                return; // throttled, down, paced, or out of time: the rest waits for the next flush
            }
            int[] range = ranges.poll();
            RateLimitBudget.Reservation reservation = pace(cost(inputs, range[0], range[1]), deadline);
            if (!reservation.granted()) {
                paced.set(true);
                return;
            }
            Throwable refused;
            try {
                refused = call(inputs, range[0], range[1], vectors, transientFailure);
            } finally {
                profile.rateLimit().budget().settle(reservation);
            }
            if (refused != null) {
                if (suspects.size() < MAX_SUSPECTS) {
                    suspects.addAll(inputs.subList(range[0], range[1]));
                }
                if (range[1] - range[0] == 1) {
                    rejected.put(range[0], ModelFailures.reason(refused));
                } else {
                    int middle = range[0] + (range[1] - range[0]) / 2;
                    ranges.add(new int[] {range[0], middle});
                    ranges.add(new int[] {middle, range[1]});
                }
            }
        }
    }

    /** One call to the model; returns the error if the provider rejected the input, else null. */
    private Throwable call(List<String> inputs, int from, int to, float[][] vectors,
                           AtomicReference<Throwable> transientFailure) {
        List<TextSegment> segments = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            segments.add(TextSegment.from(inputs.get(i)));
        }
        List<Embedding> embedded;
        long start = System.nanoTime();
        try {
            Response<List<Embedding>> response = model.embedAll(segments);
            embedded = response.content();
            calibrate(inputs, from, to, response.tokenUsage());
        } catch (RuntimeException e) {
            metrics.modelCall(System.nanoTime() - start, false);
            ModelFailures.Kind kind = ModelFailures.classify(e);
            if (kind == ModelFailures.Kind.RATE_LIMITED) {
                metrics.countThrottled();
            }
            switch (kind) {
                case RATE_LIMITED, UNAVAILABLE -> {
                    transientFailure.compareAndSet(null, e);
                    return null;
                }
                case INPUT_REJECTED -> {
                    return e;
                }
                default -> throw new ModelRefusedException("model " + profile.id() + " refused the request ("
                        + ModelFailures.describe(e) + "): check its API key, permissions and model name");
            }
        }
        metrics.modelCall(System.nanoTime() - start, true);
        if (embedded.size() != segments.size()) {
            throw new IllegalStateException("model " + profile.id() + " returned " + embedded.size()
                    + " vectors for " + segments.size() + " texts");
        }
        for (int i = 0; i < embedded.size(); i++) {
            Embedding vector = embedded.get(i);
            if (vector.dimension() != profile.dims()) {
                throw new IllegalStateException("model " + profile.id() + " returned a " + vector.dimension()
                        + "-d vector; its profile says " + profile.dims());
            }
            vectors[from + i] = vector.vector();
        }
        return null;
    }

    /**
     * Waits until the provider's per-minute limits let a request of {@code cost} tokens go (see
     * {@link RateLimitBudget}): a short wait here, on this thread; a longer one, or one past the flush's deadline,
     * is left to the stage, through the profile's pause, and comes back not granted. The pause holds back new
     * requests only: the wave's requests already granted still go.
     */
    private RateLimitBudget.Reservation pace(long cost, long deadline) {
        RateLimitBudget budget = profile.rateLimit().budget();
        while (true) {
            RateLimitBudget.Reservation reservation = budget.reserve(cost);
            if (reservation.granted()) {
                return reservation;
            }
            Duration wait = reservation.delay();
            if (wait.toMillis() > LONGEST_PACING_SLEEP_MS || System.nanoTime() + wait.toNanos() > deadline) {
                profile.rateLimit().holdFor(wait);
                return reservation;
            }
            try {
                Thread.sleep(wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while pacing requests to " + profile.id(), e);
            }
        }
    }

    /** What a request of inputs [from, to) costs against the token limit, in the provider's own tokens. */
    private long cost(List<String> inputs, int from, int to) {
        long cost = 0;
        for (int i = from; i < to; i++) {
            cost += tokensOf(inputs.get(i));
        }
        return cost;
    }

    /** {@link RequestLimits#estimateTokens} corrected by what the provider counted for earlier requests. */
    private long tokensOf(String input) {
        return (long) Math.ceil(RequestLimits.estimateTokens(input) * tokensPerEstimate);
    }

    /**
     * Our estimate is cautious (a token per 3 bytes); a provider that reports its count ({@code usage}) lets the
     * estimate follow it, so that pacing by estimate neither overruns the limit nor leaves it unused.
     */
    private void calibrate(List<String> inputs, int from, int to, TokenUsage usage) {
        if (usage == null || usage.inputTokenCount() == null || usage.inputTokenCount() <= 0) {
            return;
        }
        long estimate = 0;
        for (int i = from; i < to; i++) {
            estimate += RequestLimits.estimateTokens(inputs.get(i));
        }
        double ratio = Math.min(1.5, Math.max(0.1, usage.inputTokenCount() / (double) estimate));
        synchronized (this) {
            tokensPerEstimate = calibrated ? 0.7 * tokensPerEstimate + 0.3 * ratio : ratio;
            calibrated = true;
        }
    }

    private static void await(Future<?> request) {
        try {
            request.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the model", e);
        }
    }

    @Override
    public void close() {
        if (requests != null) {
            requests.shutdownNow();
        }
    }
}
