package dev.aero.sp.web;

import jakarta.servlet.http.HttpServletRequest;

/** Authenticates the caller of a request as a {@code T}, or throws a 401/403 problem. */
public interface CallerResolver<T> {

    Class<T> type();

    T resolve(HttpServletRequest request);
}
