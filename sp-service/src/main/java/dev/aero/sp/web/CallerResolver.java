package dev.aero.sp.web;

import dev.aero.common.web.apidoc.OperationAuthentication;
import jakarta.servlet.http.HttpServletRequest;

/** Authenticates the caller of a request as a {@code T}, or throws a 401/403 problem. */
public interface CallerResolver<T> {

    Class<T> type();

    T resolve(HttpServletRequest request);

    /** How the API document names this authentication and the refusals it gives. */
    OperationAuthentication.Scheme documentation();
}
