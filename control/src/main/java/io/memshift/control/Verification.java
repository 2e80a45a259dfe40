package io.memshift.control;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.exporter.EntitySource;
import io.memshift.exporter.InvalidSourceException;
import io.memshift.exporter.MemorySource;
import io.memshift.importer.DeleteLedger;
import io.memshift.importer.DocumentLayout;
import io.memshift.importer.IndexLifecycle;
import io.memshift.importer.IndexScanner;
import io.memshift.reembedder.EmbeddingModels;
import io.memshift.reembedder.ModelProfile;
import io.memshift.reembedder.Vectors;
import io.memshift.schemas.Mem0Entities;
import io.memshift.schemas.MemoryEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Checks an index against its source before readers are switched to it. Per user: counts and content checksums
 * ({@link ContentDigest}). Sampled memories: re-embedded and compared with the stored vector. Retrieval: overlap of
 * the k nearest neighbours with the previous index. The outcome is noted on the index, where
 * {@link AliasSwitch} reads it. Mem0's entity store beside the index ({@code <index>_entities}) is checked against
 * the source's entity store the same way (counts, checksums, sampled vectors): a cutover moves both.
 */
public final class Verification {

    static final String NO_USER = "(no user)";

    /**
     * @param model        model to re-embed samples with; null for the one the index records
     * @param compareIndex earlier index for the retrieval comparison; null for the one the alias (or the last
     *                     cutover) came from
     * @param queries      a file of queries, one per line, instead of sampled memories; may be null
     * @param minOverlap   fail if the mean overlap@k is below this; null to report only
     * @param allowExtra   whether memories in the index but not in the source (live additions) pass
     */
    public record Options(String index, String model, int sample, double minCosine, String compareIndex, String alias,
                          Path queries, int k, Double minOverlap, boolean allowExtra, long seed) {
    }

    /** A memory as the comparison sees it: whose it is, its content digest and its version. */
    record Memory(String user, long digest, long version) {
    }

    private final Clusters clusters;
    private final Options options;

    public Verification(Clusters clusters, Options options) {
        this.clusters = clusters;
        this.options = options;
    }

    /**
     * Reads the source whole, then the index, and compares.
     *
     * @throws InvalidSourceException  if the source has invalid records
     * @throws InvalidRequestException if the index (or the one to compare with) does not exist, or records no model
     */
    public VerifyReport run(MemorySource source) {
        try (ElasticsearchClient es = ElasticsearchClients.connect(clusters.elasticsearch())) {
            IndexLifecycle lifecycle = new IndexLifecycle(es);
            if (!lifecycle.exists(options.index())) {
                throw new InvalidRequestException("index " + options.index() + " does not exist");
            }
            // An alias given as --index is verified as the index behind it, so that the alias never counts as the
            // previous index of its own target.
            String index = lifecycle.indexBehind(options.index());
            // The index's layout says where each part of a memory is, and so what its digest covers.
            DocumentLayout layout = lifecycle.layoutOf(index);
            Map<String, Memory> entities = source instanceof EntitySource store ? readEntities(source, store, layout) : null;
            return verify(es, lifecycle, index, layout, source.name(), readSource(source, layout), entities);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** Whether {@code recorded} (an index's {@code provider:name}) names the model of {@code profile}. */
    private static boolean sameModel(ModelProfile profile, String recorded) {
        try {
            return EmbeddingModels.profile(recorded).id().equals(profile.id());
        } catch (RuntimeException unknown) {
            return recorded.equals(profile.id()); // a model this memshift cannot run: compared by name
        }
    }

    /**
     * @param expectedEntities the source's entities, or null for a source without an entity store
     */
    private VerifyReport verify(ElasticsearchClient es, IndexLifecycle lifecycle, String index, DocumentLayout layout,
                                String sourceName, Map<String, Memory> expected, Map<String, Memory> expectedEntities)
            throws IOException {
        Map<String, Memory> actual = new HashMap<>();
        Map<String, Long> deletes = new HashMap<>();
        String[] recordedModel = new String[1];
        scan(es, index, layout, actual, deletes, doc -> {
            if (recordedModel[0] == null) {
                recordedModel[0] = layout.recordedModel(doc);
            }
        });
        List<String> deletedSince = deletedSince(es, index, layout, expected, actual, deletes);
        deletedSince.forEach(expected::remove);

        List<String> failures = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> extra = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<VerifyReport.UserRow> users = compare(expected, actual, missing, extra, changed);
        Collections.sort(missing);
        Collections.sort(extra);
        Collections.sort(changed);
        if (!missing.isEmpty()) {
            failures.add(missing.size() + " memories of the source are missing from the index");
        }
        if (!extra.isEmpty() && !options.allowExtra()) {
            failures.add(extra.size() + " memories in the index are not in the source (--allow-extra accepts them)");
        }
        if (!changed.isEmpty()) {
            failures.add(changed.size() + " memories differ from the source (text, hash, ids, metadata, categories or timestamps)");
        }

        String modelId = options.model() != null ? options.model() : recordedModel[0];
        if (modelId == null) {
            throw new InvalidRequestException("index " + index + " records no model; give --model");
        }
        ModelProfile profile = EmbeddingModels.profile(modelId);
        if (options.model() != null && recordedModel[0] != null && !sameModel(profile, recordedModel[0])) {
            // Its vectors could never match another model's: that would record a good index as failed.
            throw new InvalidRequestException("index " + index + " was embedded by " + recordedModel[0] + ", not "
                    + profile.id() + ": leave --model out (verify uses the index's own) or give " + recordedModel[0]);
        }
        EmbeddingModel embedder = profile.factory().get();
        List<String> sampleIds = sample(actual.keySet(), options.sample(), options.seed());
        VerifyReport.VectorCheck vectors = checkVectors(es, index, layout, profile, embedder, sampleIds);
        if (vectors.failed() > 0) {
            failures.add(vectors.failed() + " sampled vectors differ from a fresh embedding by " + profile.id());
        }

        List<VerifyReport.Skipped> skipped = new ArrayList<>();
        String compareIndex = options.compareIndex() == null ? null : lifecycle.indexBehind(options.compareIndex());
        Set<String> aliasTargets = lifecycle.aliasTargets(options.alias());
        String cutoverFrom = lifecycle.meta(index).get(IndexLifecycle.META_CUTOVER_FROM);
        Previous previous = previousIndex(index, compareIndex, aliasTargets, cutoverFrom, lifecycle::exists);
        if (previous.index() == null && compareIndex == null && aliasTargets.isEmpty() && cutoverFrom == null) {
            // A mistyped --alias looked like a first migration, without a word about the alias.
            previous = new Previous(null, "no previous index to compare with: alias " + options.alias()
                    + " points to no index (a first migration, or give --alias or --compare-index)");
        }
        VerifyReport.RetrievalCheck retrieval = null;
        if (previous.index() == null) {
            skipped.add(new VerifyReport.Skipped("retrieval", previous.none()));
        } else {
            retrieval = compareRetrieval(es, lifecycle, index, layout, previous.index(), profile, embedder, sampleIds);
            if (options.minOverlap() != null && retrieval.meanOverlap() < options.minOverlap()) {
                failures.add(String.format("mean overlap@%d with %s is %.3f, below %.3f", options.k(),
                        retrieval.comparedWith(), retrieval.meanOverlap(), options.minOverlap()));
            }
        }

        VerifyReport.EntityCheck entities = checkEntities(es, lifecycle, index, layout, expectedEntities, profile,
                embedder, failures);

        boolean passed = failures.isEmpty();
        VerifyReport report = new VerifyReport(sourceName, index, layout.name(), passed, users, missing, extra,
                changed, deletedSince, vectors, retrieval, skipped, failures, entities);
        lifecycle.putMeta(index, Map.of(IndexLifecycle.META_VERIFY_PASSED, Boolean.toString(passed),
                IndexLifecycle.META_VERIFY_AT, Instant.now().toString()));
        return report;
    }

    /**
     * Mem0's entity store beside the index against the source's, or null if neither has entities. Adds what fails
     * to {@code failures}.
     */
    private VerifyReport.EntityCheck checkEntities(ElasticsearchClient es, IndexLifecycle lifecycle, String index,
            DocumentLayout layout, Map<String, Memory> expected, ModelProfile profile, EmbeddingModel embedder,
            List<String> failures) throws IOException {
        String store = Mem0Entities.storeOf(index);
        Map<String, Memory> actual = new HashMap<>();
        Map<String, Long> deletes = new HashMap<>();
        boolean exists = lifecycle.exists(store);
        if (exists) {
            scan(es, store, layout, actual, deletes, doc -> { });
        }
        if (expected == null && actual.isEmpty()) {
            return null;
        }
        Map<String, Memory> source = expected == null ? new HashMap<>() : new HashMap<>(expected);
        List<String> deletedSince = exists ? deletedSince(es, store, layout, source, actual, deletes) : List.of();
        deletedSince.forEach(source::remove);
        List<String> missing = new ArrayList<>();
        List<String> extra = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        compare(source, actual, missing, extra, changed);
        Collections.sort(missing);
        Collections.sort(extra);
        Collections.sort(changed);
        long sourceSum = source.values().stream().mapToLong(Memory::digest).sum();
        long targetSum = actual.values().stream().mapToLong(Memory::digest).sum();
        if (!exists && !source.isEmpty()) {
            failures.add("the source has " + source.size() + " entities but the index has no entity store " + store
                    + " (an index made before memshift carried entities: migrate again into a new index)");
        } else if (!missing.isEmpty()) {
            failures.add(missing.size() + " entities of the source are missing from " + store);
        }
        if (!extra.isEmpty() && !options.allowExtra()) {
            failures.add(extra.size() + " entities in " + store + " are not in the source (--allow-extra accepts them)");
        }
        if (!changed.isEmpty()) {
            failures.add(changed.size() + " entities in " + store + " differ from the source");
        }
        List<String> sampleIds = sample(actual.keySet(), options.sample(), options.seed() + 1);
        VerifyReport.VectorCheck vectors = checkVectors(es, store, layout, profile, embedder, sampleIds);
        if (vectors.failed() > 0) {
            failures.add(vectors.failed() + " sampled entity vectors in " + store + " differ from a fresh embedding by "
                    + profile.id());
        }
        return new VerifyReport.EntityCheck(store, source.size(), actual.size(), missing, extra, changed, deletedSince,
                source.size() == actual.size() && sourceSum == targetSum, vectors);
    }

    /**
     * Reads every document of {@code target}: each live one into {@code actual}, each tombstone's version into
     * {@code deletes}; {@code live} sees each live document's source.
     */
    private static void scan(ElasticsearchClient es, String target, DocumentLayout layout, Map<String, Memory> actual,
                             Map<String, Long> deletes, Consumer<JsonNode> live) {
        new IndexScanner(es).scan(target, List.of(layout.vectorField()), hit -> {
            JsonNode doc = hit.parsed();
            if (layout.isTombstone(doc)) {
                deletes.put(hit.id(), hit.version());
                return;
            }
            // The digest covers the source exactly as stored, not as parsed: 19.90 and 19.9 differ.
            long digest = ContentDigest.of(layout, hit.id(), hit.source());
            actual.put(hit.id(), new Memory(userOf(layout.userId(doc)), digest, hit.version()));
            live.accept(doc);
        });
    }

    /**
     * The memories of the source the index holds as deleted since, at their source version or a later one: a
     * tombstone, or a delete recorded in the index's {@link DeleteLedger}. Those arrived; they are not missing.
     */
    private static List<String> deletedSince(ElasticsearchClient es, String index, DocumentLayout layout,
                                             Map<String, Memory> expected, Map<String, Memory> actual,
                                             Map<String, Long> deletes) {
        List<String> absent = expected.keySet().stream().filter(id -> !actual.containsKey(id)).sorted().toList();
        if (!layout.keepsTombstones()) {
            DeleteLedger ledger = new DeleteLedger(es, index);
            for (int from = 0; from < absent.size(); from += 1000) {
                deletes.putAll(ledger.versions(absent.subList(from, Math.min(absent.size(), from + 1000))));
            }
        }
        return absent.stream().filter(id -> deletes.getOrDefault(id, Long.MIN_VALUE) >= expected.get(id).version())
                .toList();
    }

    /** The newest version of each memory of the source; a source with invalid records is refused whole. */
    private static Map<String, Memory> readSource(MemorySource memories, DocumentLayout layout) {
        return comparable(memories, SourceSnapshot.read(memories, Integer.MAX_VALUE), layout);
    }

    /** Each entity of the source's entity store; a store with invalid entities is refused whole. */
    private static Map<String, Memory> readEntities(MemorySource memories, EntitySource store, DocumentLayout layout) {
        return comparable(memories, SourceSnapshot.readEntities(memories, store, Integer.MAX_VALUE), layout);
    }

    /** What the comparison sees of a snapshot of the source. */
    private static Map<String, Memory> comparable(MemorySource memories, SourceSnapshot snapshot, DocumentLayout layout) {
        Map<String, MemoryEvent> newest = snapshot.newest();
        List<String> problems = snapshot.problems();
        if (!problems.isEmpty()) {
            throw new InvalidSourceException(memories.name(),
                    problems.subList(0, Math.min(20, problems.size())), Math.max(0, problems.size() - 20));
        }
        Map<String, Memory> byId = new HashMap<>();
        newest.forEach((id, event) -> byId.put(id, new Memory(event.getUserId() == null ? NO_USER : event.getUserId(),
                ContentDigest.of(layout, event), event.getVersion())));
        return byId;
    }

    /**
     * Per user (sorted by name): memories on each side, and which are missing, extra or changed. A memory that
     * moved to another user counts as changed. Fills the three id lists.
     */
    static List<VerifyReport.UserRow> compare(Map<String, Memory> expected, Map<String, Memory> actual,
                                              List<String> missing, List<String> extra, List<String> changed) {
        Map<String, long[]> rows = new TreeMap<>(); // source, target, missing, extra, changed, sumSource, sumTarget
        for (Map.Entry<String, Memory> entry : expected.entrySet()) {
            long[] row = rows.computeIfAbsent(entry.getValue().user(), u -> new long[7]);
            row[0]++;
            row[5] += entry.getValue().digest();
            Memory got = actual.get(entry.getKey());
            if (got == null) {
                row[2]++;
                missing.add(entry.getKey());
            } else if (got.digest() != entry.getValue().digest() || !got.user().equals(entry.getValue().user())) {
                row[4]++;
                changed.add(entry.getKey());
            }
        }
        for (Map.Entry<String, Memory> entry : actual.entrySet()) {
            long[] row = rows.computeIfAbsent(entry.getValue().user(), u -> new long[7]);
            row[1]++;
            row[6] += entry.getValue().digest();
            if (!expected.containsKey(entry.getKey())) {
                row[3]++;
                extra.add(entry.getKey());
            }
        }
        List<VerifyReport.UserRow> users = new ArrayList<>();
        rows.forEach((user, r) -> users.add(new VerifyReport.UserRow(user, r[0], r[1], r[2], r[3], r[4],
                r[0] == r[1] && r[5] == r[6])));
        return users;
    }

    /** The same {@code size} ids for the same set and seed, whatever order the index returned them in. */
    static List<String> sample(Set<String> ids, int size, long seed) {
        List<String> all = new ArrayList<>(ids);
        Collections.sort(all);
        Collections.shuffle(all, new Random(seed));
        return all.subList(0, Math.min(size, all.size()));
    }

    private VerifyReport.VectorCheck checkVectors(ElasticsearchClient es, String index, DocumentLayout layout,
            ModelProfile profile, EmbeddingModel embedder, List<String> ids) throws IOException {
        Map<String, JsonNode> docs = fetch(es, index, ids);
        List<String> failed = new ArrayList<>();
        double lowest = 1.0;
        for (String id : ids) {
            JsonNode doc = docs.get(id);
            float[] fresh = embedder.embed(profile.inputOf(layout.text(doc))).content().vector();
            double cosine = cosine(fresh, doc.get(layout.vectorField()));
            lowest = Math.min(lowest, cosine);
            if (cosine < options.minCosine()) {
                failed.add(id);
            }
        }
        Collections.sort(failed);
        return new VerifyReport.VectorCheck(profile.id(), ids.size(), failed.size(), ids.isEmpty() ? 1.0 : lowest,
                options.minCosine(), failed);
    }

    /** The index to compare retrieval with, or (in {@code none}) why there is none. */
    record Previous(String index, String none) {
    }

    /**
     * The index the retrieval check compares with: the one given, else the other index the alias points to
     * (verify before the cutover), else the one the index's last cutover came from (verify after it). Never the
     * index itself: a comparison with itself cannot fail, so it is no check.
     *
     * @param index        the index verified (an index, not an alias)
     * @param explicit     {@code --compare-index} (an index, not an alias), or null
     * @param aliasTargets the indices the alias points to now
     * @param cutoverFrom  the index the alias pointed to before its cutover to {@code index}, or null
     * @throws InvalidRequestException if {@code explicit} is the index itself, or does not exist
     */
    static Previous previousIndex(String index, String explicit, Set<String> aliasTargets, String cutoverFrom,
                                  Predicate<String> exists) {
        if (explicit != null) {
            if (explicit.equals(index)) {
                throw new InvalidRequestException("--compare-index " + explicit + " is the index being verified;"
                        + " give an earlier index");
            }
            if (!exists.test(explicit)) {
                throw new InvalidRequestException("index " + explicit + " to compare with does not exist");
            }
            return new Previous(explicit, null);
        }
        for (String target : aliasTargets) {
            if (!target.equals(index)) {
                return new Previous(target, null);
            }
        }
        if (cutoverFrom != null && !cutoverFrom.equals(index)) {
            return exists.test(cutoverFrom) ? new Previous(cutoverFrom, null)
                    : new Previous(null, "the previous index " + cutoverFrom + " no longer exists");
        }
        return new Previous(null, "no previous index to compare with (first migration)");
    }

    private VerifyReport.RetrievalCheck compareRetrieval(ElasticsearchClient es, IndexLifecycle lifecycle, String index,
            DocumentLayout layout, String other, ModelProfile profile, EmbeddingModel embedder, List<String> sampleIds)
            throws IOException {
        // The earlier index may have either layout, or be the app's own Mem0 index (read as the mem0 layout).
        DocumentLayout otherLayout = lifecycle.layoutOf(other);
        int k = options.k();
        double total = 0;
        int count = 0;
        if (options.queries() != null) {
            ModelProfile otherProfile = EmbeddingModels.profile(recordedModel(es, other, otherLayout));
            EmbeddingModel otherEmbedder = otherProfile.id().equals(profile.id()) ? embedder : otherProfile.factory().get();
            for (String query : Files.readAllLines(options.queries(), StandardCharsets.UTF_8)) {
                if (query.isBlank()) {
                    continue;
                }
                // Queries are not passages: e5's "passage: " prefix is for stored memories only.
                total += overlap(knn(es, index, layout, embedder.embed(query).content().vector()),
                        knn(es, other, otherLayout, otherEmbedder.embed(query).content().vector()), k);
                count++;
            }
        } else {
            // Each sampled memory's own vector in each index is the query there: this needs no model for the
            // earlier index, which may come from a provider we cannot call.
            Map<String, JsonNode> mine = fetch(es, index, sampleIds);
            Map<String, JsonNode> theirs = fetch(es, other, sampleIds);
            for (String id : sampleIds) {
                JsonNode a = mine.get(id);
                JsonNode b = theirs.get(id);
                if (a == null || b == null || !b.has(otherLayout.vectorField())) {
                    continue;
                }
                total += overlap(knn(es, index, layout, floats(a.get(layout.vectorField()))),
                        knn(es, other, otherLayout, floats(b.get(otherLayout.vectorField()))), k);
                count++;
            }
        }
        return new VerifyReport.RetrievalCheck(other,
                options.queries() != null ? "queries from " + options.queries() : "sampled memories",
                k, count, count == 0 ? 0 : total / count, options.minOverlap());
    }

    private static String recordedModel(ElasticsearchClient es, String index, DocumentLayout layout) throws IOException {
        SearchResponse<ObjectNode> hit = es.search(s -> s.index(index).size(1)
                .query(q -> q.exists(e -> e.field(layout.modelNameField()))), ObjectNode.class);
        if (hit.hits().hits().isEmpty()) {
            throw new InvalidRequestException("index " + index + " records no model, so queries cannot be embedded for it");
        }
        return layout.recordedModel(hit.hits().hits().get(0).source());
    }

    private Set<String> knn(ElasticsearchClient es, String target, DocumentLayout layout, float[] vector)
            throws IOException {
        int k = options.k();
        List<Float> query = new ArrayList<>(vector.length);
        for (float v : vector) {
            query.add(v);
        }
        SearchResponse<Void> response = es.search(s -> s.index(target).size(k).source(src -> src.fetch(false))
                .knn(n -> n.field(layout.vectorField()).queryVector(query).k(k).numCandidates(Math.max(100, 4 * k))),
                Void.class);
        Set<String> ids = new HashSet<>();
        response.hits().hits().forEach(h -> ids.add(h.id()));
        return ids;
    }

    /** The share of the k neighbours the two result sets have in common. */
    static double overlap(Set<String> a, Set<String> b, int k) {
        Set<String> both = new HashSet<>(a);
        both.retainAll(b);
        return (double) both.size() / k;
    }

    /** Whole documents (vector included) of {@code ids} that {@code target} holds. */
    private static Map<String, JsonNode> fetch(ElasticsearchClient es, String target, List<String> ids) throws IOException {
        Map<String, JsonNode> docs = new HashMap<>();
        if (ids.isEmpty()) {
            return docs;
        }
        MgetResponse<ObjectNode> response = es.mget(m -> m.index(target).ids(ids), ObjectNode.class);
        for (MultiGetResponseItem<ObjectNode> item : response.docs()) {
            if (item.isResult() && item.result().found()) {
                docs.put(item.result().id(), item.result().source());
            }
        }
        return docs;
    }

    private static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) array.get(i).asDouble();
        }
        return values;
    }

    /** Cosine of a fresh vector and a stored one; 0 if the stored one is absent or of other dimensions. */
    static double cosine(float[] a, JsonNode b) {
        return b == null || b.size() != a.length ? 0 : Vectors.cosine(a, floats(b));
    }

    private static String userOf(String user) {
        return user == null ? NO_USER : user;
    }
}
