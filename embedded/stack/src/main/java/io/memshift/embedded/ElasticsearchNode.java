package io.memshift.embedded;

import java.io.File;
import java.nio.file.Path;
import java.util.List;

/** A single Elasticsearch node in its own JVM, on exactly ES's classpath (ES refuses duplicate classes). */
final class ElasticsearchNode {

    static final String NAME = "Elasticsearch node";

    private ElasticsearchNode() {
    }

    static ChildProcess start(StackLayout layout, Path dataDir, StackPorts ports, boolean detach) {
        Path dir = dataDir.resolve("elasticsearch");
        String classpath = layout.elasticsearchLauncherJar() + File.pathSeparator + layout.elasticsearchLib().resolve("*");
        return ChildProcess.start(NAME, List.of(StackLayout.javaExecutable(), "-Xms512m", "-Xmx512m",
                        "-XX:+UseG1GC", "-Djava.awt.headless=true", "-Dfile.encoding=UTF-8",
                        "-Dlog4j2.disable.jmx=true", "-Dio.netty.allocator.type=pooled",
                        "-cp", classpath, "io.memshift.embedded.es.ElasticsearchNodeMain",
                        dir.toString(), Integer.toString(ports.elasticsearch()), layout.elasticsearchNettyModule().toString()),
                dir, dir.resolve("node.log"), detach);
    }

    static boolean isReady(String url) {
        return SchemaRegistry.httpOk(url + "/_cluster/health?wait_for_status=yellow&timeout=1s");
    }
}
