package io.memshift.reembedder.serve;

import io.memshift.schemas.DaemonThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Coalesces the items of requests that arrive together into batches for one function call each: a model is much
 * cheaper per text in one call over many texts than in many calls over one.
 *
 * <p>One thread runs the batches, one at a time, in arrival order. It takes what is waiting (at most
 * {@code maxBatch} items) and, if that is less than a full batch, waits up to {@code maxWait} for more. While a
 * batch runs, new requests queue up and form the next one, so under load the batches grow by themselves and an
 * idle server adds at most {@code maxWait} to a request. A request larger than a batch is spread over several;
 * each request gets its own results, in its own order, once all its items are done.
 *
 * @param <I> an item (a text)
 * @param <O> the function's result for one item
 */
public final class MicroBatcher<I, O> implements AutoCloseable {

    /** Processes one batch; returns one result per item, in the items' order. */
    @FunctionalInterface
    public interface BatchFunction<I, O> {
        List<O> apply(List<I> batch);
    }

    private final BatchFunction<I, O> function;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final int maxPending;
    private final LinkedBlockingQueue<Slot<I, O>> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong items = new AtomicLong();
    private final Thread dispatcher;
    private volatile boolean closed;

    /**
     * @param maxPending items that may wait at once; a request that would exceed it is refused at once
     *                   ({@link RejectedExecutionException}) instead of waiting behind a backlog it cannot beat
     */
    public MicroBatcher(String name, BatchFunction<I, O> function, int maxBatch, Duration maxWait, int maxPending) {
        if (maxBatch < 1 || maxPending < 1 || maxWait.isNegative()) {
            throw new IllegalArgumentException("maxBatch and maxPending must be positive and maxWait not negative: "
                    + maxBatch + ", " + maxPending + ", " + maxWait);
        }
        this.function = function;
        this.maxBatch = maxBatch;
        this.maxWaitNanos = maxWait.toNanos();
        this.maxPending = maxPending;
        this.dispatcher = DaemonThreads.start(name, this::dispatch);
    }

    /** One request: its items' results fill in as their batches complete. */
    private static final class Request<O> {
        final Object[] results;
        final AtomicInteger remaining;
        final CompletableFuture<List<O>> future = new CompletableFuture<>();

        Request(int size) {
            results = new Object[size];
            remaining = new AtomicInteger(size);
        }

        @SuppressWarnings("unchecked")
        void complete(int index, O result) {
            results[index] = result;
            if (remaining.decrementAndGet() == 0) {
                future.complete((List<O>) Collections.unmodifiableList(Arrays.asList(results)));
            }
        }
    }

    private record Slot<I, O>(I item, Request<O> request, int index) {
    }

    /**
     * @return the results of {@code requestItems} in their order; fails with the batch function's exception if one
     *         of the batches holding them failed, or with {@link RejectedExecutionException} if the queue is full
     *         or the batcher closed
     */
    public CompletableFuture<List<O>> submit(List<I> requestItems) {
        Request<O> request = new Request<>(requestItems.size());
        if (requestItems.isEmpty()) {
            request.future.complete(List.of());
            return request.future;
        }
        if (closed) {
            request.future.completeExceptionally(new RejectedExecutionException("the server is stopping"));
            return request.future;
        }
        if (pending.addAndGet(requestItems.size()) > maxPending) {
            pending.addAndGet(-requestItems.size());
            request.future.completeExceptionally(new RejectedExecutionException("busy: at most " + maxPending
                    + " texts may wait to be embedded, and " + requestItems.size() + " more would exceed it"));
            return request.future;
        }
        for (int i = 0; i < requestItems.size(); i++) {
            queue.add(new Slot<>(requestItems.get(i), request, i));
        }
        if (closed) {
            failWaiting(); // closed while these were queued: the dispatcher may be gone already
        }
        return request.future;
    }

    /** False once the batcher has stopped: closed, or its thread interrupted. */
    public boolean running() {
        return dispatcher.isAlive() && !closed;
    }

    /** Batches run so far. */
    public long batches() {
        return batches.get();
    }

    /** Items processed so far. */
    public long items() {
        return items.get();
    }

    private void dispatch() {
        List<Slot<I, O>> batch = new ArrayList<>(Math.min(maxBatch, 4096));
        while (!closed) {
            batch.clear();
            try {
                // Polled, not taken: a closing batcher finishes the batch it runs instead of being interrupted.
                Slot<I, O> first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - batch.size());
                long deadline = System.nanoTime() + maxWaitNanos;
                while (batch.size() < maxBatch) {
                    long left = deadline - System.nanoTime();
                    Slot<I, O> next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                    queue.drainTo(batch, maxBatch - batch.size());
                }
            } catch (InterruptedException e) {
                failAll(batch, new RejectedExecutionException("the server is stopping"));
                break;
            }
            pending.addAndGet(-batch.size());
            // Items of a request that already failed (an earlier batch of it) are not worth a model call.
            batch.removeIf(slot -> slot.request().future.isDone());
            if (!batch.isEmpty()) {
                run(batch);
            }
        }
        failWaiting();
    }

    private void failWaiting() {
        List<Slot<I, O>> left = new ArrayList<>();
        queue.drainTo(left);
        failAll(left, new RejectedExecutionException("the server is stopping"));
    }

    private void run(List<Slot<I, O>> batch) {
        List<I> batchItems = new ArrayList<>(batch.size());
        batch.forEach(slot -> batchItems.add(slot.item()));
        List<O> results;
        try {
            results = function.apply(batchItems);
            if (results.size() != batchItems.size()) {
                throw new IllegalStateException("the batch function returned " + results.size() + " results for "
                        + batchItems.size() + " items");
            }
        } catch (RuntimeException | Error e) {
            failAll(batch, e);
            return;
        }
        batches.incrementAndGet();
        items.addAndGet(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Slot<I, O> slot = batch.get(i);
            slot.request().complete(slot.index(), results.get(i));
        }
    }

    private static <I, O> void failAll(List<Slot<I, O>> slots, Throwable failure) {
        Set<Request<O>> requests = Collections.newSetFromMap(new IdentityHashMap<>());
        slots.forEach(slot -> requests.add(slot.request()));
        requests.forEach(request -> request.future.completeExceptionally(failure));
    }

    /**
     * Stops taking requests; the batch running finishes (up to 30 s), what still waits fails with
     * {@link RejectedExecutionException}.
     */
    @Override
    public void close() {
        closed = true;
        try {
            dispatcher.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dispatcher.interrupt();
        failWaiting();
    }
}
