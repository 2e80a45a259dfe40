package io.memshift.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedStackExtension.class)
class EmbeddedStackTest {

    @Test
    void everyServerAnswersOnItsEndpoint(EmbeddedStack stack) {
        assertThat(stack.isHealthy()).isTrue();
        assertThat(stack.statusLines()).hasSize(3).allSatisfy(line -> assertThat(line).contains(" UP "));
        assertThat(KafkaBroker.isReady(stack.endpoints().bootstrapServers())).isTrue();
        assertThat(SchemaRegistry.httpOk(stack.endpoints().elasticsearchUrl() + "/_cluster/health")).isTrue();
    }

    @Test
    void theRunningStackIsRecordedSoOtherCommandsFindIt(EmbeddedStack stack) {
        assertThat(EmbeddedStack.findRunning(stack.dataDir()))
                .hasValueSatisfying(found -> assertThat(found.ports()).isEqualTo(stack.ports()));
    }

    @Test
    void aSecondStackOnTakenPortsFailsNamingThePort() throws Exception {
        StackPorts free = StackPorts.free();
        try (ServerSocket taken = new ServerSocket(free.schemaRegistry(), 1, InetAddress.getLoopbackAddress())) {
            Path dataDir = Files.createTempDirectory("memshift-taken-");
            assertThatThrownBy(() -> EmbeddedStack.start(StackLayout.fromSystemProperty(), dataDir, free, false, l -> { }))
                    .isInstanceOf(StackException.class)
                    .hasMessageContaining("port " + free.schemaRegistry())
                    .hasMessageContaining("schema registry");
            assertThat(EmbeddedStack.recorded(dataDir)).isEmpty();
        }
    }
}
