package io.memshift.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Thread names are read by operators and profiles, and a non-daemon helper would keep a CLI command's JVM alive. */
@Tag("fast")
class DaemonThreadsTest {

    private static final Runnable NOTHING = () -> { };

    @Test
    void namedGivesEveryThreadTheSameNameAndMakesItADaemonEvenWhenItsMakerIsNot() throws Exception {
        ThreadFactory factory = DaemonThreads.named("memshift-model-request");
        // A new thread inherits its maker's daemon flag: made from a non-daemon thread, only setDaemon makes it one.
        List<Thread> made = fromANonDaemonThread(() -> List.of(factory.newThread(NOTHING), factory.newThread(NOTHING)));

        assertThat(made).extracting(Thread::getName)
                .containsExactly("memshift-model-request", "memshift-model-request");
        assertThat(made).allMatch(Thread::isDaemon);
        assertThat(made).noneMatch(Thread::isAlive); // a factory makes threads, the pool starts them
    }

    @Test
    void numberedCountsFromOneInTheOrderMadeAndEachFactoryOnItsOwn() throws Exception {
        ThreadFactory first = DaemonThreads.numbered("onnx-encoder");
        List<Thread> made = fromANonDaemonThread(() ->
                List.of(first.newThread(NOTHING), first.newThread(NOTHING), first.newThread(NOTHING)));
        Thread ofAnother = DaemonThreads.numbered("onnx-encoder").newThread(NOTHING);

        assertThat(made).extracting(Thread::getName)
                .containsExactly("onnx-encoder-1", "onnx-encoder-2", "onnx-encoder-3");
        assertThat(made).allMatch(Thread::isDaemon);
        assertThat(ofAnother.getName()).isEqualTo("onnx-encoder-1");
    }

    @Test
    void aPoolOfNumberedThreadsRunsItsTasksUnderThoseNames() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2, DaemonThreads.numbered("memshift-serve"));
        try {
            // Both tasks wait for each other, so they run on two threads at once: the pool's first and second.
            CyclicBarrier together = new CyclicBarrier(2);
            Set<String> names = ConcurrentHashMap.newKeySet();
            Set<Boolean> daemon = ConcurrentHashMap.newKeySet();
            Runnable task = () -> {
                try {
                    together.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                names.add(Thread.currentThread().getName());
                daemon.add(Thread.currentThread().isDaemon());
            };
            Future<?> one = pool.submit(task);
            Future<?> two = pool.submit(task);
            one.get();
            two.get();

            assertThat(names).containsExactlyInAnyOrder("memshift-serve-1", "memshift-serve-2");
            assertThat(daemon).containsExactly(true);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void startRunsTheTaskOnTheNamedDaemonThreadItReturns() throws Exception {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        Thread started = fromANonDaemonThread(() ->
                DaemonThreads.start("memshift-close-importer", () -> ranOn.set(Thread.currentThread())));
        started.join();

        assertThat(ranOn.get()).isSameAs(started);
        assertThat(started.getName()).isEqualTo("memshift-close-importer");
        assertThat(started.isDaemon()).isTrue();
    }

    @Test
    void aThreadWithoutANameIsRefusedAsItIsAsked() {
        assertThatThrownBy(() -> DaemonThreads.named(null)).hasMessageContaining("needs a name");
        assertThatThrownBy(() -> DaemonThreads.numbered(null)).hasMessageContaining("name prefix");
        assertThatThrownBy(() -> DaemonThreads.start(null, NOTHING)).hasMessageContaining("needs a name");
    }

    /** Runs {@code making} on a thread that is certainly not a daemon, so that what it makes inherits "not daemon". */
    private static <T> T fromANonDaemonThread(java.util.concurrent.Callable<T> making) throws Exception {
        AtomicReference<T> made = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread maker = new Thread(() -> {
            try {
                made.set(making.call());
            } catch (Exception e) {
                failure.set(e);
            }
        }, "non-daemon-maker");
        maker.setDaemon(false);
        maker.start();
        maker.join();
        if (failure.get() != null) {
            throw failure.get();
        }
        return made.get();
    }

    @Test
    void joinGivesTheWorksValueOrThrowsItsFailureUnwrapped() {
        java.util.concurrent.CompletableFuture<String> done = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> Thread.currentThread().getName(), task -> DaemonThreads.start("memshift-join-test", task));
        assertThat(DaemonThreads.join(done)).isEqualTo("memshift-join-test");

        IllegalStateException refused = new IllegalStateException("model file missing");
        java.util.concurrent.CompletableFuture<String> failed = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                    throw refused;
                }, task -> DaemonThreads.start("memshift-join-test", task));
        assertThatThrownBy(() -> DaemonThreads.join(failed)).isSameAs(refused);
    }

    @Test
    void runTogetherRunsEveryItemAtOnceAndThrowsTheFirstFailureOnceAllHaveEnded() {
        CyclicBarrier allStarted = new CyclicBarrier(3);
        Set<String> done = ConcurrentHashMap.newKeySet();
        IllegalStateException second = new IllegalStateException("b refused");
        assertThatThrownBy(() -> DaemonThreads.runTogether(List.of("a", "b", "c"), item -> "memshift-together-" + item,
                item -> {
                    try {
                        allStarted.await(); // only passes if all three run at the same time
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    if (item.equals("b")) {
                        throw second;
                    }
                    if (item.equals("c")) {
                        throw new IllegalStateException("c refused");
                    }
                    done.add(Thread.currentThread().getName());
                })).isSameAs(second);
        assertThat(done).containsExactly("memshift-together-a");
    }
}
