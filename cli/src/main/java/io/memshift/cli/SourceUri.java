package io.memshift.cli;

import io.memshift.control.InvalidRequestException;
import java.nio.file.Files;
import io.memshift.exporter.JsonLinesReader;
import io.memshift.exporter.Mem0ApiClient;
import io.memshift.exporter.Mem0ApiReader;
import io.memshift.clients.ElasticsearchSettings;
import io.memshift.exporter.Mem0ElasticsearchReader;
import io.memshift.exporter.Mem0ExportReader;
import io.memshift.exporter.Mem0QdrantReader;
import io.memshift.exporter.MemorySource;
import io.memshift.exporter.QdrantClient;
import java.nio.file.Path;
import java.util.List;

/** A {@code --source} value: {@code <kind>:<location>}, e.g. {@code mem0-json:export.json}. */
record SourceUri(String kind, String location) {

    static final String MEM0_JSON = "mem0-json";
    static final String JSONL = "jsonl";
    static final String MEM0_ES = "mem0-es";
    static final String MEM0_QDRANT = "mem0-qdrant";
    static final String MEM0_API = "mem0-api";

    static SourceUri parse(String text) {
        int colon = text.indexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new InvalidRequestException("--source must look like <kind>:<location>, e.g. mem0-json:export.json;"
                    + " got '" + text + "'");
        }
        SourceUri uri = new SourceUri(text.substring(0, colon), text.substring(colon + 1));
        if (!uri.kind.equals(MEM0_JSON) && !uri.kind.equals(JSONL) && !uri.kind.equals(MEM0_ES)
                && !uri.kind.equals(MEM0_QDRANT) && !uri.kind.equals(MEM0_API)) {
            throw new InvalidRequestException("source kind '" + uri.kind + "' is not supported yet; supported: "
                    + MEM0_JSON + ":<file> (a Mem0 export JSON file), " + JSONL + ":<file> (one memory per line), "
                    + MEM0_ES + ":http(s)://host:port/<index> (Mem0's Elasticsearch vector store), "
                    + MEM0_QDRANT + ":http(s)://host:6333/<collection> (Mem0's Qdrant vector store; key, if any, in "
                    + QdrantClient.API_KEY_ENV + "), "
                    + MEM0_API + ":https://api.mem0.ai (Mem0's REST API; key in " + Mem0ApiClient.API_KEY_ENV + ")");
        }
        return uri;
    }

    /** The source, ready to be read (twice: validation, then publishing). */
    MemorySource open() {
        return open(null, null, null);
    }

    /**
     * The source, ready to be read. A source that lists memories per scope (the Mem0 API) lists only the scope
     * asked for, when one is; the exporter's filters still decide what is published.
     */
    MemorySource open(String user, String agent, String run) {
        return open(user, agent, run, null);
    }

    /**
     * As {@link #open(String, String, String)}; a {@code mem0-es:} source is read with {@code elasticsearch}'s
     * credentials and trusted certificates (null: none).
     */
    MemorySource open(String user, String agent, String run, ElasticsearchSettings elasticsearch) {
        if (kind.equals(MEM0_API)) {
            try {
                Mem0ApiClient client = Mem0ApiClient.fromEnv(location, System.getenv());
                List<Mem0ApiReader.Scope> scopes = user != null ? List.of(new Mem0ApiReader.Scope("user", user))
                        : agent != null ? List.of(new Mem0ApiReader.Scope("agent", agent))
                        : run != null ? List.of(new Mem0ApiReader.Scope("run", run)) : List.of();
                return new Mem0ApiReader(client, scopes);
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException(e.getMessage());
            }
        }
        if (kind.equals(MEM0_ES)) {
            try {
                return new Mem0ElasticsearchReader(location, elasticsearch);
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException(e.getMessage());
            }
        }
        if (kind.equals(MEM0_QDRANT)) {
            try {
                return Mem0QdrantReader.open(location, System.getenv());
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException(e.getMessage());
            }
        }
        Path file = file();
        return kind.equals(JSONL) ? new JsonLinesReader(file) : new Mem0ExportReader(file);
    }

    Path file() {
        Path file = Path.of(location);
        if (!Files.isRegularFile(file)) {
            throw new InvalidRequestException("source file " + file + " does not exist or is not a file");
        }
        if (!Files.isReadable(file)) {
            throw new InvalidRequestException("source file " + file + " is not readable");
        }
        return file;
    }
}
