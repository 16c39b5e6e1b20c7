package dev.aero.commands.front;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import io.netty.handler.codec.http.HttpRequest;

/**
 * The requests the {@link ServiceFront} answers itself, on its event loop, instead of relaying
 * them to the servlet container behind it. A lane takes only what it can answer exactly as the
 * container would; everything else, and anything it changes its mind about once it has the body,
 * is relayed unchanged, so that every other answer (problems included) keeps coming from one place.
 */
public interface FastLane {

    /** A request the lane took from its head alone, and the size of the body it then needs. */
    interface Ticket {
        /** The body's length: the request's {@code Content-Length}, at most the lane's bound. */
        int bodyLength();

        /** The request's path pattern, for the {@code uri} tag of {@code http.server.requests}. */
        String pattern();
    }

    /** The answer of a request the lane served: a status, a content type and the body. */
    record Answer(int status, String contentType, byte[] body) { }

    /** The ticket of a request this lane answers, decided from its head; null to relay it. */
    Ticket admit(HttpRequest request);

    /**
     * Answers an admitted request, given its whole body. Completes with the answer, or with null
     * (or exceptionally) when the request has to be relayed after all, body and all; the
     * completion runs on {@code loop}, the connection's event loop.
     */
    CompletionStage<Answer> answer(Ticket ticket, byte[] body, Executor loop);
}
