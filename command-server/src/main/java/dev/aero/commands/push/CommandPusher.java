package dev.aero.commands.push;

import dev.aero.common.http.ServiceHttpClient;
import dev.aero.common.ssmp.PlatformTopics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import dev.aero.client.ssmp.SsmpClient;
import dev.aero.commands.CommandServerProperties;
import dev.aero.common.command.Command;
import dev.aero.common.command.CommandCodec;
import dev.aero.common.id.DID;

/**
 * Pushes a queued command to its device: an MCAST of base64(Command) on {@code cmd/<did>}
 * through verkehr, after the enqueue has committed: over the SSMP push channel while it is
 * connected (one line on an open connection), else through verkehr's HTTP API (a request each).
 * The push is a hint; the queue is the truth, so a failed push is counted and left for the
 * retry sweep and the device's next drain.
 */
public final class CommandPusher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CommandPusher.class);
    public static final String SERVICE_NAME = "command-server";

    private final CommandServerProperties settings;
    private final ServiceHttpClient verkehr;
    private final SsmpPushChannel channel;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Counter pushedSsmp;
    private final Counter pushedHttp;
    private final Counter failed;

    /** @param channel the SSMP push channel, or null to push through HTTP only */
    public CommandPusher(CommandServerProperties settings, HttpClient http, SsmpPushChannel channel, MeterRegistry meters) {
        this.settings = settings;
        this.verkehr = new ServiceHttpClient(http, SERVICE_NAME, settings.deploymentSecret());
        this.channel = channel;
        this.pushedSsmp = Counter.builder("aero.commands.pushes").tag("result", "ok").tag("transport", "ssmp").register(meters);
        this.pushedHttp = Counter.builder("aero.commands.pushes").tag("result", "ok").tag("transport", "http").register(meters);
        this.failed = Counter.builder("aero.commands.pushes").tag("result", "failed").tag("transport", "any").register(meters);
    }

    /** Pushes in the background; completes with whether verkehr took the message. */
    public CompletableFuture<Boolean> push(DID did, Command command) {
        if (channel != null && channel.ready()) {
            return channel.mcast(topic(did), payload(command)).handle((ok, e) -> counted(did, e == null, e));
        }
        return CompletableFuture.supplyAsync(() -> pushOverHttp(did, command), executor);
    }

    /** One push of {@link #pushAll}. */
    public record Push(DID did, Command command) { }

    /**
     * Pushes many in the background, one completion each (as {@link #push}): over the SSMP
     * channel, pipelined in one write ({@link SsmpClient#mcastAllAsync}); over HTTP, a request each.
     */
    public List<CompletableFuture<Boolean>> pushAll(List<Push> pushes) {
        List<CompletableFuture<Boolean>> out = new ArrayList<>(pushes.size());
        if (channel != null && channel.ready()) {
            List<SsmpClient.Multicast> messages = new ArrayList<>(pushes.size());
            for (Push p : pushes) {
                messages.add(new SsmpClient.Multicast(topic(p.did()), payload(p.command())));
            }
            List<CompletableFuture<Void>> answers = channel.mcastAll(messages);
            for (int i = 0; i < pushes.size(); i++) {
                DID did = pushes.get(i).did();
                out.add(answers.get(i).handle((ok, e) -> counted(did, e == null, e)));
            }
            return out;
        }
        for (Push p : pushes) {
            out.add(push(p.did(), p.command()));
        }
        return out;
    }

    /** Pushes now, on the calling thread; whether verkehr took the message. */
    public boolean pushNow(DID did, Command command) {
        if (channel != null && channel.ready()) {
            try {
                channel.mcast(topic(did), payload(command)).get(settings.pushTimeout().toMillis(), TimeUnit.MILLISECONDS);
                return counted(did, true, null);
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                return counted(did, false, e);
            }
        }
        return pushOverHttp(did, command);
    }

    private boolean counted(DID did, boolean ok, Throwable cause) {
        if (ok) {
            pushedSsmp.increment();
        } else {
            log.debug("SSMP push for {} failed: {}", did, String.valueOf(cause));
            failed.increment();
        }
        return ok;
    }

    private static String topic(DID did) {
        return PlatformTopics.commands(did);
    }

    private static byte[] payload(Command command) {
        return CommandCodec.toPushPayload(command).getBytes(StandardCharsets.US_ASCII);
    }

    private boolean pushOverHttp(DID did, Command command) {
        String body = "{\"topic\":\"" + topic(did) + "\",\"payload\":\"" + CommandCodec.toPushPayload(command) + "\"}";
        try {
            HttpResponse<String> response = verkehr.send("POST", URI.create(settings.verkehrUrl() + "/v1/publish"), body,
                    settings.pushTimeout());
            if (response.statusCode() == 200) {
                pushedHttp.increment();
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
        if (channel != null) {
            channel.close();
        }
    }
}
