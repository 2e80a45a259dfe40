package io.memshift.reembedder.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The batcher's bookkeeping, without a model: the batch function is held on a latch so that what waits behind it
 * is known exactly (no timing involved).
 */
@Tag("fast")
class MicroBatcherTest {

    /** Upper-cases its items; the first call waits for {@link #release} so requests pile up behind it. */
    private static final class HeldFunction implements MicroBatcher.BatchFunction<String, String> {
        final List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch firstCallStarted = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public List<String> apply(List<String> batch) {
            calls.add(List.copyOf(batch));
            firstCallStarted.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (batch.contains("poison")) {
                throw new IllegalStateException("model failed on poison");
            }
            return batch.stream().map(String::toUpperCase).toList();
        }
    }

    @Test
    void requestsThatArriveWhileABatchRunsAreEmbeddedTogetherAndEachGetsItsOwnResultsInOrder() throws Exception {
        HeldFunction function = new HeldFunction();
        try (MicroBatcher<String, String> batcher = new MicroBatcher<>("test", function, 100, Duration.ZERO, 1000)) {
            CompletableFuture<List<String>> first = batcher.submit(List.of("a"));
            assertThat(function.firstCallStarted.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<List<String>> b = batcher.submit(List.of("b1", "b2"));
            CompletableFuture<List<String>> c = batcher.submit(List.of("c1"));
            CompletableFuture<List<String>> d = batcher.submit(List.of("d1", "d2", "d3"));
            function.release.countDown();

            assertThat(first.get(10, TimeUnit.SECONDS)).containsExactly("A");
            assertThat(b.get(10, TimeUnit.SECONDS)).containsExactly("B1", "B2");
            assertThat(c.get(10, TimeUnit.SECONDS)).containsExactly("C1");
            assertThat(d.get(10, TimeUnit.SECONDS)).containsExactly("D1", "D2", "D3");
            assertThat(function.calls).containsExactly(List.of("a"), List.of("b1", "b2", "c1", "d1", "d2", "d3"));
            assertThat(batcher.batches()).isEqualTo(2);
            assertThat(batcher.items()).isEqualTo(7);
        }
    }

    @Test
    void aBatchNeverExceedsTheLimitAndARequestLargerThanABatchIsSpreadOverSeveral() throws Exception {
        HeldFunction function = new HeldFunction();
        try (MicroBatcher<String, String> batcher = new MicroBatcher<>("test", function, 4, Duration.ZERO, 1000)) {
            CompletableFuture<List<String>> first = batcher.submit(List.of("a"));
            assertThat(function.firstCallStarted.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<List<String>> big = batcher.submit(List.of("x1", "x2", "x3", "x4", "x5", "x6"));
            CompletableFuture<List<String>> small = batcher.submit(List.of("y1", "y2", "y3"));
            function.release.countDown();

            assertThat(first.get(10, TimeUnit.SECONDS)).containsExactly("A");
            assertThat(big.get(10, TimeUnit.SECONDS)).containsExactly("X1", "X2", "X3", "X4", "X5", "X6");
            assertThat(small.get(10, TimeUnit.SECONDS)).containsExactly("Y1", "Y2", "Y3");
            assertThat(function.calls).containsExactly(List.of("a"), List.of("x1", "x2", "x3", "x4"),
                    List.of("x5", "x6", "y1", "y2"), List.of("y3"));
        }
    }

    @Test
    void aFailedBatchFailsTheRequestsInItOnlyAndTheBatcherGoesOn() throws Exception {
        HeldFunction function = new HeldFunction();
        try (MicroBatcher<String, String> batcher = new MicroBatcher<>("test", function, 3, Duration.ZERO, 1000)) {
            CompletableFuture<List<String>> first = batcher.submit(List.of("a"));
            assertThat(function.firstCallStarted.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<List<String>> poisoned = batcher.submit(List.of("b", "poison"));
            CompletableFuture<List<String>> sharesTheBatch = batcher.submit(List.of("c"));
            CompletableFuture<List<String>> nextBatch = batcher.submit(List.of("d", "e"));
            function.release.countDown();

            assertThat(first.get(10, TimeUnit.SECONDS)).containsExactly("A");
            assertThatThrownBy(() -> poisoned.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasRootCauseMessage("model failed on poison");
            assertThatThrownBy(() -> sharesTheBatch.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
            assertThat(nextBatch.get(10, TimeUnit.SECONDS)).containsExactly("D", "E");
            assertThat(batcher.submit(List.of("f")).get(10, TimeUnit.SECONDS)).containsExactly("F");
        }
    }

    @Test
    void aRequestBeyondThePendingLimitIsRefusedAtOnceAndAClosedBatcherRefusesAll() throws Exception {
        HeldFunction function = new HeldFunction();
        MicroBatcher<String, String> batcher = new MicroBatcher<>("test", function, 10, Duration.ZERO, 3);
        CompletableFuture<List<String>> first = batcher.submit(List.of("a"));
        assertThat(function.firstCallStarted.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<List<String>> waiting = batcher.submit(List.of("b", "c"));
        CompletableFuture<List<String>> tooMany = batcher.submit(List.of("d", "e"));
        assertThat(tooMany).isCompletedExceptionally();
        assertThatThrownBy(tooMany::get).hasCauseInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("at most 3 texts may wait");
        function.release.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS)).containsExactly("A");
        assertThat(waiting.get(10, TimeUnit.SECONDS)).containsExactly("B", "C");

        batcher.close();
        assertThatThrownBy(() -> batcher.submit(List.of("z")).get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(RejectedExecutionException.class);
    }
}
