package io.memshift.cli;

import java.nio.file.Files;
import io.memshift.exporter.JsonLinesReader;
import io.memshift.exporter.Mem0ElasticsearchReader;
import io.memshift.exporter.Mem0ExportReader;
import io.memshift.exporter.MemorySource;
import java.nio.file.Path;

/** A {@code --source} value: {@code <kind>:<location>}, e.g. {@code mem0-json:export.json}. */
record SourceUri(String kind, String location) {

    static final String MEM0_JSON = "mem0-json";
    static final String JSONL = "jsonl";
    static final String MEM0_ES = "mem0-es";

    static SourceUri parse(String text) {
        int colon = text.indexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new BadInputException("--source must look like <kind>:<location>, e.g. mem0-json:export.json;"
                    + " got '" + text + "'");
        }
        SourceUri uri = new SourceUri(text.substring(0, colon), text.substring(colon + 1));
        if (!uri.kind.equals(MEM0_JSON) && !uri.kind.equals(JSONL) && !uri.kind.equals(MEM0_ES)) {
            throw new BadInputException("source kind '" + uri.kind + "' is not supported yet; supported: "
                    + MEM0_JSON + ":<file> (a Mem0 export JSON file), " + JSONL + ":<file> (one memory per line), "
                    + MEM0_ES + ":http(s)://host:port/<index> (Mem0's Elasticsearch vector store)");
        }
        return uri;
    }

    /** The source, ready to be read (twice: validation, then publishing). */
    MemorySource open() {
        if (kind.equals(MEM0_ES)) {
            try {
                return new Mem0ElasticsearchReader(location);
            } catch (IllegalArgumentException e) {
                throw new BadInputException(e.getMessage());
            }
        }
        Path file = file();
        return kind.equals(JSONL) ? new JsonLinesReader(file) : new Mem0ExportReader(file);
    }

    Path file() {
        Path file = Path.of(location);
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("source file " + file + " does not exist or is not a file");
        }
        if (!Files.isReadable(file)) {
            throw new BadInputException("source file " + file + " is not readable");
        }
        return file;
    }
}
