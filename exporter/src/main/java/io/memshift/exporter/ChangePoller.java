package io.memshift.exporter;

import io.memshift.schemas.Kind;
import io.memshift.schemas.MemoryEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One poll of a live store for {@code migrate --follow}: reads what changed since a moment ({@link ChangeFeed}),
 * converts each record as the exporter does (the same converter, so the same versions and the payload verbatim),
 * and publishes the changed ones to the pipeline's intake through a {@link MemoryEventPublisher}. The version gate
 * then forwards only what is newer than the log holds: a poll that re-reads a memory it published before (the
 * overlap) changes nothing downstream.
 *
 * <p>A record the converter refuses is skipped and counted, with its problems (a live store cannot be refused
 * whole, as a file is); a memory without any timestamp cannot be ordered against the log, so a poll leaves it to
 * the next snapshot reconciliation, which exports the store whole.
 */
public final class ChangePoller {

    private static final long ACK_TIMEOUT_SECONDS = 120;

    private final MemorySource source;
    private final ChangeFeed feed;
    private final MemoryEventPublisher publisher;
    private final ExportOptions filters;
    private final int maxTextChars;

    /**
     * @param filters only memories these options select ({@code --user}, {@code --agent}, {@code --run}); their
     *                {@code updatedSince} is ignored: each poll has its own
     */
    public ChangePoller(MemorySource source, MemoryEventPublisher publisher, ExportOptions filters, int maxTextChars) {
        this.source = source;
        this.feed = ChangeFeed.of(source);
        this.publisher = publisher;
        this.filters = new ExportOptions(false, false, null, filters.user(), filters.agent(), filters.run(), null);
        this.maxTextChars = maxTextChars;
    }

    /** Whether the store's server selects the changes, or each poll reads the store whole. */
    public boolean selectsOnServer() {
        return feed.selectsOnServer();
    }

    /**
     * What one poll did.
     *
     * @param memories  the memories published, each at its version
     * @param entities  the entities published, each at its version
     * @param changedAt when each published record changed in the store (its updated_at, else created_at)
     * @param newest    the newest change seen (the next watermark), or null if none was seen
     * @param invalid   the problems of records refused (skipped), at most 20
     * @param invalidCount how many were refused
     */
    public record Poll(Map<String, Long> memories, Map<String, Long> entities, Map<String, Instant> changedAt,
                       Instant newest, List<String> invalid, long invalidCount) {

        public int published() {
            return memories.size() + entities.size();
        }
    }

    /**
     * Reads what changed at or after {@code since}, publishes it and waits until the broker has it all.
     *
     * @throws SourceUnavailableException if the store cannot be read (the caller polls again later)
     */
    public Poll poll(Instant since) {
        MemoryEventConverter converter = MemoryEventConverter.forSource(source, maxTextChars);
        Map<String, Long> memories = new HashMap<>();
        Map<String, Long> entities = new HashMap<>();
        Map<String, Instant> changedAt = new HashMap<>();
        List<String> invalid = new ArrayList<>();
        long[] invalidCount = {0};
        Instant[] newest = {null};
        List<CompletableFuture<Long>> acks = new ArrayList<>();
        java.util.function.Consumer<MemoryEventConverter.Result> publish = result -> {
            if (!result.valid()) {
                invalidCount[0]++;
                result.problems().stream().limit(Math.max(0, 20 - invalid.size())).forEach(invalid::add);
                return;
            }
            MemoryEvent event = result.event();
            Instant changed = event.getUpdatedAtTs() != null ? event.getUpdatedAtTs() : event.getCreatedAtTs();
            if (changed == null || changed.isBefore(since) || !filters.selects(event)) {
                return;
            }
            if (newest[0] == null || changed.isAfter(newest[0])) {
                newest[0] = changed;
            }
            (event.getKind() == Kind.ENTITY ? entities : memories).merge(event.getId(), event.getVersion(), Math::max);
            changedAt.merge(event.getId(), changed, (a, b) -> a.isAfter(b) ? a : b);
            acks.add(publisher.publish(event));
        };
        feed.forEachChangedSince(since, memory -> publish.accept(converter.convert(memory)),
                entity -> publish.accept(converter.convert(entity)));
        publisher.flush();
        for (CompletableFuture<Long> ack : acks) {
            try {
                ack.get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException("the broker refused a change of " + source.name() + ": "
                        + e.getCause().getMessage(), e.getCause());
            } catch (TimeoutException e) {
                throw new IllegalStateException("the broker did not acknowledge the changes of " + source.name()
                        + " within " + ACK_TIMEOUT_SECONDS + " s", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the broker acknowledged the changes", e);
            }
        }
        return new Poll(Map.copyOf(memories), Map.copyOf(entities), Map.copyOf(changedAt), newest[0],
                List.copyOf(invalid), invalidCount[0]);
    }
}
