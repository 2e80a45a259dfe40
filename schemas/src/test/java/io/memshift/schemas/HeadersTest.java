package io.memshift.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The header names are on the wire and in the README: a rename here would break every reader of the DLQs. */
@Tag("fast")
class HeadersTest {

    @Test
    void theNamesOnTheWireAreTheDocumentedOnes() {
        assertThat(Headers.DLQ_REASON).isEqualTo("memshift.dlq.reason");
        assertThat(Headers.DLQ_MODEL).isEqualTo("memshift.dlq.model");
        assertThat(Headers.ERROR_STATUS).isEqualTo("memshift.error.status");
        assertThat(Headers.ERROR_REASON).isEqualTo("memshift.error.reason");
        assertThat(Headers.INDEX).isEqualTo("memshift.index");
        assertThat(Headers.SOURCE_POSITION).isEqualTo("memshift.source.position");
    }

    @Test
    void valuesAreUtf8TextAndTheLastOneOfANameCounts() {
        RecordHeaders headers = new RecordHeaders();
        Headers.add(headers, Headers.ERROR_REASON, "first");
        Headers.add(headers, Headers.ERROR_REASON, "dimension 384 ≠ 768 — ünïcödé");
        assertThat(headers.lastHeader("memshift.error.reason").value())
                .isEqualTo("dimension 384 ≠ 768 — ünïcödé".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(Headers.text(headers, Headers.ERROR_REASON)).isEqualTo("dimension 384 ≠ 768 — ünïcödé");
        assertThat(Headers.text(headers, Headers.INDEX)).isNull();
    }
}
