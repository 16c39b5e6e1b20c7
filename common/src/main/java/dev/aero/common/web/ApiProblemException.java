package dev.aero.common.web;

import java.util.Map;

import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The exception a handler throws to answer with a problem+json error of its own type, e.g.
 * {@code new ApiProblemException(HttpStatus.CONFLICT, "device-owned-elsewhere", "...")}. The
 * detail is shown to the caller: it must not contain secrets or internals.
 */
public class ApiProblemException extends ErrorResponseException {

    public ApiProblemException(HttpStatusCode status, String slug, String detail) {
        this(status, slug, detail, Map.of());
    }

    public ApiProblemException(HttpStatusCode status, String slug, String detail, Map<String, Object> properties) {
        super(status, problem(status, slug, detail, properties), null);
    }

    private static ProblemDetail problem(HttpStatusCode status, String slug, String detail, Map<String, Object> properties) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(ProblemTypes.of(slug));
        properties.forEach(problem::setProperty);
        return problem;
    }
}
