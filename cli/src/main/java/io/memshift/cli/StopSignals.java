package io.memshift.cli;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns Ctrl-C and SIGTERM into a request to stop, for a command that then ends cleanly on its own (and exits 0):
 * once {@link #install installed}, the first signal counts the latch down instead of exiting the JVM; a second one
 * exits as usual (shutdown hooks run). Before that, signals do what they always do. Closing puts the previous
 * handlers back.
 */
final class StopSignals implements AutoCloseable {

    private static final List<String> SIGNALS = List.of("INT", "TERM");

    private final CountDownLatch stop = new CountDownLatch(1);
    private final SignalHandler[] previous = new SignalHandler[SIGNALS.size()];
    private final Runnable onFirst;
    private boolean installed;

    /** @param onFirst runs on the first signal (says what stopping does) */
    StopSignals(Runnable onFirst) {
        this.onFirst = onFirst;
    }

    /** Takes Ctrl-C and SIGTERM over from now on (once); returns the latch the first of them counts down. */
    synchronized CountDownLatch install() {
        if (installed) {
            return stop;
        }
        installed = true;
        for (int i = 0; i < SIGNALS.size(); i++) {
            int at = i;
            previous[i] = Signal.handle(new Signal(SIGNALS.get(i)), signal -> {
                if (stop.getCount() == 0) {
                    try {
                        previous[at].handle(signal);
                    } catch (UnsupportedOperationException nativeDefault) {
                        Runtime.getRuntime().exit(128 + signal.getNumber());
                    }
                    return;
                }
                stop.countDown();
                onFirst.run();
            });
        }
        return stop;
    }

    @Override
    public synchronized void close() {
        if (!installed) {
            return;
        }
        for (int i = 0; i < SIGNALS.size(); i++) {
            Signal.handle(new Signal(SIGNALS.get(i)), previous[i]);
        }
    }
}
