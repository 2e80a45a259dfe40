package io.memshift.reembedder;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.AbstractInProcessEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxBertBiEncoder;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;
import io.memshift.schemas.DaemonThreads;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The same ONNX weights, tokenizer and pooling as LangChain4j's stock in-process model, run with true padded batch
 * inference: one {@code session.run} over many texts instead of one per text.
 *
 * <p>Why it is faster: encoding one short text (a memory is 10 to 60 word pieces) has a fixed cost per
 * {@code session.run} and matrix products too small to use the vector units well. A padded run over a few texts
 * of similar length shares that cost. But the gain turns into a loss once a run's activations outgrow the CPU
 * caches: measured on 2 cores, about 256 word pieces per run (texts sorted by length, so padding stays small) is
 * fastest, about 1.3× stock for the full-precision models, while runs of 4,096 pieces were 0.6× stock. Each run
 * is single-threaded, one worker per core. The dynamically quantized models (-q) compute their activation scale
 * over the whole input tensor, so batching would change their vectors: they run one text per run, which
 * measures the same as stock. See BENCHMARKS.md.
 *
 * <p>Why the vectors are the same: each text is tokenized exactly as LangChain4j's {@link OnnxBertBiEncoder}
 * does (tokenize, the 510-piece window, rebuild, encode with special tokens), padding is masked out of
 * attention, CLS pooling reads the first position and mean pooling averages only the text's own positions, then
 * the vector is L2-normalized. Padding changes only the blocking of the matrix products, i.e. the last bits of
 * some floats: cosine to the stock vector is ≥ 0.99999 (tests and {@code bench embed} check it). A text longer
 * than one window goes through the stock encoder (it averages several windows), so it is identical by
 * construction.
 */
public final class TunedOnnxEmbeddingModel extends AbstractInProcessEmbeddingModel {

    /** Where a LangChain4j model jar keeps its files, and how that model pools token vectors. */
    public record OnnxFiles(String modelResource, String tokenizerResource, PoolingMode pooling) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(TunedOnnxEmbeddingModel.class);
    /** LangChain4j's window: 512 positions minus [CLS] and [SEP]. */
    private static final int WINDOW = 510;
    /**
     * Word pieces per session.run (texts × padded length). Measured on 2 cores (bench embed): 192 to 320 pieces
     * run fastest; at 4,096 the activations outgrow the caches and a run gets slower per text than stock.
     */
    static final int DEFAULT_PIECES_PER_RUN = 256;
    static final int DEFAULT_TEXTS_PER_RUN = 64;

    private final OnnxBertBiEncoder stockEncoder;
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final boolean typeIds;
    private final PoolingMode pooling;
    private final ExecutorService workers;
    private final int dims;
    private final int workerCount;
    private final int textsPerRun;
    private final int piecesPerRun;

    private TunedOnnxEmbeddingModel(ExecutorService workers, OnnxBertBiEncoder stockEncoder, OrtEnvironment environment,
                                    OrtSession session, HuggingFaceTokenizer tokenizer, PoolingMode pooling, int dims,
                                    int textsPerRun, int piecesPerRun)
            throws OrtException {
        super(workers);
        this.workers = workers;
        this.stockEncoder = stockEncoder;
        this.environment = environment;
        this.session = session;
        this.tokenizer = tokenizer;
        this.typeIds = session.getInputNames().contains("token_type_ids");
        this.pooling = pooling;
        this.dims = dims;
        this.textsPerRun = textsPerRun;
        this.piecesPerRun = piecesPerRun;
        this.workerCount = workerCount(workers);
    }

    /**
     * @param workers      batches run at once; each run is single-threaded inside ONNX Runtime, so one worker per
     *                     core keeps every core busy without two thread pools fighting over them
     * @param textsPerRun  at most this many texts per session.run; 1 for a dynamically quantized model, whose
     *                     activation scales are computed over the whole input tensor, so that batching would
     *                     change its vectors
     * @param piecesPerRun at most this many word pieces (texts × padded length) per session.run
     */
    public static TunedOnnxEmbeddingModel load(OnnxFiles files, int dims, int workers, int textsPerRun, int piecesPerRun) {
        return load(files, dims, workers, textsPerRun, piecesPerRun, (environment, options) -> {
            Optional<Path> file = ModelFileCache.extracted(files.modelResource());
            if (file.isPresent()) {
                try {
                    return environment.createSession(file.get().toString(), options);
                } catch (OrtException e) {
                    // The jar's own bytes decide: a cached file ONNX Runtime cannot open is dropped, not kept failing.
                    LOG.warn("cannot open cached model file {} ({}); deleting it and reading the model from its jar",
                            file.get(), e.getMessage());
                    ModelFileCache.discard(file.get());
                }
            }
            return environment.createSession(readResource(files.modelResource()), options);
        });
    }

    /** How a model's ONNX Runtime session is made: from a file on disk, or from bytes read (and maybe rewritten). */
    @FunctionalInterface
    private interface SessionSource {
        OrtSession open(OrtEnvironment environment, OrtSession.SessionOptions options) throws OrtException, IOException;
    }

    /**
     * A dynamically quantized model run in padded batches, each text quantized with its own scale
     * ({@link PerTextQuantization}): the same vectors as one text per run. Not what the pipeline runs: on 2 cores
     * it measured no faster (BENCHMARKS.md); {@code bench embed} measures it.
     */
    public static TunedOnnxEmbeddingModel loadPerTextQuantized(OnnxFiles files, int dims) {
        return load(files, dims, Math.max(1, Runtime.getRuntime().availableProcessors()), DEFAULT_TEXTS_PER_RUN,
                DEFAULT_PIECES_PER_RUN, (environment, options) -> environment.createSession(
                        PerTextQuantization.rewrite(readResource(files.modelResource())), options));
    }

    private static TunedOnnxEmbeddingModel load(OnnxFiles files, int dims, int workers, int textsPerRun,
                                                int piecesPerRun, SessionSource sessions) {
        try {
            OrtEnvironment environment = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            OrtSession session = sessions.open(environment, options);
            OnnxBertBiEncoder stock;
            try (InputStream in = openResource(files.tokenizerResource())) {
                stock = new OnnxBertBiEncoder(environment, session, in, files.pooling());
            }
            HuggingFaceTokenizer tokenizer = tokenizer(files);
            ExecutorService encoders = Executors.newFixedThreadPool(workers, DaemonThreads.numbered("onnx-encoder"));
            return new TunedOnnxEmbeddingModel(encoders, stock, environment, session, tokenizer, files.pooling(), dims,
                    textsPerRun, piecesPerRun);
        } catch (OrtException e) {
            throw new IllegalStateException("cannot load ONNX model " + files.modelResource() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model files " + files.modelResource() + ", "
                    + files.tokenizerResource() + ": " + e.getMessage(), e);
        }
    }

    /** One worker per available core; padded batches for a full-precision model, one text per run for a quantized one. */
    public static TunedOnnxEmbeddingModel load(OnnxFiles files, int dims, boolean quantized) {
        return load(files, dims, Math.max(1, Runtime.getRuntime().availableProcessors()),
                quantized ? 1 : DEFAULT_TEXTS_PER_RUN, DEFAULT_PIECES_PER_RUN);
    }

    /** The model's tokenizer, with the options LangChain4j's encoder uses, so both tokenize alike. */
    private static HuggingFaceTokenizer tokenizer(OnnxFiles files) throws IOException {
        try (InputStream in = openResource(files.tokenizerResource())) {
            return HuggingFaceTokenizer.newInstance(in, Map.of("padding", "false"));
        }
    }

    /**
     * Counts the word pieces this model reads for a model input, with the model's own tokenizer and without
     * loading its weights: the pieces with [CLS] and [SEP], and for a text longer than one 510-piece window, each
     * window with its own [CLS] and [SEP], as {@link #embedAll} encodes it. The tokenizers truncate (all-MiniLM's at 128
     * pieces, the others at 512, as loaded here and for {@link #load}): only what they keep counts, the model reads
     * no more.
     */
    public static TokenCounter tokenCounter(OnnxFiles files) {
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = tokenizer(files);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + files.tokenizerResource(), e);
        }
        return new TokenCounter() {
            @Override
            public long count(String modelInput) {
                List<String> pieces = tokenizer.tokenize(modelInput);
                List<List<String>> windows = windows(pieces);
                if (windows.size() <= 1) {
                    return pieces.size();
                }
                return windows.stream().mapToLong(window -> window.size() + 2).sum();
            }

            @Override
            public boolean exact() {
                return true;
            }

            @Override
            public String method() {
                boolean truncates = !"DO_NOT_TRUNCATE".equals(tokenizer.getTruncation());
                return "the model's own tokenizer (" + files.tokenizerResource() + "), word pieces with [CLS] and [SEP]"
                        + (truncates ? "; it reads at most " + tokenizer.getMaxLength() + " of a text" : "");
            }
        };
    }

    private static int workerCount(ExecutorService workers) {
        return workers instanceof java.util.concurrent.ThreadPoolExecutor pool ? pool.getCorePoolSize() : 1;
    }

    @Override
    protected OnnxBertBiEncoder model() {
        return stockEncoder;
    }

    @Override
    protected Integer knownDimension() {
        return dims;
    }

    /** One text, encoded as the stock encoder would feed it to the model. */
    private record Encoded(int index, long[] ids, long[] mask, long[] types) {
    }

    @Override
    public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
        Embedding[] out = new Embedding[segments.size()];
        // Long texts take the stock path (several windows, averaged); the others are tokenized exactly as the
        // stock encoder would, sorted by length and cut into padded runs.
        // Tokenizing is a tenth of the work: it is spread over the workers too, so that they do not wait for it.
        Encoded[] encoded = new Encoded[segments.size()];
        int slices = Math.min(workerCount, Math.max(1, segments.size() / 16));
        List<Future<?>> tokenizing = new ArrayList<>();
        for (int slice = 0; slice < slices; slice++) {
            int first = segments.size() * slice / slices;
            int last = segments.size() * (slice + 1) / slices;
            tokenizing.add(workers.submit(() -> {
                for (int i = first; i < last; i++) {
                    encoded[i] = encode(i, segments.get(i).text());
                }
            }));
        }
        awaitAll(tokenizing);
        List<Encoded> shortTexts = new ArrayList<>();
        List<Integer> longTexts = new ArrayList<>();
        int tokens = 0;
        for (int i = 0; i < segments.size(); i++) {
            if (encoded[i] == null) {
                longTexts.add(i); // several windows (or none: the stock encoder reports the empty text)
            } else {
                shortTexts.add(encoded[i]);
                tokens += encoded[i].ids().length;
            }
        }
        shortTexts.sort(Comparator.comparingInt((Encoded e) -> e.ids().length));
        List<Future<?>> runs = new ArrayList<>();
        int from = 0;
        while (from < shortTexts.size()) {
            int to = from;
            int longest = 0;
            while (to < shortTexts.size() && to - from < textsPerRun) {
                int length = Math.max(longest, shortTexts.get(to).ids().length);
                if (to > from && (long) length * (to - from + 1) > piecesPerRun) {
                    break;
                }
                longest = length;
                to++;
            }
            List<Encoded> batch = shortTexts.subList(from, to);
            runs.add(workers.submit(() -> run(batch, out)));
            from = to;
        }
        if (!longTexts.isEmpty()) {
            List<TextSegment> long_ = longTexts.stream().map(segments::get).toList();
            Response<List<Embedding>> stock = super.embedAll(long_);
            for (int j = 0; j < longTexts.size(); j++) {
                out[longTexts.get(j)] = stock.content().get(j);
            }
            if (stock.tokenUsage() != null && stock.tokenUsage().inputTokenCount() != null) {
                tokens += stock.tokenUsage().inputTokenCount();
            }
        }
        awaitAll(runs);
        return Response.from(List.of(out), new TokenUsage(tokens));
    }

    /** A text as the stock encoder would feed it to the model, or null if it spans several windows. */
    private Encoded encode(int index, String text) {
        List<List<String>> windows = windows(tokenizer.tokenize(text));
        if (windows.size() != 1) {
            return null;
        }
        Encoding encoding = tokenizer.encode(rebuild(windows.get(0)), true, false);
        return new Encoded(index, encoding.getIds(), encoding.getAttentionMask(), encoding.getTypeIds());
    }

    private static void awaitAll(List<Future<?>> tasks) {
        for (Future<?> task : tasks) {
            try {
                task.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while embedding", e);
            }
        }
    }

    /** One padded session.run over texts of similar length; writes each text's vector into {@code out}. */
    private void run(List<Encoded> batch, Embedding[] out) {
        int rows = batch.size();
        int length = batch.stream().mapToInt(e -> e.ids().length).max().orElseThrow();
        long[] ids = new long[rows * length];
        long[] mask = new long[rows * length];
        long[] types = new long[rows * length];
        for (int r = 0; r < rows; r++) {
            Encoded e = batch.get(r);
            System.arraycopy(e.ids(), 0, ids, r * length, e.ids().length);
            System.arraycopy(e.mask(), 0, mask, r * length, e.mask().length);
            System.arraycopy(e.types(), 0, types, r * length, e.types().length);
        }
        long[] shape = {rows, length};
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put("input_ids", OnnxTensor.createTensor(environment, LongBuffer.wrap(ids), shape));
            inputs.put("attention_mask", OnnxTensor.createTensor(environment, LongBuffer.wrap(mask), shape));
            if (typeIds) {
                inputs.put("token_type_ids", OnnxTensor.createTensor(environment, LongBuffer.wrap(types), shape));
            }
            try (OrtSession.Result result = session.run(inputs)) {
                float[][][] hidden = (float[][][]) result.get(0).getValue();
                for (int r = 0; r < rows; r++) {
                    Encoded e = batch.get(r);
                    out[e.index()] = Embedding.from(normalize(pool(hidden[r], e.ids().length)));
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on a batch of " + rows + " texts: " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    /** As LangChain4j pools: CLS takes the first position; MEAN averages the text's own positions in order. */
    private float[] pool(float[][] positions, int ownLength) {
        if (pooling == PoolingMode.CLS) {
            return positions[0].clone();
        }
        float[] mean = new float[positions[0].length];
        for (int p = 0; p < ownLength; p++) {
            float[] position = positions[p];
            for (int d = 0; d < mean.length; d++) {
                mean[d] += position[d];
            }
        }
        for (int d = 0; d < mean.length; d++) {
            mean[d] /= ownLength;
        }
        return mean;
    }

    private static float[] normalize(float[] vector) {
        double sum = 0;
        for (float v : vector) {
            sum += v * v;
        }
        float norm = (float) Math.sqrt(sum);
        float[] unit = new float[vector.length];
        for (int d = 0; d < vector.length; d++) {
            unit[d] = vector[d] / norm;
        }
        return unit;
    }

    /**
     * LangChain4j's windows over a tokenized text ([CLS] pieces [SEP]): runs of at most 510 pieces that do not
     * split a word (a window never ends just before a {@code ##} continuation).
     */
    static List<List<String>> windows(List<String> pieces) {
        List<List<String>> windows = new ArrayList<>();
        int from = 1;
        while (from < pieces.size() - 1) {
            int to = from + WINDOW;
            if (to >= pieces.size() - 1) {
                to = pieces.size() - 1;
            } else {
                while (pieces.get(to).startsWith("##")) {
                    to--;
                }
            }
            windows.add(pieces.subList(from, to));
            from = to;
        }
        return windows;
    }

    /** The text LangChain4j encodes for one window: rebuilt from its pieces, or the pieces joined if that drifts. */
    private String rebuild(List<String> window) {
        String sentence = tokenizer.buildSentence(window);
        List<String> again = new LinkedList<>(tokenizer.tokenize(sentence));
        again.remove(0);
        again.remove(again.size() - 1);
        return again.equals(window) ? sentence : String.join("", window);
    }

    private static byte[] readResource(String name) throws IOException {
        try (InputStream in = openResource(name)) {
            return in.readAllBytes();
        }
    }

    private static InputStream openResource(String name) throws IOException {
        InputStream in = TunedOnnxEmbeddingModel.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException("model file " + name + " is not on the classpath (its LangChain4j jar is missing)");
        }
        return in;
    }
}
