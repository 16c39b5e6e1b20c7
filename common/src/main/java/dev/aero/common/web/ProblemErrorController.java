package dev.aero.common.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Answers the servlet container's error dispatch (errors raised outside Spring MVC: a malformed
 * request line, a filter that failed, an oversized upload) with problem+json instead of Boot's
 * default error JSON or white-label page. It reports only the status: the exception, its
 * message and any stack trace stay in the log.
 */
@RestController
@RequestMapping("${server.error.path:/error}")
public class ProblemErrorController implements ErrorController {

    @RequestMapping
    public ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
        HttpStatus status = statusOf(request);
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detailFor(status));
        body.setType(ProblemTypes.forStatus(status));
        Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        if (uri instanceof String path && !path.isEmpty()) {
            body.setInstance(java.net.URI.create(sanitizedPath(path)));
        }
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(body);
    }

    private static HttpStatus statusOf(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        if (code instanceof Integer value) {
            HttpStatus status = HttpStatus.resolve(value);
            if (status != null && status.isError()) {
                return status;
            }
        }
        // Reached directly, not through an error dispatch: there is no such resource.
        return code == null ? HttpStatus.NOT_FOUND : HttpStatus.INTERNAL_SERVER_ERROR;
    }

    private static String detailFor(HttpStatus status) {
        return status.is5xxServerError() ? "An unexpected error occurred." : status.getReasonPhrase() + ".";
    }

    private static String sanitizedPath(String path) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < path.length() && i < 200; i++) {
            char c = path.charAt(i);
            sb.append(c > ' ' && c < 127 && "\"<>\\^`{|}%".indexOf(c) < 0 ? c : '_');
        }
        return sb.toString();
    }
}
