package dev.aero.commands.api;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

import tools.jackson.databind.json.JsonMapper;

import dev.aero.commands.front.FastLane;
import dev.aero.commands.push.PushDelivery;
import dev.aero.commands.queue.CommandQueues;
import dev.aero.common.command.Command;
import dev.aero.common.command.CommandCodec;
import dev.aero.common.id.DID;
import dev.aero.common.web.ServiceAuthentication;

/**
 * Enqueue and replace ({@code POST} and {@code PUT /v1/devices/{did}/commands}) answered on the
 * service port's event loop ({@link dev.aero.commands.front.ServiceFront}): the request's head
 * is checked as {@link FastEnqueueFilter} checks it, the Redis script runs without blocking a
 * thread, and the answer is the controller's, written by the same mapper. What the filter would
 * hand on to Spring MVC is relayed to the servlet container instead, where the filter and the
 * controller answer it as before: a bad credential, a body over the bound or without a length, a
 * content type or {@code Accept} other than JSON, malformed JSON, an unknown or invalid command,
 * a path that is not the canonical form, a query string; and an enqueue that failed (the
 * controller then tries it itself and answers with its problem when Redis still fails).
 */
public final class FrontEnqueue implements FastLane {

    private record Ticket(DID did, boolean replace, int bodyLength) implements FastLane.Ticket {
        @Override
        public String pattern() {
            return FastEnqueueFilter.PATTERN;
        }
    }

    private final EnqueueFastPath path;

    public FrontEnqueue(ServiceAuthentication authentication, CommandQueues queues, PushDelivery pusher, JsonMapper json, long maxBytes) {
        this.path = new EnqueueFastPath(authentication, queues, pusher, json, maxBytes);
    }

    @Override
    public FastLane.Ticket admit(HttpRequest request) {
        HttpMethod method = request.method();
        boolean replace = HttpMethod.PUT.equals(method);
        if (!replace && !HttpMethod.POST.equals(method) || !HttpVersion.HTTP_1_1.equals(request.protocolVersion())) {
            return null;
        }
        DID did = FastEnqueueFilter.canonicalDevice(request.uri(), FastEnqueueFilter.SUFFIX);
        var headers = request.headers();
        long length = HttpUtil.getContentLength(request, -1L);
        if (did == null || headers.contains(HttpHeaderNames.TRANSFER_ENCODING) || headers.contains(HttpHeaderNames.EXPECT)
                || !path.admits(headers.get(HttpHeaderNames.CONTENT_TYPE), headers.get(HttpHeaderNames.ACCEPT), length,
                        headers.get(HttpHeaderNames.AUTHORIZATION))) {
            return null;
        }
        return new Ticket(did, replace, (int) length);
    }

    @Override
    public CompletionStage<FastLane.Answer> answer(FastLane.Ticket admitted, byte[] body, Executor loop) {
        Ticket ticket = (Ticket) admitted;
        Command command = path.command(body);
        if (command == null) {
            return CompletableFuture.completedFuture(null);
        }
        return path.queues().enqueueAsync(ticket.did(), CommandCodec.toRedisString(command), ticket.replace())
                .thenApplyAsync(enqueued -> new FastLane.Answer(200, "application/json", path.answer(ticket.did(), command, enqueued)), loop);
    }
}
