package io.memshift.exporter;

import io.memshift.clients.KafkaClients;
import io.memshift.clients.KafkaSettings;
import io.memshift.clients.TopicSettings;
import io.memshift.schemas.ConfluentAvroSerializer;
import io.memshift.schemas.Headers;
import io.memshift.schemas.Kind;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.Op;
import io.memshift.schemas.Pipeline;
import io.memshift.schemas.SourceRef;
import io.memshift.schemas.SchemaRegistryClient;
import io.memshift.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes every memory of a source to its pipeline as an UPSERT keyed by memory id, exactly once, resumably:
 * to the pipeline's intake, from which the version gate forwards what is new to its log (see {@link Pipeline}).
 *
 * <p>The file is read twice: once to validate every record (so a bad file publishes nothing at all), once to
 * publish. Both passes stream. Publishing happens in Kafka transactions of {@value #TRANSACTION_SIZE} memories
 * (or fewer, when a transaction has been open for {@value #TRANSACTION_MS} ms: stages that run beside the export
 * see the first memories within a fraction of a second);
 * each transaction also writes the source's checkpoint (how many memories, in file order, are published) to
 * {@code memshift.export-checkpoints}. A crash anywhere aborts only the open transaction; the next run of the same
 * source resumes after the last committed checkpoint, so a read_committed consumer sees each memory once. A run
 * of a source whose export completed publishes nothing, unless {@code restart}; a source whose size or
 * modification time changed is exported again from the start.
 *
 * <p>When the options reconcile, the export is a snapshot of the store: the memories of the log it lacks (within its
 * filter) get a versioned delete in the last transaction, the one that marks the export complete; a snapshot that
 * would delete more than the options allow publishes nothing (see {@link Reconciliation}). The first export to a
 * pipeline whose log and intake hold nothing has nothing to reconcile, and keeps no id.
 *
 * <p>A store with an entity store beside it ({@link EntitySource}: Mem0 v3's {@code <collection>_entities}) has
 * its entities exported after its memories, in the same passes and transactions, to the same intake, each marked
 * {@code kind: ENTITY}: the version gate orders them like memories, the re-embedder embeds them like memories and
 * the importer writes them to the index's entity store. Memories and entities share the log's key space (the id),
 * so an entity whose id is also a memory's is refused as invalid (Mem0 gives both random UUIDs: this does not
 * happen in a store Mem0 wrote).
 */
public final class Exporter {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Exporter.class);

    static final int TRANSACTION_SIZE = 1000;
    static final long TRANSACTION_MS = 250;
    private static final int MAX_REPORTED_PROBLEMS = 20;

    private final KafkaClients kafka;
    private final SchemaRegistryClient registry;
    private final Pipeline pipeline;
    private final TopicSettings topics;

    /** An exporter to the pipeline {@code memories}. */
    public Exporter(KafkaSettings kafka, SchemaRegistryClient registry, int partitions) {
        this(kafka, registry, partitions, Topics.MEMORIES);
    }

    /** An exporter to the pipeline whose log is {@code topic} (see {@link Pipeline#ofLog}), created if absent. */
    public Exporter(KafkaSettings kafka, SchemaRegistryClient registry, int partitions, String topic) {
        this(kafka, registry, Pipeline.ofLog(topic), kafka.topics().withPartitions(partitions));
    }

    /** An exporter to {@code pipeline}, whose topics are created with {@code topics} if absent. */
    public Exporter(KafkaSettings kafka, SchemaRegistryClient registry, Pipeline pipeline, TopicSettings topics) {
        this.kafka = new KafkaClients(kafka);
        this.registry = registry;
        this.pipeline = pipeline;
        this.topics = topics;
    }

    public ExportSummary export(MemorySource reader, MemoryEventConverter converter, ExportProgress progress) {
        return export(reader, converter, progress, false);
    }

    public ExportSummary export(MemorySource reader, MemoryEventConverter converter, ExportProgress progress,
                                boolean restart) {
        return export(reader, converter, progress, new ExportOptions(restart, false, null, null, null, null, null));
    }

    public ExportSummary export(MemorySource reader, MemoryEventConverter converter, ExportProgress progress,
                                ExportOptions options) {
        return export(reader, converter, progress, options, () -> { });
    }

    /**
     * @param validated runs once the whole source is valid, before anything reaches Kafka: the caller's last word
     *                  (whether this store may go to this pipeline, say); an exception from it publishes nothing
     */
    public ExportSummary export(MemorySource reader, MemoryEventConverter converter, ExportProgress progress,
                                ExportOptions options, Runnable validated) {
        boolean restart = options.restart();
        Instant begin = Instant.now();
        // Reconciling needs every id the source holds, and a dry run the highest version of each selected one (to
        // compare with the log); an ordinary export keeps no id at all. Nor does the first export to a pipeline
        // (SourceIds): with nothing on its log or intake there is nothing to delete. What live writers put on the
        // log meanwhile carries its own deletes, and is newer than the snapshot anyway.
        SourceIds inSource = options.reconciles()
                ? SourceIds.collecting(() -> LogState.holdsNothing(kafka, pipeline)) : null;
        Versions versions = options.dryRun() ? new Versions(new HashMap<>(), new HashMap<>()) : null;
        Validation validation = validate(reader, converter, progress, versions, inSource, options);
        boolean reconciles = inSource != null && !inSource.emptyPipeline();
        validated.run();
        long total = validation.records();
        String intake = pipeline.intake();
        if (!options.dryRun()) {
            try (Admin admin = kafka.admin()) {
                TopicSettings created = Topics.ensurePipeline(admin, pipeline, topics);
                Topics.ensureExists(admin, created, Topics.exportCheckpointsTopic(),
                        new Topics.TopicSpec(pipeline.rejected(), 1, Map.of()));
            }
        }
        // The checkpoint is per source and pipeline (its log): exporting one file to two pipelines is two exports.
        String sourceKey = ExportPosition.key(reader.kind() + ":" + reader.identity(), pipeline.log(),
                options.filterKey());
        Optional<MemorySource.Stamp> stamp = reader.stamp();
        long size = stamp.map(MemorySource.Stamp::size).orElse(-1L);
        long modified = stamp.map(MemorySource.Stamp::modified).orElse(-1L);
        // A source without a stamp cannot prove its content unchanged, so it never resumes or skips.
        Optional<ExportCheckpoint> checkpoint = restart || stamp.isEmpty() ? Optional.empty()
                : CheckpointReader.latest(kafka, sourceKey).filter(c -> c.sameSource(size, modified));
        long resumeAfter = checkpoint.map(ExportCheckpoint::position).orElse(0L);
        if (checkpoint.isPresent() && checkpoint.get().complete()) {
            // Published and reconciled by the run that completed it.
            progress.update("publish", total, total);
            return new ExportSummary(validation.memories(), 0, validation.memories(), validation.invalid(),
                    validation.filtered(), validation.selected(), Duration.between(begin, Instant.now()),
                    new ExportSummary.Entities(validation.entities(), 0, validation.entities(),
                            validation.selectedEntities()),
                    Reconciliation.NONE, false);
        }

        // Without a stamp there is no position to resume from: what the pipeline already holds (its log, and its
        // intake not yet through the gate), at the same version or a newer one, is not published again (see
        // LogState). --restart publishes everything deliberately.
        boolean skipKnown = stamp.isEmpty() && !restart;
        Map<String, LogMemory> onLog = skipKnown || reconciles || options.dryRun()
                ? LogState.read(kafka, registry, pipeline) : Map.of();
        if (reconciles && validation.unknownIds() > 0) {
            // Set aside as unreadable (--skip-invalid), their ids unknown: any memory of the log could be one of
            // them, so this snapshot deletes nothing rather than a memory the store still holds.
            LOG.warn("{} record(s) of {} could not be read and their ids are unknown: this run deletes nothing the"
                    + " source seems to lack", validation.unknownIds(), reader.name());
            reconciles = false;
        }
        Reconciliation reconciliation = reconciles
                ? Reconciliation.plan(onLog, inSource.ids(), options, begin, reader instanceof EntitySource)
                : Reconciliation.NONE;
        if (options.dryRun()) {
            long wouldPublish = newerThan(onLog, versions.memories());
            long entitiesWouldPublish = newerThan(onLog, versions.entities());
            return new ExportSummary(validation.memories(), wouldPublish, versions.memories().size() - wouldPublish,
                    validation.invalid(), validation.filtered(), validation.selected(),
                    Duration.between(begin, Instant.now()),
                    new ExportSummary.Entities(validation.entities(), entitiesWouldPublish,
                            versions.entities().size() - entitiesWouldPublish, validation.selectedEntities()),
                    reconciliation, true, false, options.reconciles() ? reconciliation.wouldBeRefused(
                            options.maxDeletes(), reader.kind() + ":" + reader.identity()).orElse(null) : null);
        }
        if (options.reconciles()) {
            reconciliation.requireWithin(options.maxDeletes(), reader.kind() + ":" + reader.identity());
        }
        ConfluentAvroSerializer<MemoryEvent> serializer = new ConfluentAvroSerializer<>(registry, MemoryEvent.class);
        AtomicLong position = new AtomicLong();
        AtomicLong published = new AtomicLong();
        AtomicLong alreadyThere = new AtomicLong();
        AtomicLong entitiesPublished = new AtomicLong();
        AtomicLong entitiesThere = new AtomicLong();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProps(sourceKey),
                new StringSerializer(), new ByteArraySerializer())) {
            // Fences an earlier run of this source that died mid-transaction, and aborts that transaction.
            producer.initTransactions();
            progress.beforePublish();
            producer.beginTransaction();
            AtomicLong transactionSince = new AtomicLong(System.nanoTime());
            AtomicLong transactionFrom = new AtomicLong(resumeAfter);
            try {
                forEachRecord(reader, converter, validation.collisions(), (source, kind, result) -> {
                    long at = position.incrementAndGet();
                    if (at <= resumeAfter) {
                        return;
                    }
                    if (!result.valid()) {
                        // Only reached with --skip-invalid: validation refused the source otherwise.
                        producer.send(rejection(source, result));
                    } else if (options.selects(result.event())) {
                        MemoryEvent event = result.event();
                        boolean entity = kind == Kind.ENTITY;
                        LogMemory there = skipKnown ? onLog.get(event.getId()) : null;
                        if (there != null && there.version() >= event.getVersion()) {
                            (entity ? entitiesThere : alreadyThere).incrementAndGet();
                        } else {
                            producer.send(new ProducerRecord<>(intake, event.getId(), serializer.serialize(intake, event)));
                            (entity ? entitiesPublished : published).incrementAndGet();
                        }
                    }
                    if (at - transactionFrom.get() >= TRANSACTION_SIZE
                            || System.nanoTime() - transactionSince.get() >= TRANSACTION_MS * 1_000_000) {
                        commit(producer, sourceKey, new ExportCheckpoint(at, total, at == total, size, modified));
                        producer.beginTransaction();
                        transactionFrom.set(at);
                        transactionSince.set(System.nanoTime());
                    }
                    progress.update("publish", at, total);
                });
                // The deletes go with the checkpoint that says the export is complete: all or nothing.
                for (String id : reconciliation.deletes()) {
                    MemoryEvent delete = MemoryEvent.newBuilder().setOp(Op.DELETE).setId(id).setText(null)
                            .setMetadata(null).setVersion(reconciliation.deleteVersion())
                            .setKind(reconciliation.entityDeletes().contains(id) ? Kind.ENTITY : Kind.MEMORY)
                            .setUpdatedAt(begin.toString()).setUpdatedAtTs(begin)
                            .setSource(SourceRef.newBuilder().setSystem(reader.kind()).setName(reader.shortName())
                                    .setPosition("snapshot of " + begin + ": absent").build()).build();
                    producer.send(new ProducerRecord<>(intake, id, serializer.serialize(intake, delete)));
                }
                commit(producer, sourceKey, new ExportCheckpoint(position.get(), total, true, size, modified));
            } catch (RuntimeException e) {
                abortQuietly(producer);
                throw e;
            }
        }
        // Only a stamped source resumes after a position, and only a store without a stamp has entities.
        return new ExportSummary(validation.memories(), published.get(), resumeAfter + alreadyThere.get(),
                validation.invalid(), validation.filtered(), validation.selected(), Duration.between(begin, Instant.now()),
                new ExportSummary.Entities(validation.entities(), entitiesPublished.get(), entitiesThere.get(),
                        validation.selectedEntities()), reconciliation, false, resumeAfter > 0, null);
    }

    /** The pipeline this exporter publishes to. */
    public Pipeline pipeline() {
        return pipeline;
    }

    /** How many of {@code expected} the log holds at an older version or not at all: what a run would publish. */
    private static long newerThan(Map<String, LogMemory> onLog, Map<String, Long> expected) {
        return expected.entrySet().stream().filter(e -> {
            LogMemory there = onLog.get(e.getKey());
            return there == null || there.version() < e.getValue();
        }).count();
    }

    /**
     * Calls {@code sink} with every record of the source, converted, in source order: its memories, then the
     * entities of its entity store, if it has one. An entity whose id is in {@code collisions} is invalid.
     */
    private static void forEachRecord(MemorySource reader, MemoryEventConverter converter, Set<String> collisions,
                                      RecordSink sink) {
        reader.forEach(memory -> sink.accept(memory, Kind.MEMORY, converter.convert(memory)));
        if (reader instanceof EntitySource store) {
            store.forEachEntity(entity -> {
                MemoryEventConverter.Result result = converter.convert(entity);
                if (result.valid() && collisions.contains(entity.id())) {
                    result = collision(entity.position(), entity.id());
                }
                sink.accept(entity.toSourceMemory(), Kind.ENTITY, result);
            });
        }
    }

    /** One record of a source, as read and as converted. */
    private interface RecordSink {
        void accept(SourceMemory source, Kind kind, MemoryEventConverter.Result result);
    }

    private static MemoryEventConverter.Result collision(String position, String id) {
        return new MemoryEventConverter.Result(null, List.of(position + ": entity id=" + id + ": a memory of the same"
                + " store has this id; memories and entities share the log, keyed by id, so one would replace the other"));
    }

    private static void commit(KafkaProducer<String, byte[]> producer, String sourceKey, ExportCheckpoint checkpoint) {
        producer.send(new ProducerRecord<>(Topics.EXPORT_CHECKPOINTS, sourceKey,
                checkpoint.toJson().getBytes(StandardCharsets.UTF_8)));
        producer.commitTransaction();
    }

    private static void abortQuietly(KafkaProducer<String, byte[]> producer) {
        try {
            producer.abortTransaction();
        } catch (RuntimeException ignored) {
            // the producer is fenced or closed: the broker aborts the transaction on its own
        }
    }

    /** The highest version of each selected memory and entity: kept by a dry run only. */
    private record Versions(Map<String, Long> memories, Map<String, Long> entities) {
    }

    /**
     * What the validation pass found: records of both kinds, invalid and filtered ones, the selected ones of each
     * kind (counted, not kept), and the ids of entities that are also memory ids.
     */
    private record Validation(long memories, long entities, long invalid, long filtered, long selected,
                              long selectedEntities, Set<String> collisions, long unknownIds) {
        long records() {
            return memories + entities;
        }
    }

    /**
     * Reads the whole source once and counts its records: valid and selected, invalid, filtered out. Invalid records make it throw, naming each (up to 20), unless --skip-invalid, in
     * which case they are written to the reject file, rewritten whole on every run.
     */
    private Validation validate(MemorySource reader, MemoryEventConverter converter, ExportProgress progress,
                                Versions versions, SourceIds inSource,
                                ExportOptions options) {
        List<String> problems = new ArrayList<>();
        AtomicLong count = new AtomicLong();
        AtomicLong entities = new AtomicLong();
        AtomicLong invalid = new AtomicLong();
        AtomicLong filtered = new AtomicLong();
        AtomicLong selected = new AtomicLong();
        AtomicLong selectedEntities = new AtomicLong();
        AtomicLong unknownIds = new AtomicLong();
        // Every memory id, filtered or not, so that an entity with one is refused whatever the filters. Kept only
        // for a store that has entities: an export of millions of plain memories keeps no id.
        boolean hasEntities = reader instanceof EntitySource;
        Set<String> memoryIds = new HashSet<>();
        Set<String> collisions = new HashSet<>();
        try (RejectFile rejects = options.skipInvalid() ? RejectFile.open(options.rejectFile()) : null) {
            forEachRecord(reader, converter, Set.of(), (source, kind, converted) -> {
                if (inSource != null && source.json().path("id").isTextual()) {
                    // Every id the store holds, valid or not, selected or not, memory or entity: none of them is gone.
                    inSource.add(source.json().get("id").textValue());
                } else if (inSource != null && source.unreadable() != null) {
                    // A line that is no JSON object still holds a memory of the store: its id, when it can be made
                    // out, is not gone either; when it cannot, no id of the log can be said to be gone.
                    source.unreadable().idGuess().ifPresentOrElse(inSource::add, unknownIds::incrementAndGet);
                }
                MemoryEventConverter.Result result = converted;
                boolean entity = kind == Kind.ENTITY;
                if (entity) {
                    entities.incrementAndGet();
                    if (result.valid() && memoryIds.contains(result.event().getId())) {
                        collisions.add(result.event().getId());
                        result = collision(source.position(), result.event().getId());
                    }
                } else if (hasEntities && source.json().path("id").isTextual()) {
                    memoryIds.add(source.json().get("id").textValue());
                }
                if (!result.valid()) {
                    invalid.incrementAndGet();
                    if (rejects != null) {
                        rejects.write(source, result.problems());
                    } else {
                        for (String problem : result.problems()) {
                            if (problems.size() < MAX_REPORTED_PROBLEMS) {
                                problems.add(problem);
                            }
                        }
                    }
                } else if (options.selects(result.event())) {
                    (entity ? selectedEntities : selected).incrementAndGet();
                    if (versions != null) {
                        (entity ? versions.entities() : versions.memories()).merge(result.event().getId(),
                                result.event().getVersion(), Math::max);
                    }
                } else {
                    filtered.incrementAndGet();
                }
                progress.update("validate", count.incrementAndGet(), -1);
            });
        } catch (InvalidSourceException e) {
            throw e.beforeAnythingWasPublished(); // a file that is not JSON, truncated, missing ...
        }
        if (!problems.isEmpty()) {
            throw new InvalidSourceException(reader.name(), problems, invalid.get() - problems.size())
                    .beforeAnythingWasPublished();
        }
        return new Validation(count.get() - entities.get(), entities.get(), invalid.get(), filtered.get(),
                selected.get(), selectedEntities.get(), Set.copyOf(collisions), unknownIds.get());
    }

    private ProducerRecord<String, byte[]> rejection(SourceMemory source, MemoryEventConverter.Result result) {
        String json = RejectFile.line(source, result.problems());
        String key = source.json().path("id").isTextual() ? source.json().get("id").textValue() : source.position();
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(pipeline.rejected(), key, json.getBytes(StandardCharsets.UTF_8));
        Headers.add(record.headers(), Headers.ERROR_REASON, String.join("; ", result.problems()));
        Headers.add(record.headers(), Headers.SOURCE_POSITION, source.position());
        return record;
    }

    private Properties producerProps(String sourceKey) {
        // One transactional id per source, so the next run of the same source fences a crashed one.
        Properties props = kafka.transactionalProducerConfig("memshift-export-" + shortHash(sourceKey));
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "memshift-exporter");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        return props;
    }

    private static String shortHash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
