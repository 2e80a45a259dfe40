package io.memshift.embedded.es;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.PluginsLoader;

/**
 * Runs one single-node Elasticsearch in this JVM, through ES's public Java API, because ES publishes no
 * runnable distribution on Maven Central. Started as a child process by the embedded stack.
 *
 * <p>Arguments: {@code <home> <http-port> <transport-netty4-jars-dir>}. The home holds data, logs and the
 * modules folder; it is laid out here on every start so that a stale module copy never survives an upgrade.
 */
public final class ElasticsearchNodeMain {

    private static final String NETTY_MODULE = "transport-netty4";

    private ElasticsearchNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: ElasticsearchNodeMain <home> <http-port> <transport-netty4-jars-dir>");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int httpPort = Integer.parseInt(args[1]);
        Path nettyJars = Path.of(args[2]).toAbsolutePath();

        layOutHome(home, nettyJars);
        // ES logs through its own facade, which is wired to log4j only by its CLI; do what the CLI does.
        LogConfigurator.configureESLogging();
        Settings settings = Settings.builder()
                .put("path.home", home.toString())
                .put("path.data", home.resolve("data").toString())
                .put("path.logs", home.resolve("logs").toString())
                .put("cluster.name", "memshift-embedded")
                .put("node.name", "memshift-es")
                .put("discovery.type", "single-node")
                .put("network.host", "127.0.0.1")
                .put("http.port", httpPort)
                // A laptop disk that is 90% full must not turn every index read-only.
                .put("cluster.routing.allocation.disk.threshold_enabled", false)
                .build();
        LogConfigurator.configureWithoutConfig(settings);
        Environment environment = InternalSettingsPreparer.prepareEnvironment(
                settings, Map.of(), home.resolve("config"), () -> "memshift-es");
        // The last argument must be false: true turns on ES's entitlement checks, which need its agent.
        PluginsLoader plugins = PluginsLoader.createPluginsLoader(
                PluginsLoader.loadModulesBundles(environment.modulesDir()), Set.of(), Map.of(), false);
        Node node = new Node(environment, plugins).start();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(20, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                System.err.println("error while stopping Elasticsearch: " + e);
            } finally {
                stopped.countDown();
            }
        }, "memshift-es-shutdown"));
        System.out.println("memshift: Elasticsearch node started on http://127.0.0.1:" + httpPort);
        stopped.await();
    }

    private static void layOutHome(Path home, Path nettyJars) throws IOException {
        Files.createDirectories(home.resolve("config"));
        Files.createDirectories(home.resolve("data"));
        Files.createDirectories(home.resolve("logs"));
        Files.createDirectories(home.resolve("plugins"));
        Path module = home.resolve("modules").resolve(NETTY_MODULE);
        if (Files.exists(module)) {
            try (Stream<Path> old = Files.list(module)) {
                for (Path p : old.collect(Collectors.toList())) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(module);
        Path pluginJar = null;
        try (Stream<Path> jars = Files.list(nettyJars)) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).collect(Collectors.toList())) {
                Files.copy(jar, module.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                if (jar.getFileName().toString().startsWith(NETTY_MODULE + "-")) {
                    pluginJar = jar;
                }
            }
        }
        if (pluginJar == null) {
            throw new IllegalStateException("no " + NETTY_MODULE + " jar in " + nettyJars);
        }
        Files.writeString(module.resolve("plugin-descriptor.properties"), descriptorOf(pluginJar),
                StandardCharsets.UTF_8);
    }

    /**
     * The descriptor ships inside the plugin jar. We drop its {@code modulename} line: with it, ES loads the
     * module as a named Java module, which clashes with ES itself sitting on the class path, not the module path.
     */
    private static String descriptorOf(Path pluginJar) throws IOException {
        try (JarFile jar = new JarFile(pluginJar.toFile())) {
            var entry = jar.stream()
                    .filter(e -> e.getName().startsWith("META-INF/es-plugins/")
                            && e.getName().endsWith("plugin-descriptor.properties"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no plugin descriptor in " + pluginJar));
            try (InputStream in = jar.getInputStream(entry)) {
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                return text.lines()
                        .filter(line -> !line.trim().startsWith("modulename="))
                        .collect(Collectors.joining("\n", "", "\n"));
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
