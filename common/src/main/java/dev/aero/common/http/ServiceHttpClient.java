package dev.aero.common.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import dev.aero.common.auth.ServiceCredential;
import dev.aero.common.logging.RequestIds;

/**
 * Calls another platform service's HTTP API as this service: every request carries
 * {@code Authorization: Aero-Service-Shared-Secret <service> <deployment secret>} and, with a
 * body, {@code Content-Type: application/json}. The one place a service builds that request.
 */
public final class ServiceHttpClient {

    private final HttpClient http;
    private final String credential;

    /**
     * Over {@code http}, as {@code serviceName} with the deployment's shared secret. Without a
     * secret (empty or null) every call fails, as the other service would refuse it anyway.
     */
    public ServiceHttpClient(HttpClient http, String serviceName, String deploymentSecret) {
        this.http = http;
        this.credential = deploymentSecret == null || deploymentSecret.isEmpty() ? null
                : new ServiceCredential(serviceName, deploymentSecret).toHeaderValue();
    }

    /** Whether calls can carry a credential (a deployment secret is configured). */
    public boolean configured() {
        return credential != null;
    }

    /**
     * Sends {@code method} to {@code uri} with {@code json} as the body (null: none), waiting at
     * most {@code timeout} for the answer; the answer's body as text.
     */
    public HttpResponse<String> send(String method, URI uri, String json, Duration timeout)
            throws IOException, InterruptedException {
        if (credential == null) {
            throw noSecret();
        }
        return http.send(request(method, uri, json, timeout), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** {@link #send} without blocking: the answer, or the failure, completes the future. */
    public CompletableFuture<HttpResponse<String>> sendAsync(String method, URI uri, String json, Duration timeout) {
        if (credential == null) {
            return CompletableFuture.failedFuture(noSecret());
        }
        return http.sendAsync(request(method, uri, json, timeout), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private HttpRequest request(String method, URI uri, String json, Duration timeout) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).header(ServiceCredential.HEADER, credential);
        // The request being handled, if any, goes on with its id (dev.aero.common.logging).
        String requestId = RequestIds.current();
        if (requestId != null) {
            request.header(RequestIds.HEADER, requestId);
        }
        if (json == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        }
        return request.build();
    }

    private static IOException noSecret() {
        return new IOException("no deployment secret is configured, so no other service would accept the call");
    }
}
