package io.memshift.exporter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.schemas.Json;
import io.memshift.schemas.Kind;
import io.memshift.schemas.MemoryEvent;
import io.memshift.schemas.MemoryVersion;
import io.memshift.schemas.Op;
import io.memshift.schemas.SourceRef;
import io.memshift.schemas.Timestamps;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns one Mem0 memory object into a {@link MemoryEvent}, or says precisely what is wrong with it. Nothing is
 * rewritten: the text, hash, ids and timestamps are carried as given; the metadata keeps its keys, order and values.
 *
 * <p>Timestamps come in both of Mem0's spellings: {@code created_at}/{@code updated_at} (Python, the REST API)
 * and {@code createdAt}/{@code updatedAt} (the TypeScript SDK). The camelCase ones stay in {@code extras} as
 * given, so the spelling survives, and date the memory when the snake_case ones are absent. A memory with neither
 * is dated by when the source was observed (see {@link MemoryVersion}).
 *
 * <p>An entity of Mem0's entity store is converted the same way ({@link #convert(SourceEntity)}): its {@code data}
 * is the text (what Mem0 embeds, so what the re-embedder embeds), it has no timestamps (dated by the observation,
 * so a later export of a changed store wins), and the event is marked {@link Kind#ENTITY}.
 */
public final class MemoryEventConverter {

    /** The Mem0 fields with a place of their own in MemoryEvent; any other top-level field goes to extras. */
    private static final Set<String> KNOWN = Set.of("id", "memory", "hash", "metadata", "categories", "created_at",
            "updated_at", "user_id", "agent_id", "run_id", "actor_id", "role");
    /** Elasticsearch refuses a longer {@code _id}, and with it the whole bulk it is in: refused here, up front. */
    static final int MAX_ID_BYTES = 512;
    /** The longest text accepted by default, in characters (code points): see {@link #characters(String)}. */
    public static final int DEFAULT_MAX_TEXT_CHARS = 65_536;

    private final String sourceSystem;
    private final String sourceName;
    private final int maxTextChars;
    private final Instant observedAt;

    /** A converter whose memories without timestamps get the tie-break alone as version (live changes need none). */
    public MemoryEventConverter(String sourceSystem, String sourceName, int maxTextChars) {
        this(sourceSystem, sourceName, maxTextChars, null);
    }

    /** @param observedAt when the source was observed: the date of its memories that carry no timestamp */
    public MemoryEventConverter(String sourceSystem, String sourceName, int maxTextChars, Instant observedAt) {
        this.sourceSystem = sourceSystem;
        this.sourceName = sourceName;
        this.maxTextChars = maxTextChars;
        this.observedAt = observedAt;
    }

    /**
     * The converter for one read of {@code source}: a file is observed at its modification time (so an unchanged
     * file read again keeps its versions), a store read live at this moment (so a later read of a changed store
     * wins). Fixed here, once, so the validation pass and the publishing pass give the same versions.
     */
    public static MemoryEventConverter forSource(MemorySource source, int maxTextChars) {
        Instant observed = source.stamp().map(stamp -> Instant.ofEpochMilli(stamp.modified())).orElseGet(Instant::now);
        return new MemoryEventConverter(source.kind(), source.shortName(), maxTextChars, observed);
    }

    /** The outcome for one memory: an event, or the problems that keep it from being one. */
    public record Result(MemoryEvent event, List<String> problems) {
        public boolean valid() {
            return problems.isEmpty();
        }
    }

    public Result convert(SourceMemory source) {
        return convert(source, Kind.MEMORY);
    }

    /** An entity of Mem0's entity store: its {@code data} is the text; the event is {@link Kind#ENTITY}. */
    public Result convert(SourceEntity entity) {
        return convert(entity.toSourceMemory(), Kind.ENTITY);
    }

    private Result convert(SourceMemory source, Kind kind) {
        if (source.unreadable() != null) {
            return new Result(null, List.of(source.position() + ": " + source.unreadable().problem()));
        }
        ObjectNode json = source.json();
        List<String> problems = new ArrayList<>();
        String id = requiredString(json, "id", "id", problems);
        boolean entity = kind == Kind.ENTITY;
        String label = source.position() + (entity ? ": entity " : ": memory ") + (id == null ? "(no id)" : "id=" + id) + ": ";
        // An entity's text is its payload's data (Mem0Payload moved it to 'memory'): named as the store spells it.
        String textField = entity ? "data" : "memory";
        String text = requiredString(json, "memory", textField, problems);
        if (text != null && nothingToEmbed(text)) {
            problems.add("field '" + textField + "' is empty" + (text.isBlank() ? "" : " (only invisible characters)"));
        }
        if (text != null && characters(text) > maxTextChars) {
            problems.add("field '" + textField + "' has " + characters(text) + " characters, over the limit of " + maxTextChars);
        }
        if (text != null && hasLoneSurrogate(text)) {
            problems.add("field '" + textField + "' is not valid Unicode (lone surrogate)");
        }
        String broken = fieldWithLoneSurrogate(json, "", "memory");
        if (broken != null) {
            problems.add("field '" + broken + "' is not valid Unicode (lone surrogate): it cannot be written as UTF-8");
        }
        String hash = optionalString(json, "hash", problems);
        String userId = optionalString(json, "user_id", problems);
        String createdAt = optionalString(json, "created_at", problems);
        String updatedAt = optionalString(json, "updated_at", problems);
        Instant createdTs = createdAt != null ? timestamp("created_at", createdAt, problems)
                : timestamp("createdAt", optionalString(json, "createdAt", problems), problems);
        Instant updatedTs = updatedAt != null ? timestamp("updated_at", updatedAt, problems)
                : timestamp("updatedAt", optionalString(json, "updatedAt", problems), problems);
        String metadata = metadata(json, problems);
        List<String> categories = categories(json, problems);
        MemoryEvent.Builder event = MemoryEvent.newBuilder()
                .setOp(Op.UPSERT)
                .setUserId(userId != null ? userId : source.scopeUser())
                .setAgentId(optionalString(json, "agent_id", problems))
                .setRunId(optionalString(json, "run_id", problems))
                .setActorId(optionalString(json, "actor_id", problems))
                .setRole(optionalString(json, "role", problems));
        if (!problems.isEmpty()) {
            return new Result(null, problems.stream().map(p -> label + p).toList());
        }
        event.setId(id).setText(text).setHash(hash).setMetadata(metadata).setCategories(categories)
                .setCreatedAt(createdAt).setCreatedAtTs(createdTs).setUpdatedAt(updatedAt).setUpdatedAtTs(updatedTs)
                .setVersion(MemoryVersion.ofUpsert(updatedTs, createdTs, observedAt, text))
                .setSource(SourceRef.newBuilder().setSystem(sourceSystem).setName(sourceName)
                        .setPosition(source.position()).build())
                .setExtras(extras(json))
                .setPayload(source.payload())
                .setKind(kind);
        return new Result(event.build(), List.of());
    }

    /** @param shownAs the field's name in messages: as the source spells it */
    private static String requiredString(ObjectNode json, String field, String shownAs, List<String> problems) {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) {
            problems.add("field '" + shownAs + "' is missing");
            return null;
        }
        if (!node.isTextual()) {
            problems.add("field '" + shownAs + "' must be a string, found " + describe(node));
            return null;
        }
        if (field.equals("id") && node.textValue().isBlank()) {
            problems.add("field 'id' is empty");
            return null;
        }
        int idBytes = field.equals("id") ? node.textValue().getBytes(java.nio.charset.StandardCharsets.UTF_8).length : 0;
        if (idBytes > MAX_ID_BYTES) {
            problems.add("field 'id' is " + idBytes + " bytes in UTF-8, over the " + MAX_ID_BYTES
                    + " Elasticsearch takes for a document's _id");
            return null;
        }
        return node.textValue();
    }

    private static String optionalString(ObjectNode json, String field, List<String> problems) {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            problems.add("field '" + field + "' must be a string or null, found " + describe(node));
            return null;
        }
        return node.textValue();
    }

    /** The instant {@code text} names, or null (with the problem added) when it is none memshift can carry. */
    static Instant timestamp(String field, String text, List<String> problems) {
        if (text == null) {
            return null;
        }
        Instant at;
        try {
            at = Timestamps.parse(text);
        } catch (DateTimeParseException e) {
            problems.add("field '" + field + "' is not an ISO-8601 timestamp: '" + text + "'");
            return null;
        }
        // Refused, not carried: Avro's timestamp-micros and Elasticsearch's date would hold a later time, but the
        // version it dates is Elasticsearch's external version (a signed long, full after MemoryVersion.LATEST, in
        // 2262), and the memshift layout indexes the *_ts fields as date_nanos, which ends there too. Clamping would
        // give every later change the same version, so one of them would silently lose. Every spelling is checked,
        // created_at too, because the index would refuse any of them mid-pipeline.
        if (at.isAfter(MemoryVersion.LATEST)) {
            problems.add("field '" + field + "' is '" + text + "', after " + MemoryVersion.LATEST
                    + ", the latest time memshift can carry");
            return null;
        }
        return at;
    }

    private static String metadata(ObjectNode json, List<String> problems) {
        JsonNode node = json.get("metadata");
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            problems.add("field 'metadata' must be an object or null, found " + describe(node));
            return null;
        }
        return toJson(node);
    }

    private static List<String> categories(ObjectNode json, List<String> problems) {
        JsonNode node = json.get("categories");
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isArray()) {
            problems.add("field 'categories' must be a list of strings or null, found " + describe(node));
            return null;
        }
        List<String> categories = new ArrayList<>(node.size());
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                problems.add("field 'categories' must hold only strings, found " + describe(item));
                return null;
            }
            categories.add(item.textValue());
        }
        return categories;
    }

    private static Map<String, String> extras(ObjectNode json) {
        Map<String, String> extras = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = json.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!KNOWN.contains(field.getKey())) {
                extras.put(field.getKey(), toJson(field.getValue()));
            }
        }
        return extras;
    }

    static String toJson(JsonNode node) {
        try {
            return Json.MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON tree always serializes", e);
        }
    }

    /**
     * The text's length as the limit counts it, in characters (Unicode code points), as the README states it: an
     * emoji is one character, not the two UTF-16 units of {@link String#length()}.
     */
    private static int characters(String text) {
        return text.codePointCount(0, text.length());
    }

    /**
     * Whether a text holds nothing a model could embed: only white space, control and format characters (a
     * zero-width space, say). Models' tokenizers drop those, so such a text reaches the model empty and is refused
     * there, mid-pipeline, instead of here with its file and line.
     */
    private static boolean nothingToEmbed(String text) {
        return text.codePoints().allMatch(c -> Character.isWhitespace(c) || Character.isSpaceChar(c)
                || Character.getType(c) == Character.CONTROL || Character.getType(c) == Character.FORMAT);
    }

    /**
     * The first field (as a dotted path; a key counts as its field) whose name or string value holds a lone
     * surrogate, which no UTF-8 writer can carry: Kafka's and Elasticsearch's turned it into '?' silently.
     * {@code skipped} (the text) is checked on its own.
     */
    private static String fieldWithLoneSurrogate(JsonNode node, String path, String skipped) {
        if (node.isTextual()) {
            return hasLoneSurrogate(node.textValue()) ? path : null;
        }
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String found = fieldWithLoneSurrogate(node.get(i), path + "[" + i + "]", null);
                if (found != null) {
                    return found;
                }
            }
        }
        if (node.isObject()) {
            for (var fields = node.fields(); fields.hasNext(); ) {
                var field = fields.next();
                String at = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
                if (hasLoneSurrogate(field.getKey())) {
                    return at;
                }
                if (field.getKey().equals(skipped) && path.isEmpty()) {
                    continue;
                }
                String found = fieldWithLoneSurrogate(field.getValue(), at, null);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private static boolean hasLoneSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    return true;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static String describe(JsonNode node) {
        return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }
}
