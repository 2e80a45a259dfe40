package io.memshift.exporter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.memshift.schemas.Json;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * One Mem0 memory object per line (JSON Lines). Blank lines are skipped, and a UTF-8 byte order mark before the
 * first line is ignored. Read line by line in constant memory; a line that is not a JSON object, or not valid
 * UTF-8, is an invalid record at its line number ({@link SourceMemory#unreadable}), and the lines after it are read.
 */
public final class JsonLinesReader extends FileMemorySource {

    /** The byte order mark Windows tools put before UTF-8 text: U+FEFF, decoded. Allowed at the file's start only. */
    private static final String UTF8_BOM = "\uFEFF";

    public JsonLinesReader(Path file) {
        super(file);
    }

    @Override
    public String kind() {
        return "jsonl";
    }


    @Override
    public void forEach(Consumer<SourceMemory> sink) {
        // Lines are split as bytes and each is decoded on its own, strictly: a reader that decodes ahead would
        // report invalid UTF-8 on the wrong line.
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        int lineNumber = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
            int b;
            boolean more = true;
            while (more) {
                b = in.read();
                if (b != '\n' && b != -1) {
                    bytes.write(b);
                    continue;
                }
                more = b != -1;
                if (!more && bytes.size() == 0) {
                    break;
                }
                lineNumber++;
                String line;
                String position = file.getFileName() + ":" + lineNumber;
                try {
                    line = decoder.decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
                } catch (CharacterCodingException e) {
                    sink.accept(SourceMemory.unreadable(position, "not valid UTF-8",
                            new String(bytes.toByteArray(), StandardCharsets.UTF_8)));
                    bytes.reset();
                    continue;
                }
                bytes.reset();
                if (lineNumber == 1 && line.startsWith(UTF8_BOM)) {
                    line = line.substring(UTF8_BOM.length()); // as mem0-json does; the line keeps its number
                }
                if (line.isBlank()) {
                    continue;
                }
                // A line that is no memory object is invalid like a memory with a missing field: the lines after
                // it are still read, so every problem of the file is told at once (and --skip-invalid sets it aside).
                JsonNode node;
                try {
                    node = Json.MAPPER.readTree(line);
                } catch (JsonProcessingException e) {
                    sink.accept(SourceMemory.unreadable(position, "malformed JSON: " + jsonProblem(e), line));
                    continue;
                }
                if (!(node instanceof ObjectNode object)) {
                    sink.accept(SourceMemory.unreadable(position, "expected a memory object, found "
                            + node.getNodeType(), line));
                    continue;
                }
                sink.accept(new SourceMemory(object, position, null));
            }
        } catch (NoSuchFileException e) {
            throw new InvalidSourceException(file.toString(), List.of("file not found: " + file), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
