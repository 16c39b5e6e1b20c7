package dev.aero.commands.api;

import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

import dev.aero.commands.push.PushDelivery;
import dev.aero.commands.queue.CommandQueues;
import dev.aero.common.command.Command;
import dev.aero.common.command.CommandJson;
import dev.aero.common.id.DID;
import dev.aero.common.web.ServiceAuthentication;

/**
 * What the two fast paths of enqueue and replace share, the servlet filter
 * ({@link FastEnqueueFilter}) and the event-loop front's lane ({@link FrontEnqueue}): which
 * request heads they take, the command of a body, and the answer (the controller's, pushed and
 * written by the same mapper).
 */
final class EnqueueFastPath {

    private final ServiceAuthentication authentication;
    private final CommandQueues queues;
    private final PushDelivery pusher;
    private final ObjectReader reader;
    private final ObjectWriter writer;
    private final long maxBytes;

    EnqueueFastPath(ServiceAuthentication authentication, CommandQueues queues, PushDelivery pusher, JsonMapper json, long maxBytes) {
        this.authentication = authentication;
        this.queues = queues;
        this.pusher = pusher;
        this.reader = json.readerFor(CommandJson.class);
        this.writer = json.writerFor(ServiceQueueController.Enqueued.class);
        this.maxBytes = maxBytes;
    }

    /** JSON in and out, a body length within the bound, and the service credential: a head a fast path answers. */
    boolean admits(String contentType, String accept, long length, String authorization) {
        if (!FastEnqueueFilter.jsonIn(contentType) || !FastEnqueueFilter.jsonOut(accept) || length < 0 || length > maxBytes) {
            return false;
        }
        try {
            authentication.authenticate(authorization);
            return true;
        } catch (RuntimeException refused) {
            return false;
        }
    }

    /** The command of a body; null when it is not a valid one (Spring MVC then answers with its problem). */
    Command command(byte[] body) {
        try {
            CommandJson json = reader.readValue(body);
            return json == null ? null : json.toCommand();
        } catch (RuntimeException malformed) {
            return null;
        }
    }

    CommandQueues queues() {
        return queues;
    }

    /** Pushes a command Redis has taken and writes the answer to its enqueue. */
    byte[] answer(DID did, Command command, CommandQueues.Enqueued enqueued) {
        return writer.writeValueAsBytes(ServiceQueueController.pushed(pusher, did, command, enqueued));
    }
}
