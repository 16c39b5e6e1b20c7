package dev.aero.commands.push;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import dev.aero.commands.CommandServerProperties;
import dev.aero.common.auth.ServiceCredential;
import dev.aero.common.command.Command;
import dev.aero.common.command.CommandCodec;
import dev.aero.common.id.DID;

/**
 * Pushes a queued command to its device: an MCAST of base64(Command) on {@code cmd/<did>}
 * through verkehr's HTTP API, after the enqueue has committed. The push is a hint; the queue
 * is the truth, so a failed push is counted and left for the device's next drain.
 */
public final class CommandPusher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CommandPusher.class);
    public static final String SERVICE_NAME = "command-server";

    private final CommandServerProperties settings;
    private final HttpClient http;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Counter pushed;
    private final Counter failed;

    public CommandPusher(CommandServerProperties settings, HttpClient http, MeterRegistry meters) {
        this.settings = settings;
        this.http = http;
        this.pushed = Counter.builder("aero.commands.pushes").tag("result", "ok").register(meters);
        this.failed = Counter.builder("aero.commands.pushes").tag("result", "failed").register(meters);
    }

    /** Pushes in the background; completes with whether verkehr took the message. */
    public CompletableFuture<Boolean> push(DID did, Command command) {
        return CompletableFuture.supplyAsync(() -> pushNow(did, command), executor);
    }

    /** Pushes now, on the calling thread; whether verkehr took the message. */
    public boolean pushNow(DID did, Command command) {
        String body = "{\"topic\":\"cmd/" + did.hex() + "\",\"payload\":\"" + CommandCodec.toPushPayload(command) + "\"}";
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(settings.verkehrUrl() + "/v1/publish"))
                    .timeout(settings.pushTimeout())
                    .header("Content-Type", "application/json")
                    .header(ServiceCredential.HEADER, new ServiceCredential(SERVICE_NAME, settings.deploymentSecret()).toHeaderValue())
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() == 200) {
                pushed.increment();
                return true;
            }
            log.debug("verkehr answered {} to the push for {}", response.statusCode(), did);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.debug("push for {} failed: {}", did, e.toString());
        }
        failed.increment();
        return false;
    }

    @Override
    public void close() {
        executor.shutdown();
    }
}
