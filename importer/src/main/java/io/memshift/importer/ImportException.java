package io.memshift.importer;

/** Elasticsearch refused a memory for a reason retrying cannot fix; names the memory and the reason. */
public class ImportException extends RuntimeException {
    public ImportException(String message) {
        super(message);
    }

    public ImportException(String message, Throwable cause) {
        super(message, cause);
    }
}
