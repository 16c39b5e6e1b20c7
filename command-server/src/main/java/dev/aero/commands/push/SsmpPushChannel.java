package dev.aero.commands.push;

import dev.aero.common.ssmp.SsmpSyntax;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import javax.net.ssl.SSLContext;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aero.client.ssmp.SsmpClient;
import dev.aero.common.concurrent.Retry;
import dev.aero.common.tls.CaTrust;

/**
 * One long-lived SSMP connection to verkehr over TLS, logged in as {@code command-server/<random>}
 * with the deployment secret, over which pushes go as MCASTs: a line on an open connection
 * instead of an HTTP request each. It starts once the platform CA is known (verkehr's certificate
 * is checked against it, and its host name), connects in the background until verkehr answers,
 * and reconnects by itself; while it is not connected, {@link CommandPusher} uses verkehr's HTTP
 * API instead.
 */
public final class SsmpPushChannel implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SsmpPushChannel.class);

    private final String host;
    private final int port;
    private final String deploymentSecret;
    private final Duration requestTimeout;
    private volatile SsmpClient client;
    private volatile boolean closed;
    private boolean started;

    /** @param address verkehr's SSMP listener, {@code host:port} */
    public SsmpPushChannel(String address, String deploymentSecret, Duration requestTimeout) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException("aero.commands.verkehr-ssmp is host:port, got " + address);
        }
        this.host = address.substring(0, colon);
        this.port = Integer.parseInt(address.substring(colon + 1));
        this.deploymentSecret = deploymentSecret;
        this.requestTimeout = requestTimeout;
    }

    /** Connects (in the background) with TLS that trusts {@code ca}. */
    public synchronized void start(X509Certificate ca) {
        if (started || closed) {
            return;
        }
        started = true;
        byte[] suffix = new byte[4];
        new SecureRandom().nextBytes(suffix);
        String id = CommandPusher.SERVICE_NAME + "/" + HexFormat.of().formatHex(suffix);
        SSLContext tls = trusting(ca);
        Retry.inBackground("ssmp-push-connect", Duration.ofMillis(200), Duration.ofSeconds(5), () -> closed, () -> {
            // A client connects once; after a failed first attempt a new one tries again.
            SsmpClient c = SsmpClient.builder(host, port).sslContext(tls).login(id, SsmpSyntax.SCHEME_SECRET, deploymentSecret)
                    .reconnect(true).backoff(Duration.ofMillis(100), Duration.ofSeconds(5)).requestTimeout(requestTimeout)
                    .platformReader(true).build();
            try {
                c.connect();
            } catch (Exception e) {
                c.close();
                throw e;
            }
            client = c;
            if (closed) {
                c.close();
            }
            log.info("pushing commands over SSMP to {}:{} as {}", host, port, id);
        }, (e, next) -> log.debug("SSMP push channel not connected yet ({}); retrying in {} ms", e.toString(), next));
    }

    public boolean ready() {
        SsmpClient c = client;
        return c != null && c.isConnected();
    }

    /** MCAST {@code payload} on {@code topic}; completes when verkehr answered 200. */
    public CompletableFuture<Void> mcast(String topic, byte[] payload) {
        SsmpClient c = client;
        if (c == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("SSMP push channel not started"));
        }
        return c.mcastAsync(topic, payload);
    }

    /** Many MCASTs in one write ({@link SsmpClient#mcastAllAsync}); each completes when verkehr answered it 200. */
    public List<CompletableFuture<Void>> mcastAll(List<SsmpClient.Multicast> messages) {
        SsmpClient c = client;
        if (c == null) {
            IllegalStateException notStarted = new IllegalStateException("SSMP push channel not started");
            return messages.stream().map(m -> CompletableFuture.<Void>failedFuture(notStarted)).toList();
        }
        return c.mcastAllAsync(messages);
    }

    private static SSLContext trusting(X509Certificate ca) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, CaTrust.trustManagers(ca), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException("cannot build the TLS context for the SSMP push channel", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        SsmpClient c = client;
        if (c != null) {
            c.close();
        }
    }
}
