package dev.aero.sp.devicelogs;

import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;

import dev.aero.common.id.DID;
import dev.aero.common.web.ApiProblemException;

/** The refusals of device log uploads and of their administration (docs/problems.md). */
final class DeviceLogProblems {

    private DeviceLogProblems() {
    }

    static ApiProblemException deviceMismatch(DID certified) {
        return new ApiProblemException(HttpStatus.FORBIDDEN, "device-mismatch",
                "A device uploads only its own logs; the certificate is for " + certified + ".");
    }

    static ApiProblemException notRequested(DID device, String defectId) {
        return new ApiProblemException(HttpStatus.NOT_FOUND, "logs-not-requested",
                "No logs were requested of device " + device + " under defect id " + defectId + ".");
    }

    static ApiProblemException requestExpired(String defectId) {
        return new ApiProblemException(HttpStatus.GONE, "logs-request-expired",
                "The logs request " + defectId + " has expired; an admin can request logs again.");
    }

    static ApiProblemException alreadyUploaded(String defectId) {
        return new ApiProblemException(HttpStatus.CONFLICT, "logs-already-uploaded",
                "Logs for defect id " + defectId + " have been uploaded already.");
    }

    static ApiProblemException tooLarge(long maxBytes) {
        return new ApiProblemException(HttpStatus.PAYLOAD_TOO_LARGE, "logs-too-large",
                "A logs upload is at most " + maxBytes + " bytes.", Map.of("max_bytes", maxBytes));
    }

    static ApiProblemException quotaExceeded() {
        return new ApiProblemException(HttpStatusCode.valueOf(507), "logs-quota-exceeded",
                "SP's storage for device logs is full; try again after older uploads are deleted.");
    }

    static ApiProblemException notGzip(String detail) {
        return new ApiProblemException(HttpStatus.BAD_REQUEST, "logs-not-gzip", detail);
    }

    static ApiProblemException truncated(String detail) {
        return new ApiProblemException(HttpStatus.BAD_REQUEST, "logs-truncated", detail);
    }

    static ApiProblemException uploadNotFound(DID device, String defectId) {
        return new ApiProblemException(HttpStatus.NOT_FOUND, "logs-upload-not-found",
                "No logs upload of device " + device + " under defect id " + defectId + ".");
    }
}
