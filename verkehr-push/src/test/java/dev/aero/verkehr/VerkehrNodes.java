package dev.aero.verkehr;

import dev.aero.common.testing.TestPki;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.aero.common.testing.TestRedis;
import dev.aero.verkehr.connection.SsmpServer;

/**
 * Starts verkehr nodes for a test class: each a full application on its own ports, all on the
 * class's Redis database with a cluster prefix of their own, trusting one {@link TestPki}.
 */
final class VerkehrNodes implements AutoCloseable {

    static final String SECRET = "test-deployment-secret";

    final TestPki pki;
    final String prefix = "vk" + UUID.randomUUID().toString().substring(0, 8);
    private final TestRedis redis;
    private final List<ConfigurableApplicationContext> started = new ArrayList<>();

    VerkehrNodes(TestRedis redis) throws Exception {
        this.redis = redis;
        this.pki = new TestPki(Path.of("target", "test-pki", prefix));
    }

    String eventStream() {
        return prefix + ":events";
    }

    ConfigurableApplicationContext start(String nodeId, Map<String, Object> overrides) throws InterruptedException {
        Map<String, Object> p = new HashMap<>();
        p.put("spring.data.redis.host", redis.host());
        p.put("spring.data.redis.port", redis.port());
        p.put("spring.data.redis.database", redis.database());
        p.put("server.port", 0);
        p.put("management.server.port", 0);
        p.put("aero.verkehr.host", "127.0.0.1");
        p.put("aero.verkehr.port", 0);
        p.put("aero.verkehr.node-id", nodeId);
        p.put("aero.verkehr.deployment-secret", SECRET);
        p.put("aero.verkehr.cluster.channel-prefix", prefix);
        p.put("aero.verkehr.cluster.heartbeat", "200ms");
        p.put("aero.verkehr.cluster.node-timeout", "1s");
        p.put("aero.verkehr.events.stream", eventStream());
        p.put("aero.verkehr.history.topic-prefixes", "acl/,hist/");
        p.put("aero.verkehr.tls.certificate-file", pki.serverCertificateFile().toAbsolutePath().toString());
        p.put("aero.verkehr.tls.private-key-file", pki.serverKeyFile().toAbsolutePath().toString());
        p.put("aero.verkehr.tls.ca-certificate-file", pki.caFile().toAbsolutePath().toString());
        p.put("aero.verkehr.tls.crl-url", pki.crlFile().toAbsolutePath().toUri().toString());
        p.put("aero.verkehr.tls.crl-refresh", "250ms");
        p.put("aero.verkehr.login-timeout", "1s");
        p.put("aero.verkehr.idle-ping", "30s");
        p.putAll(overrides);
        // As arguments: they outrank application.yml, as an operator's settings would.
        String[] args = p.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        ConfigurableApplicationContext context = new SpringApplicationBuilder(VerkehrApplication.class).run(args);
        started.add(context);
        if (!context.getBean(SsmpServer.class).awaitListening(java.time.Duration.ofSeconds(20))) {
            throw new IllegalStateException("SSMP listener did not come up");
        }
        return context;
    }

    /** A connection logged in with the deployment secret. */
    static RawSsmp service(javax.net.ssl.SSLContext tls, int port, String id) throws java.io.IOException {
        RawSsmp c = new RawSsmp(tls, port);
        String answer = c.call("LOGIN " + id + " secret " + SECRET);
        if (!answer.equals("200")) {
            c.close();
            throw new IllegalStateException("LOGIN " + id + " answered " + answer);
        }
        return c;
    }

    private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();

    /** GET on a node's HTTP API as the service {@code test}. */
    static java.net.http.HttpResponse<String> get(ConfigurableApplicationContext node, String path) throws Exception {
        return HTTP.send(api(node, path).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    /** POST of JSON on a node's HTTP API as the service {@code test}. */
    static java.net.http.HttpResponse<String> post(ConfigurableApplicationContext node, String path, String json) throws Exception {
        return HTTP.send(api(node, path).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(json)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    private static java.net.http.HttpRequest.Builder api(ConfigurableApplicationContext node, String path) {
        return java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + httpPort(node) + path))
                .header(dev.aero.common.auth.ServiceCredential.HEADER,
                        new dev.aero.common.auth.ServiceCredential("test", SECRET).toHeaderValue())
                .timeout(java.time.Duration.ofSeconds(5));
    }

    static int ssmpPort(ConfigurableApplicationContext node) {
        return node.getBean(SsmpServer.class).port();
    }

    static int httpPort(ConfigurableApplicationContext node) {
        return Integer.parseInt(node.getEnvironment().getProperty("local.server.port"));
    }

    @Override
    public void close() {
        for (ConfigurableApplicationContext c : started) {
            if (c.isActive()) {
                c.close();
            }
        }
    }
}
