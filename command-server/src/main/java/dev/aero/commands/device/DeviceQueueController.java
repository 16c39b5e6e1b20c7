package dev.aero.commands.device;

import java.security.cert.X509Certificate;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import jakarta.servlet.http.HttpServletRequest;

import dev.aero.commands.queue.CommandQueues;
import dev.aero.common.auth.CertificateIdentity;
import dev.aero.common.auth.InvalidCertificateIdentityException;
import dev.aero.common.command.CommandCodec;
import dev.aero.common.id.DID;
import dev.aero.common.web.ApiProblemException;

/**
 * A device's own queue, over the device HTTPS listener with its certificate: read the head, and
 * acknowledge it (or report that it failed) to get the next. A device can reach no other
 * device's queue. Revoked certificates are accepted here on purpose: the queue is how an unlink
 * reaches a device whose certificate has just been revoked, and it can do nothing else with it.
 */
@RestController
class DeviceQueueController {

    private static final String CERTIFICATES = "jakarta.servlet.request.X509Certificate";

    private final CommandQueues queues;

    DeviceQueueController(CommandQueues queues) {
        this.queues = queues;
    }

    /** The head: {@code command} is base64 of the protobuf {@code Command} (as pushed), null when empty. */
    record HeadView(String command, long epoch, long queueSize) {
        static HeadView of(CommandQueues.Head h) {
            return h.empty() ? new HeadView(null, 0, 0)
                    : new HeadView(CommandCodec.toPushPayload(CommandCodec.fromRedisString(h.command(), h.epoch())), h.epoch(), h.size());
        }
    }

    /** {@code error} present: the device could not carry the command out; it is retried later. */
    record Ack(Long epoch, String error) { }

    record AckResult(String result, HeadView next) { }

    @GetMapping("/v1/devices/{did}/head")
    HeadView head(HttpServletRequest request, @PathVariable DID did) {
        requireDevice(request, did);
        return HeadView.of(queues.head(did));
    }

    @PostMapping("/v1/devices/{did}/ack")
    AckResult ack(HttpServletRequest request, @PathVariable DID did, @RequestBody Ack ack) {
        requireDevice(request, did);
        if (ack.epoch() == null || ack.epoch() < 1) {
            throw new ApiProblemException(HttpStatus.BAD_REQUEST, "epoch-invalid", "epoch is the head's epoch, a positive number.");
        }
        CommandQueues.Outcome outcome = ack.error() == null ? queues.ack(did, ack.epoch()) : queues.retryLater(did, ack.epoch());
        return new AckResult(outcome.result().name().toLowerCase(java.util.Locale.ROOT), HeadView.of(outcome.next()));
    }

    private static void requireDevice(HttpServletRequest request, DID did) {
        Object attribute = request.getAttribute(CERTIFICATES);
        if (!(attribute instanceof X509Certificate[] chain) || chain.length == 0) {
            throw new ApiProblemException(HttpStatus.UNAUTHORIZED, "device-certificate-required",
                    "Devices reach their queue over the device HTTPS listener with their certificate.");
        }
        DID caller;
        try {
            caller = CertificateIdentity.of(chain[0]).device();
        } catch (InvalidCertificateIdentityException e) {
            throw new ApiProblemException(HttpStatus.UNAUTHORIZED, "device-certificate-invalid", e.getMessage());
        }
        if (!caller.equals(did)) {
            throw new ApiProblemException(HttpStatus.FORBIDDEN, "not-your-queue", "A device reaches only its own queue.");
        }
    }
}
