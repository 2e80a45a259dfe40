package io.memshift.exporter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The source's ids are kept for a reconciliation unless the pipeline is known to hold nothing. */
@Tag("fast")
class SourceIdsTest {

    private static void awaitAnswer(SourceIds ids) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!ids.emptyPipeline() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    @Test
    void anEmptyPipelineLetsTheIdsGo() throws Exception {
        SourceIds ids = SourceIds.collecting(() -> true);
        ids.add("before the answer");
        awaitAnswer(ids);
        ids.add("after the answer");
        assertThat(ids.emptyPipeline()).isTrue();
        assertThatThrownBy(ids::ids).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aPipelineWithRecordsKeepsEveryId() throws Exception {
        CountDownLatch answered = new CountDownLatch(1);
        SourceIds ids = SourceIds.collecting(() -> {
            answered.countDown();
            return false;
        });
        answered.await(10, TimeUnit.SECONDS);
        ids.add("a");
        ids.add("b");
        assertThat(ids.emptyPipeline()).isFalse();
        assertThat(ids.ids()).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void aKafkaThatCannotSayKeepsEveryIdAndAnAnswerNotYetComeToo() {
        SourceIds failing = SourceIds.collecting(() -> {
            throw new IllegalStateException("broker unreachable");
        });
        failing.add("a");
        assertThat(failing.ids()).containsExactly("a");

        CountDownLatch never = new CountDownLatch(1);
        SourceIds waiting = SourceIds.collecting(() -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return true;
        });
        waiting.add("x");
        assertThat(waiting.emptyPipeline()).isFalse();
        assertThat(waiting.ids()).containsExactly("x");
        never.countDown();
    }
}
