package io.memshift.cli;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.MgetResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.memshift.embedded.StackEndpoints;
import io.memshift.exporter.MemorySource;
import io.memshift.exporter.MemoryEventConverter;
import io.memshift.importer.ElasticsearchClients;
import io.memshift.importer.IndexLifecycle;
import io.memshift.importer.IndexScanner;
import io.memshift.reembedder.EmbeddingModels;
import io.memshift.reembedder.ModelProfile;
import io.memshift.schemas.MemoryEvent;
import java.io.IOException;
import java.io.PrintWriter;
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
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code memshift verify}: checks an index against its source before readers are switched to it.
 * Per user: counts and content checksums. Sampled memories: re-embedded and compared with the stored vector.
 * Retrieval: overlap of the k nearest neighbours with the previous index. Exit 0 only if every check passes;
 * the outcome is noted on the index, and `cutover` refuses an index whose last verify failed.
 */
@Command(name = "verify", description = {
        "Checks an index against its source: per-user counts and content checksums, sampled vectors re-embedded,",
        "and retrieval overlap@k against the previous index. Exit code 0 only if every check passes."})
final class VerifyCommand implements Callable<Integer> {

    private static final String NO_USER = "(no user)";

    @Option(names = "--source", required = true, description = "The source the index was filled from: mem0-json:<file>, jsonl:<file>, mem0-es:<url>/<index>, mem0-qdrant:<url>/<collection> or mem0-api:<url>.")
    String source;

    @Option(names = "--index", required = true, description = "The index to verify.")
    String index;

    @Option(names = "--model", description = "Model to re-embed samples with (default: the one recorded in the index).")
    String model;

    @Option(names = "--sample", defaultValue = "50", description = "Memories to re-embed and to use as queries (default: ${DEFAULT-VALUE}).")
    int sample;

    @Option(names = "--min-cosine", defaultValue = "0.9999", description = "Lowest acceptable cosine between a stored and a fresh vector.")
    double minCosine;

    @Option(names = "--compare-index", description = "Earlier index for the retrieval comparison (default: the one the alias or the last cutover came from).")
    String compareIndex;

    @Option(names = "--alias", defaultValue = "memories", description = "Alias whose current index is compared with (default: ${DEFAULT-VALUE}).")
    String alias;

    @Option(names = "--queries", description = "A file of queries, one per line, for the retrieval comparison instead of sampled memory texts.")
    Path queries;

    @Option(names = "--k", defaultValue = "10", description = "Neighbours compared per query (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--min-overlap", description = "Fail if the mean overlap@k is below this (default: report only).")
    Double minOverlap;

    @Option(names = "--allow-extra", description = "Do not fail on memories the index holds but the source does not (live additions).")
    boolean allowExtra;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the sample.")
    long seed;

    @CommandLine.Mixin
    ClusterEndpoints endpoints = new ClusterEndpoints();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private record Memory(String user, long digest) {
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        SourceUri sourceUri = SourceUri.parse(source);
        MemorySource memories = sourceUri.open();
        StackEndpoints clusters = endpoints.resolveRunning();
        Map<String, Memory> expected = readSource(memories);
        try (ElasticsearchClient es = ElasticsearchClients.connect(clusters.elasticsearchUrl())) {
            IndexLifecycle lifecycle = new IndexLifecycle(es);
            if (!lifecycle.exists(index)) {
                throw new BadInputException("index " + index + " does not exist");
            }
            Map<String, Memory> actual = new HashMap<>();
            String[] recordedModel = new String[1];
            new IndexScanner(es).scan(index, List.of("embedding"), hit -> {
                JsonNode doc = hit.get("_source");
                if (doc.path("deleted").asBoolean(false)) {
                    return;
                }
                String id = hit.get("_id").asText();
                actual.put(id, new Memory(userOf(doc.get("user_id")), ContentDigest.of(id, doc)));
                if (recordedModel[0] == null && doc.has("model")) {
                    recordedModel[0] = doc.get("model").get("provider").asText() + ":" + doc.get("model").get("name").asText();
                }
            });

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
            if (!extra.isEmpty() && !allowExtra) {
                failures.add(extra.size() + " memories in the index are not in the source (--allow-extra accepts them)");
            }
            if (!changed.isEmpty()) {
                failures.add(changed.size() + " memories differ from the source (text, hash, ids, metadata, categories or timestamps)");
            }

            String modelId = model != null ? model : recordedModel[0];
            if (modelId == null) {
                throw new BadInputException("index " + index + " records no model; give --model");
            }
            ModelProfile profile = EmbeddingModels.profile(modelId);
            EmbeddingModel embedder = profile.factory().get();
            List<String> sampleIds = sample(actual.keySet());
            VerifyReport.VectorCheck vectors = checkVectors(es, profile, embedder, sampleIds);
            if (vectors.failed() > 0) {
                failures.add(vectors.failed() + " sampled vectors differ from a fresh embedding by " + profile.id());
            }

            VerifyReport.RetrievalCheck retrieval = compareRetrieval(es, lifecycle, profile, embedder, sampleIds);
            if (retrieval != null && minOverlap != null && retrieval.meanOverlap() < minOverlap) {
                failures.add(String.format("mean overlap@%d with %s is %.3f, below %.3f", k,
                        retrieval.comparedWith(), retrieval.meanOverlap(), minOverlap));
            }

            boolean passed = failures.isEmpty();
            VerifyReport report = new VerifyReport(memories.name(), index, passed, users, missing, extra, changed,
                    vectors, retrieval, failures);
            lifecycle.putMeta(index, Map.of(IndexLifecycle.META_VERIFY_PASSED, Boolean.toString(passed),
                    IndexLifecycle.META_VERIFY_AT, Instant.now().toString()));
            if (json) {
                report.printJson(out);
            } else {
                report.printTable(out);
            }
            return passed ? Memshift.EXIT_OK : Memshift.EXIT_FAILED;
        }
    }

    private Map<String, Memory> readSource(MemorySource memories) {
        MemoryEventConverter converter = new MemoryEventConverter(memories.kind(), memories.shortName(),
                Integer.MAX_VALUE);
        Map<String, MemoryEvent> newest = new HashMap<>();
        List<String> problems = new ArrayList<>();
        memories.forEach(memory -> {
            MemoryEventConverter.Result result = converter.convert(memory);
            if (!result.valid()) {
                problems.addAll(result.problems());
                return;
            }
            newest.merge(result.event().getId(), result.event(), (a, b) -> b.getVersion() >= a.getVersion() ? b : a);
        });
        if (!problems.isEmpty()) {
            throw new io.memshift.exporter.InvalidSourceException(memories.name(),
                    problems.subList(0, Math.min(20, problems.size())), Math.max(0, problems.size() - 20));
        }
        Map<String, Memory> byId = new HashMap<>();
        newest.forEach((id, event) -> byId.put(id, new Memory(event.getUserId() == null ? NO_USER : event.getUserId(),
                ContentDigest.of(event))));
        return byId;
    }

    private static List<VerifyReport.UserRow> compare(Map<String, Memory> expected, Map<String, Memory> actual,
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

    private List<String> sample(Set<String> ids) {
        List<String> all = new ArrayList<>(ids);
        Collections.sort(all);
        Collections.shuffle(all, new Random(seed));
        return all.subList(0, Math.min(sample, all.size()));
    }

    private VerifyReport.VectorCheck checkVectors(ElasticsearchClient es, ModelProfile profile, EmbeddingModel embedder,
                                                  List<String> ids) throws IOException {
        Map<String, JsonNode> docs = fetch(es, index, ids);
        List<String> failed = new ArrayList<>();
        double lowest = 1.0;
        for (String id : ids) {
            JsonNode doc = docs.get(id);
            float[] fresh = embedder.embed(profile.inputOf(doc.get("text").asText())).content().vector();
            double cosine = cosine(fresh, doc.get("embedding"));
            lowest = Math.min(lowest, cosine);
            if (cosine < minCosine) {
                failed.add(id);
            }
        }
        Collections.sort(failed);
        return new VerifyReport.VectorCheck(profile.id(), ids.size(), failed.size(), ids.isEmpty() ? 1.0 : lowest,
                minCosine, failed);
    }

    private VerifyReport.RetrievalCheck compareRetrieval(ElasticsearchClient es, IndexLifecycle lifecycle,
            ModelProfile profile, EmbeddingModel embedder, List<String> sampleIds) throws IOException {
        String other = compareIndex;
        if (other == null) {
            other = lifecycle.aliasTargets(alias).stream().filter(i -> !i.equals(index)).findFirst()
                    .orElse(lifecycle.meta(index).get(IndexLifecycle.META_CUTOVER_FROM));
        }
        if (other == null || !lifecycle.exists(other)) {
            if (compareIndex != null) {
                throw new BadInputException("index " + compareIndex + " to compare with does not exist");
            }
            return null;
        }
        double total = 0;
        int count = 0;
        if (queries != null) {
            ModelProfile otherProfile = EmbeddingModels.profile(recordedModel(es, other));
            EmbeddingModel otherEmbedder = otherProfile.id().equals(profile.id()) ? embedder : otherProfile.factory().get();
            for (String query : Files.readAllLines(queries, StandardCharsets.UTF_8)) {
                if (query.isBlank()) {
                    continue;
                }
                // Queries are not passages: e5's "passage: " prefix is for stored memories only.
                total += overlap(knn(es, index, embedder.embed(query).content().vector()),
                        knn(es, other, otherEmbedder.embed(query).content().vector()));
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
                if (a == null || b == null || !b.has("embedding")) {
                    continue;
                }
                total += overlap(knn(es, index, floats(a.get("embedding"))), knn(es, other, floats(b.get("embedding"))));
                count++;
            }
        }
        return new VerifyReport.RetrievalCheck(other, queries != null ? "queries from " + queries : "sampled memories",
                k, count, count == 0 ? 0 : total / count, minOverlap);
    }

    private static String recordedModel(ElasticsearchClient es, String index) throws IOException {
        SearchResponse<ObjectNode> hit = es.search(s -> s.index(index).size(1)
                .query(q -> q.exists(e -> e.field("model.name"))), ObjectNode.class);
        if (hit.hits().hits().isEmpty()) {
            throw new BadInputException("index " + index + " records no model, so queries cannot be embedded for it");
        }
        JsonNode model = hit.hits().hits().get(0).source().get("model");
        return model.get("provider").asText() + ":" + model.get("name").asText();
    }

    private Set<String> knn(ElasticsearchClient es, String target, float[] vector) throws IOException {
        List<Float> query = new ArrayList<>(vector.length);
        for (float v : vector) {
            query.add(v);
        }
        SearchResponse<Void> response = es.search(s -> s.index(target).size(k).source(src -> src.fetch(false))
                .knn(n -> n.field("embedding").queryVector(query).k(k).numCandidates(Math.max(100, 4 * k))), Void.class);
        Set<String> ids = new HashSet<>();
        response.hits().hits().forEach(h -> ids.add(h.id()));
        return ids;
    }

    private double overlap(Set<String> a, Set<String> b) {
        Set<String> both = new HashSet<>(a);
        both.retainAll(b);
        return (double) both.size() / k;
    }

    private static Map<String, JsonNode> fetch(ElasticsearchClient es, String target, List<String> ids) throws IOException {
        Map<String, JsonNode> docs = new HashMap<>();
        if (ids.isEmpty()) {
            return docs;
        }
        MgetResponse<ObjectNode> response = es.mget(m -> m.index(target).ids(ids)
                .sourceIncludes("text", "embedding"), ObjectNode.class);
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

    private static double cosine(float[] a, JsonNode b) {
        if (b == null || b.size() != a.length) {
            return 0;
        }
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            double y = b.get(i).asDouble();
            dot += a[i] * y;
            na += a[i] * a[i];
            nb += y * y;
        }
        return dot / Math.sqrt(na * nb);
    }

    private static String userOf(JsonNode user) {
        return user == null || user.isNull() ? NO_USER : user.asText();
    }
}
