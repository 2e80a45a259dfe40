package io.memshift.reembedder;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.RetriableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the re-embedder does about each way a model call fails. No server. */
@Tag("fast")
class ModelFailuresTest {

    @ParameterizedTest(name = "HTTP {0} is {1}")
    @CsvSource({
            "429, RATE_LIMITED",
            "500, UNAVAILABLE", "502, UNAVAILABLE", "503, UNAVAILABLE", "504, UNAVAILABLE", "408, UNAVAILABLE",
            "400, INPUT_REJECTED", "413, INPUT_REJECTED", "422, INPUT_REJECTED",
            "401, FATAL", "403, FATAL", "404, FATAL", "409, FATAL"})
    void anHttpStatusDecidesWhatToDo(int status, ModelFailures.Kind kind) {
        assertThat(ModelFailures.classify(new HttpException(status, "body"))).isEqualTo(kind);
        // However deep LangChain4j or the caller wraps it.
        RuntimeException wrapped = new IllegalStateException("call failed",
                new RuntimeException("inner", new HttpException(status, "body")));
        assertThat(ModelFailures.classify(wrapped)).isEqualTo(kind);
        assertThat(ModelFailures.status(wrapped)).contains(status);
    }

    @Test
    void theProvidersOwnClientErrorsClassifyByTheirStatus() {
        assertThat(ModelFailures.classify(ProviderErrors.rateLimited(java.time.Duration.ofSeconds(1))))
                .isEqualTo(ModelFailures.Kind.RATE_LIMITED);
        assertThat(ModelFailures.classify(ProviderErrors.unavailable())).isEqualTo(ModelFailures.Kind.UNAVAILABLE);
        assertThat(ModelFailures.classify(ProviderErrors.inputRefused("too long"))).isEqualTo(ModelFailures.Kind.INPUT_REJECTED);
        assertThat(ModelFailures.classify(ProviderErrors.unauthorized())).isEqualTo(ModelFailures.Kind.FATAL);
    }

    @Test
    void noAnswerAtAllIsAnOutageToWaitOut() {
        assertThat(ModelFailures.classify(new UncheckedIOException(new IOException("connection refused"))))
                .isEqualTo(ModelFailures.Kind.UNAVAILABLE);
        assertThat(ModelFailures.classify(new RuntimeException(new java.net.http.HttpTimeoutException("no answer"))))
                .isEqualTo(ModelFailures.Kind.UNAVAILABLE);
        assertThat(ModelFailures.classify(new RuntimeException(new TimeoutException()))).isEqualTo(ModelFailures.Kind.UNAVAILABLE);
        assertThat(ModelFailures.classify(new RetriableException("try later"))).isEqualTo(ModelFailures.Kind.UNAVAILABLE);
        // A host that does not resolve, as LangChain4j reports it: no IOException anywhere in the chain.
        assertThat(ModelFailures.classify(new dev.langchain4j.exception.UnresolvedModelServerException(
                new java.nio.channels.UnresolvedAddressException()))).isEqualTo(ModelFailures.Kind.UNAVAILABLE);
        assertThat(ModelFailures.describeWithCause(new dev.langchain4j.exception.UnresolvedModelServerException(
                new java.nio.channels.UnresolvedAddressException())))
                .isEqualTo("UnresolvedModelServerException, caused by UnresolvedAddressException");
        assertThat(ModelFailures.status(new UncheckedIOException(new IOException("x")))).isEmpty();
    }

    @Test
    void anInProcessModelFailingWithoutStatusOrIoHasRefusedItsInput() {
        assertThat(ModelFailures.classify(new IllegalArgumentException("token sequence too long")))
                .isEqualTo(ModelFailures.Kind.INPUT_REJECTED);
    }

    @Test
    void theDescriptionForTheLogIsTypeAndStatusOnlyNeverTheBody() {
        HttpException refused = new HttpException(401, "{\"error\":\"Incorrect API key provided: sk-abc***xyz\"}");
        assertThat(ModelFailures.describe(refused)).isEqualTo("HttpException 401");
        assertThat(ModelFailures.describe(new UncheckedIOException(new IOException("x")))).isEqualTo("UncheckedIOException");
    }

    @Test
    void theDeadLetterReasonIsStatusAndTheProvidersMessageCutAt500Characters() {
        HttpException refused = new HttpException(400, "This model's maximum context length is 8192 tokens");
        assertThat(ModelFailures.reason(new RuntimeException("wrapper", refused)))
                .isEqualTo("RuntimeException 400: This model's maximum context length is 8192 tokens");
        assertThat(ModelFailures.reason(new IllegalArgumentException("bad input"))).isEqualTo("IllegalArgumentException: bad input");
        assertThat(ModelFailures.reason(new IllegalArgumentException())).isEqualTo(
                "IllegalArgumentException: java.lang.IllegalArgumentException");

        String reason = ModelFailures.reason(new HttpException(413, "y".repeat(2000)));
        assertThat(reason).hasSize(503).startsWith("HttpException 413: yyy").endsWith("y...");
    }
}
