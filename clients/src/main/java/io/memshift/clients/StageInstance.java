package io.memshift.clients;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * This process as one instance of memshift's stages among several: the id that makes its consumer group and
 * Kafka Streams members distinct from every other instance's ({@code group.instance.id}), and the folder of its
 * Kafka Streams state.
 *
 * <p>Static membership needs an id that is unique among the running instances of a group (a second member with
 * the same id fences the first) and the same again when the instance restarts (so it takes its partitions back
 * at once instead of waiting for its old session to time out). Without {@code --instance-id}, the id is the host
 * name and the first free slot of the data folder: each process holds a lock on {@code <data-dir>/instances/<n>.lock}
 * while it runs, so two processes on one machine and data folder get slots 1 and 2, and a process restarted after
 * a crash (its lock is gone with it) gets its slot back. Slot 1 keeps its Kafka Streams state in
 * {@code <data-dir>/streams}, as before instances existed; slot n in {@code <data-dir>/streams-<n>}: two
 * instances never share a state folder.
 */
public final class StageInstance implements AutoCloseable {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,80}");
    private static final int MAX_SLOTS = 64;

    private final String id;
    private final Path stateDir;
    private final FileChannel channel;
    private final FileLock lock;

    private StageInstance(String id, Path stateDir, FileChannel channel, FileLock lock) {
        this.id = id;
        this.stateDir = stateDir;
        this.channel = channel;
        this.lock = lock;
    }

    /** An instance with a given id and state folder, holding no lock (for tests and embedding code). */
    public static StageInstance of(String id, Path stateDir) {
        requireValidId(id);
        return new StageInstance(id, stateDir, null, null);
    }

    /**
     * Claims this process's instance in {@code dataDir}; {@link #close()} gives it back.
     *
     * @param explicitId {@code --instance-id}, or null for {@code <host>-<first free slot>}
     * @throws IllegalArgumentException if the explicit id is not valid or another process of this data folder
     *                                  runs with it
     */
    public static StageInstance claim(Path dataDir, String explicitId) {
        Path locks = dataDir.resolve("instances");
        try {
            Files.createDirectories(locks);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + locks, e);
        }
        if (explicitId != null) {
            requireValidId(explicitId);
            StageInstance instance = tryClaim(locks.resolve("id-" + explicitId + ".lock"), explicitId,
                    dataDir.resolve("streams-" + explicitId));
            if (instance == null) {
                throw new IllegalArgumentException("instance id '" + explicitId + "' is in use by another process"
                        + " with data folder " + dataDir + "; give each instance an id of its own");
            }
            return instance;
        }
        String host = hostName(System.getenv());
        for (int slot = 1; slot <= MAX_SLOTS; slot++) {
            StageInstance instance = tryClaim(locks.resolve(slot + ".lock"), host + "-" + slot,
                    slot == 1 ? dataDir.resolve("streams") : dataDir.resolve("streams-" + slot));
            if (instance != null) {
                return instance;
            }
        }
        throw new IllegalStateException(MAX_SLOTS + " processes already run with data folder " + dataDir
                + "; give this one another --data-dir or an --instance-id");
    }

    private static StageInstance tryClaim(Path lockFile, String id, Path stateDir) {
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                return null;
            }
            return new StageInstance(id, stateDir, channel, lock);
        } catch (OverlappingFileLockException e) {
            // Held by this very JVM (another command run in the same process, as tests do).
            closeQuietly(channel);
            return null;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot lock " + lockFile, e);
        }
    }

    /** The host's name as an id part: lower case, only letters, digits, '.' and '-'. */
    static String hostName(Map<String, String> env) {
        String name = env.get("HOSTNAME");
        if (name == null || name.isBlank()) {
            name = env.get("COMPUTERNAME");
        }
        if (name == null || name.isBlank()) {
            try {
                name = java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                name = "host";
            }
        }
        String safe = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]+", "-").replaceAll("^-+|-+$", "");
        safe = safe.length() > 40 ? safe.substring(0, 40) : safe;
        return safe.isEmpty() ? "host" : safe;
    }

    private static void requireValidId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("instance id '" + id + "' must be 1 to 80 letters, digits, '.', '_'"
                    + " or '-'");
        }
    }

    public String id() {
        return id;
    }

    /** Where this instance's Kafka Streams applications keep their state. */
    public Path stateDir() {
        return stateDir;
    }

    /** This instance's {@code group.instance.id} in {@code group} (a consumer group or Streams application id). */
    public String staticMemberId(String group) {
        return group + "-" + id;
    }

    @Override
    public void close() {
        try {
            if (lock != null) {
                lock.release();
            }
        } catch (IOException ignored) {
            // the channel is closed below, which releases the lock anyway
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing held any more
            }
        }
    }

    @Override
    public String toString() {
        return id;
    }
}
