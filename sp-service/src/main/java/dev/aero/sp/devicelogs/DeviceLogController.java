package dev.aero.sp.devicelogs;

import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.List;

import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import dev.aero.common.id.DID;
import dev.aero.common.web.apidoc.ProblemResponse;
import dev.aero.sp.account.AdminOnly;
import dev.aero.sp.account.AuthenticatedUser;
import dev.aero.sp.device.AuthenticatedDevice;
import dev.aero.sp.web.ClientAddress;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;

@RestController
@RequestMapping("/api/v1")
@Tag(name = "Device logs", description = "Devices' log uploads answering UPLOAD_LOGS, and their administration")
@Validated
class DeviceLogController {

    static final String GZIP = "application/gzip";
    private static final String DEFECT_ID = LogsRequests.DEFECT_ID;

    private final DeviceLogService logs;

    DeviceLogController(DeviceLogService logs) {
        this.logs = logs;
    }

    @PutMapping(path = "/devices/{did}/logs/{defectId}", consumes = GZIP)
    @Operation(operationId = "uploadDeviceLogs", summary = "The device, authenticated by its certificate, uploads its logs for a "
            + "logs request of its own, before the request expires: a whole gzip stream, streamed; `sha256` is of the bytes as sent",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(mediaType = GZIP, schema = @Schema(type = "string", format = "binary"))),
            responses = @ApiResponse(responseCode = "201", description = "Stored; `Location` is where admins download it"))
    @ProblemResponse(status = 403, type = "device-mismatch", when = "the certificate is another device's")
    @ProblemResponse(status = 404, type = "logs-not-requested", when = "no logs were requested of this device under this defect id (or the request expired and was swept)")
    @ProblemResponse(status = 410, type = "logs-request-expired", when = "the logs request has expired")
    @ProblemResponse(status = 409, type = "logs-already-uploaded", when = "this defect id's logs have been uploaded already")
    @ProblemResponse(status = 413, type = "logs-too-large", when = "the body passes `aero.sp.device-logs.max-upload-size` (reading stops there)")
    @ProblemResponse(status = 507, type = "logs-quota-exceeded", when = "the body would pass the quota of all stored uploads, `aero.sp.device-logs.quota`")
    @ProblemResponse(status = 400, type = "logs-not-gzip", when = "the body is not gzip, or its data or checksums are corrupt")
    @ProblemResponse(status = 400, type = "logs-truncated", when = "the gzip stream ends early, or the upload broke off")
    ResponseEntity<LogUploadView> upload(AuthenticatedDevice caller, @PathVariable DID did,
            @PathVariable @Pattern(regexp = DEFECT_ID) String defectId, HttpServletRequest request, ClientAddress from)
            throws IOException {
        DeviceLogService.LogUpload upload = logs.upload(caller, did, defectId, request.getContentLengthLong(), request.getInputStream(),
                from);
        return ResponseEntity.created(URI.create("/api/v1/devices/" + did.hex() + "/logs/" + defectId)).body(LogUploadView.of(upload));
    }

    @GetMapping("/organizations/me/device-logs")
    @Operation(operationId = "listDeviceLogs", summary = "The organization's log uploads, newest first (of one `device`, when given), "
            + "a page at a time: pass `next_before` as `before` for the next (admins)")
    @AdminOnly
    LogUploadPage list(AuthenticatedUser caller, @RequestParam(required = false) DID device,
            @RequestParam(required = false) @Min(1) Long before, @RequestParam(defaultValue = "50") @Min(1) @Max(500) int limit) {
        List<LogUploadView> page = logs.uploads(caller, device, before, limit).stream().map(LogUploadView::of).toList();
        return new LogUploadPage(page, page.size() == limit ? page.getLast().id() : null);
    }

    @GetMapping("/devices/{did}/logs/{defectId}")
    @Operation(operationId = "downloadDeviceLogs", summary = "One log upload, the gzip file as the device sent it, as an attachment (admins)",
            responses = @ApiResponse(responseCode = "200", description = "The upload; `Repr-Digest` carries its SHA-256",
                    content = @Content(mediaType = GZIP, schema = @Schema(type = "string", format = "binary"))))
    @AdminOnly
    @ProblemResponse(status = 404, type = "logs-upload-not-found", when = "no such upload in the admin's organization")
    ResponseEntity<Resource> download(AuthenticatedUser caller, @PathVariable DID did,
            @PathVariable @Pattern(regexp = DEFECT_ID) String defectId, ClientAddress from) {
        DeviceLogService.Download download = logs.download(caller, did, defectId, from);
        DeviceLogService.LogUpload upload = download.upload();
        return ResponseEntity.ok()
                .contentType(MediaType.parseMediaType(GZIP))
                .contentLength(upload.size())
                .header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment()
                        .filename("logs-" + did.hex() + "-" + defectId + ".gz").build().toString())
                .header("Repr-Digest", "sha-256=:" + java.util.Base64.getEncoder().encodeToString(java.util.HexFormat.of()
                        .parseHex(upload.sha256())) + ":")
                .body(new FileSystemResource(download.file()));
    }

    @DeleteMapping("/devices/{did}/logs/{defectId}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(operationId = "deleteDeviceLogs", summary = "Delete one log upload, its file and its record (admins); the device may "
            + "upload again under the same defect id while the request has not expired")
    @AdminOnly
    @ProblemResponse(status = 404, type = "logs-upload-not-found", when = "no such upload in the admin's organization")
    void delete(AuthenticatedUser caller, @PathVariable DID did, @PathVariable @Pattern(regexp = DEFECT_ID) String defectId,
            ClientAddress from) {
        logs.delete(caller, did, defectId, from);
    }

    record LogUploadPage(List<LogUploadView> uploads, Long nextBefore) {
    }

    /** `user` is the device's owner; `size` in bytes; `sha256` in hex, of the stored bytes. */
    record LogUploadView(long id, String deviceId, String deviceName, String user, String defectId, long size, String sha256,
            Instant uploadedAt) {
        static LogUploadView of(DeviceLogService.LogUpload u) {
            return new LogUploadView(u.id(), u.device().hex(), u.deviceName(), u.user().value(), u.defectId(), u.size(), u.sha256(),
                    u.uploadedAt());
        }
    }
}
