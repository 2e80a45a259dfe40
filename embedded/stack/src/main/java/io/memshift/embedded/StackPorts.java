package io.memshift.embedded;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** The loopback ports of one embedded stack. */
public record StackPorts(int kafka, int kafkaController, int schemaRegistry, int elasticsearch) {

    public static final StackPorts DEFAULTS = new StackPorts(9092, 9093, 8081, 9200);

    /** Ports the OS hands out now, for tests that must not clash with a stack a developer is running. */
    public static StackPorts free() {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[4];
            for (int i = 0; i < ports.length; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return new StackPorts(ports[0], ports[1], ports[2], ports[3]);
        } catch (IOException e) {
            throw new IllegalStateException("could not find free loopback ports", e);
        } finally {
            for (ServerSocket socket : held) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing a probe socket cannot fail in a way that matters
                }
            }
        }
    }

    /** Fails with a message naming the port and its role if any port is already taken. */
    public void requireAllFree() {
        for (StackServer server : StackServer.values()) {
            server.requirePortsFree(this);
        }
    }

    static void requireFree(int port, String role, String flag) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
        } catch (IOException e) {
            throw new StackException("port " + port + " for the " + role + " is already in use on 127.0.0.1;"
                    + " stop what holds it or choose another with " + flag);
        }
    }
}
