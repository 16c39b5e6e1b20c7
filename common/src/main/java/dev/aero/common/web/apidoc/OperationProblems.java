package dev.aero.common.web.apidoc;

import java.util.List;

import org.springframework.web.method.HandlerMethod;

/**
 * Problems that a service's handlers can answer with for a reason of their kind (every write
 * can lose a race, say), declared by the code that answers them rather than on each handler.
 */
public interface OperationProblems {

    List<DocumentedProblem> of(HandlerMethod handler);
}
