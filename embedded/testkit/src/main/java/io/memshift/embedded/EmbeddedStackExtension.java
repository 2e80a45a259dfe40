package io.memshift.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests a real stack: one per test JVM, started on free ports with a fresh data folder the first time a
 * test class asks, stopped when the JVM's tests are done. Tests take {@link StackEndpoints} as a parameter.
 */
public final class EmbeddedStackExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(EmbeddedStackExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        stack(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == StackEndpoints.class || type == EmbeddedStack.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        EmbeddedStack stack = stack(context);
        return parameter.getParameter().getType() == EmbeddedStack.class ? stack : stack.endpoints();
    }

    private static EmbeddedStack stack(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(SharedStack.class, key -> new SharedStack(), SharedStack.class).stack;
    }

    /** Held in the root store so JUnit closes it once, after the last test of the JVM. */
    private static final class SharedStack implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        private final EmbeddedStack stack;
        private final Thread killer;

        SharedStack() {
            stack = startOnFreePorts();
            // If the test JVM is stopped early, its servers must not outlive it.
            killer = new Thread(stack::close, "memshift-test-stack-stop");
            Runtime.getRuntime().addShutdownHook(killer);
        }

        /**
         * Free ports are free when asked, not necessarily a few seconds later when a server binds them: any
         * outgoing connection on this machine may take one as its ephemeral port meanwhile. So a stack that
         * loses that race is started again on other ports.
         */
        private static EmbeddedStack startOnFreePorts() {
            for (int attempt = 1; ; attempt++) {
                try {
                    Path dataDir = Files.createTempDirectory("memshift-test-stack-");
                    return EmbeddedStack.start(StackLayout.fromSystemProperty(), dataDir, StackPorts.free(), false,
                            line -> System.out.println("[embedded stack] " + line));
                } catch (IOException e) {
                    throw new StackException("cannot create a data folder for the test stack", e);
                } catch (StackException e) {
                    boolean portTaken = String.valueOf(e.getMessage()).contains("Address already in use")
                            || String.valueOf(e.getMessage()).contains("is already in use");
                    if (!portTaken || attempt >= 3) {
                        throw e;
                    }
                    System.out.println("[embedded stack] a port was taken meanwhile; starting again on other ports");
                }
            }
        }

        @Override
        public void close() {
            stack.close();
            try {
                Runtime.getRuntime().removeShutdownHook(killer);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
    }
}
