package ly.akhbar.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.common.transport.TransportAddress;
import org.opensearch.env.Environment;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;

/**
 * A single OpenSearch node with its plugins loaded from the classpath (the jars Maven copied),
 * so no OpenSearch distribution has to be downloaded. Settings come as key=value arguments.
 * Once the node is up, the bound HTTP address is written to ${path.data}/../node.json, which the
 * Python side polls.
 */
public final class EmbeddedNode extends Node {

    private EmbeddedNode(Environment env, Collection<Class<? extends Plugin>> plugins) {
        super(env, plugins, true);
    }

    static List<Class<? extends Plugin>> classpathPlugins() {
        List<Class<? extends Plugin>> plugins = new ArrayList<>();
        plugins.add(org.opensearch.transport.Netty4Plugin.class);
        plugins.add(org.opensearch.analysis.common.CommonAnalysisPlugin.class);
        plugins.add(org.opensearch.painless.PainlessPlugin.class);
        plugins.add(org.opensearch.index.reindex.ReindexPlugin.class);
        plugins.add(org.opensearch.percolator.PercolatorPlugin.class);
        // ICU is optional: icu_folding / icu_normalizer when present, a tested fallback otherwise.
        try {
            plugins.add(Class.forName("org.opensearch.plugin.analysis.icu.AnalysisICUPlugin").asSubclass(Plugin.class));
        } catch (ClassNotFoundException | LinkageError e) {
            System.err.println("akhbar: analysis-icu not on the classpath, running without it");
        }
        return plugins;
    }

    public static void main(String[] args) throws Exception {
        Settings.Builder builder = Settings.builder()
            .put("discovery.type", "single-node")
            .put("network.host", "127.0.0.1")
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("action.auto_create_index", false)
            .put("node.name", "akhbar-node");
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got: " + arg);
            }
            builder.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        Settings settings = builder.build();
        if (!settings.hasValue("path.home") || !settings.hasValue("path.data")) {
            throw new IllegalArgumentException("path.home and path.data are required");
        }
        LogConfigurator.registerErrorListener();
        LogConfigurator.configureWithoutConfig(settings);
        LogConfigurator.setNodeName(settings.get("node.name"));

        Path configDir = Paths.get(settings.get("path.home"), "config");
        Files.createDirectories(configDir);
        Environment env = InternalSettingsPreparer.prepareEnvironment(
            settings, Collections.emptyMap(), configDir, () -> settings.get("node.name"));

        EmbeddedNode node = new EmbeddedNode(env, classpathPlugins());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (IOException e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "akhbar-node-shutdown"));
        node.start();
        writeAddress(node, Paths.get(settings.get("path.home"), "node.json"));
        stopped.await();
    }

    private static void writeAddress(Node node, Path target) throws IOException {
        TransportAddress http = node.injector().getInstance(HttpServerTransport.class)
            .boundAddress().publishAddress();
        String json = String.format(
            "{\"http\": \"http://%s:%d\", \"pid\": %d}%n",
            http.getAddress(), http.getPort(), ProcessHandle.current().pid());
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(tmp, json.getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.println("akhbar: node started at http://" + http.getAddress() + ":" + http.getPort());
    }
}
