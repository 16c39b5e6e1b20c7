package dev.aero.common.web.apidoc;

import java.util.List;
import java.util.Optional;

import org.springframework.web.method.HandlerMethod;

/**
 * Tells the API document how a handler authenticates its caller, where that is not written on
 * the handler itself (a service resolving its callers from handler parameters, for example).
 * The first bean that knows wins.
 */
public interface OperationAuthentication {

    /** The scheme (one of {@link ApiSecuritySchemes}) and the problems its refusals give, if this bean knows. */
    Optional<Scheme> of(HandlerMethod handler);

    record Scheme(String name, List<DocumentedProblem> refusals) {
    }
}
