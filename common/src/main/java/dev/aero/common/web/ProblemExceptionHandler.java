package dev.aero.common.web;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;

import dev.aero.common.id.InvalidIdentifierException;
import jakarta.validation.ConstraintViolationException;

/**
 * Turns every exception that leaves a controller into {@code application/problem+json} with a
 * stable {@code type}: validation errors list each field, malformed bodies say where, and an
 * unexpected error is logged with an incident id that the caller gets instead of a stack trace.
 * Ordered last so that a service's own advice for its own exceptions wins.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
public class ProblemExceptionHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemExceptionHandler.class);

    @ExceptionHandler(InvalidIdentifierException.class)
    public ResponseEntity<Object> handleInvalidIdentifier(InvalidIdentifierException e, WebRequest request) {
        return problem(e, HttpStatus.BAD_REQUEST, ProblemTypes.INVALID_IDENTIFIER, e.getMessage(), request);
    }

    @ExceptionHandler(ConstraintViolationException.class)
    public ResponseEntity<Object> handleConstraintViolation(ConstraintViolationException e, WebRequest request) {
        List<Map<String, String>> errors = new ArrayList<>();
        e.getConstraintViolations().forEach(v -> errors.add(fieldError(String.valueOf(v.getPropertyPath()), v.getMessage())));
        return validationProblem(e, errors, new HttpHeaders(), HttpStatus.BAD_REQUEST, request);
    }

    @ExceptionHandler(Exception.class)
    public ResponseEntity<Object> handleUnexpected(Exception e, WebRequest request) {
        String incident = UUID.randomUUID().toString();
        log.error("Unexpected error, incident {} ({})", incident, request.getDescription(false), e);
        ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
                "An unexpected error occurred. Quote incident " + incident + " when reporting it.");
        body.setType(ProblemTypes.INTERNAL_ERROR);
        body.setProperty("incident", incident);
        return handleExceptionInternal(e, body, new HttpHeaders(), HttpStatus.INTERNAL_SERVER_ERROR, request);
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<Map<String, String>> errors = new ArrayList<>();
        e.getBindingResult().getFieldErrors().forEach(fe -> errors.add(fieldError(fe.getField(), fe.getDefaultMessage())));
        e.getBindingResult().getGlobalErrors().forEach(ge -> errors.add(fieldError(ge.getObjectName(), ge.getDefaultMessage())));
        return validationProblem(e, errors, headers, status, request);
    }

    @Override
    protected ResponseEntity<Object> handleHandlerMethodValidationException(HandlerMethodValidationException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<Map<String, String>> errors = new ArrayList<>();
        e.getParameterValidationResults().forEach(result -> result.getResolvableErrors().forEach(err -> errors.add(
                fieldError(String.valueOf(result.getMethodParameter().getParameterName()), err.getDefaultMessage()))));
        return validationProblem(e, errors, headers, status, request);
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        InvalidIdentifierException invalidId = causeOfType(e, InvalidIdentifierException.class);
        if (invalidId != null) {
            return problem(e, status, ProblemTypes.INVALID_IDENTIFIER, invalidId.getMessage(), request);
        }
        RequestBodyLimitFilter.PayloadTooLargeException tooLarge = causeOfType(e, RequestBodyLimitFilter.PayloadTooLargeException.class);
        if (tooLarge != null) {
            return problem(e, HttpStatus.PAYLOAD_TOO_LARGE, ProblemTypes.PAYLOAD_TOO_LARGE,
                    "The request body exceeds " + tooLarge.maxBytes() + " bytes.", request);
        }
        IllegalArgumentException rejected = causeOfType(e, IllegalArgumentException.class);
        String detail = rejected != null && rejected.getClass().getName().startsWith("dev.aero.")
                ? rejected.getMessage()
                : "The request body is not valid JSON of the expected shape" + JsonLocations.describe(e) + ".";
        return problem(e, status, ProblemTypes.MALFORMED_REQUEST, detail, request);
    }

    /** Unmatched paths fall through to the static-resource handler; say so in API terms. */
    @Override
    protected ResponseEntity<Object> handleNoResourceFoundException(NoResourceFoundException e, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        return problem(e, status, ProblemTypes.NOT_FOUND, "No endpoint " + e.getHttpMethod() + " /" + e.getResourcePath() + ".", request);
    }

    @Override
    protected ResponseEntity<Object> handleTypeMismatch(TypeMismatchException e, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        InvalidIdentifierException invalidId = causeOfType(e, InvalidIdentifierException.class);
        if (invalidId != null) {
            return problem(e, status, ProblemTypes.INVALID_IDENTIFIER, invalidId.getMessage(), request);
        }
        String name = e.getPropertyName() != null ? e.getPropertyName() : "a parameter";
        return problem(e, status, ProblemTypes.MALFORMED_REQUEST, "Value of " + name + " has the wrong format.", request);
    }

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception e, Object body, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        if (status.is5xxServerError() && !(body instanceof ProblemDetail p && ProblemTypes.INTERNAL_ERROR.equals(p.getType()))) {
            log.error("Server error {} for {}", status.value(), request.getDescription(false), e);
        }
        return super.handleExceptionInternal(e, body, headers, status, request);
    }

    /** Gives every problem a stable type, also those Spring's base handler built. */
    @Override
    protected ResponseEntity<Object> createResponseEntity(Object body, HttpHeaders headers, HttpStatusCode status,
            WebRequest request) {
        if (body instanceof ProblemDetail problem && isBlankType(problem.getType())) {
            problem.setType(ProblemTypes.forStatus(status));
        }
        return super.createResponseEntity(body, headers, status, request);
    }

    private ResponseEntity<Object> validationProblem(Exception e, List<Map<String, String>> errors, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status, "The request has invalid values.");
        body.setType(ProblemTypes.VALIDATION);
        body.setProperty("errors", errors);
        return handleExceptionInternal(e, body, headers, status, request);
    }

    private static Map<String, String> fieldError(String field, String message) {
        return Map.of("field", field, "message", String.valueOf(message));
    }

    private ResponseEntity<Object> problem(Exception e, HttpStatusCode status, URI type, String detail, WebRequest request) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
        body.setType(type);
        return handleExceptionInternal(e, body, new HttpHeaders(), status, request);
    }

    static boolean isBlankType(URI type) {
        return type == null || "about:blank".equals(type.toString());
    }

    private static <T extends Throwable> T causeOfType(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
