package io.memshift.control;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.memshift.clients.KafkaSettings;
import io.memshift.importer.ConsumerGroupLag;
import io.memshift.importer.ImporterConfig;
import io.memshift.importer.IndexLifecycle;
import io.memshift.schemas.Mem0Entities;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Moves the alias readers use: a cutover to a new index once it is ready (its importer caught up, its last
 * verify not failed), and the rollback to the index before. Each move is one atomic {@code _aliases} call,
 * done by {@link IndexLifecycle}, that moves Mem0's entity store alias ({@code <alias>_entities}) with the alias;
 * this class decides whether to make it.
 */
public final class AliasSwitch {

    private final ElasticsearchClient es;
    private final KafkaSettings kafka;
    private final IndexLifecycle lifecycle;

    /** @param kafka where to read the importer's lag from */
    public AliasSwitch(ElasticsearchClient es, KafkaSettings kafka) {
        this.es = es;
        this.kafka = kafka;
        this.lifecycle = new IndexLifecycle(es);
    }

    /**
     * Whether an index may take the alias: what its importer still has to write and what its last verify said.
     *
     * @param topic        the topic the index is filled from (from the index's notes), null if it records none
     * @param lag          records of that topic its importer has not written yet (0 if no topic is recorded)
     * @param verifyPassed "true", "false", or null if the index was never verified
     * @param verifiedAt   when it was last verified, if it was
     */
    public record Readiness(String index, String topic, long lag, String verifyPassed, String verifiedAt) {

        public boolean lagging() {
            return lag > 0;
        }

        public boolean verifyFailed() {
            return "false".equals(verifyPassed);
        }

        public boolean neverVerified() {
            return verifyPassed == null;
        }

        public boolean ready() {
            return !lagging() && !verifyFailed();
        }
    }

    /** What {@link #cutover(String, String, boolean)} did. */
    public sealed interface CutoverOutcome {
        Readiness readiness();
    }

    /** The index was not ready and the cutover not forced: the alias is where it was. */
    public record Refused(Readiness readiness) implements CutoverOutcome {
    }

    /**
     * The alias now points at the index.
     *
     * @param previous the indices it pointed to before (empty if it was new)
     * @param forced   whether it moved although the index was not ready
     */
    public record Moved(Readiness readiness, Set<String> previous, boolean forced) implements CutoverOutcome {
    }

    /**
     * The alias took over the name of the app's index, which is kept as {@code keptAs} (see {@link #takeOver}).
     *
     * @param forced whether it moved although the index was not ready
     */
    public record TookOver(Readiness readiness, String keptAs, boolean forced) implements CutoverOutcome {
    }

    public Readiness readiness(String index) {
        if (!lifecycle.exists(index)) {
            throw new InvalidRequestException("index " + index + " does not exist");
        }
        Map<String, String> meta = lifecycle.meta(index);
        String topic = meta.get(IndexLifecycle.META_TOPIC);
        long lag = topic == null ? 0 : ConsumerGroupLag.of(kafka, ImporterConfig.groupIdFor(index), topic);
        return new Readiness(index, topic, lag, meta.get(IndexLifecycle.META_VERIFY_PASSED),
                meta.get(IndexLifecycle.META_VERIFY_AT));
    }

    /** Points {@code alias} at {@code index} if it is {@link Readiness#ready() ready}, or anyway if {@code force}. */
    public CutoverOutcome cutover(String alias, String index, boolean force) {
        Readiness readiness = readiness(index);
        if (!force && !readiness.ready()) {
            return new Refused(readiness);
        }
        return new Moved(readiness, moveAlias(alias, index), !readiness.ready());
    }

    /**
     * A cutover for an app that keeps its collection name {@code name}, an index today: if {@code index} is ready
     * (or anyway if {@code force}), {@code name} becomes an alias of {@code index} in one atomic call and the old
     * index is kept as {@code keepAs} for rollback ({@link IndexLifecycle#takeOver}).
     */
    public CutoverOutcome takeOver(String name, String index, String keepAs, boolean force) {
        Readiness readiness = readiness(index);
        if (!force && !readiness.ready()) {
            return new Refused(readiness);
        }
        try {
            es.indices().refresh(r -> r.index(index, Mem0Entities.storeOf(index)).ignoreUnavailable(true));
            lifecycle.takeOver(name, index, keepAs);
        } catch (IllegalStateException e) {
            throw new InvalidRequestException(e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        return new TookOver(readiness, keepAs, !readiness.ready());
    }

    /**
     * Points {@code alias} at {@code index} now, after a refresh so that readers see every document at once;
     * notes where it pointed before, for {@link #rollback(String)}.
     *
     * @return the indices it pointed to before
     */
    public Set<String> moveAlias(String alias, String index) {
        try {
            // The entity store beside it (if any) moves with it: its documents must be visible at once as well.
            es.indices().refresh(r -> r.index(index, Mem0Entities.storeOf(index)).ignoreUnavailable(true));
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        return lifecycle.cutover(alias, index);
    }

    /**
     * Points {@code alias} back at the index it pointed to before the last cutover.
     *
     * @return the index it pointed to, then the one it points to now
     */
    public List<String> rollback(String alias) {
        return lifecycle.rollback(alias);
    }
}
