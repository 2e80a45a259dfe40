package io.memshift.exporter;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.schemas.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Streams the memories of a Mem0 export file, one object at a time, so a file of any size reads in constant
 * memory. Accepted layouts, as Mem0 produces them:
 * <ul>
 *   <li>a {@code get_all} result: {@code {"results": [ {memory}, ... ]}} (other top-level keys such as
 *       {@code relations}, or the hosted platform's paging {@code count}, {@code next}, {@code previous}, are
 *       ignored);</li>
 *   <li>a map of user id to result: {@code {"alice": {"results": [...]}, "bob": {"results": [...]}}}, or to a
 *       bare list;</li>
 *   <li>a bare list of memories, also under {@code "memories"}: {@code {"memories": [...]}} (a wrapper some
 *       export scripts write; read as a user named "memories", its memories without a user id would gain one).</li>
 * </ul>
 */
public final class Mem0ExportReader extends FileMemorySource {

    public Mem0ExportReader(Path file) {
        super(file);
    }

    @Override
    public String kind() {
        return "mem0-json";
    }


    /**
     * Calls {@code sink} for every memory object in file order.
     *
     * @throws InvalidSourceException if the file is not JSON, is truncated, or has another layout
     */
    @Override
    public void forEach(Consumer<SourceMemory> sink) {
        JsonFactory factory = Json.MAPPER.getFactory();
        try (JsonParser parser = factory.createParser(file.toFile())) {
            JsonToken first = parser.nextToken();
            if (first == JsonToken.START_ARRAY) {
                readList(parser, null, sink);
            } else if (first == JsonToken.START_OBJECT) {
                readTopObject(parser, sink);
            } else {
                throw layout(parser, "expected a JSON object or array at the top, found "
                        + (first == null ? "an empty file" : first.asString()));
            }
            if (parser.nextToken() != null) {
                throw layout(parser, "unexpected content after the end of the top-level JSON value");
            }
        } catch (NoSuchFileException e) {
            throw new InvalidSourceException(file.toString(), java.util.List.of("file not found: " + file), 0);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? file.toString() : file + ":" + at.getLineNr() + ":" + at.getColumnNr();
            throw new InvalidSourceException(file.toString(),
                    java.util.List.of(where + ": malformed or truncated JSON: " + jsonProblem(e)), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The layouts a Mem0 export file may have, as a refusal of another layout lists them. */
    private static final String LAYOUTS = "expected {\"results\": [...]}, {\"memories\": [...]}, a map of user id to"
            + " {\"results\": [...]} or to a list of memories, or a list of memories";

    /** The first top-level key holding a single value (no list, no object), and where: what a layout error names. */
    private record ScalarKey(String key, JsonToken value, int line) {
    }

    private void readTopObject(JsonParser parser, Consumer<SourceMemory> sink) throws IOException {
        boolean sawResults = false;
        boolean sawMemoryField = false;
        ScalarKey firstScalar = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            JsonToken value = parser.nextToken();
            if ("results".equals(key) || ("memories".equals(key) && value == JsonToken.START_ARRAY)) {
                if (value != JsonToken.START_ARRAY) {
                    throw layout(parser.currentTokenLocation().getLineNr(),
                            "\"results\" holds " + describe(value) + ", not a list of memories");
                }
                readList(parser, null, sink);
                sawResults = true;
            } else if ("relations".equals(key)) {
                parser.skipChildren(); // Mem0's graph memory output: entities, not memories
            } else if (value == JsonToken.START_ARRAY) {
                readList(parser, key, sink);
            } else if (value == JsonToken.START_OBJECT) {
                readUserResult(parser, key, sink);
            } else {
                // A single value is never a user's memories. Beside "results" it is the platform's paging
                // (count, next, previous), ignored like any other key; without "results" the layout is wrong,
                // which is only known at the end of the object (the platform writes "results" last).
                if (firstScalar == null) {
                    firstScalar = new ScalarKey(key, value, parser.currentTokenLocation().getLineNr());
                }
                sawMemoryField |= "memory".equals(key);
            }
        }
        if (sawResults || firstScalar == null) {
            return;
        }
        if (sawMemoryField) {
            throw layout(firstScalar.line(), "the top-level object is a single memory; " + LAYOUTS
                    + " (put it in a list: [{...}])");
        }
        throw layout(firstScalar.line(), "top-level key '" + firstScalar.key() + "' holds "
                + describe(firstScalar.value()) + " and there is no \"results\" list; " + LAYOUTS);
    }

    private void readUserResult(JsonParser parser, String user, Consumer<SourceMemory> sink) throws IOException {
        boolean sawResults = false;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            JsonToken value = parser.nextToken();
            if ("results".equals(key) && value == JsonToken.START_ARRAY) {
                readList(parser, user, sink);
                sawResults = true;
            } else {
                parser.skipChildren();
            }
        }
        if (!sawResults) {
            throw layout(parser, "the entry for user '" + user + "' has no \"results\" list");
        }
    }

    private void readList(JsonParser parser, String user, Consumer<SourceMemory> sink) throws IOException {
        JsonToken token;
        while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
            if (token == null) {
                throw layout(parser, "the file ends inside a list of memories (truncated?)");
            }
            int line = parser.currentTokenLocation().getLineNr();
            JsonNode node = Json.MAPPER.readTree(parser);
            String position = file.getFileName() + ":" + line;
            if (!(node instanceof ObjectNode object)) {
                throw new InvalidSourceException(file.toString(), java.util.List.of(
                        position + ": expected a memory object, found " + node.getNodeType()), 0);
            }
            sink.accept(new SourceMemory(object, position, user));
        }
    }

    private InvalidSourceException layout(JsonParser parser, String problem) {
        return layout(parser.currentLocation().getLineNr(), problem);
    }

    private InvalidSourceException layout(int line, String problem) {
        return new InvalidSourceException(file.toString(), java.util.List.of(file + ":" + line + ": " + problem), 0);
    }

    /** A JSON value as a message names it: "null", "a number", "a string", "an object"... */
    private static String describe(JsonToken value) {
        return switch (value) {
            case VALUE_NULL -> "null";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_STRING -> "a string";
            case START_OBJECT -> "an object";
            default -> value.name();
        };
    }
}
