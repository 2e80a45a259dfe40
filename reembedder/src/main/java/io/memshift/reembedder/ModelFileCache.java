package io.memshift.reembedder;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process model's ONNX file, taken out of its LangChain4j jar once into memshift's data folder, so that later
 * starts have ONNX Runtime read it from disk. A cache: safe to delete, rebuilt when missing or damaged.
 *
 * <p>Why: inflating all-MiniLM-L6-v2's 90 MB from the jar took 0.47–0.53 s of every start that loads it, on the
 * path to the first embedded memory, and held the bytes on the Java heap while ONNX Runtime copied them. From the
 * file, ONNX Runtime reads it itself (the page cache's speed after the first time), and the Java heap never holds
 * it.
 *
 * <p>Where: {@code -Dmemshift.modeldir} ({@code ./memshift} sets it to {@code <data folder>/models}); without it,
 * nothing is cached and the model is read from the jar as before. The file is named after the jar it came from
 * (whose name carries the version).
 *
 * <p>Why it is trusted: its CRC-32 must be the jar entry's, checked at every use (15 ms for 90 MB): a file damaged
 * on disk but of the right size still loads in ONNX Runtime and gives wrong vectors (we measured cosine 0.05), which
 * would go into the index under the right model's name. A mismatch is extracted again. It is written to a
 * temporary file and renamed into place, so two processes writing it at once never expose a partial model; a
 * temporary file left by a process killed mid-copy is removed by the next one, once it is an hour old.
 */
final class ModelFileCache {

    static final String DIRECTORY_PROPERTY = "memshift.modeldir";
    private static final Logger LOG = LoggerFactory.getLogger(ModelFileCache.class);
    private static final String PARTIAL_SUFFIX = ".part";
    /** Far longer than any copy takes: a younger temporary file may be another process's copy in progress. */
    private static final Duration ABANDONED_AFTER = Duration.ofHours(1);

    private ModelFileCache() {
    }

    /**
     * The model file on disk, extracted now if it is missing or not the jar's; empty when no cache folder is set,
     * or when it cannot be written (then the model is read from its jar, with a warning).
     */
    static Optional<Path> extracted(String resource) {
        String directory = System.getProperty(DIRECTORY_PROPERTY);
        URL url = ModelFileCache.class.getClassLoader().getResource(resource);
        if (directory == null || directory.isBlank() || url == null) {
            return Optional.empty();
        }
        try {
            URLConnection connection = url.openConnection();
            if (!(connection instanceof JarURLConnection jar)) {
                return Optional.empty(); // not in a jar (a build's classes folder): nothing to inflate
            }
            long expectedCrc = jar.getJarEntry().getCrc();
            Path target = Path.of(directory).resolve(origin(url)).resolve(resource);
            if (expectedCrc >= 0 && Files.isRegularFile(target) && crc(target) == expectedCrc) {
                return Optional.of(target);
            }
            Files.createDirectories(target.getParent());
            removeAbandoned(target.getParent());
            Path partial = Files.createTempFile(target.getParent(), target.getFileName().toString(), PARTIAL_SUFFIX);
            try (InputStream in = jar.getInputStream()) {
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(partial);
            }
            return Optional.of(target);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot keep model file {} in {} ({}); reading it from its jar", resource, directory, e.toString());
            return Optional.empty();
        }
    }

    /** Drops a cached file ONNX Runtime could not open, so that the next start extracts it again. */
    static void discard(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("cannot delete model file {} ({}); delete it by hand", file, e.toString());
        }
    }

    private static long crc(Path file) throws IOException {
        try (CheckedInputStream in = new CheckedInputStream(Files.newInputStream(file), new CRC32())) {
            in.transferTo(OutputStream.nullOutputStream());
            return in.getChecksum().getValue();
        }
    }

    private static void removeAbandoned(Path folder) throws IOException {
        Instant before = Instant.now().minus(ABANDONED_AFTER);
        try (DirectoryStream<Path> partials = Files.newDirectoryStream(folder, "*" + PARTIAL_SUFFIX)) {
            for (Path partial : partials) {
                if (Files.getLastModifiedTime(partial).toInstant().isBefore(before)) {
                    Files.deleteIfExists(partial);
                }
            }
        }
    }

    /** The jar a resource comes from, by file name ({@code langchain4j-embeddings-...-1.11.0-beta19.jar}). */
    private static String origin(URL url) {
        String text = url.toString();
        int bang = text.lastIndexOf("!/");
        String container = bang < 0 ? text : text.substring(0, bang);
        return container.substring(container.lastIndexOf('/') + 1);
    }
}
