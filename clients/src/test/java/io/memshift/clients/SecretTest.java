package io.memshift.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secrets come only from references, and no message or string form ever holds their value. */
@Tag("fast")
class SecretTest {

    private static final String VALUE = "hunter2-Zq9";

    @TempDir
    Path dir;

    @Test
    void anEnvironmentVariableIsReadAndOnlyItsNameShows() {
        Secret secret = Secret.resolve("env:ES_PASSWORD", "elasticsearch.password", Map.of("ES_PASSWORD", VALUE)::get);

        assertThat(secret.reveal()).isEqualTo(VALUE);
        assertThat(secret.origin()).isEqualTo("env:ES_PASSWORD");
        assertThat(secret.toString()).doesNotContain(VALUE).contains("env:ES_PASSWORD");
    }

    @Test
    void aFileIsReadWithoutItsFinalLineBreak() throws Exception {
        Path file = dir.resolve("pw");
        Files.writeString(file, VALUE + "\r\n");

        assertThat(Secret.resolve("file:" + file, "kafka.sasl.password").reveal()).isEqualTo(VALUE);
    }

    @Test
    void aSecretWrittenInPlaceIsRefusedWithoutRepeatingIt() {
        assertThatThrownBy(() -> Secret.resolve(VALUE, "elasticsearch.api-key"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("elasticsearch.api-key").hasMessageContaining("env:NAME")
                .hasMessageNotContaining(VALUE);
    }

    @Test
    void aMissingVariableOrFileIsNamed() {
        assertThatThrownBy(() -> Secret.resolve("env:NOPE_NOT_SET", "x", name -> null))
                .hasMessageContaining("NOPE_NOT_SET").hasMessageContaining("not set");
        assertThatThrownBy(() -> Secret.resolve("file:" + dir.resolve("absent"), "x"))
                .hasMessageContaining(dir.resolve("absent").toString()).hasMessageContaining("does not exist");
    }

    @Test
    void anEmptyFileIsNoSecret() throws Exception {
        Path file = Files.writeString(dir.resolve("empty"), "\n");

        assertThatThrownBy(() -> Secret.resolve("file:" + file, "x")).hasMessageContaining("is empty");
    }
}
