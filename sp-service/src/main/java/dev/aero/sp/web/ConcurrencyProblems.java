package dev.aero.sp.web;

import java.util.List;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.HandlerMethod;

import dev.aero.common.web.ProblemTypes;
import dev.aero.common.web.apidoc.DocumentedProblem;
import dev.aero.common.web.apidoc.OperationProblems;

/**
 * Two requests racing for the same row: the loser of a unique-key race gets 409 (the other
 * request created the thing), a lock timeout or deadlock victim gets 503 with Retry-After.
 * Nothing was changed by the losing request: its transaction was rolled back.
 */
@RestControllerAdvice
class ConcurrencyProblems implements OperationProblems {

    private static final List<DocumentedProblem> OF_A_WRITE = List.of(
            new DocumentedProblem(409, "concurrent-change", "a concurrent request changed the same data; read it again"),
            new DocumentedProblem(503, "busy", "the request collided with a concurrent one; retry it (`Retry-After`)"));

    /** Every handler that writes can lose a race. */
    @Override
    public List<DocumentedProblem> of(HandlerMethod handler) {
        boolean writes = Stream.of(PostMapping.class, PutMapping.class, PatchMapping.class, DeleteMapping.class)
                .anyMatch(handler::hasMethodAnnotation);
        return writes ? OF_A_WRITE : List.of();
    }

    private static final Logger log = LoggerFactory.getLogger(ConcurrencyProblems.class);

    @ExceptionHandler(DataIntegrityViolationException.class)
    ResponseEntity<ProblemDetail> conflict(DataIntegrityViolationException e) {
        log.info("Concurrent change refused: {}", e.getMostSpecificCause().getMessage());
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT,
                "A concurrent request changed the same data; read it again.");
        problem.setType(ProblemTypes.of("concurrent-change"));
        return ResponseEntity.status(HttpStatus.CONFLICT).body(problem);
    }

    @ExceptionHandler(PessimisticLockingFailureException.class)
    ResponseEntity<ProblemDetail> busy(PessimisticLockingFailureException e) {
        log.warn("Lock conflict: {}", e.getMostSpecificCause().getMessage());
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                "The request collided with a concurrent one; retry it.");
        problem.setType(ProblemTypes.of("busy"));
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header("Retry-After", "1").body(problem);
    }
}
