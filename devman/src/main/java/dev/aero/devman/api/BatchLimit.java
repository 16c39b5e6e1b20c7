package dev.aero.devman.api;

import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;

import dev.aero.common.web.ApiProblemException;

/** The bound on one request's batch ({@code aero.devman.max-batch}), as every batch endpoint checks it. */
final class BatchLimit {

    private final int max;

    BatchLimit(int max) {
        this.max = max;
    }

    /**
     * The batch's items, or 400: {@code <name>-missing} when the request has none,
     * {@code batch-too-large} (with {@code max_batch}) over the bound.
     *
     * @param shape how the items are written, for the error, e.g. {@code [...]}
     */
    <T> List<T> check(List<T> items, String name, String shape) {
        if (items == null) {
            throw new ApiProblemException(HttpStatus.BAD_REQUEST, name + "-missing", "Send {\"" + name + "\": " + shape + "}.");
        }
        if (items.size() > max) {
            throw new ApiProblemException(HttpStatus.BAD_REQUEST, "batch-too-large",
                    "At most " + max + " " + name + " per request; got " + items.size() + ".", Map.of("max_batch", max));
        }
        return items;
    }
}
