package io.memshift.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Keeps a stage running in the foreground until Ctrl-C or SIGTERM, or until it reports that it is done. Opened
 * before the stage in a try-with-resources, it is closed after the stage. A signal ends {@link #await}: the
 * command then closes the stage cleanly (commit, leave its group) and returns, and the process exits 0, as a
 * service manager expects of a clean stop (a shutdown hook would have exited 130 or 143). A second signal exits
 * at once ({@link StopSignals}).
 */
final class ForegroundService implements AutoCloseable {

    private final StopSignals signals;
    private final CountDownLatch stop;

    ForegroundService(String name) {
        signals = new StopSignals(() -> System.err.println(name + ": stopping once the work in hand is done"
                + " (a second Ctrl-C or SIGTERM stops at once)"));
        stop = signals.install();
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

    /** Puts the signals back as they were: a signal after the stage has closed exits the JVM as usual. */
    @Override
    public void close() {
        signals.close();
    }
}
