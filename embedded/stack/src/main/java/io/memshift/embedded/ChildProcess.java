package io.memshift.embedded;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One server of the stack running as a child JVM, its output in a log file. A detached child gets its own
 * session ({@code setsid}), so it outlives the command that started it and a Ctrl-C in that terminal.
 */
public final class ChildProcess {

    private final String name;
    private final long pid;
    private final Path logFile;

    private ChildProcess(String name, long pid, Path logFile) {
        this.name = name;
        this.pid = pid;
        this.logFile = logFile;
    }

    static ChildProcess start(String name, List<String> command, Path workDir, Path logFile, boolean detach) {
        return start(name, command, Map.of(), workDir, logFile, detach);
    }

    static ChildProcess start(String name, List<String> command, Map<String, String> environment, Path workDir,
                              Path logFile, boolean detach) {
        List<String> full = new ArrayList<>();
        if (detach && new File("/usr/bin/setsid").canExecute()) {
            full.add("/usr/bin/setsid");
        }
        full.addAll(command);
        try {
            Files.createDirectories(logFile.getParent());
            Files.createDirectories(workDir);
            ProcessBuilder builder = new ProcessBuilder(full);
            builder.environment().putAll(environment);
            Process process = builder
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            return new ChildProcess(name, process.pid(), logFile);
        } catch (IOException e) {
            throw new StackException("could not start the " + name + ": " + e.getMessage(), e);
        }
    }

    /** A handle on a child started earlier, perhaps by another command. */
    static ChildProcess attach(String name, long pid, Path logFile) {
        return new ChildProcess(name, pid, logFile);
    }

    public String name() {
        return name;
    }

    public long pid() {
        return pid;
    }

    public Path logFile() {
        return logFile;
    }

    public boolean isAlive() {
        return handle().map(ProcessHandle::isAlive).orElse(false);
    }

    /** Polls until {@code ready} holds; fails early, with the log's tail, if the process dies. */
    void awaitReady(BooleanSupplier ready, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!isAlive()) {
                throw new StackException("the " + name + " exited while starting; last lines of " + logFile
                        + ":\n" + tailOfLog(30));
            }
            if (ready.getAsBoolean()) {
                return;
            }
            sleep(250);
        }
        throw new StackException("the " + name + " was not ready within " + timeout.toSeconds() + " s; see "
                + logFile + ":\n" + tailOfLog(30));
    }

    /**
     * SIGTERM, a grace period for a clean shutdown, then SIGKILL; returns once the process is gone (so its ports
     * are free for a restart), or after 10 s more if even SIGKILL does not end it.
     */
    public void stop(Duration grace) {
        Optional<ProcessHandle> handle = handle();
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return;
        }
        handle.get().destroy();
        try {
            handle.get().onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            handle.get().destroyForcibly();
            try {
                handle.get().onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception stillThere) {
                // reported by the caller's next check of the process or its port
            }
        }
    }

    String tailOfLog(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private Optional<ProcessHandle> handle() {
        return ProcessHandle.of(pid);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while waiting for the stack");
        }
    }
}
