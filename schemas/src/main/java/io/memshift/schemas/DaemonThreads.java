package io.memshift.schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The one way memshift's own code makes a helper thread: a daemon thread under a name of its own.
 *
 * <p>Daemon, because a helper thread that is stuck (a model request that never answers, an HTTP worker, a close
 * that hangs on a cluster) must never keep the JVM of a CLI command alive after {@code main} returns: the command's
 * result and exit code are already decided by then, and a process that does not end is worse than one that ends
 * with a helper mid-request. Whoever owns a helper still waits for it (join, shutdown, close) where the wait
 * matters; daemon only decides what happens to the ones nobody waits for.
 *
 * <p>Named, because operators (thread dumps, {@code jstack}) and our profiling read thread names: each name says
 * which mechanism a thread belongs to, and a name once given stays as it is. Two rules, chosen per pool:
 * {@link #named(String)} gives every thread of a pool the same name (its threads are interchangeable), and
 * {@link #numbered(String)} gives {@code prefix-1}, {@code prefix-2}, … (its threads are told apart in a profile).
 *
 * <p>A thread is made as {@code new Thread(task, name)} would make it, then marked daemon: its priority, group and
 * context class loader are those of the thread that makes it, as before this class.
 */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    /** A factory whose every thread is a daemon called {@code name}. */
    public static ThreadFactory named(String name) {
        Objects.requireNonNull(name, "a daemon thread needs a name");
        return task -> daemon(name, task);
    }

    /**
     * A factory whose threads are daemons called {@code prefix-1}, {@code prefix-2}, … in the order this factory
     * makes them (each factory counts from 1 on its own).
     */
    public static ThreadFactory numbered(String prefix) {
        Objects.requireNonNull(prefix, "daemon threads need a name prefix");
        AtomicInteger count = new AtomicInteger();
        return task -> daemon(prefix + "-" + count.incrementAndGet(), task);
    }

    /** Starts {@code task} on a new daemon thread called {@code name}, and returns that thread (to join it). */
    public static Thread start(String name, Runnable task) {
        Objects.requireNonNull(name, "a daemon thread needs a name");
        Thread thread = daemon(name, task);
        thread.start();
        return thread;
    }

    /**
     * The value of work a daemon thread computed ({@code CompletableFuture.supplyAsync(work, task -> start(name,
     * task))}), waiting for it; its failure is thrown as the work threw it, not wrapped in a
     * {@link CompletionException}, so that callers tell failures apart as if the work had run on their thread.
     */
    public static <T> T join(CompletableFuture<T> work) {
        try {
            return work.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    /**
     * Runs {@code work} on every item at once, each on a daemon thread of its own named by {@code threadName}, and
     * returns once all have ended; then throws the first item's failure (in the items' order) as the work threw it.
     * For waits that add up one after another (cluster round trips at a command's start) but not side by side.
     */
    public static <T> void runTogether(List<T> items, Function<T, String> threadName, Consumer<T> work) {
        List<Thread> threads = new ArrayList<>();
        List<AtomicReference<RuntimeException>> failures = new ArrayList<>();
        for (T item : items) {
            AtomicReference<RuntimeException> failure = new AtomicReference<>();
            failures.add(failure);
            threads.add(start(threadName.apply(item), () -> {
                try {
                    work.accept(item);
                } catch (RuntimeException e) {
                    failure.set(e);
                }
            }));
        }
        for (Thread thread : threads) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + thread.getName(), e);
            }
        }
        for (AtomicReference<RuntimeException> failure : failures) {
            if (failure.get() != null) {
                throw failure.get();
            }
        }
    }

    private static Thread daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }
}
