package io.memshift.schemas;

import java.util.ArrayList;
import java.util.List;

/**
 * What every stage of the pipeline is to the code that runs it (the migration, the single-stage commands, the
 * benches): something that starts, says how it is, and closes. Each stage keeps its own accessors beside these
 * (metrics, outcome, port). "Is it still alive" is answered by {@link #requireAlive()}, one rule for every caller.
 */
public interface Stage extends AutoCloseable {

    /** Where a stage is in its life. */
    enum State {
        /** Started, not yet (or, during a rebalance, not at the moment) doing its work. */
        STARTING,
        /** Doing its work. */
        RUNNING,
        /** Stopped by itself, for {@link Health#cause()}: it will do nothing more. */
        FAILED,
        /** Not started, or closed by its owner. */
        STOPPED
    }

    /** A stage's state, and what stopped it if it {@link State#FAILED failed} (null otherwise). */
    record Health(State state, Throwable cause) {

        public Health {
            if (state == null) {
                throw new IllegalArgumentException("a health needs a state");
            }
            if (state == State.FAILED && cause == null) {
                throw new IllegalArgumentException("a failed stage needs a cause");
            }
        }

        public static Health of(State state) {
            return new Health(state, null);
        }

        public static Health failed(Throwable cause) {
            return new Health(State.FAILED, cause);
        }

        public boolean failed() {
            return state == State.FAILED;
        }
    }

    /** The stage's name in messages: "the {name} stopped: ...". */
    String name();

    /** Starts the stage's work in threads of its own and returns. */
    void start();

    Health health();

    /**
     * Stops the stage and waits until it has let go of what it holds (commits, group membership). Closing a closed
     * stage does nothing.
     */
    @Override
    void close();

    /**
     * Starts the stages at once, each in a thread of its own, and returns when all have started. Each start asks its
     * clusters first (topics checked or created, indices created, clients connected: a few hundred ms each), and
     * nothing of one stage's start waits for another's: one after another, they held back a migration's first memory.
     *
     * @throws RuntimeException the first stage's start failure, as it threw it, once every start has ended
     */
    static void startTogether(Stage... stages) {
        DaemonThreads.runTogether(List.of(stages), stage -> "memshift-start-" + stage.name(), Stage::start);
    }

    /**
     * Closes the stages at once, each in a thread of its own, and returns when all are closed. Each close waits for
     * its threads, a last commit and leaving its group (a few hundred ms): one after another, a migration's three
     * stages took over a second at the end of every run.
     */
    static void closeTogether(Stage... stages) {
        List<Thread> closing = new ArrayList<>();
        for (Stage stage : stages) {
            closing.add(DaemonThreads.start("memshift-close-" + stage.name(), stage::close));
        }
        for (Thread thread : closing) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * The one rule for "still alive": a stage that {@link State#FAILED failed} throws, with its cause; a starting,
     * running or stopped stage is fine.
     *
     * @throws StageFailedException if the stage stopped by itself
     */
    default Health requireAlive() {
        Health health = health();
        if (health.failed()) {
            throw new StageFailedException(name(), health.cause());
        }
        return health;
    }
}
