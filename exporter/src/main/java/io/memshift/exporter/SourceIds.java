package io.memshift.exporter;

import io.memshift.schemas.DaemonThreads;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Every id a snapshot holds, for its reconciliation, unless the pipeline turns out to hold nothing yet: a first
 * export has nothing to reconcile, and a million ids are about 130 MB of heap.
 *
 * <p>Whether the pipeline's log and intake are empty is asked of Kafka beside the source's validation, never before
 * it: a bad or unreachable source must fail as such, whatever Kafka does. Ids are kept until the answer is "empty";
 * an answer that has not come, or a Kafka that cannot say, keeps them all (the reconciliation then runs as always).
 */
final class SourceIds {

    private final CompletableFuture<Boolean> pipelineEmpty;
    private Set<String> ids = new HashSet<>();

    private SourceIds(CompletableFuture<Boolean> pipelineEmpty) {
        this.pipelineEmpty = pipelineEmpty;
    }

    /** Starts asking whether the pipeline holds anything; {@code empty} is that question. */
    static SourceIds collecting(java.util.function.Supplier<Boolean> empty) {
        CompletableFuture<Boolean> answer = new CompletableFuture<>();
        DaemonThreads.start("memshift-pipeline-empty", () -> {
            try {
                answer.complete(empty.get());
            } catch (RuntimeException e) {
                answer.complete(false); // cannot tell: reconcile as always
            }
        });
        return new SourceIds(answer);
    }

    /** One id of the source; called on the validating thread only. */
    void add(String id) {
        if (ids != null) {
            if (emptyPipeline()) {
                ids = null; // nothing to reconcile: let the ids go
            } else {
                ids.add(id);
            }
        }
    }

    /** True once Kafka has said the pipeline's log and intake hold nothing. */
    boolean emptyPipeline() {
        return pipelineEmpty.isDone() && pipelineEmpty.join();
    }

    /** The ids, for the reconciliation; only when {@link #emptyPipeline()} is false. */
    Set<String> ids() {
        if (ids == null) {
            throw new IllegalStateException("the source's ids were let go: the pipeline held nothing");
        }
        return ids;
    }
}
