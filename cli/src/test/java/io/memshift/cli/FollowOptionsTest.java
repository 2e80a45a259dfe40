package io.memshift.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.memshift.control.InvalidRequestException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code migrate --follow}: which sources it takes, and its durations. Every cluster is a closed port. */
@Tag("fast")
class FollowOptionsTest {

    @TempDir
    Path dir;

    @Test
    void aFileIsRefusedWithFollowBeforeAnyClusterIsAsked() throws IOException {
        Path file = dir.resolve("export.json");
        Files.writeString(file, "{\"results\": [{\"id\": \"a\", \"memory\": \"fine\", \"user_id\": \"u\"}]}");
        for (String source : new String[] {"mem0-json:" + file, "jsonl:" + file}) {
            OfflineCli.Run run = OfflineCli.run(dir.resolve("data"), "migrate", "--source", source,
                    "--model", "onnx:all-minilm-l6-v2", "--follow");
            assertThat(run.exitCode()).as(source).isEqualTo(Memshift.EXIT_BAD_INPUT);
            assertThat(run.err()).as(source).contains("--follow needs a live store (mem0-es:, mem0-qdrant: or"
                    + " mem0-api:); " + source + " is a file");
        }
    }

    @Test
    void durationsTakeAUnitAndSecondsByDefault() {
        assertThat(FollowOptions.parse("--poll-interval", "5s")).isEqualTo(Duration.ofSeconds(5));
        assertThat(FollowOptions.parse("--poll-interval", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(FollowOptions.parse("--poll-interval", "2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(FollowOptions.parse("--poll-interval", "1h")).isEqualTo(Duration.ofHours(1));
        assertThat(FollowOptions.parse("--poll-interval", "7")).isEqualTo(Duration.ofSeconds(7));
        assertThatThrownBy(() -> FollowOptions.parse("--reconcile-interval", "soon"))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("--reconcile-interval 'soon' is not a duration");
        assertThatThrownBy(() -> FollowOptions.parse("--poll-interval", "0s"))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("--poll-interval must be more than 0");
    }
}
