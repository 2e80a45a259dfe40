package io.memshift.reembedder;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process model's ONNX file, taken out of its LangChain4j jar once into memshift's data directory, so that
 * later starts have ONNX Runtime read it from disk.
 *
 * <p>Why: inflating all-MiniLM-L6-v2's 90 MB from the jar took 0.47–0.53 s of every start that loads it, on the
 * path to the first embedded memory, and held the bytes on the Java heap while ONNX Runtime copied them. From the
 * file, ONNX Runtime reads it itself (the page cache's speed after the first time), and the Java heap never holds
 * it.
 *
 * <p>Where: {@code -Dmemshift.modeldir} ({@code ./memshift} sets it to {@code <data dir>/models}); without it,
 * nothing is cached and the model is read from the jar as before. The file is named after the jar it came from
 * (whose name carries the version) and is used only if its size is the jar entry's; it is written to a temporary
 * file and renamed into place, so a process that dies while writing it, or two writing it at once, never leave a
 * partial model behind. A cache that cannot be written (a read-only disk, a full one) is skipped with a warning.
 */
final class ModelFileCache {

    static final String DIRECTORY_PROPERTY = "memshift.modeldir";
    private static final Logger LOG = LoggerFactory.getLogger(ModelFileCache.class);

    private ModelFileCache() {
    }

    /** The model file on disk, extracted now if it is not there yet; empty when no cache directory is set. */
    static Optional<Path> extracted(String resource) {
        String directory = System.getProperty(DIRECTORY_PROPERTY);
        URL url = ModelFileCache.class.getClassLoader().getResource(resource);
        if (directory == null || directory.isBlank() || url == null) {
            return Optional.empty();
        }
        try {
            URLConnection connection = url.openConnection();
            long size = connection.getContentLengthLong();
            Path target = Path.of(directory).resolve(origin(url)).resolve(resource);
            if (size > 0 && Files.isRegularFile(target) && Files.size(target) == size) {
                return Optional.of(target);
            }
            Files.createDirectories(target.getParent());
            Path partial = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".part");
            try (InputStream in = connection.getInputStream()) {
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(partial);
            }
            return Optional.of(target);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot keep model file {} in {} ({}); reading it from its jar", resource, directory,
                    e.getMessage());
            return Optional.empty();
        }
    }

    /** The jar a resource comes from, by file name ({@code langchain4j-embeddings-...-1.11.0-beta19.jar}). */
    private static String origin(URL url) {
        String text = url.toString();
        int bang = text.indexOf("!/");
        String container = bang < 0 ? text : text.substring(0, bang);
        return container.substring(container.lastIndexOf('/') + 1);
    }
}
