package io.memshift.control;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.mapping.Property;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import co.elastic.clients.elasticsearch.indices.get_mapping.IndexMappingRecord;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.memshift.clients.ElasticsearchClients;
import io.memshift.importer.DocumentLayout;
import io.memshift.clients.ElasticsearchSettings;
import io.memshift.importer.IndexLifecycle;
import io.memshift.reembedder.EmbeddingModels;
import io.memshift.reembedder.ModelProfile;
import io.memshift.reembedder.PipelineEmbedder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Tries an index the way an app would: the query embedded with the index's own model, read from the index (the
 * fingerprint the importer writes on every document), through the same model input as the memories
 * ({@link PipelineEmbedder}: e5's {@code "passage: "} prefix too, as {@code memshift serve} embeds an app's
 * queries), then the k nearest memories, optionally of one user, never a deleted one. Where the documents keep what
 * a search reads is the index's {@link DocumentLayout}'s business. With an earlier index to compare, the same
 * query is embedded with that index's model and searched there too, side by side.
 */
public final class Search {

    /** A model call for one query text stops starting requests after this long. */
    private static final Duration QUERY_BUDGET = Duration.ofSeconds(30);

    /**
     * @param target  the alias or index to search
     * @param user    only this user's memories; null for all
     * @param k       hits wanted
     * @param compare an earlier index (or alias) to search side by side; null for none
     */
    public record Options(String target, String user, int k, String compare) {
        public Options {
            requireK(k);
        }
    }

    /** Refuses a {@code --k} outside 1 to {@link #MAX_K}: search's, and verify's retrieval comparison's. */
    public static void requireK(int k) {
        if (k < 1 || k > MAX_K) {
            throw new InvalidRequestException("--k: " + k + " is not between 1 and " + MAX_K);
        }
    }

    /**
     * The most neighbours a kNN search here may ask for: it looks at 4 × k candidates, and Elasticsearch takes at
     * most 10,000 (past that it answered "[num_candidates] cannot exceed [10000]", an option no user set).
     */
    public static final int MAX_K = 2_500;

    /** One memory found: its rank from 1, Elasticsearch's kNN score, and what it is. */
    public record Found(int rank, double score, String id, String user, String text) {
    }

    /**
     * One index's answer.
     *
     * @param target the alias or index asked
     * @param index  the index behind it
     * @param model  the model the query was embedded with: the index's own
     */
    public record Side(String target, String index, String model, List<Found> hits) {
    }

    /** @param compared the earlier index's answer, or null */
    public record Result(String query, String user, int k, Side hits, Side compared) {
    }

    private final ElasticsearchSettings elasticsearch;
    private final String elasticsearchUrl;
    private final Map<String, String> env;

    /** @param env where remote models' settings and keys come from */
    public Search(String elasticsearchUrl, Map<String, String> env) {
        this(ElasticsearchSettings.of(elasticsearchUrl), env);
    }

    /** Searches the cluster {@code elasticsearch} describes, with its credentials and trusted certificates. */
    public Search(ElasticsearchSettings elasticsearch, Map<String, String> env) {
        this.elasticsearch = elasticsearch;
        this.elasticsearchUrl = elasticsearch.url();
        this.env = env;
    }

    /**
     * @throws InvalidRequestException if an index does not exist, records no model, or records one memshift cannot
     *                                 run here (the message says which and why)
     */
    public Result run(String query, Options options) {
        if (query == null || query.isBlank()) {
            throw new InvalidRequestException("the query is empty");
        }
        try (ElasticsearchClient es = ElasticsearchClients.connect(elasticsearch)) {
            Side hits = search(es, query, options.target(), options, "");
            Side compared = options.compare() == null ? null
                    : search(es, query, options.compare(), options, "cannot search " + options.compare() + " side by side: ");
            return new Result(query, options.user(), options.k(), hits, compared);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    private Side search(ElasticsearchClient es, String query, String target, Options options, String context)
            throws IOException {
        IndexLifecycle lifecycle = new IndexLifecycle(es);
        if (!lifecycle.exists(target)) {
            throw new InvalidRequestException(context + "no index or alias " + target + " in " + elasticsearchUrl);
        }
        String index = lifecycle.indexBehind(target);
        DocumentLayout layout = lifecycle.layoutOf(index);
        String modelId = recordedModel(es, index, layout);
        if (modelId == null) {
            throw new InvalidRequestException(context + "index " + index + " records no model (it holds no memory"
                    + " memshift wrote), so memshift cannot embed a query for it");
        }
        VectorField vectors = vectorField(es, index, layout);
        ModelProfile profile;
        try {
            profile = EmbeddingModels.profile(modelId, env);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(context + "index " + index + " was embedded with " + modelId
                    + ", which memshift cannot run here: " + e.getMessage());
        }
        if (profile.dims() != vectors.dims()) {
            throw new InvalidRequestException(context + "index " + index + " holds " + vectors.dims() + "-d vectors of "
                    + modelId + " but that model makes " + profile.dims() + "-d ones here (its dimensions setting,"
                    + " e.g. MEMSHIFT_OPENAI_DIMENSIONS, differs from the migration's)");
        }
        float[] vector = embed(profile, query, context);
        return new Side(target, index, modelId, knn(es, index, layout, vectors.quantized(), vector, options));
    }

    /**
     * The model ({@code provider:name}) one of the index's documents records it was embedded with (the
     * fingerprint the importer writes on each), or null if none records one.
     */
    private static String recordedModel(ElasticsearchClient es, String index, DocumentLayout layout) throws IOException {
        SearchResponse<ObjectNode> response = es.search(s -> s.index(index).size(1)
                .source(src -> src.filter(f -> f.excludes(layout.vectorField())))
                .query(q -> q.exists(e -> e.field(layout.modelNameField()))), ObjectNode.class);
        if (response.hits().hits().isEmpty()) {
            return null;
        }
        return layout.recordedModel(response.hits().hits().get(0).source());
    }

    /**
     * The index's vector field as its mapping declares it: its dimensions, and whether its vectors are quantized
     * ({@code int8_}, {@code int4_}, {@code bbq_} types), which is when rescoring helps.
     */
    private record VectorField(int dims, boolean quantized) {
    }

    private static VectorField vectorField(ElasticsearchClient es, String index, DocumentLayout layout)
            throws IOException {
        IndexMappingRecord record = es.indices().getMapping(m -> m.index(index)).result().get(index);
        Property vector = record == null ? null : record.mappings().properties().get(layout.vectorField());
        if (vector == null || !vector.isDenseVector() || vector.denseVector().dims() == null) {
            throw new InvalidRequestException("index " + index + " has no dense_vector field '" + layout.vectorField()
                    + "': it is not an index memshift filled");
        }
        String type = vector.denseVector().indexOptions() == null ? ""
                : vector.denseVector().indexOptions().type().jsonValue();
        return new VectorField(vector.denseVector().dims(),
                type.startsWith("int8") || type.startsWith("int4") || type.startsWith("bbq"));
    }

    /** The query as the model's input for a memory, embedded as the re-embedder embeds memories. */
    private static float[] embed(ModelProfile profile, String query, String context) {
        EmbeddingModel model = profile.factory().get();
        try (PipelineEmbedder embedder = new PipelineEmbedder(profile, model)) {
            PipelineEmbedder.Result result = embedder.embed(List.of(query), QUERY_BUDGET);
            if (result.vectors().get(0) != null) {
                return result.vectors().get(0);
            }
            String why = result.refused().containsKey(0) ? "refused the query: " + result.refused().get(0)
                    : result.unavailable().map(PipelineEmbedder.Unavailable::reason).orElse("gave no vector");
            throw new IllegalStateException(context + profile.id() + " " + why);
        } catch (PipelineEmbedder.ModelRefusedException e) {
            throw new InvalidRequestException(context + profile.id() + " refused the call: " + e.getMessage());
        }
    }

    private static List<Found> knn(ElasticsearchClient es, String index, DocumentLayout layout, boolean quantized,
                                   float[] vector, Options options) throws IOException {
        List<Float> queryVector = new ArrayList<>(vector.length);
        for (float v : vector) {
            queryVector.add(v);
        }
        List<Query> filters = new ArrayList<>();
        // The alias filters tombstones out too (in a layout that keeps them); an index asked by name does not, so
        // the search does.
        layout.aliasFilter().ifPresent(filters::add);
        if (options.user() != null) {
            filters.add(Query.of(q -> q.term(t -> t.field(layout.userIdField()).value(options.user()))));
        }
        int k = options.k();
        SearchResponse<ObjectNode> response = es.search(s -> s.index(index).size(k)
                .source(src -> src.filter(f -> f.excludes(layout.vectorField())))
                .knn(n -> {
                    n.field(layout.vectorField()).queryVector(queryVector).k(k).numCandidates(Math.max(100, 4 * k)).filter(filters);
                    // A quantized index ranks by approximate vectors: the nearest few are rescored with the float
                    // vectors it keeps, so that near-identical memories come out in their true order.
                    return quantized ? n.rescoreVector(r -> r.oversample(3f)) : n;
                }), ObjectNode.class);
        List<Found> hits = new ArrayList<>();
        for (Hit<ObjectNode> hit : response.hits().hits()) {
            JsonNode source = hit.source();
            hits.add(new Found(hits.size() + 1, Objects.requireNonNullElse(hit.score(), 0.0), hit.id(),
                    source == null ? null : layout.userId(source), source == null ? null : layout.text(source)));
        }
        return hits;
    }
}
