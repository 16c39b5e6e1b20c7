package dev.aero.commands.api;

import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import dev.aero.common.web.apidoc.ApiSecuritySchemes;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.swagger.v3.oas.annotations.Operation;
import dev.aero.common.web.apidoc.ProblemResponse;
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
@Tag(name = "Device API", description = "A device's own command queue, over HTTPS with its client certificate")
@SecurityRequirement(name = ApiSecuritySchemes.DEVICE_CERTIFICATE)
@ProblemResponse(status = 401, type = "device-certificate-required", when = "no client certificate was presented (the device HTTPS port asks for one)")
@ProblemResponse(status = 401, type = "device-certificate-invalid", when = "the certificate does not name a device and user")
@ProblemResponse(status = 403, type = "not-your-queue", when = "the certificate is another device's")
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
    @Operation(operationId = "getHead", summary = "The head of the device's queue: the command as pushed (base64 protobuf), "
            + "its epoch and the queue's size; `command` null when the queue is empty")
    HeadView head(HttpServletRequest request, @PathVariable DID did) {
        requireDevice(request, did);
        return HeadView.of(queues.head(did));
    }

    @PostMapping("/v1/devices/{did}/ack")
    @Operation(operationId = "ackHead", summary = "Acknowledge the head by its epoch (or, with `error`, report that it failed: "
            + "it is retried later) and get the next head; a stale epoch changes nothing (`result` says which)")
    @ProblemResponse(status = 400, type = "epoch-invalid", when = "`epoch` is missing or not positive")
    AckResult ack(HttpServletRequest request, @PathVariable DID did, @RequestBody Ack ack) {
        // The same request, answered by FastAckFilter until the queue failed: that failure, not a second try.
        FastEnqueueFilter.rethrowFailure();
        requireDevice(request, did);
        if (ack.epoch() == null || ack.epoch() < 1) {
            throw new ApiProblemException(HttpStatus.BAD_REQUEST, "epoch-invalid", "epoch is the head's epoch, a positive number.");
        }
        return acknowledge(queues, did, ack);
    }

    /** The ack (or the failure report) applied, and its answer ({@link FastAckFilter}'s too). */
    static AckResult acknowledge(CommandQueues queues, DID did, Ack ack) {
        CommandQueues.Outcome outcome = ack.error() == null ? queues.ack(did, ack.epoch()) : queues.retryLater(did, ack.epoch());
        return new AckResult(outcome.result().name().toLowerCase(java.util.Locale.ROOT), HeadView.of(outcome.next()));
    }

    private static void requireDevice(HttpServletRequest request, DID did) {
        DID caller;
        try {
            caller = certifiedDevice(request);
        } catch (InvalidCertificateIdentityException e) {
            throw new ApiProblemException(HttpStatus.UNAUTHORIZED, "device-certificate-invalid", e.getMessage());
        }
        if (caller == null) {
            throw new ApiProblemException(HttpStatus.UNAUTHORIZED, "device-certificate-required",
                    "Devices reach their queue over the device HTTPS listener with their certificate.");
        }
        if (!caller.equals(did)) {
            throw new ApiProblemException(HttpStatus.FORBIDDEN, "not-your-queue", "A device reaches only its own queue.");
        }
    }

    /**
     * The device the request's client certificate names ({@link FastAckFilter}'s check too); null
     * when the request came without one.
     *
     * @throws InvalidCertificateIdentityException when the certificate names no device
     */
    static DID certifiedDevice(HttpServletRequest request) {
        if (!(request.getAttribute(CERTIFICATES) instanceof X509Certificate[] chain) || chain.length == 0) {
            return null;
        }
        return CertificateIdentity.of(chain[0]).device();
    }
}
