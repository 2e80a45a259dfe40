package io.memshift.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Keeps a stage running in the foreground until Ctrl-C or SIGTERM, or until it reports that it is done. Opened
 * before the stage in a try-with-resources, it is closed after the stage: a signal then waits (up to 60 s) for
 * the stage to close cleanly (commit, leave its group) before the JVM exits.
 */
final class ForegroundService implements AutoCloseable {

    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Thread hook;

    ForegroundService(String name) {
        hook = new Thread(() -> {
            stop.countDown();
            try {
                closed.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name + "-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Returns when a signal arrives or {@code done} holds; {@code failIfStopped} throws if the stage died.
     * Both are checked once a second.
     */
    void await(BooleanSupplier done, Runnable failIfStopped) throws InterruptedException {
        while (stop.getCount() > 0) {
            failIfStopped.run();
            if (done.getAsBoolean()) {
                return;
            }
            stop.await(1, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        closed.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running and now sees the stage closed
        }
    }
}
